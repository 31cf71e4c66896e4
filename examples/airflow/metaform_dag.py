"""metaform on a schedule in Airflow: snapshot OpenMetadata, plan, apply to Alation.

This DAG replaces OpenMetadata's scheduled AlationSink workflow with three steps:

    snapshot   OpenMetadata -> state/**/*.yaml          (`metaform snapshot`)
    plan       state/ vs. what Alation holds now        (`metaform plan --out plan.json`)
    apply      exactly the saved plan                   (`metaform apply plan.json`)

When the plan has no changes, the plan task is marked skipped and so is the apply task.
The plan is printed in the plan task's log, so every run leaves a record of what it did.

Where the desired state is reviewed in git (the GitOps flow), run snapshot in a job that
opens a pull request instead, and let CI plan and apply (see examples/ci/); this DAG is
for teams that want the scheduled, unreviewed sync AlationSink gave them, made
incremental and safe.

Requirements:
- `metaform` on the PATH of the Airflow workers.
- METAFORM_DIR: a directory holding metaform.yaml, where state/ and plan.json are
  written. The three tasks share files through it, so it must be the same directory for
  all of them: run them on one worker (LocalExecutor, or a Celery queue with a single
  worker) or put METAFORM_DIR on a shared volume.
- Secrets: metaform.yaml references them as ${OM_JWT_TOKEN} and ${ALATION_REFRESH_TOKEN}.
  They are read here from Airflow Variables; Airflow masks the values of Variables whose
  names contain "token" in logs and in the rendered-template view. With a secrets backend
  (Vault, AWS Secrets Manager, ...) the same Variable names resolve there.
"""

from datetime import datetime, timedelta, timezone

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.6+ (for skip_on_exit_code)
    from airflow import DAG
    from airflow.operators.bash import BashOperator

METAFORM_DIR = "/opt/metaform/catalog"

# Rendered by Airflow when each task runs; the values never appear in this file.
METAFORM_ENV = {
    "OM_JWT_TOKEN": "{{ var.value.metaform_om_jwt_token }}",
    "ALATION_REFRESH_TOKEN": "{{ var.value.metaform_alation_refresh_token }}",
    # Task logs are not terminals: keep them free of escape codes.
    "NO_COLOR": "1",
}

# Exit code that Airflow turns into "skipped" (BashOperator's skip_on_exit_code default).
SKIP = 99

with DAG(
    dag_id="metaform_openmetadata_to_alation",
    description="Snapshot OpenMetadata, plan and apply the changes to Alation",
    schedule="@hourly",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    # One run at a time: two applies against the same catalog must not interleave.
    max_active_runs=1,
    default_args={
        "cwd": METAFORM_DIR,
        "env": METAFORM_ENV,
        "append_env": True,  # keep PATH and the rest of the worker's environment
        "retries": 0,
    },
    tags=["metaform", "catalog"],
) as dag:
    # Reads only; retried on transient failures beyond metaform's own retries.
    snapshot = BashOperator(
        task_id="snapshot",
        bash_command="metaform snapshot",
        retries=2,
        retry_delay=timedelta(minutes=5),
    )

    # --detailed-exitcode: 0 no changes, 2 changes, 1 error. No changes becomes a skip
    # (and the apply is skipped with it), changes go on to the apply, errors fail.
    plan = BashOperator(
        task_id="plan",
        bash_command=f"""
            metaform plan --detailed-exitcode --out plan.json
            code=$?
            case "$code" in
              0) echo "no changes"; exit {SKIP} ;;
              2) exit 0 ;;
              *) exit "$code" ;;
            esac
        """,
        retries=2,
        retry_delay=timedelta(minutes=5),
    )

    # Executes exactly the saved plan; metaform refuses it if the state files or the
    # catalog changed since the plan (a stale plan). Not retried: after a partial failure
    # (exit code 3) the saved plan is stale by design, and the next run plans again from
    # what Alation then holds and converges.
    apply = BashOperator(
        task_id="apply",
        bash_command="metaform apply --auto-approve plan.json",
    )

    snapshot >> plan >> apply

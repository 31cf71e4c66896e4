//! The safety policy through the command line (SPEC §2 `policy`, §5.3): `prune: never`,
//! `protect`, the percentage guards, `ignore`, a snapshot that suddenly lost tables, and
//! the TLS settings' warnings and errors.

use serde_json::Value;

use crate::workspace::{Config, Run, Workspace};

const GLUE_SCHEMA: &str = "Glue.default.information_schema";
const SHOPIFY_FILE: &str = "state/sample_data/ecommerce_db/shopify.yaml";

/// A converged project: the target holds the sample data.
async fn converged() -> Workspace {
    let workspace = Workspace::new().await;
    workspace.converge().await;
    workspace
}

/// Rewrites `metaform.yaml` with these `policy:` lines (refresh-token auth).
fn set_policy(workspace: &Workspace, policy: &str) {
    workspace.configure(&Config {
        policy: Some(policy.to_owned()),
        ..Config::default()
    });
}

/// Hard-deletes the tables of a schema in the OpenMetadata sandbox whose names `keep`
/// rejects, as if they were dropped at the source.
async fn drop_source_tables(workspace: &Workspace, schema: &str, keep: impl Fn(&str) -> bool) {
    let client = crate::support::client();
    let base = workspace.sandbox.openmetadata_url();
    let jwt = workspace.env("OM_JWT_TOKEN");
    let page: Value = client
        .get(format!("{base}/v1/tables"))
        .query(&[("databaseSchema", schema), ("limit", "100")])
        .bearer_auth(jwt)
        .send()
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("a JSON page");
    let tables = page["data"].as_array().expect("a list of tables");
    assert!(!tables.is_empty(), "{schema} has tables: {page}");
    for table in tables {
        if keep(table["name"].as_str().expect("a table name")) {
            continue;
        }
        let id = table["id"].as_str().expect("a table id");
        let status = client
            .delete(format!("{base}/v1/tables/{id}"))
            .query(&[("hardDelete", "true")])
            .bearer_auth(jwt)
            .send()
            .await
            .expect("the sandbox answers")
            .status();
        assert!(status.is_success(), "DELETE table {id}: {status}");
    }
}

/// Replaces every description in the shopify schema file (the first `limit` of them).
fn edit_descriptions(workspace: &Workspace, limit: usize) {
    let path = workspace.dir.join(SHOPIFY_FILE);
    let text = std::fs::read_to_string(&path).expect("the schema file");
    let mut edited = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            if edited < limit && line.trim_start().starts_with("description:") {
                edited += 1;
                format!("{}description: edited by hand {edited}", &line[..indent])
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(
        edited > 0 && (limit == usize::MAX || edited == limit),
        "{edited} descriptions edited"
    );
    std::fs::write(&path, lines.join("\n") + "\n").expect("write the schema file");
}

fn assert_refused(run: &Run, fragments: &[&str]) {
    assert_eq!(run.code, Some(1), "{}", run.describe());
    for fragment in fragments {
        assert!(
            run.stderr.contains(fragment),
            "`{fragment}`: {}",
            run.describe()
        );
    }
}

/// `prune: never` deletes nothing: the dropped table is shown as an orphan, and apply
/// leaves Alation as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_never_deletes_nothing() {
    let workspace = converged().await;
    set_policy(&workspace, "  prune: never\n");
    drop_source_tables(&workspace, GLUE_SCHEMA, |name| name != "sales").await;
    workspace.run_ok(&["snapshot"]).await;
    let plan = workspace.run_ok(&["plan"]).await;
    assert!(
        plan.stdout
            .contains("! table Glue.default.information_schema.sales"),
        "{}",
        plan.describe()
    );
    assert!(
        plan.stdout
            .contains("no longer desired but will not be deleted"),
        "{}",
        plan.describe()
    );
    let before = workspace.alation_objects();
    workspace.run_ok(&["apply", "--auto-approve"]).await;
    assert_eq!(workspace.alation_objects(), before);
}

/// A plan deleting a `protect`ed address is refused even with `--force`, naming the rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_is_not_overridden_by_force() {
    let workspace = converged().await;
    set_policy(
        &workspace,
        "  protect: [\"Glue.default.information_schema.sales*\"]\n",
    );
    drop_source_tables(&workspace, GLUE_SCHEMA, |name| name != "sales").await;
    workspace.run_ok(&["snapshot"]).await;
    let before = workspace.alation_objects();
    for args in [
        &["plan", "--force"][..],
        &["apply", "--auto-approve", "--force"][..],
    ] {
        let run = workspace.run(args).await;
        assert_refused(
            &run,
            &[
                "refusing to delete `Glue.default.information_schema.sales`",
                "policy.protect pattern `Glue.default.information_schema.sales*`",
                "nothing overrides protect",
            ],
        );
    }
    assert_eq!(workspace.alation_objects(), before);
}

/// A saved plan deleting an address that became `protect`ed after it was saved is
/// refused at apply, even with `--force`, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protect_added_after_saving_refuses_the_saved_plan() {
    let workspace = converged().await;
    drop_source_tables(&workspace, GLUE_SCHEMA, |name| name != "sales").await;
    workspace.run_ok(&["snapshot"]).await;
    workspace
        .run_ok(&["plan", "--force", "--out", "plan.json"])
        .await;
    set_policy(
        &workspace,
        "  protect: [\"Glue.default.information_schema.sales\"]\n",
    );
    let before = workspace.alation_objects();
    let run = workspace.run(&["apply", "plan.json", "--force"]).await;
    assert_refused(
        &run,
        &[
            "plan.json: the plan is refused by the policy",
            "policy.protect pattern `Glue.default.information_schema.sales`",
        ],
    );
    assert_eq!(workspace.alation_objects(), before);
}

/// Too many deletes are refused naming `maxDeletePercent` and `--force`, which lifts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_delete_percent_refuses_until_forced() {
    let workspace = converged().await;
    drop_source_tables(&workspace, GLUE_SCHEMA, |name| name != "sales").await;
    workspace.run_ok(&["snapshot"]).await;
    let run = workspace.run(&["plan"]).await;
    assert_refused(
        &run,
        &[
            "data source `Glue.default`",
            "above policy.maxDeletePercent 30%",
            "--force",
        ],
    );
    let forced = workspace.run_ok(&["plan", "--force"]).await;
    assert!(
        forced.stdout.contains("to destroy"),
        "{}",
        forced.describe()
    );
    workspace
        .run_ok(&["apply", "--auto-approve", "--force"])
        .await;
    let after = workspace.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(after.code, Some(0), "{}", after.describe());
}

/// Too many updates are refused naming `maxUpdatePercent` and `--force`, which lifts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_update_percent_refuses_until_forced() {
    let workspace = converged().await;
    set_policy(&workspace, "  maxUpdatePercent: 10\n");
    edit_descriptions(&workspace, usize::MAX);
    let before = workspace.alation_objects();
    let run = workspace.run(&["apply", "--auto-approve"]).await;
    assert_refused(
        &run,
        &[
            "data source `sample_data.ecommerce_db`",
            "above policy.maxUpdatePercent 10%",
            "--force",
        ],
    );
    assert_eq!(workspace.alation_objects(), before);
    workspace
        .run_ok(&["apply", "--auto-approve", "--force"])
        .await;
    let after = workspace.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(after.code, Some(0), "{}", after.describe());
}

/// An `ignore` rule leaves its field alone: a hand-edited description is not planned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignore_leaves_a_field_alone() {
    let workspace = converged().await;
    edit_descriptions(&workspace, 3);
    let run = workspace.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(run.code, Some(2), "{}", run.describe());
    assert!(run.stdout.contains("edited by hand"), "{}", run.describe());
    set_policy(
        &workspace,
        "  ignore: [\"sample_data.ecommerce_db.shopify*:description\"]\n",
    );
    let run = workspace.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(run.code, Some(0), "{}", run.describe());
}

/// The source suddenly returns no tables for a schema: the snapshot empties its file and
/// the delete guard refuses to wipe the data source; nothing is written to Alation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_source_schema_does_not_wipe_the_datasource() {
    let workspace = converged().await;
    drop_source_tables(&workspace, GLUE_SCHEMA, |_| false).await;
    workspace.run_ok(&["snapshot"]).await;
    let before = workspace.alation_objects();
    let run = workspace.run(&["apply", "--auto-approve"]).await;
    assert_refused(
        &run,
        &["data source `Glue.default`", "policy.maxDeletePercent"],
    );
    assert_eq!(workspace.alation_objects(), before);
}

/// A state directory that lost a schema file does not wipe the schema: refused by the
/// delete guard. One that lost a whole database leaves that data source out of scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_state_files_do_not_wipe_the_datasource() {
    let workspace = converged().await;
    let before = workspace.alation_objects();
    std::fs::remove_file(workspace.dir.join(SHOPIFY_FILE)).expect("remove the schema file");
    let run = workspace.run(&["apply", "--auto-approve"]).await;
    assert_refused(
        &run,
        &[
            "data source `sample_data.ecommerce_db`",
            "policy.maxDeletePercent",
        ],
    );
    assert_eq!(workspace.alation_objects(), before);

    workspace.run_ok(&["snapshot"]).await;
    std::fs::remove_dir_all(workspace.dir.join("state/Glue")).expect("remove the database");
    let run = workspace.run(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(run.code, Some(0), "{}", run.describe());
    workspace.run_ok(&["apply", "--auto-approve"]).await;
    assert_eq!(workspace.alation_objects(), before);
}

/// `verifySSL: ignore` prints a warning on every run, for the source and the target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ssl_ignore_warns_every_run() {
    let workspace = Workspace::new().await;
    let source = format!(
        "source:\n  type: openmetadata\n  hostPort: {}\n  verifySSL: ignore\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n",
        workspace.sandbox.openmetadata_url()
    );
    let target = format!(
        "target:\n  type: alation\n  hostPort: {}\n  verifySSL: ignore\n  auth: {{ refreshToken: \"${{ALATION_REFRESH_TOKEN}}\", userId: \"${{ALATION_USER_ID}}\" }}\n",
        workspace.sandbox.alation_url()
    );
    workspace.write("metaform.yaml", format!("{source}{target}").as_bytes());
    for args in [
        &["snapshot"][..],
        &["snapshot"][..],
        &["plan"][..],
        &["apply", "--auto-approve"][..],
        &["plan"][..],
    ] {
        let run = workspace.run_ok(args).await;
        let expected = if args[0] == "snapshot" {
            "warning: `source.verifySSL: ignore`"
        } else {
            "warning: `target.verifySSL: ignore`"
        };
        assert!(
            run.stderr.contains(expected),
            "{args:?}: {}",
            run.describe()
        );
    }
}

/// A `caCertificate` that does not exist, or holds no certificate, is an error naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ca_certificate_is_a_clear_error() {
    let workspace = Workspace::new().await;
    workspace.run_ok(&["snapshot"]).await;
    workspace.configure(&Config {
        target_extra: "  caCertificate: certs/ca.pem\n".into(),
        ..Config::default()
    });
    let run = workspace.run(&["plan"]).await;
    assert_refused(
        &run,
        &["metaform.yaml:9:18: `target.caCertificate`: no file at `./certs/ca.pem`"],
    );
    workspace.write("certs/ca.pem", b"not a certificate\n");
    let run = workspace.run(&["plan"]).await;
    assert_refused(&run, &["no certificate in the CA bundle `./certs/ca.pem`"]);
}

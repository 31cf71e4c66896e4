//! `metaform apply [PLAN]`: execute a saved plan, or plan and confirm, then report what
//! was applied, what failed and why (SPEC §6).
//!
//! A killed apply loses nothing, and no journal is kept, because everything an apply
//! writes can be found again in Alation itself and every write may be repeated:
//! - a created data source carries the marker `metaform://<source-kind>/<fqn>` in its
//!   `uri`, so the next read binds the database to it even when this process died
//!   between Alation creating it and learning its id: never a second one;
//! - schemas, tables and columns are written by key (POST is an upsert, PATCH sets
//!   fields), so a batch that landed, landed whole (its job ran), and sending it again
//!   changes nothing; a job still running when the process died finishes on its own;
//! - deletes are one Virtual Data Source upload listing the complete desired content,
//!   which is the same request however often it is sent;
//! - the only local state is the apply lock, an OS file lock released when its holder
//!   dies, however it dies.
//!
//! So the next `plan` reads what Alation holds and lists exactly what is still missing
//! (tested by SIGKILLing applies at random points: `tests/it/resilience/kill.rs`).
//! SIGINT and SIGTERM stop it more gently ([`interrupt`]): no new write starts, and the
//! summary says what was not started.

mod interrupt;

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::apply::{self as engine, ApplyReport, Progress};
use crate::apply_lock::ApplyLock;
use crate::cli::{ApplyArgs, PlanFormat};
use crate::core::plan::{
    self, CurrentState, Plan, PlanError, PlanFile, PolicyViolation, check_fresh, check_items,
};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::Printer;
use crate::progress::Counters;
use crate::target::{ItemStatus, Target};

use super::reconcile::{Session, keep_until_exit};

/// Runs the apply command: 0 when everything was applied, 3 on a partial apply, 1 on
/// an error before any write, 130 or 143 when SIGINT or SIGTERM stopped the writes.
pub fn run(args: ApplyArgs) -> Result<ExitStatus> {
    let printer = Printer::new(args.color);
    let session = Session::open(
        &args.config,
        args.force,
        args.parallelism,
        "apply",
        &printer,
    )?;
    let lock_dir = lock_dir(&session.config.file);
    let _lock = ApplyLock::acquire_with_notice(
        &lock_dir,
        &session.target.describe().url,
        // `--lock-wait 0` (the default) refuses at once, without "waiting 0s".
        (args.lock_wait > 0).then(|| Duration::from_secs(args.lock_wait)),
        |path, holder| {
            printer.info(&format!(
                "Waiting up to {}s for another apply against this target ({holder}; lock `{}`).",
                args.lock_wait,
                path.display()
            ));
        },
    )?;
    let (plan, current) = match &args.plan {
        Some(path) => saved_plan(&session, path)?,
        None => {
            let Some(planned) = fresh_plan(&session, &args, &printer)? else {
                return Ok(ExitStatus::Success);
            };
            planned
        }
    };
    if !plan.has_changes() {
        printer.info("No changes. Nothing to apply.");
        return Ok(ExitStatus::Success);
    }
    let items = plan.into_apply_order();
    let stop = AtomicBool::new(false);
    let mut progress = progress_reporter(&session.progress, items.len());
    let applying = printer.progress("apply", &session.progress);
    let (report, signal) = session.runtime.block_on(interrupt::until_signalled(
        engine::apply(
            &session.target,
            &items,
            &session.catalog,
            &current,
            &stop,
            &mut progress,
        ),
        &stop,
        |signal| {
            printer.warn(&format!(
                "{}: stopping; no new write starts, the writes in flight end first \
                 (send it again to stop at once)",
                signal.name()
            ));
        },
        |signal| {
            printer.warn(&format!(
                "{} again: stopping at once; writes in flight may still complete in the target",
                signal.name()
            ));
            printer.hint(CONVERGE_HINT);
        },
    ))?;
    drop(applying);
    summarise(&report, &printer);
    let status = match signal {
        Some(signal) => ExitStatus::Interrupted(signal),
        None => report.exit_status(),
    };
    keep_until_exit((items, current, report, session));
    Ok(status)
}

/// The engine's progress hook, heard after every batch: counts the batch and the items
/// done of `items` in `counters`, which the printer shows.
fn progress_reporter(counters: &Counters, items: usize) -> impl FnMut(Progress) + use<> {
    counters.items(0, items);
    let counters = counters.clone();
    move |progress: Progress| {
        counters.batch_written();
        counters.items(progress.done, progress.total);
    }
}

/// What to do after an apply that did not write everything.
const CONVERGE_HINT: &str = "run `metaform plan` to see what is still missing, then `metaform apply` again: applies converge";

/// The lock directory: `.metaform/` beside the configuration file.
fn lock_dir(config_file: &Path) -> std::path::PathBuf {
    config_file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(".metaform")
}

/// Loads a saved plan and refuses it when it is stale; returns it with the current
/// state it was checked against.
fn saved_plan(session: &Session, path: &Path) -> Result<(Plan, CurrentState)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let saved = PlanFile::from_json(&text).map_err(|e| saved_plan_error(path, e))?;
    let current = session.read_current()?;
    let desired = session.desired();
    check_fresh(&saved, &desired, &current).map_err(|e| saved_plan_error(path, e))?;
    // The checksum catches accidental edits; an edit with a recomputed checksum must still
    // be the plan this desired state and this target give.
    let recomputed = match plan::plan(&desired, &current, &session.policy) {
        Ok(plan) => plan,
        Err(PlanError::Refused { violations, plan }) => {
            // Nothing overrides `protect` (SPEC §5.3), not even a plan saved before the
            // pattern was added; the percentages were checked when the plan was saved.
            let protected: Vec<String> = violations
                .iter()
                .filter(|v| matches!(v, PolicyViolation::Protected { .. }))
                .map(ToString::to_string)
                .collect();
            if !protected.is_empty() {
                return Err(Error::Refused {
                    plan_file: Some(path.to_path_buf()),
                    reasons: protected,
                });
            }
            *plan
        }
        Err(err) => return Err(Error::Plan(err)),
    };
    check_items(&saved, &recomputed).map_err(|e| saved_plan_error(path, e))?;
    Ok((saved.plan(), current))
}

/// The error of the saved plan at `path` that cannot be applied as it is.
fn saved_plan_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::SavedPlan {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

/// Plans now, shows the plan and asks for confirmation; `None` when declined.
fn fresh_plan(
    session: &Session,
    args: &ApplyArgs,
    printer: &Printer,
) -> Result<Option<(Plan, CurrentState)>> {
    let planned = session.plan(false)?;
    keep_until_exit(planned.desired);
    let plan = super::plan::accepted(planned.outcome, PlanFormat::Text, printer)?;
    if !plan.has_changes() || args.auto_approve {
        return Ok(Some((plan, planned.current)));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::NoConfirmation);
    }
    printer.prompt("\nApply these changes? Only `yes` is accepted: ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Service(format!("cannot read the answer: {e}")))?;
    if answer.trim() == "yes" {
        Ok(Some((plan, planned.current)))
    } else {
        printer.info("Apply cancelled.");
        Ok(None)
    }
}

/// Prints what was applied, what failed and why, what was skipped and what was not
/// started.
fn summarise(report: &ApplyReport, printer: &Printer) {
    for outcome in &report.outcomes {
        match &outcome.status {
            ItemStatus::Failed(message) => {
                printer.error(&format!(
                    "{} `{}`: {message}",
                    verb(outcome.action),
                    outcome.address
                ));
            }
            ItemStatus::Skipped(message) => {
                printer.warn(&format!("skipped `{}`: {message}", outcome.address));
            }
            _ => {}
        }
    }
    let engine::Counts {
        applied,
        failed,
        skipped,
        not_started,
    } = report.counts();
    let not_started_text = if not_started > 0 {
        format!(", {not_started} not started")
    } else {
        String::new()
    };
    printer.info(&format!(
        "Apply: {applied} applied, {failed} failed, {skipped} skipped{not_started_text} ({} write request(s)).",
        report.write_requests
    ));
    if failed + skipped + not_started > 0 {
        printer.hint(CONVERGE_HINT);
    }
}

fn verb(action: crate::core::plan::Action) -> &'static str {
    use crate::core::plan::Action;
    match action {
        Action::Create => "creating",
        Action::Update => "updating",
        Action::Delete => "deleting",
        Action::Orphan | Action::Missing => "reporting",
    }
}

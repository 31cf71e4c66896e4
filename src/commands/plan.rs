//! `metaform plan`: show what apply would change in the target, and why (SPEC §5).
//! Never writes to a catalog.

use crate::cli::{PlanArgs, PlanFormat};
use crate::core::plan::{Plan, PlanError, PlanFile};
use crate::core::render;
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::Printer;

use super::reconcile::{Session, keep_until_exit};

/// Runs the plan command: exit 0, or with `--detailed-exitcode` 0 (no changes) or 2
/// (changes); every error is 1.
pub fn run(args: PlanArgs) -> Result<ExitStatus> {
    let printer = Printer::new(args.color);
    let session = Session::open(&args.config, args.force, args.parallelism, "plan", &printer)?;
    let planned = session.plan(args.out.is_some())?;
    let plan = accepted(planned.outcome, args.format, &printer)?;
    if let (Some(out), Some(desired_sha256)) = (&args.out, planned.desired_sha256) {
        let file = PlanFile::with_desired_sha256(&plan, desired_sha256, &planned.current);
        super::state_dir::write_atomically(out, file.to_json().as_bytes())?;
        printer.info(&format!(
            "Saved the plan to `{}`; apply it with `metaform apply {}`.",
            out.display(),
            out.display()
        ));
    }
    let status = if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    };
    keep_until_exit((session, planned.desired, planned.current, plan));
    Ok(status)
}

/// Shows the plan (also a refused one, so the reviewer sees what tripped the policy)
/// and returns it when the policy accepts it.
pub(super) fn accepted(
    outcome: std::result::Result<Plan, PlanError>,
    format: PlanFormat,
    printer: &Printer,
) -> Result<Plan> {
    match outcome {
        Ok(plan) => {
            printer.data(&render_plan(&plan, format, printer))?;
            Ok(plan)
        }
        Err(PlanError::Refused { violations, plan }) => {
            printer.data(&render_plan(&plan, format, printer))?;
            Err(Error::Refused {
                plan_file: None,
                reasons: violations.iter().map(ToString::to_string).collect(),
            })
        }
        Err(err) => Err(Error::Plan(err)),
    }
}

/// The plan in the requested format.
pub(super) fn render_plan(plan: &Plan, format: PlanFormat, printer: &Printer) -> String {
    match format {
        PlanFormat::Text => render::render_text(plan, printer.color_enabled_stdout()),
        PlanFormat::Json => render::render_json(plan),
        PlanFormat::Markdown => render::render_markdown(plan),
    }
}

//! Lost answers (`kinds=lost`: handled in full, then the connection dropped) on the one
//! write that is not safe to repeat, the data source create: never a second data
//! source, and the next apply converges.

use std::path::Path;

use metaform::sim::SandboxOptions;

use super::cycle::{Endpoints, Workspace, start, stored_objects};

/// Every data source create, virtual (v1) or OCF (v2), loses its answer.
const FAULTS: &str =
    "rate=1,kinds=lost,methods=POST,paths=/integration/v1/datasource/+/integration/v2/datasource/";

/// With every data source create's answer lost, applies (virtual and OCF) converge
/// under the same faults with exactly one data source per database.
#[test]
fn lost_datasource_create_answers_make_no_duplicate() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let binary = Path::new(env!("CARGO_BIN_EXE_metaform"));
    for create_as in ["virtual", "ocf"] {
        let workspace = Workspace::new();
        let sandbox = start(
            &runtime,
            SandboxOptions {
                seed: metaform::sim::Seed::Generated("1x2x1x2x2".parse().expect("a catalog")),
                faults: FAULTS.parse().expect("a valid fault spec"),
                ..SandboxOptions::default()
            },
        );
        workspace.configure_as(&Endpoints::of(&sandbox), create_as);
        let snapshot = workspace.run(binary, &["snapshot"]);
        assert!(snapshot.status.success(), "{snapshot:?}");
        let first = workspace.run(binary, &["apply", "--auto-approve"]);
        let code = first.status.code();
        assert!(
            matches!(code, Some(0 | 3)),
            "{create_as}: the first apply exited {code:?}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        let again = workspace.run(binary, &["apply", "--auto-approve"]);
        assert!(
            again.status.success(),
            "{create_as}: the next apply failed: {}",
            String::from_utf8_lossy(&again.stderr)
        );
        let plan = workspace.run(binary, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.status.code(), Some(0), "{create_as}: not converged");
        let lost = sandbox.alation_faults().records();
        assert_eq!(
            lost.len(),
            2,
            "{create_as}: one create per database: {lost:?}"
        );
        let desired = workspace.desired();
        let stored = stored_objects(&sandbox, &desired);
        assert!(
            stored.duplicates().is_empty(),
            "{create_as}: {:?}",
            stored.duplicates()
        );
        let (missing, unexpected) = desired.compare(&stored, &Default::default());
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{create_as}: missing {missing:?}, unexpected {unexpected:?}"
        );
        runtime
            .block_on(sandbox.shutdown())
            .expect("the sandbox stops");
    }
}

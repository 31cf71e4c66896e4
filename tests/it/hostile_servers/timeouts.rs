//! HTTP timeouts come from `metaform.yaml`: a server that accepts and never answers
//! costs at most the configured request timeout per attempt.

use std::time::Duration;

use super::server::{Project, silent};

/// A hung source and a hung target fail `check` within the configured timeouts, each
/// naming its endpoint.
#[tokio::test]
async fn hung_server_was_waited_for_with_fixed_timeouts() {
    let source = silent().await;
    let target = silent().await;
    let project = Project::new(&format!(
        "source:\n  type: openmetadata\n  hostPort: {source}/api\n  auth: {{ jwtToken: \"${{OM_JWT_TOKEN}}\" }}\n  timeouts: {{ connect: 1s, request: 1s }}\ntarget:\n  type: alation\n  hostPort: {target}\n  auth: {{ accessToken: \"${{ALATION_ACCESS_TOKEN}}\" }}\n  timeouts: {{ request: 1s, jobWait: 5m }}\n"
    ));
    let run = project
        .run(
            &["check"],
            &[
                ("OM_JWT_TOKEN", super::TOKEN),
                ("ALATION_ACCESS_TOKEN", super::TOKEN),
            ],
        )
        .await;
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(
        run.output
            .contains("GET /api/v1/system/version: timed out after 1s (`timeouts.request`)"),
        "{run:?}"
    );
    assert!(
        run.output
            .contains("GET /integration/v1/userinfo/: timed out after 1s (`timeouts.request`)"),
        "{run:?}"
    );
    assert!(run.elapsed < Duration::from_secs(15), "{run:?}");
}

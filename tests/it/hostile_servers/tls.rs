//! `metaform check` warns when certificates are not verified.

use super::server::Project;

/// `verifySSL: ignore` on the source or the target is a `warning:` line of `check`.
#[tokio::test]
async fn check_did_not_warn_about_verify_ssl_ignore() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let project = Project::new(&format!(
        "source:\n  type: openmetadata\n  hostPort: {url}/api\n  auth: {{ jwtToken: x.y.z }}\n  verifySSL: ignore\ntarget:\n  type: alation\n  hostPort: {url}\n  auth: {{ accessToken: abc }}\n  verifySSL: ignore\n"
    ));
    let run = project.run(&["check"], &[]).await;
    assert_eq!(run.code, Some(1), "{run:?}");
    for side in ["source", "target"] {
        assert!(
            run.output
                .contains(&format!("warning: `{side}.verifySSL: ignore`")),
            "{run:?}"
        );
    }
}

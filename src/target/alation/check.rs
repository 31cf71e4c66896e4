//! `metaform check` for Alation: authenticate, ask who the user is
//! (`GET /integration/v1/userinfo/`), then whether the user's role may write. Nothing is
//! written, and no credential appears in the output.

use crate::api::alation::{AlationClient, AlationError, AlationRole, UserInfo};
use crate::check::{CheckOutcome, without_userinfo};

/// Authentication and the user behind it, then whether that user may write.
pub(super) async fn check_alation(client: &AlationClient) -> Vec<CheckOutcome> {
    let url = without_userinfo(client.base_url());
    let user = match client.userinfo().await {
        Ok(user) => user,
        Err(err) => {
            return vec![CheckOutcome::failed(
                "target",
                format!("Alation at {url}: {err}; {}", auth_advice(&err)),
            )];
        }
    };
    vec![
        CheckOutcome::ok(
            "target",
            format!(
                "Alation at {url} accepts the credentials of user `{}` (id {})",
                user.username, user.id
            ),
        ),
        write_permission(&user),
    ]
}

/// Whether `user` may write, in words a user can act on.
fn write_permission(user: &UserInfo) -> CheckOutcome {
    let role = user.role();
    let name = &user.username;
    match role {
        AlationRole::SourceAdmin => CheckOutcome::ok(
            "target",
            format!(
                "user `{name}` has role Source Admin: it may write to the data sources it \
                 creates and to those it is a Data Source Admin of (`datasourceLinks`)"
            ),
        ),
        role if role.can_write() => CheckOutcome::ok(
            "target",
            format!("user `{name}` has role {role}: it may write"),
        ),
        AlationRole::Other(_) => CheckOutcome::failed(
            "target",
            format!(
                "user `{name}` has role `{role}`, which is not one that may write: ask an \
                 Alation admin for Source Admin on the data sources (Catalog Admin or Server \
                 Admin also may write)"
            ),
        ),
        role => CheckOutcome::failed(
            "target",
            format!(
                "user `{name}` has role {role}: it cannot write; ask an Alation admin for \
                 Source Admin on the data sources"
            ),
        ),
    }
}

/// What to do when Alation refused or could not be reached.
fn auth_advice(err: &AlationError) -> &'static str {
    match err {
        AlationError::Http(http) => match http.status() {
            None => "check `target.hostPort` and that the server is reachable",
            Some(401 | 403) => {
                "check `target.auth`: a refresh token may have expired or been revoked \
                 (`metaform login alation` creates a new one)"
            }
            Some(_) => "check `target.hostPort`: it is the instance's base URL",
        },
        AlationError::Auth(_) => {
            "check `target.auth` (`metaform login alation` creates a refresh token)"
        }
        _ => "check `target.hostPort`: it is the instance's base URL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Viewer is told it cannot write and what to ask for; an admin is told it may.
    #[test]
    fn write_permission_is_worded_for_action() {
        let user = |role: &str| UserInfo {
            id: 7,
            username: "x".into(),
            role: role.into(),
        };
        let viewer = write_permission(&user("VIEWER"));
        assert!(!viewer.ok);
        assert_eq!(
            viewer.line(false),
            "failed  target: user `x` has role Viewer: it cannot write; ask an Alation admin \
             for Source Admin on the data sources"
        );
        let admin = write_permission(&user("SERVER_ADMIN"));
        assert!(admin.ok);
        assert_eq!(
            admin.line(false),
            "ok      target: user `x` has role Server Admin: it may write"
        );
        assert!(!write_permission(&user("STEWARD")).ok);
    }
}

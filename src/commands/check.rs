//! `metaform check`: before the first plan, and whenever one fails at authentication,
//! find out which end is wrong (SPEC §8, like OpenMetadata's Test Connection).
//!
//! `verifySSL: ignore` on either side is a warning first, as for plan and apply. Each
//! check prints one line, `ok` or `failed`, saying in words what was found and,
//! on failure, what to do about it. The source check reads the server version (which
//! needs no token) and then lists database services (which does). The target check
//! authenticates and asks Alation who the user is (`GET /integration/v1/userinfo/`), then
//! whether the user's role may write. Nothing is written anywhere, and no credential
//! appears in the output: errors name endpoints and configuration keys, never values.
//! The configured timeouts apply, with fewer retries than other commands.

use std::time::Duration;

use anstyle::{AnsiColor, Style};

use crate::api::alation::{AlationError, AlationRole, UserInfo};
use crate::api::openmetadata::{OmError, OpenMetadataClient};
use crate::cli::CheckArgs;
use crate::config::{
    AlationTarget, Config, OpenMetadataConnection, SourceConnection, TargetConfig, TlsConfig,
    VerifySsl,
};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::http::{HttpClient, HttpOptions, RetryPolicy};
use crate::output::{ColorChoice, Printer};

/// The outcome of one check.
struct Outcome {
    ok: bool,
    /// `source` or `target`.
    side: &'static str,
    /// What was found, and on failure what to do.
    message: String,
}

impl Outcome {
    fn ok(side: &'static str, message: String) -> Self {
        Self {
            ok: true,
            side,
            message,
        }
    }

    fn failed(side: &'static str, message: String) -> Self {
        Self {
            ok: false,
            side,
            message,
        }
    }

    fn line(&self, color: bool) -> String {
        let (word, style) = if self.ok {
            ("ok    ", AnsiColor::Green)
        } else {
            ("failed", AnsiColor::Red)
        };
        let word = if color {
            let style = Style::new().bold().fg_color(Some(style.into()));
            format!("{style}{word}{style:#}")
        } else {
            word.to_owned()
        };
        format!("{word}  {}: {}", self.side, self.message)
    }
}

/// Runs the check command: exit 0 when every check passes, 1 otherwise.
pub fn run(args: CheckArgs) -> Result<ExitStatus> {
    let printer = Printer::new(ColorChoice::Auto);
    let config = Config::load(&args.config)?;
    if config.source.is_none() && config.target.is_none() {
        return Err(Error::Usage(format!(
            "{}: neither a `source` nor a `target` section: nothing to check",
            config.file.display()
        )));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    match config.source.as_ref().map(|s| &s.connection) {
        Some(SourceConnection::OpenMetadata(om)) => warn_unverified(&printer, "source", &om.tls),
        Some(SourceConnection::Atlas(atlas)) => warn_unverified(&printer, "source", &atlas.tls),
        None => {}
    }
    match &config.target {
        Some(TargetConfig::Alation(alation)) => warn_unverified(&printer, "target", &alation.tls),
        Some(TargetConfig::OpenMetadata(om)) => warn_unverified(&printer, "target", &om.tls),
        None => {}
    }
    let mut outcomes = Vec::new();
    match config.source.as_ref().map(|s| &s.connection) {
        Some(SourceConnection::OpenMetadata(om)) => {
            outcomes.extend(runtime.block_on(check_openmetadata("source", om)));
        }
        Some(SourceConnection::Atlas(_)) => outcomes.push(Outcome::failed(
            "source",
            "checking an Apache Atlas source is not supported yet".into(),
        )),
        None => {}
    }
    match &config.target {
        Some(TargetConfig::Alation(alation)) => {
            outcomes.extend(runtime.block_on(check_alation(alation)));
        }
        Some(TargetConfig::OpenMetadata(om)) => {
            outcomes.extend(runtime.block_on(check_openmetadata("target", om)));
        }
        None => {}
    }
    let color = printer.color_enabled_stdout();
    let report: Vec<String> = outcomes.iter().map(|o| o.line(color)).collect();
    printer.data(&report.join("\n"))?;
    Ok(ExitStatus::success_if(outcomes.iter().all(|o| o.ok)))
}

/// HTTP options for a check: the configured TLS settings, timeouts and size limit, and
/// few retries, so that an unreachable server is reported in seconds rather than after
/// a long backoff.
fn check_http(options: HttpOptions) -> HttpOptions {
    HttpOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(1),
        },
        ..options
    }
}

/// Warns that `side`'s certificates are not verified, as plan and apply do.
fn warn_unverified(printer: &Printer, side: &str, tls: &TlsConfig) {
    if tls.verify == VerifySsl::Ignore {
        printer.warn(&format!(
            "`{side}.verifySSL: ignore`: TLS certificates of the {side} are not verified"
        ));
    }
}

/// The server's version, then whether the JWT is accepted.
async fn check_openmetadata(side: &'static str, om: &OpenMetadataConnection) -> Vec<Outcome> {
    let url = without_userinfo(&om.host_port);
    let client = match HttpClient::new(&check_http(om.http_options()))
        .map_err(|e| e.to_string())
        .and_then(|http| {
            OpenMetadataClient::new(http, &om.host_port, om.jwt_token.clone())
                .map_err(|e| e.to_string())
        }) {
        Ok(client) => client,
        Err(message) => {
            return vec![Outcome::failed(
                side,
                format!("{message}; check `{side}.hostPort`"),
            )];
        }
    };
    let version = match client.check_version().await {
        Ok(version) => version,
        Err(err) => {
            return vec![Outcome::failed(
                side,
                format!(
                    "cannot reach OpenMetadata at {url}: {err}; check `{side}.hostPort` (it ends in `/api`)"
                ),
            )];
        }
    };
    let mut outcomes = vec![Outcome::ok(
        side,
        format!("OpenMetadata {version} answers at {url}"),
    )];
    outcomes.push(match client.database_services().await {
        Ok(services) => Outcome::ok(
            side,
            format!(
                "the JWT is accepted: {} database service(s) visible",
                services.len()
            ),
        ),
        Err(err @ OmError::Unauthorized { .. }) => Outcome::failed(
            side,
            format!(
                "{err}; check `{side}.auth.jwtToken`: use the JWT of a bot (OpenMetadata: Settings > Bots)"
            ),
        ),
        Err(err) => Outcome::failed(side, format!("cannot list database services: {err}")),
    });
    outcomes
}

/// Authentication and the user behind it, then whether that user may write.
async fn check_alation(target: &AlationTarget) -> Vec<Outcome> {
    let url = without_userinfo(&target.host_port);
    let client = match super::reconcile::alation_client(target, check_http(target.http_options())) {
        Ok(client) => client,
        Err(err) => return vec![Outcome::failed("target", err.to_string())],
    };
    let user = match client.userinfo().await {
        Ok(user) => user,
        Err(err) => {
            return vec![Outcome::failed(
                "target",
                format!("Alation at {url}: {err}; {}", auth_advice(&err)),
            )];
        }
    };
    vec![
        Outcome::ok(
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
fn write_permission(user: &UserInfo) -> Outcome {
    let role = user.role();
    let name = &user.username;
    match role {
        AlationRole::SourceAdmin => Outcome::ok(
            "target",
            format!(
                "user `{name}` has role Source Admin: it may write to the data sources it \
                 creates and to those it is a Data Source Admin of (`datasourceLinks`)"
            ),
        ),
        role if role.can_write() => Outcome::ok(
            "target",
            format!("user `{name}` has role {role}: it may write"),
        ),
        AlationRole::Other(_) => Outcome::failed(
            "target",
            format!(
                "user `{name}` has role `{role}`, which is not one that may write: ask an \
                 Alation admin for Source Admin on the data sources (Catalog Admin or Server \
                 Admin also may write)"
            ),
        ),
        role => Outcome::failed(
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

/// `url` without a `user:password@` part, which must not be printed.
fn without_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both only fail for URLs that cannot carry credentials, which these do.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_owned(),
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

    /// Credentials in a URL are never printed.
    #[test]
    fn urls_lose_their_userinfo() {
        assert_eq!(
            without_userinfo("https://me:secret@alation.example.com/"),
            "https://alation.example.com/"
        );
        assert_eq!(
            without_userinfo("http://127.0.0.1:8585/api"),
            "http://127.0.0.1:8585/api"
        );
    }
}

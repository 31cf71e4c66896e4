//! `metaform login alation`: turn a username and password into a refresh token, once,
//! for a CI secret (SPEC §8).
//!
//! A refresh token lets CI authenticate without a password and without creating a new
//! token on every run (which is what OpenMetadata's AlationSink did). The token and its
//! user id are the only bytes on stdout, in `NAME=value` lines that a secret store or
//! `gh secret set -f` reads; what to do with them is said on stderr. The password is
//! read from stdin or `ALATION_PASSWORD`, never from a flag, which would leave it in the
//! shell history and the process list.

use std::io::BufRead;

use secrecy::{ExposeSecret, SecretString};

use crate::api::alation::{AlationAuth, AlationClient, AlationConfig, JobPolling};
use crate::cli::{LoginAlationArgs, LoginArgs, LoginSystem};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::http::{HttpClient, HttpOptions};
use crate::output::{ColorChoice, Printer};

/// The environment variable the password may come from.
const PASSWORD_VARIABLE: &str = "ALATION_PASSWORD";

/// Runs the login command.
pub fn run(args: LoginArgs) -> Result<ExitStatus> {
    match args.system {
        LoginSystem::Alation(args) => alation(args),
    }
}

fn alation(args: LoginAlationArgs) -> Result<ExitStatus> {
    let printer = Printer::new(ColorChoice::Auto);
    let url = reqwest::Url::parse(&args.host)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| {
            Error::Usage(format!(
                "`--host {}` is not an http(s) URL, e.g. `https://alation.example.com`",
                args.host
            ))
        })?;
    let password = password(args.password_stdin)?;
    let http = HttpClient::new(&HttpOptions::default())
        .map_err(|e| Error::Service(format!("cannot set up the HTTP client: {e}")))?;
    let client = AlationClient::new(
        http,
        AlationConfig {
            base_url: args.host.clone(),
            auth: AlationAuth::Password {
                username: args.username.clone(),
                password: password.clone(),
                project_name: args.project_name.clone(),
            },
            page_size: 1,
            polling: JobPolling::default(),
        },
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let (token, user_id) = runtime
        .block_on(client.create_refresh_token(&args.username, &password, &args.project_name))
        .map_err(|e| Error::Service(format!("logging in to Alation at {url}: {e}")))?;
    printer.data(&format!(
        "ALATION_REFRESH_TOKEN={}\nALATION_USER_ID={user_id}",
        token.expose_secret()
    ))?;
    printer.info(&format!(
        "Created the refresh token `{}` for user `{}` (id {user_id}) on {url}.\n\
         It is shown only this once: store ALATION_REFRESH_TOKEN as a secret (for example \
         `gh secret set ALATION_REFRESH_TOKEN`) and authenticate with\n  \
         target:\n    auth: {{ refreshToken: ${{ALATION_REFRESH_TOKEN}}, userId: {user_id} }}\n\
         The token expires after the instance's refresh-token lifetime (60 days by default); \
         run this command again to replace it.",
        args.project_name, args.username
    ));
    Ok(ExitStatus::Success)
}

/// The password: the first line of stdin with `--password-stdin`, else `ALATION_PASSWORD`.
fn password(from_stdin: bool) -> Result<SecretString> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::Usage(format!("cannot read the password from stdin: {e}")))?;
        line.truncate(line.trim_end_matches(['\n', '\r']).len());
        line
    } else {
        std::env::var(PASSWORD_VARIABLE).map_err(|_| {
            Error::Usage(format!(
                "no password: pipe it to `--password-stdin`, or set `{PASSWORD_VARIABLE}`"
            ))
        })?
    };
    if password.is_empty() {
        return Err(Error::Usage(if from_stdin {
            "the password read from stdin is empty".into()
        } else {
            format!("`{PASSWORD_VARIABLE}` is empty")
        }));
    }
    Ok(SecretString::from(password))
}

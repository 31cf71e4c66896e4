//! `metaform check`: before the first plan, and whenever one fails at authentication,
//! find out which end is wrong (SPEC §8, like OpenMetadata's Test Connection).
//!
//! `verifySSL: ignore` on either side is a warning first, as for plan and apply. Each
//! check prints one line, `ok` or `failed`, saying in words what was found and,
//! on failure, what to do about it; the source and the target say what they check
//! ([`Source::check`], [`Target::check`]). Nothing is written anywhere, and no credential
//! appears in the output: errors name endpoints and configuration keys, never values.
//! The configured timeouts apply, with fewer retries than other commands.

use crate::check::CheckOutcome;
use crate::cli::CheckArgs;
use crate::config::{Config, TlsConfig, VerifySsl};
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};
use crate::source::{self, AnySource, Source};
use crate::target::{AnyTarget, Target};

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
    let connection = config.source.as_ref().map(|s| &s.connection);
    if let Some(connection) = connection {
        warn_unverified(&printer, "source", connection.tls());
    }
    if let Some(target) = &config.target {
        warn_unverified(&printer, "target", target.tls());
    }
    let mut outcomes = Vec::new();
    if let Some(connection) = connection {
        match AnySource::from_config(connection, &config.file) {
            Ok(source) => outcomes.extend(runtime.block_on(source.check())),
            Err(err) => outcomes.push(CheckOutcome::failed("source", err.to_string())),
        }
    }
    if let Some(target) = &config.target {
        match AnyTarget::from_config(target, source::kind_of(connection), &config.file) {
            Ok(target) => outcomes.extend(runtime.block_on(target.check())),
            Err(err) => outcomes.push(CheckOutcome::failed("target", err.to_string())),
        }
    }
    let color = printer.color_enabled_stdout();
    let report: Vec<String> = outcomes.iter().map(|o| o.line(color)).collect();
    printer.data(&report.join("\n"))?;
    Ok(ExitStatus::success_if(outcomes.iter().all(|o| o.ok)))
}

/// Warns that `side`'s certificates are not verified, as plan and apply do.
fn warn_unverified(printer: &Printer, side: &str, tls: &TlsConfig) {
    if tls.verify == VerifySsl::Ignore {
        printer.warn(&format!(
            "`{side}.verifySSL: ignore`: TLS certificates of the {side} are not verified"
        ));
    }
}

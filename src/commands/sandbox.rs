//! `metaform sandbox`: serve the simulators until interrupted.
//!
//! Scripts wait for the one ready line on stdout, then read the credentials printed
//! after it; everything else goes to stderr.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use secrecy::SecretString;

use crate::cli::SandboxArgs;
use crate::error::{Error, Result};
use crate::exit_status::ExitStatus;
use crate::output::{ColorChoice, Printer};
use crate::sim::{Sandbox, SandboxOptions, Seed};

/// Runs the sandbox command.
pub fn run(args: SandboxArgs) -> Result<ExitStatus> {
    let options = options(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(serve(options))?;
    Ok(ExitStatus::Success)
}

fn options(args: SandboxArgs) -> SandboxOptions {
    let seed = match (args.data, args.generate) {
        (Some(dir), _) => Seed::SampleData(dir),
        (None, Some(spec)) => Seed::Generated(spec),
        (None, None) => Seed::Empty,
    };
    let mut options = SandboxOptions {
        openmetadata_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, args.openmetadata_port)),
        alation_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, args.alation_port)),
        seed,
        persist: args.persist,
        faults: args.faults.unwrap_or_default(),
        openmetadata_jwt: args.openmetadata_jwt.map(SecretString::from),
        ..SandboxOptions::default()
    };
    if let Some(seconds) = args.access_token_ttl {
        options.alation.access_token_ttl = Duration::from_secs(seconds);
    }
    if let Some(seconds) = args.refresh_token_ttl {
        options.alation.refresh_token_ttl = Duration::from_secs(seconds);
    }
    options
}

async fn serve(options: SandboxOptions) -> Result<()> {
    let printer = Printer::new(ColorChoice::Never);
    if let Some(path) = options.persist.as_ref().filter(|path| path.exists())
        && !matches!(options.seed, Seed::Empty)
    {
        printer.info(&format!(
            "note: loading the state saved in `{}`; the seed options are ignored",
            path.display()
        ));
    }
    // Listen for signals before announcing readiness: a script that stops the sandbox
    // right after the ready line must get a clean shutdown, not the default action.
    let stop = interrupted()?;
    let sandbox = Sandbox::start(options).await?;
    let mut text = format!(
        "sandbox ready: openmetadata={} alation={}\n",
        sandbox.openmetadata_url(),
        sandbox.alation_url()
    );
    for line in sandbox.credentials().describe() {
        text.push_str(&line);
        text.push('\n');
    }
    // A reader may stop after the ready line (`head -1`): the sandbox keeps serving.
    match printer.data(&text) {
        Err(Error::Stdout(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written?,
    }
    stop.await?;
    printer.info("sandbox: shutting down");
    sandbox.shutdown().await
}

/// A future that resolves on Ctrl-C or, on Unix, SIGTERM; the handlers are installed
/// when this returns, not when the future is first polled.
fn interrupted() -> Result<impl std::future::Future<Output = Result<()>>> {
    let fail = Error::Signals;
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).map_err(fail)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(fail)?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => Ok(()),
                _ = terminate.recv() => Ok(()),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move { tokio::signal::ctrl_c().await.map_err(fail) })
    }
}

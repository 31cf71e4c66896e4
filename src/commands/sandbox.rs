//! `metaform sandbox`: serve the simulators until interrupted.
//!
//! Scripts wait for the one ready line on stdout, then read the credentials printed
//! after it; everything else goes to stderr.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use secrecy::SecretString;

use crate::cli::SandboxArgs;
use crate::error::{Error, Result};
use crate::sim::{Sandbox, SandboxOptions, Seed};

/// Runs the sandbox command.
pub fn run(args: SandboxArgs) -> Result<u8> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("METAFORM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let options = options(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Error::Service(format!("cannot start the async runtime: {err}")))?;
    runtime.block_on(serve(options))?;
    Ok(0)
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
    if let Some(path) = options.persist.as_ref().filter(|path| path.exists())
        && !matches!(options.seed, Seed::Empty)
    {
        eprintln!(
            "note: loading the state saved in `{}`; the seed options are ignored",
            path.display()
        );
    }
    let sandbox = Sandbox::start(options).await?;
    let mut out = std::io::stdout().lock();
    let mut lines = vec![format!(
        "sandbox ready: openmetadata={} alation={}",
        sandbox.openmetadata_url(),
        sandbox.alation_url()
    )];
    lines.extend(sandbox.credentials().describe());
    for line in lines {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|err| Error::Service(format!("cannot write to stdout: {err}")))?;
    }
    drop(out);
    interrupted().await?;
    eprintln!("sandbox: shutting down");
    sandbox.shutdown().await
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn interrupted() -> Result<()> {
    let fail = |err: std::io::Error| Error::Service(format!("cannot listen for signals: {err}"));
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(fail)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(fail),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(fail)
    }
}

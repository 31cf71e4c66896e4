//! Startup cost of a large sandbox: time to ready and peak memory.
//!
//! ```sh
//! cargo run --release --example sandbox_bench -- [SPEC] [--persist FILE]
//! ```
//! SPEC is `services x databases x schemas x tables x columns` (default `1x1x10x10000x20`:
//! 100,000 tables of 20 columns). With `--persist FILE` (which must not exist yet), the
//! start also writes the state file, and a second start loads it back.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a developer tool's report, not the product's output, which goes through the Printer"
)]

use std::path::PathBuf;
use std::time::Instant;

use metaform::sim::openmetadata::GenerateSpec;
use metaform::sim::{Sandbox, SandboxOptions, Seed};

const DEFAULT_SPEC: &str = "1x1x10x10000x20";

fn main() -> Result<(), String> {
    let mut spec = DEFAULT_SPEC.to_owned();
    let mut persist: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--persist" => persist = Some(args.next().ok_or("--persist needs a FILE")?.into()),
            _ => spec = arg,
        }
    }
    let spec: GenerateSpec = spec.parse()?;
    if let Some(path) = persist.as_ref().filter(|p| p.exists()) {
        return Err(format!("`{}` exists; give a new file", path.display()));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let options = SandboxOptions {
            seed: Seed::Generated(spec),
            persist: persist.clone(),
            ..SandboxOptions::default()
        };
        let tables = spec.services * spec.databases * spec.schemas * spec.tables;
        println!("catalog: {tables} tables x {} columns", spec.columns);
        let (sandbox, elapsed) = timed_start(options.clone()).await?;
        println!(
            "ready in {elapsed:.2?} (generate{})",
            if persist.is_some() { " + save" } else { "" }
        );
        sandbox.shutdown().await.map_err(|e| e.to_string())?;
        if let Some(path) = &persist {
            let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
            println!("state file: {:.1} MiB", size as f64 / (1 << 20) as f64);
            let (sandbox, elapsed) = timed_start(options).await?;
            println!("ready in {elapsed:.2?} (load)");
            sandbox.shutdown().await.map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    })?;
    println!("peak RSS: {}", peak_rss());
    Ok(())
}

async fn timed_start(options: SandboxOptions) -> Result<(Sandbox, std::time::Duration), String> {
    let started = Instant::now();
    let sandbox = Sandbox::start(options).await.map_err(|e| e.to_string())?;
    Ok((sandbox, started.elapsed()))
}

/// `VmHWM` of this process (Linux), e.g. `412345 kB`.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:").map(|v| v.trim().to_owned()))
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_owned())
}

//! The `metaform` binary an example runs as child processes: `METAFORM_BIN`, else the
//! one beside the example's own directory (`target/<profile>/metaform`), which
//! `cargo run --example` does not build: it must be built with the same profile first,
//! and rebuilt whenever the library changed since (a warning says when it looks older).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The `metaform` binary to run, or what to do to get one.
pub fn metaform_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("METAFORM_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this program: {e}"))?;
    let Some(profile_dir) = exe.parent().and_then(Path::parent) else {
        return Err(format!(
            "`{}` is not under target/<profile>/examples: set METAFORM_BIN",
            exe.display()
        ));
    };
    let build = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("release") => "cargo build --release".to_owned(),
        Some("debug") => "cargo build".to_owned(),
        Some(profile) => format!("cargo build --profile {profile}"),
        None => "cargo build".to_owned(),
    };
    let binary = profile_dir.join(format!("metaform{}", std::env::consts::EXE_SUFFIX));
    let Some(built) = modified(&binary) else {
        return Err(format!(
            "the `metaform` binary is not built (`{}`): run `{build}` first, or set METAFORM_BIN",
            binary.display()
        ));
    };
    // `cargo run --example` rebuilds the library (and the example with it) without the
    // binary: an older binary would be run in place of the current code.
    if newest_library(&profile_dir.join("deps")).is_some_and(|library| library > built) {
        eprintln!(
            "warning: the `metaform` binary (`{}`) is older than the library: it may not be the current code (`{build}` rebuilds it)",
            binary.display()
        );
    }
    Ok(binary)
}

/// When the newest `libmetaform-*.rlib` under `deps` was written.
fn newest_library(deps: &Path) -> Option<SystemTime> {
    std::fs::read_dir(deps)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libmetaform-") && name.ends_with(".rlib")
        })
        .filter_map(|entry| modified(&entry.path()))
        .max()
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .ok()
        .filter(|meta| meta.is_file())
        .and_then(|meta| meta.modified().ok())
}

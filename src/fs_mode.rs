//! Temporary files for atomic writes that end up with the mode a plain create gives.
//!
//! `tempfile` creates its files with mode 0600, and renaming one into place keeps that
//! mode, so a state file or a saved plan would be unreadable to the group a plain
//! `File::create` (0666 minus the umask, e.g. 0644 under 022) lets read it. Creating
//! the temporary file with 0666 lets the kernel apply the process's umask, exactly as
//! for a plain create.

use std::io;
use std::path::Path;

use tempfile::NamedTempFile;

/// A new temporary file in `dir`, named `<prefix><random>` (hidden when `prefix` starts
/// with `.`), whose mode is that of a plain create under the umask.
pub fn temp_file_in(dir: &Path, prefix: &str) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

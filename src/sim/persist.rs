//! Saving and loading the sandboxes' state, atomically.
//!
//! `metaform sandbox --persist FILE` keeps both sandboxes in one JSON file so that `plan`
//! and `apply`, run as separate processes, meet the same server state across restarts.
//! A save writes a temporary file in the same directory, syncs it, renames it over the
//! old one and syncs the directory: a crash leaves either the old or the new state,
//! never a torn file. Saves follow changes, at most one per [`DEBOUNCE`], plus a final
//! one at shutdown.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::alation::AlationState;
use super::openmetadata::OmState;
use super::server::stopped;
use super::shared::Shared;
use crate::error::Error;

/// The shortest time between two saves.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// The value of the file's `format` field; another value is refused.
const FORMAT: &str = "metaform-sandbox-state/1";

/// What the file holds, for writing (borrowed, so a large catalog is not copied).
#[derive(Serialize)]
struct Snapshot<'a> {
    format: &'static str,
    openmetadata_jwt: &'a str,
    openmetadata: &'a OmState,
    alation: &'a AlationState,
}

/// The content of a state file.
#[derive(Deserialize)]
pub struct Persisted {
    format: String,
    /// The bearer token the OpenMetadata sandbox accepted, kept so clients stay configured.
    pub openmetadata_jwt: String,
    /// The OpenMetadata sandbox's state.
    pub openmetadata: OmState,
    /// The Alation sandbox's state.
    pub alation: AlationState,
}

/// Both sandboxes' live state, as saved together.
#[derive(Clone)]
pub struct States {
    /// The bearer token of the OpenMetadata sandbox.
    pub openmetadata_jwt: String,
    /// The OpenMetadata sandbox's state.
    pub openmetadata: Shared<OmState>,
    /// The Alation sandbox's state.
    pub alation: Shared<AlationState>,
}

impl States {
    fn versions(&self) -> (u64, u64) {
        (self.openmetadata.version(), self.alation.version())
    }
}

/// Reads a state file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> Result<Option<Persisted>, Error> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                action: "open the sandbox state file",
                path: path.to_owned(),
                source,
            });
        }
    };
    let reader = BufReader::with_capacity(1 << 20, file);
    let persisted: Persisted = serde_json::from_reader(reader).map_err(|err| {
        Error::Usage(format!(
            "`{}` is not a readable sandbox state file: {err}\n\nhint: delete it to start from a fresh sandbox",
            path.display()
        ))
    })?;
    if persisted.format != FORMAT {
        return Err(Error::Usage(format!(
            "`{}` has state format `{}`, expected `{FORMAT}`",
            path.display(),
            persisted.format
        )));
    }
    Ok(Some(persisted))
}

/// Writes both states to `path` atomically. Blocks: call it off the async runtime.
pub fn save(path: &Path, states: &States) -> Result<(), Error> {
    let io = |action: &'static str, target: &Path| {
        let path = target.to_owned();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let temp = crate::fs_mode::temp_file_in(&dir, ".sandbox-state")
        .map_err(io("create a temporary file in", &dir))?;
    {
        let mut writer = BufWriter::with_capacity(1 << 20, temp.as_file());
        let openmetadata = states.openmetadata.read();
        let alation = states.alation.read();
        let snapshot = Snapshot {
            format: FORMAT,
            openmetadata_jwt: &states.openmetadata_jwt,
            openmetadata: &openmetadata,
            alation: &alation,
        };
        serde_json::to_writer(&mut writer, &snapshot)
            .map_err(|err| Error::Service(format!("cannot encode the sandbox state: {err}")))?;
        writer.flush().map_err(io("write", temp.path()))?;
    }
    temp.as_file().sync_all().map_err(io("sync", temp.path()))?;
    temp.persist(path)
        .map_err(|err| io("replace", path)(err.error))?;
    // The rename is durable once the directory is synced.
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync the directory", &dir))?;
    Ok(())
}

/// Saves the changes made after this call, at most once per [`DEBOUNCE`] (or per the
/// last save's duration, if longer, so a large state is not saved back to back), until
/// `shutdown` turns true; then saves a last time and returns that save's outcome. A
/// failed intermediate save is logged and tried again at the next change.
pub fn run(
    path: PathBuf,
    states: States,
    mut shutdown: watch::Receiver<bool>,
) -> impl Future<Output = Result<(), Error>> + Send + 'static {
    // Read now, not when the task first runs, so no change in between is missed.
    let mut saved = states.versions();
    async move {
        let mut pause = DEBOUNCE;
        loop {
            tokio::select! {
                _ = states.openmetadata.changed_since(saved.0) => {}
                _ = states.alation.changed_since(saved.1) => {}
                () = stopped(&mut shutdown) => break,
            }
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = stopped(&mut shutdown) => break,
            }
            saved = states.versions();
            let started = tokio::time::Instant::now();
            if let Err(err) = save_off_runtime(&path, &states).await {
                tracing::error!("{err}");
            }
            pause = DEBOUNCE.max(started.elapsed());
        }
        save_off_runtime(&path, &states).await
    }
}

/// [`save`] on the blocking pool.
pub async fn save_off_runtime(path: &Path, states: &States) -> Result<(), Error> {
    let (path, states) = (path.to_owned(), states.clone());
    tokio::task::spawn_blocking(move || save(&path, &states))
        .await
        .map_err(|err| Error::Service(format!("saving the sandbox state stopped: {err}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(jwt: &str) -> States {
        States {
            openmetadata_jwt: jwt.to_owned(),
            openmetadata: Shared::new(OmState::default()),
            alation: Shared::new(AlationState::default()),
        }
    }

    /// A saved file loads back, and saving again replaces it without leftovers.
    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        assert!(load(&path).expect("missing file is fine").is_none());
        save(&path, &states("first")).expect("save");
        save(&path, &states("second")).expect("save again");
        let loaded = load(&path).expect("load").expect("file exists");
        assert_eq!(loaded.openmetadata_jwt, "second");
        let entries = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(entries, 1, "no temporary file is left behind");
    }

    /// A corrupt file is refused with an error naming it.
    #[test]
    fn corrupt_file_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{\"format\": ").expect("write");
        let err = load(&path)
            .err()
            .expect("corrupt file is refused")
            .to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("not a readable sandbox state file"), "{err}");
    }

    /// The persister saves a change within the debounce delay, and once more at shutdown.
    #[tokio::test]
    async fn persister_follows_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        let states = states("jwt");
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(run(path.clone(), states.clone(), shutdown));
        drop(states.alation.write());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !path.exists() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no save after a change"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        std::fs::remove_file(&path).expect("remove");
        stop.send_replace(true);
        task.await.expect("persister ends").expect("final save");
        assert!(path.exists(), "final save at shutdown");
    }
}

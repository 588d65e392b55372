//! The workspace's atomic file writing: every file zoo writes is made as a temporary in its
//! destination folder and renamed into place, so an error or a crash never leaves a partial
//! file under the final name.

use std::path::{Path, PathBuf};

/// The prefix of every temporary file zoo writes (`.zoo-XXXXXX<suffix>.part`).
pub const TEMP_PREFIX: &str = ".zoo-";

/// A temporary file in `path`'s folder (so that the final rename stays on one file system),
/// held under an exclusive advisory lock (`flock`) until it is put in place or dropped. A
/// process killed mid-write (SIGKILL, power loss) leaves its temporary behind, unlocked: the
/// next temporary made in that folder removes such leftovers (see [`clean_stale`]).
pub fn temp_beside(path: &Path, suffix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    clean_stale(&dir);
    let tmp = tempfile::Builder::new().prefix(TEMP_PREFIX).suffix(suffix).tempfile_in(dir)?;
    tmp.as_file().lock()?;
    Ok(tmp)
}

/// Removes the temporaries of dead writers from `dir`: files named `.zoo-*.part` that nobody
/// holds locked and that are older than a second. A live writer holds its lock from just after
/// creating the file (the second covers that gap) until the file is renamed into place, and
/// the kernel drops the lock of a process that dies, so a lockable old temporary is always a
/// leftover. Best effort: a folder that cannot be read is left alone.
pub fn clean_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(".part")) {
            continue;
        }
        let old = e
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs_f64() > 1.0);
        if !old {
            continue;
        }
        let Ok(f) = std::fs::File::open(e.path()) else { continue };
        if f.try_lock().is_ok() && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Puts a finished temporary file in place at `path`, readable as an ordinary file would be, so
/// that a crash at any moment leaves the old file or the complete new one: the data is synced
/// before the rename (else the rename may reach the disk first and a crash leaves an empty or
/// partial file under the final name), and the folder after it (else the rename itself may be
/// lost). Every file zoo writes goes through here.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // A folder opened read-only can be fsynced on Linux and macOS.
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a dead writer's temporary goes: unlocked and over a second old. A live writer's
    /// (locked) and a fresh one stay, and so does anything not named as zoo's.
    #[test]
    fn stale_temporaries_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let aged = |p: &Path| {
            let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(5)).unwrap();
        };
        let live = temp_beside(&dir.path().join("a.onnx"), ".onnx.part").unwrap();
        aged(live.path());
        let dead = dir.path().join(".zoo-dead01.onnx.part");
        std::fs::write(&dead, b"partial").unwrap();
        aged(&dead);
        let fresh = dir.path().join(".zoo-fresh1.onnx.part");
        let made = std::time::Instant::now();
        std::fs::write(&fresh, b"partial").unwrap();
        let other = dir.path().join(".zoo-notes.txt");
        std::fs::write(&other, b"mine").unwrap();
        aged(&other);
        let removed = clean_stale(dir.path());
        // A machine stalled past the second makes the fresh one old: then it goes too.
        if made.elapsed().as_secs_f64() < 1.0 {
            assert_eq!(removed, 1);
            assert!(fresh.exists());
        }
        assert!(!dead.exists() && other.exists() && live.path().exists());
        // Once put in place, the live one is an ordinary file.
        persist(live, &dir.path().join("a.onnx")).unwrap();
        assert_eq!(clean_stale(dir.path()), 0);
    }
}

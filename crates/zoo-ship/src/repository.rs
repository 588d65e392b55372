//! A Triton model repository on disk (Triton's docs/user_guide/model_repository.md):
//!
//! ```text
//! REPO/<name>/config.pbtxt
//! REPO/<name>/labels.txt                  (class names, when the configuration names them)
//! REPO/<name>/<version>/model.onnx        (+ the external-data files it names, beside it)
//! ```
//!
//! Versions are positive integers; Triton serves the latest by default. Adding a model whose
//! files and configuration equal the latest version's is a no-op; a changed one becomes version
//! N + 1, and the configuration is rewritten. A version folder is assembled in a temporary folder
//! inside the model folder and renamed into place, and every file is fsynced, so a crash leaves
//! the repository as it was or with the complete new version — never half of one. A repository
//! folder holding anything but model folders, or a model folder holding anything but
//! `config.pbtxt`, `labels.txt` and version folders, is refused: zoo does not write into what it did not make.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::ShipError;

/// The files of one model version: the `.onnx` file, to be stored as `model.onnx`, and the
/// external-data files it names (stored under the names it records).
#[derive(Debug, Clone)]
pub struct ModelFiles {
    pub model: PathBuf,
    pub data: Vec<(PathBuf, String)>,
}

/// What adding a model did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Version 1 of a new model.
    Created { version: u32 },
    /// A new version beside earlier ones.
    Added { version: u32 },
    /// The latest version already holds these files and this configuration.
    Unchanged { version: u32 },
}

impl Outcome {
    pub fn version(&self) -> u32 {
        match self {
            Outcome::Created { version } | Outcome::Added { version } | Outcome::Unchanged { version } => *version,
        }
    }
}

const CONFIG: &str = "config.pbtxt";
const LABELS: &str = crate::triton::LABELS;
const MODEL: &str = "model.onnx";

fn io(path: &Path) -> impl Fn(std::io::Error) -> ShipError + '_ {
    move |source| ShipError::Io { path: path.display().to_string(), source }
}

fn refuse(path: &Path, reason: &str) -> ShipError {
    ShipError::Repository { path: path.display().to_string(), reason: reason.to_string() }
}

/// Adds `files` as model `name` of the repository at `repo` with configuration `config` and,
/// when given, the labels file's text (the configuration names it, see `triton::LABELS`).
pub fn add(
    repo: &Path,
    name: &str,
    config: &str,
    labels: Option<&str>,
    files: &ModelFiles,
) -> Result<Outcome, ShipError> {
    crate::triton::check_name(name)?;
    // What this call creates goes again if it fails: a half-made model folder would stop
    // Triton from loading the repository.
    let mut created = Created { repo: (!repo.exists()).then(|| repo.to_path_buf()), folder: None };
    std::fs::create_dir_all(repo).map_err(io(repo))?;
    check_repository(repo)?;
    let folder = repo.join(name);
    if folder.is_dir() {
        clean_stale_stages(&folder);
    }
    let versions = if folder.exists() { model_versions(&folder)? } else { vec![] };
    if let Some(&latest) = versions.last() {
        let dir = folder.join(latest.to_string());
        let same_config = std::fs::read_to_string(folder.join(CONFIG)).ok().as_deref() == Some(config);
        let same_labels = std::fs::read_to_string(folder.join(LABELS)).ok().as_deref() == labels;
        if same_config && same_labels && same_files(&dir, files)? {
            return Ok(Outcome::Unchanged { version: latest });
        }
    }
    let version = versions.last().map_or(1, |v| v + 1);
    if !folder.exists() {
        created.folder = Some(folder.clone());
    }
    std::fs::create_dir_all(&folder).map_err(io(&folder))?;
    // The staging folder's name follows a locked temporary beside it (`.zoo-X.lock.part` →
    // `.zoo-X.stage`): a bundle killed mid-copy leaves both, unlocked, and the next bundle
    // into this model folder removes them (see `clean_stale_stages`).
    let lock = zoo_graph::write::temp_beside(&folder.join(CONFIG), ".lock.part").map_err(io(&folder))?;
    let stem = lock.path().file_name().unwrap_or_default().to_string_lossy().trim_end_matches(".lock.part").to_string();
    let staging_path = folder.join(format!("{stem}.stage"));
    std::fs::create_dir(&staging_path).map_err(io(&staging_path))?;
    let mut staging = Staging(staging_path);
    copy_synced(&files.model, &staging.0.join(MODEL))?;
    for (src, location) in &files.data {
        copy_synced(src, &staging.0.join(location))?;
    }
    let target = folder.join(version.to_string());
    std::fs::rename(&staging.0, &target).map_err(io(&target))?;
    // In place: nothing left for the guard to remove.
    staging.0 = PathBuf::new();
    drop(lock);
    sync_dir(&folder)?;
    // The labels before the configuration that names them; a configuration without labels
    // leaves no stale file behind.
    match labels {
        Some(text) => write_synced(&folder.join(LABELS), text.as_bytes())?,
        None if folder.join(LABELS).exists() => {
            std::fs::remove_file(folder.join(LABELS)).map_err(io(&folder))?;
            sync_dir(&folder)?;
        }
        None => {}
    }
    write_synced(&folder.join(CONFIG), config.as_bytes())?;
    sync_dir(repo)?;
    created.keep();
    Ok(if versions.is_empty() { Outcome::Created { version } } else { Outcome::Added { version } })
}

/// Folders this bundle created, removed if it fails before the configuration is in place: the
/// model folder with what it holds, the repository only if nothing else has gone into it.
struct Created {
    repo: Option<PathBuf>,
    folder: Option<PathBuf>,
}

impl Created {
    /// The bundle is in place: nothing to remove.
    fn keep(&mut self) {
        (self.repo, self.folder) = (None, None);
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
        if let Some(repo) = &self.repo {
            let _ = std::fs::remove_dir(repo);
        }
    }
}

/// A staging folder, removed if the bundle fails before it is renamed into place.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Removes the staging folders of killed bundles: `.zoo-X.stage` whose `.zoo-X.lock.part` is
/// gone (removed as stale by `temp_beside`) or held by nobody, and over a second old.
fn clean_stale_stages(folder: &Path) {
    zoo_graph::write::clean_stale(folder);
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".stage").filter(|s| s.starts_with(zoo_graph::write::TEMP_PREFIX)) else {
            continue;
        };
        let old = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
        if !old.is_some_and(|age| age.as_secs_f64() > 1.0) {
            continue;
        }
        let lock = folder.join(format!("{stem}.lock.part"));
        let held = std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_err());
        if !held {
            let _ = std::fs::remove_dir_all(e.path());
            let _ = std::fs::remove_file(&lock);
        }
    }
}

/// Every entry of a repository must be a model folder (one with a config.pbtxt).
fn check_repository(repo: &Path) -> Result<(), ShipError> {
    if !repo.is_dir() {
        return Err(refuse(repo, "is not a folder"));
    }
    for e in std::fs::read_dir(repo).map_err(io(repo))? {
        let e = e.map_err(io(repo))?;
        let p = e.path();
        let is_model = e.file_type().map_err(io(&p))?.is_dir() && p.join(CONFIG).is_file();
        if !is_model {
            return Err(refuse(
                &p,
                "is not a Triton model folder (no config.pbtxt): the repository holds other things; choose an empty or zoo-made folder",
            ));
        }
    }
    Ok(())
}

/// The version numbers of a model folder, ascending; anything else in it is refused.
fn model_versions(folder: &Path) -> Result<Vec<u32>, ShipError> {
    let mut versions = Vec::new();
    for e in std::fs::read_dir(folder).map_err(io(folder))? {
        let e = e.map_err(io(folder))?;
        let name = e.file_name().to_string_lossy().into_owned();
        // zoo's own temporaries of a bundle in progress (or of one killed, not yet cleaned).
        if name == CONFIG || name == LABELS || name.starts_with(zoo_graph::write::TEMP_PREFIX) {
            continue;
        }
        match name.parse::<u32>() {
            Ok(v) if v > 0 && e.file_type().map_err(io(&e.path()))?.is_dir() && name == v.to_string() => {
                versions.push(v)
            }
            _ => {
                return Err(refuse(
                    &e.path(),
                    "is neither config.pbtxt, labels.txt nor a version folder: zoo did not make this model folder",
                ));
            }
        }
    }
    versions.sort_unstable();
    Ok(versions)
}

fn digest(path: &Path) -> Result<[u8; 32], ShipError> {
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io(path))?;
    Ok(h.finalize().into())
}

/// Whether version folder `dir` holds exactly `files`, byte for byte.
fn same_files(dir: &Path, files: &ModelFiles) -> Result<bool, ShipError> {
    let mut want: Vec<(String, [u8; 32])> = vec![(MODEL.to_string(), digest(&files.model)?)];
    for (src, location) in &files.data {
        want.push((location.clone(), digest(src)?));
    }
    let mut have = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io(dir))? {
        let e = e.map_err(io(dir))?;
        have.push((e.file_name().to_string_lossy().into_owned(), digest(&e.path())?));
    }
    want.sort();
    have.sort();
    Ok(want == have)
}

fn copy_synced(from: &Path, to: &Path) -> Result<(), ShipError> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::copy(from, to).map_err(io(to))?;
    std::fs::File::open(to).and_then(|f| f.sync_all()).map_err(io(to))
}

/// Through zoo's one atomic writer: temporary file beside, fsync, rename, fsync of the folder.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ShipError> {
    let mut tmp = zoo_graph::write::temp_beside(path, ".part").map_err(io(path))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io(path))?;
    zoo_graph::write::persist(tmp, path).map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), ShipError> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io(dir))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn files(dir: &Path, content: &[u8]) -> ModelFiles {
        let model = dir.join("m.onnx");
        std::fs::write(&model, content).unwrap();
        ModelFiles { model, data: vec![] }
    }

    #[test]
    fn versions_grow_only_when_something_changed() {
        let src = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        let r = repo.path().join("repo");
        assert_eq!(add(&r, "m", "cfg", None, &files(src.path(), b"a")).unwrap(), Outcome::Created { version: 1 });
        assert_eq!(add(&r, "m", "cfg", None, &files(src.path(), b"a")).unwrap(), Outcome::Unchanged { version: 1 });
        assert_eq!(add(&r, "m", "cfg", None, &files(src.path(), b"b")).unwrap(), Outcome::Added { version: 2 });
        assert_eq!(add(&r, "m", "cfg2", None, &files(src.path(), b"b")).unwrap(), Outcome::Added { version: 3 });
        assert_eq!(std::fs::read(r.join("m/1/model.onnx")).unwrap(), b"a");
        assert_eq!(std::fs::read_to_string(r.join("m/config.pbtxt")).unwrap(), "cfg2");
        // Nothing temporary is left.
        let names: Vec<_> = std::fs::read_dir(r.join("m")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
    }

    #[test]
    fn labels_are_part_of_what_changes_a_model() {
        let src = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        let r = repo.path().join("repo");
        add(&r, "m", "cfg", Some("cat\ndog\n"), &files(src.path(), b"a")).unwrap();
        assert_eq!(std::fs::read_to_string(r.join("m/labels.txt")).unwrap(), "cat\ndog\n");
        let again = add(&r, "m", "cfg", Some("cat\ndog\n"), &files(src.path(), b"a")).unwrap();
        assert_eq!(again, Outcome::Unchanged { version: 1 });
        let renamed = add(&r, "m", "cfg", Some("cat\nwolf\n"), &files(src.path(), b"a")).unwrap();
        assert_eq!(renamed, Outcome::Added { version: 2 });
        assert_eq!(add(&r, "m", "cfg", None, &files(src.path(), b"a")).unwrap(), Outcome::Added { version: 3 });
        assert!(!r.join("m/labels.txt").exists());
    }

    /// A bundle killed mid-copy leaves `.zoo-X.stage` and its unlocked `.zoo-X.lock.part`; the
    /// next bundle removes both and goes on.
    #[test]
    fn a_killed_bundles_staging_folder_is_cleaned() {
        let src = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        let r = repo.path().join("repo");
        add(&r, "m", "cfg", None, &files(src.path(), b"a")).unwrap();
        let (stage, lock) = (r.join("m/.zoo-dead01.stage"), r.join("m/.zoo-dead01.lock.part"));
        std::fs::create_dir(&stage).unwrap();
        std::fs::write(stage.join("model.onnx"), b"half").unwrap();
        std::fs::write(&lock, b"").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(5);
        for p in [&stage, &lock] {
            std::fs::File::open(p).unwrap().set_modified(old).unwrap();
        }
        assert_eq!(add(&r, "m", "cfg", None, &files(src.path(), b"b")).unwrap(), Outcome::Added { version: 2 });
        assert!(!stage.exists() && !lock.exists());
        let names: Vec<_> = std::fs::read_dir(r.join("m")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn foreign_things_are_refused() {
        let src = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("notes.txt"), "x").unwrap();
        let e = add(repo.path(), "m", "cfg", None, &files(src.path(), b"a")).unwrap_err().to_string();
        assert!(e.contains("notes.txt") && e.contains("holds other things"), "{e}");

        let repo = tempfile::tempdir().unwrap();
        add(repo.path(), "m", "cfg", None, &files(src.path(), b"a")).unwrap();
        std::fs::create_dir(repo.path().join("m/latest")).unwrap();
        let e = add(repo.path(), "m", "cfg", None, &files(src.path(), b"b")).unwrap_err().to_string();
        assert!(e.contains("latest") && e.contains("zoo did not make"), "{e}");
        let e = add(repo.path(), "../up", "cfg", None, &files(src.path(), b"b")).unwrap_err().to_string();
        assert!(e.contains("bundle name `../up` is rejected"), "{e}");
    }
}

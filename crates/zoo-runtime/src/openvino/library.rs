//! Finding the OpenVINO C API library (`libopenvino_c.so.*`) and checking its release.
//!
//! Mirrors ONNX Runtime's rules (`crate::onnxruntime::library`): the `openvino` wheel ships
//! `openvino/libs/libopenvino_c.so.<MAJOR%100><MINOR><PATCH>` (2026.4.1: `.so.2641`) next to
//! `libopenvino.so` and its plugins, found through the library's `$ORIGIN` run path. The
//! release is read from the library itself (`ov_get_openvino_version`), not from the name.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use super::ffi::OvLibrary;
use crate::RuntimeError;

/// The OpenVINO release zoo is tested against (`pip install openvino==2026.4.1`). Any
/// 2026.4.x is accepted: patch releases keep the C API.
pub const OPENVINO_VERSION: &str = "2026.4.1";

/// The environment variable naming the library, like `ORT_DYLIB_PATH` for ONNX Runtime.
pub const ENV_VAR: &str = "OPENVINO_LIB_PATH";

fn fix() -> String {
    format!(
        "install it with `pip install openvino=={OPENVINO_VERSION}` (scripts/test puts it in .venv), \
         or pass --ov-lib PATH / set {ENV_VAR} to .../openvino/libs/libopenvino_c.so.*"
    )
}

/// The OpenVINO library found and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryInfo {
    pub path: PathBuf,
    /// Which rule of [`find_library`] found it.
    pub found_by: &'static str,
    /// `major.minor.patch` from the library's build number.
    pub version: String,
    /// The full build number, e.g. `2026.4.1-22982-e213a147257-releases/2026/4`.
    pub build: String,
}

/// Locates `libopenvino_c`. Rules, in order:
/// 1. `explicit` (`--ov-lib`);
/// 2. `OPENVINO_LIB_PATH` (what `scripts/test` exports);
/// 3. the `openvino` package of `.venv` in the current directory;
/// 4. the `openvino` package of the virtualenv the program named with
///    [`crate::set_project_venv`] (the `zoo` binary names its build tree's `.venv`);
/// 5. the `openvino` package that `python3` imports.
///
/// A wrong explicit path or variable is an error, never a reason to look elsewhere.
pub fn find_library(explicit: Option<&Path>) -> Result<(PathBuf, &'static str), RuntimeError> {
    if let Some(path) = explicit {
        return check_file(path, "--ov-lib").map(|p| (p, "--ov-lib"));
    }
    if let Some(path) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return check_file(Path::new(&path), ENV_VAR).map(|p| (p, ENV_VAR));
    }
    let mut tried = vec!["--ov-lib (not given)".to_string(), format!("{ENV_VAR} (not set)")];
    let mut venvs: Vec<(PathBuf, &'static str)> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        venvs.push((cwd.join(".venv"), ".venv in the current directory"));
    }
    if let Some(project) = crate::venv::project_venv()
        && !venvs.first().is_some_and(|(v, _)| same_file(v, project))
    {
        venvs.push((project.to_path_buf(), ".venv of the project zoo was built from"));
    }
    for (venv, rule) in venvs {
        match venv_libs_dirs(&venv).iter().find_map(|d| library_in(d)) {
            Some(lib) => return Ok((lib, rule)),
            None => tried.push(format!("{} ({rule})", venv.display())),
        }
    }
    const PYTHON_RULE: &str = "python3 -c 'import openvino'";
    match python_libs_dir() {
        Some(dir) => match library_in(&dir) {
            Some(lib) => return Ok((lib, PYTHON_RULE)),
            None => tried.push(format!("{PYTHON_RULE} (no library in {})", dir.display())),
        },
        None => tried.push(format!("{PYTHON_RULE} (not importable)")),
    }
    Err(RuntimeError::OvLibrary(format!("OpenVINO library not found; tried {}; {}", tried.join(", "), fix())))
}

fn check_file(path: &Path, rule: &str) -> Result<PathBuf, RuntimeError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())),
        Ok(_) => Err(RuntimeError::OvLibrary(format!(
            "OpenVINO library from {rule}: {} is not a file (give the library itself, \
             e.g. .../openvino/libs/libopenvino_c.so.2641); {}",
            path.display(),
            fix()
        ))),
        Err(e) => {
            Err(RuntimeError::OvLibrary(format!("OpenVINO library from {rule}: {}: {e}; {}", path.display(), fix())))
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `<venv>/lib/python3.*/site-packages/openvino/libs` (POSIX) and
/// `<venv>/Lib/site-packages/openvino/libs` (Windows).
fn venv_libs_dirs(venv: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(entries) = std::fs::read_dir(venv.join("lib")) {
        let mut pythons: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
            .map(|e| e.path().join("site-packages/openvino/libs"))
            .collect();
        pythons.sort();
        dirs.extend(pythons);
    }
    dirs.push(venv.join("Lib/site-packages/openvino/libs"));
    dirs.into_iter().filter(|d| d.is_dir()).collect()
}

/// The C API library in the wheel's `libs` folder: `libopenvino_c.so.*` (the C++ core
/// `libopenvino.so.*` and the frontends do not match).
pub(crate) fn library_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name().map(|n| n.to_string_lossy().into_owned()).is_some_and(|n| {
                n.starts_with("libopenvino_c.so")
                    || (n.starts_with("libopenvino_c.") && n.ends_with(".dylib"))
                    || n == "openvino_c.dll"
            })
        })
        .collect();
    found.sort();
    found.pop()
}

fn python_libs_dir() -> Option<PathBuf> {
    let python = if cfg!(windows) { "python" } else { "python3" };
    let out = Command::new(python)
        .args(["-c", "import os, openvino; print(os.path.dirname(openvino.__file__))"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()).join("libs"))
}

/// `2026.4.1-22982-...` -> `2026.4.1`; `None` when it does not start with a version.
pub(crate) fn release_of(build: &str) -> Option<String> {
    let release = build.split('-').next()?;
    let parts: Vec<&str> = release.split('.').collect();
    let ok = parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    ok.then(|| release.to_string())
}

/// Whether `release` is the major.minor zoo needs.
pub(crate) fn is_supported(release: &str) -> bool {
    let want: Vec<&str> = OPENVINO_VERSION.split('.').take(2).collect();
    release.split('.').take(2).eq(want)
}

/// Locates, loads and checks the library: a file that does not load, is not OpenVINO's C
/// API, or is another release is one line naming what was found and what is needed.
pub fn init(explicit: Option<&Path>) -> Result<LibraryInfo, RuntimeError> {
    load(explicit).map(|(_, info)| info)
}

/// Libraries loaded by this process, by path. Each is loaded once and kept for the process's
/// life (see [`OvLibrary`]): a second model reuses it.
type Loaded = Vec<(PathBuf, &'static OvLibrary, LibraryInfo)>;
static LOADED: Mutex<Loaded> = Mutex::new(Vec::new());

/// [`init`], and the library itself.
pub(crate) fn load(explicit: Option<&Path>) -> Result<(&'static OvLibrary, LibraryInfo), RuntimeError> {
    let (path, found_by) = find_library(explicit)?;
    let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, lib, info)) = loaded.iter().find(|(p, _, _)| *p == path) {
        return Ok((*lib, info.clone()));
    }
    let lib = OvLibrary::open(&path).map_err(|e| {
        // A library that loads but lacks an entry point is not OpenVINO's C API (or is far
        // older than the pinned release); one that does not load at all is the loader's word.
        if e.starts_with("no entry point") {
            RuntimeError::OvLibrary(format!(
                "{} (found by {found_by}) is not OpenVINO's C API library ({e}); {}",
                path.display(),
                fix()
            ))
        } else {
            RuntimeError::OvLibrary(format!(
                "cannot load OpenVINO from {} (found by {found_by}): {e}; {}",
                path.display(),
                fix()
            ))
        }
    })?;
    let build = lib.build_number().map_err(|e| {
        RuntimeError::OvLibrary(format!(
            "{} (found by {found_by}) is not OpenVINO's C API library ({e}); {}",
            path.display(),
            fix()
        ))
    })?;
    let version = check_release(&path, found_by, &build)?;
    let info = LibraryInfo { path: path.clone(), found_by, version, build };
    let lib: &'static OvLibrary = Box::leak(Box::new(lib));
    loaded.push((path, lib, info.clone()));
    Ok((lib, info))
}

/// The release in `build` if it is the one zoo needs, else the one-line error naming both.
pub(crate) fn check_release(path: &Path, found_by: &str, build: &str) -> Result<String, RuntimeError> {
    match release_of(build) {
        Some(v) if is_supported(&v) => Ok(v),
        other => Err(RuntimeError::OvLibrary(format!(
            "{} (found by {found_by}) is OpenVINO {}, but zoo needs {OPENVINO_VERSION}: \
             pip install openvino=={OPENVINO_VERSION}, or pass --ov-lib PATH / set {ENV_VAR}",
            path.display(),
            other.unwrap_or_else(|| format!("with build number {build:?}"))
        ))),
    }
}

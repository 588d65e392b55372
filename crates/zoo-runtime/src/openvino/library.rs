//! Finding the OpenVINO C API library (`libopenvino_c.so.*`) and checking its release.
//!
//! The search is the one ONNX Runtime's library uses too (`crate::library_search`); the `openvino` wheel ships
//! `openvino/libs/libopenvino_c.so.<MAJOR%100><MINOR><PATCH>` (2026.4.1: `.so.2641`) next to
//! `libopenvino.so` and its plugins, found through the library's `$ORIGIN` run path. The
//! release is read from the library itself (`ov_get_openvino_version`), not from the name.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::ffi::OvLibrary;
use crate::RuntimeError;
use crate::library_search::LibrarySearch;

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

/// Where OpenVINO is looked for (see [`crate::library_search`] for the rules).
pub(crate) const SEARCH: LibrarySearch = LibrarySearch {
    runtime: "OpenVINO",
    flag: "--ov-lib",
    env_var: ENV_VAR,
    package: "openvino",
    folder: "libs",
    python_rule: "python3 -c 'import openvino'",
    // The C++ core `libopenvino.so.*` and the frontends do not match.
    stem: "libopenvino_c",
    so_version: "2641",
    fix,
    error: RuntimeError::OvLibrary,
};

/// Locates `libopenvino_c`: `explicit` (`--ov-lib`), `OPENVINO_LIB_PATH`, then the `openvino`
/// package of `.venv` in the current directory, of the virtualenv the program named with
/// [`crate::set_project_venv`], and of `python3`. A wrong explicit path or variable is an
/// error, never a reason to look elsewhere.
pub fn find_library(explicit: Option<&Path>) -> Result<(PathBuf, &'static str), RuntimeError> {
    SEARCH.find(explicit)
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

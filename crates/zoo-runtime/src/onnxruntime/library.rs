//! Finding and loading the ONNX Runtime shared library, once per process.
//!
//! `ort` is built with `load-dynamic`, so nothing is linked at build time: the library is
//! `dlopen`ed by [`ort::init_from`] (ort 2.0 docs, "Linking" / `load-dynamic`). That call
//! - loads the file with `libloading` (a missing or non-ELF file is a `Dlopen` error),
//! - looks up `OrtGetApiBase` (absent in anything that is not ONNX Runtime: `MissingApi`),
//! - reads `GetVersionString()` and refuses a minor version below the API level ort was built
//!   for (`BadVersion`). With the `api-31` feature that is 31, so anything older than 1.31 is
//!   refused here, before `OrtApiBase::GetApi(31)` could return null and make the first
//!   `ort::api()` call panic ("Failed to initialize ORT API").
//!
//! We never let ort find the library by itself: its fallback (`ORT_DYLIB_PATH` or the bare
//! `libonnxruntime.so`, resolved on the first API call) panics on failure. Instead the file is
//! located and checked here and handed to `init_from` explicitly, once: ort keeps the first
//! library for the life of the process and ONNX Runtime allows one `OrtEnv` per process, so
//! asking later for a different file is an error rather than a silent no-op.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::environment::Environment;

use crate::RuntimeError;
use crate::library_search::LibrarySearch;

/// The ONNX Runtime release zoo is built and tested against (ort 2.0.0-rc.15, `api-31`).
pub const ORT_VERSION: &str = "1.31.1";

/// What to tell the user when the library is missing or unusable.
fn fix() -> String {
    format!(
        "install it with `pip install onnxruntime=={ORT_VERSION}` (scripts/test makes .venv with it), \
         or pass --ort-lib PATH / set ORT_DYLIB_PATH to libonnxruntime.so.{ORT_VERSION}"
    )
}

/// The ONNX Runtime library this process uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryInfo {
    pub path: PathBuf,
    /// Which rule of [`find_library`] found it.
    pub found_by: &'static str,
    /// The ONNX Runtime version, e.g. `1.31.1` (from the file or its Python package; ort
    /// checks the library's own version string when loading it, see the module docs).
    pub version: String,
}

struct Loaded {
    info: LibraryInfo,
    /// The canonical path, to recognise the same file reached another way.
    canonical: PathBuf,
    /// Kept for the life of the process: sessions hold their own clones, and a second
    /// environment cannot be made anyway.
    env: Environment,
}

/// Not a `OnceLock<Result<..>>`: a failed attempt (a wrong `--ort-lib`) loads nothing that
/// stays, in ort or here, so a later call with the right file may still succeed.
static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

/// Where ONNX Runtime is looked for (see [`crate::library_search`] for the rules).
const SEARCH: LibrarySearch = LibrarySearch {
    runtime: "ONNX Runtime",
    flag: "--ort-lib",
    env_var: "ORT_DYLIB_PATH",
    package: "onnxruntime",
    folder: "capi",
    python_rule: "python3 -c 'import onnxruntime'",
    // The provider libraries (`libonnxruntime_providers_*.so`) do not match.
    stem: "libonnxruntime",
    so_version: ORT_VERSION,
    fix,
    error: RuntimeError::OrtLibrary,
};

/// Locates the ONNX Runtime shared library: `explicit` (`--ort-lib`), `ORT_DYLIB_PATH`, then
/// the `onnxruntime` package of `.venv` in the current directory, of the virtualenv the
/// program named with [`crate::set_project_venv`], and of `python3`. A wrong explicit path or
/// variable is an error, not a reason to look elsewhere.
pub fn find_library(explicit: Option<&Path>) -> Result<(PathBuf, &'static str), RuntimeError> {
    SEARCH.find(explicit)
}

/// The version, without calling into the library (ort does not expose the version string it
/// checked): `libonnxruntime.so.1.31.1` gives `1.31.1`; else the wheel's
/// `capi/build_and_package_info.py` (`__version__ = '1.31.1'`); else the file name.
fn version_of(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let is_version = |s: &str| {
        let parts: Vec<&str> = s.split('.').collect();
        parts.len() >= 2 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    if let Some(v) = name.strip_prefix("libonnxruntime.so.").filter(|v| is_version(v)) {
        return v.to_string();
    }
    if let Some(v) =
        name.strip_prefix("libonnxruntime.").and_then(|v| v.strip_suffix(".dylib")).filter(|v| is_version(v))
    {
        return v.to_string();
    }
    let info = path.with_file_name("build_and_package_info.py");
    if let Ok(text) = std::fs::read_to_string(info) {
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("__version__") {
                let v = rest.trim_start_matches([' ', '=']).trim_matches(['\'', '"', ' ']);
                if is_version(v) {
                    return v.to_string();
                }
            }
        }
    }
    name
}

/// Loads ONNX Runtime (once per process) and returns what was loaded.
///
/// With `explicit = None` an already loaded library is simply returned. Asking for another
/// file than the loaded one is an error: ort keeps the first library and ONNX Runtime allows a
/// single environment per process.
pub fn init(explicit: Option<&Path>) -> Result<LibraryInfo, RuntimeError> {
    environment(explicit).map(|(info, _)| info)
}

/// [`init`], plus the process's ONNX Runtime environment for creating sessions.
pub(crate) fn environment(explicit: Option<&Path>) -> Result<(LibraryInfo, Environment), RuntimeError> {
    // A poisoned lock only means another thread panicked while holding it; the state itself
    // (loaded or not) is still consistent.
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(l) = loaded.as_ref() {
        if let Some(want) = explicit {
            let (want, _) = find_library(Some(want))?;
            if want.canonicalize().ok().as_deref() != Some(l.canonical.as_path()) {
                return Err(RuntimeError::OrtLibrary(format!(
                    "ONNX Runtime {} is already loaded in this process from {} (found by {}); \
                     cannot load {} as well (one library per process)",
                    l.info.version,
                    l.info.path.display(),
                    l.info.found_by,
                    want.display()
                )));
            }
        }
        return Ok((l.info.clone(), l.env.clone()));
    }

    let (path, found_by) = find_library(explicit)?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
    let env = load(&path)?;
    let info = LibraryInfo { version: version_of(&canonical), path, found_by };
    *loaded = Some(Loaded { info: info.clone(), canonical, env: env.clone() });
    Ok((info, env))
}

/// `error: cause: cause`, e.g. libloading's "dlopen failed" with the loader's reason.
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text = format!("{text}: {s_text}");
        }
        source = s.source();
    }
    text
}

/// `ort::init_from` + the environment, every failure as one line naming the file and the fix.
fn load(path: &Path) -> Result<Environment, RuntimeError> {
    use ort::LoadDynamicError as E;
    // ort asserts and `expect`s in a few places on the way (a null `OrtApiBase`, a null
    // `GetApi`); a library odd enough to get there must still give an error, not abort zoo.
    let attempt = std::panic::catch_unwind(|| {
        let builder = ort::init_from(path).map_err(|e| match e {
            E::Dlopen { error, .. } => {
                format!("cannot load ONNX Runtime from {}: {}; {}", path.display(), with_sources(&error), fix())
            }
            E::MissingApi { .. } => format!(
                "{} is not an ONNX Runtime library (it does not export OrtGetApiBase); {}",
                path.display(),
                fix()
            ),
            E::InvalidVersionString => {
                format!("{} does not report a valid ONNX Runtime version; {}", path.display(), fix())
            }
            E::BadVersion { version_str, .. } => format!(
                "{} is ONNX Runtime {version_str}, but zoo needs {ORT_VERSION} (ort {} uses API \
                 version {}): pip install onnxruntime=={ORT_VERSION}, or pass --ort-lib PATH / \
                 set ORT_DYLIB_PATH",
                path.display(),
                "2.0.0-rc.15",
                ort::MINOR_VERSION
            ),
        })?;
        builder.with_name("zoo").with_telemetry(false).build().map_err(|e| {
            format!("ONNX Runtime from {} loaded, but creating its environment failed: {e}", path.display())
        })
    });
    match attempt {
        Ok(Ok(env)) => Ok(env),
        Ok(Err(msg)) => Err(RuntimeError::OrtLibrary(msg)),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown reason".to_string());
            Err(RuntimeError::OrtLibrary(format!(
                "{} could not be initialised as ONNX Runtime ({why}); {}",
                path.display(),
                fix()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_file_names() {
        let v = |p: &str| version_of(Path::new(p));
        assert_eq!(v("/x/libonnxruntime.so.1.31.1"), "1.31.1");
        assert_eq!(v("/x/libonnxruntime.1.31.1.dylib"), "1.31.1");
        assert_eq!(v("/nonexistent/libonnxruntime.so"), "libonnxruntime.so");
    }

    #[test]
    fn version_from_the_wheel_info_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("build_and_package_info.py"),
            "package_name = 'onnxruntime'\n__version__ = '1.31.1'\n",
        )
        .unwrap();
        assert_eq!(version_of(&dir.path().join("onnxruntime.dll")), "1.31.1");
    }

    #[test]
    fn library_in_skips_provider_libraries() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so", "libonnxruntime.so.1.31.1"]
        {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        assert_eq!(SEARCH.library_in(dir.path()), Some(dir.path().join("libonnxruntime.so.1.31.1")));
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(SEARCH.library_in(empty.path()), None);
    }
}

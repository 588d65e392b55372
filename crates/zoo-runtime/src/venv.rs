//! The project's own virtualenv, named by the program: where `scripts/test` installs
//! onnxruntime and openvino. A library has no build tree to look in (an installed binary on
//! another machine has none either), so the `zoo` binary names its own and a binary built
//! elsewhere simply does not find it and searches on. ONNX Runtime's and OpenVINO's library
//! lookups both search it after the current directory's `.venv`.

use std::path::{Path, PathBuf};

static PROJECT_VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Names the virtualenv to search after the current directory's `.venv`; the first call wins.
pub fn set_project_venv(path: PathBuf) {
    let _ = PROJECT_VENV.set(path);
}

/// The virtualenv [`set_project_venv`] named, if any.
pub(crate) fn project_venv() -> Option<&'static Path> {
    PROJECT_VENV.get().map(PathBuf::as_path)
}

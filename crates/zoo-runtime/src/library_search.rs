//! Finding a runtime's shared library: the one search ONNX Runtime and OpenVINO share, each
//! runtime supplying only its specifics ([`LibrarySearch`]: flag, environment variable, Python
//! package, file name, the fix to print). Loading the file and checking its release stay with
//! the runtime, which alone knows how to ask a library its version.
//!
//! Rules, in order:
//! 1. the runtime's flag (`--ort-lib`, `--ov-lib`);
//! 2. its environment variable (`ORT_DYLIB_PATH`, `OPENVINO_LIB_PATH`: what `scripts/test`
//!    exports);
//! 3. its package in `.venv` in the current directory;
//! 4. its package in the virtualenv the program named with [`set_project_venv`] (the `zoo`
//!    binary names its build tree's `.venv`, where `scripts/test` makes it);
//! 5. its package that `python3` imports.
//!
//! A path named by the flag or the variable that is wrong is an error, never a reason to look
//! elsewhere: loading some other library than the one asked for would be worse.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::RuntimeError;

static PROJECT_VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Names the virtualenv to search after the current directory's `.venv`; the first call wins.
/// A library has no build tree to look in (an installed binary on another machine has none
/// either), so the `zoo` binary names its own and a binary built elsewhere simply does not
/// find it and searches on.
pub fn set_project_venv(path: PathBuf) {
    let _ = PROJECT_VENV.set(path);
}

/// What one runtime's library search needs to know.
pub(crate) struct LibrarySearch {
    /// How messages name the runtime: `ONNX Runtime`.
    pub runtime: &'static str,
    /// The command-line flag that names the file: `--ort-lib`.
    pub flag: &'static str,
    /// The environment variable that names it: `ORT_DYLIB_PATH`.
    pub env_var: &'static str,
    /// The Python package that ships the library (`onnxruntime`), and its folder that holds
    /// it (`capi`).
    pub package: &'static str,
    pub folder: &'static str,
    /// `python3 -c 'import <package>'`: how rule 5 names itself when it finds the library.
    pub python_rule: &'static str,
    /// The file name up to its extension (`libonnxruntime`): `<stem>.so*`, `<stem>.*.dylib`
    /// and the `.dll` without `lib` match; other libraries of the package do not.
    pub stem: &'static str,
    /// The `.so` suffix of the pinned release's file, for messages: `1.31.1` in
    /// `libonnxruntime.so.1.31.1`.
    pub so_version: &'static str,
    /// How to install the library or name it, appended to every error.
    pub fix: fn() -> String,
    /// The runtime's error for a library that cannot be found or used.
    pub error: fn(String) -> RuntimeError,
}

impl LibrarySearch {
    /// The library's path and the rule that found it (see the module docs).
    pub fn find(&self, explicit: Option<&Path>) -> Result<(PathBuf, &'static str), RuntimeError> {
        if let Some(path) = explicit {
            return self.check_file(path, self.flag).map(|p| (p, self.flag));
        }
        if let Some(path) = std::env::var_os(self.env_var).filter(|v| !v.is_empty()) {
            return self.check_file(Path::new(&path), self.env_var).map(|p| (p, self.env_var));
        }
        let mut tried = vec![format!("{} (not given)", self.flag), format!("{} (not set)", self.env_var)];
        let mut venvs: Vec<(PathBuf, &'static str)> = Vec::new();
        if let Ok(cwd) = std::env::current_dir() {
            venvs.push((cwd.join(".venv"), ".venv in the current directory"));
        }
        if let Some(project) = PROJECT_VENV.get()
            && !venvs.first().is_some_and(|(v, _)| same_file(v, project))
        {
            venvs.push((project.clone(), ".venv of the project zoo was built from"));
        }
        for (venv, rule) in venvs {
            match self.venv_folders(&venv).iter().find_map(|d| self.library_in(d)) {
                Some(lib) => return Ok((lib, rule)),
                None => tried.push(format!("{} ({rule})", venv.display())),
            }
        }
        let rule = self.python_rule;
        match self.python_folder() {
            Some(dir) => match self.library_in(&dir) {
                Some(lib) => return Ok((lib, rule)),
                None => tried.push(format!("{rule} (no library in {})", dir.display())),
            },
            None => tried.push(format!("{rule} (not importable)")),
        }
        Err((self.error)(format!("{} library not found; tried {}; {}", self.runtime, tried.join(", "), (self.fix)())))
    }

    /// A path given by the user must be an existing regular file (checked before `dlopen`: a
    /// relative path may be resolved against the executable's folder, and a folder gives a
    /// confusing loader message).
    fn check_file(&self, path: &Path, rule: &str) -> Result<PathBuf, RuntimeError> {
        let runtime = self.runtime;
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())),
            Ok(_) => Err((self.error)(format!(
                "{runtime} library from {rule}: {} is not a file (give the library itself, \
                 e.g. .../{}/{}/{}.so.{}); {}",
                path.display(),
                self.package,
                self.folder,
                self.stem,
                self.so_version,
                (self.fix)()
            ))),
            Err(e) => {
                Err((self.error)(format!("{runtime} library from {rule}: {}: {e}; {}", path.display(), (self.fix)())))
            }
        }
    }

    /// `<venv>/lib/python3.*/site-packages/<package>/<folder>` (POSIX) and
    /// `<venv>/Lib/site-packages/<package>/<folder>` (Windows).
    fn venv_folders(&self, venv: &Path) -> Vec<PathBuf> {
        let inside = format!("site-packages/{}/{}", self.package, self.folder);
        let mut dirs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(venv.join("lib")) {
            let mut pythons: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
                .map(|e| e.path().join(&inside))
                .collect();
            pythons.sort();
            dirs.extend(pythons);
        }
        dirs.push(venv.join("Lib").join(&inside));
        dirs.into_iter().filter(|d| d.is_dir()).collect()
    }

    /// The library in a package's folder; of several matches (two releases side by side),
    /// the last by name. The wheels ship only the versioned name (`libonnxruntime.so.1.31.1`,
    /// no unversioned symlink).
    pub fn library_in(&self, dir: &Path) -> Option<PathBuf> {
        let so = format!("{}.so", self.stem);
        let dylib = format!("{}.", self.stem);
        let dll = format!("{}.dll", self.stem.strip_prefix("lib").unwrap_or(self.stem));
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .is_some_and(|n| n.starts_with(&so) || (n.starts_with(&dylib) && n.ends_with(".dylib")) || n == dll)
            })
            .collect();
        found.sort();
        found.pop()
    }

    /// Where `python3` imports the package from, `<package>/<folder>`.
    fn python_folder(&self) -> Option<PathBuf> {
        let python = if cfg!(windows) { "python" } else { "python3" };
        let package = self.package;
        let out = Command::new(python)
            .args(["-c", &format!("import os, {package}; print(os.path.dirname({package}.__file__))")])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()).join(self.folder))
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

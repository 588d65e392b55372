//! The OpenVINO library rules. The real library is used when `OPENVINO_LIB_PATH` is set
//! (scripts/test exports it); the rest needs no OpenVINO.

use std::path::Path;

use super::library::{ENV_VAR, check_release, find_library, init, is_supported, library_in, release_of};

fn one_line(e: &crate::RuntimeError) -> String {
    let text = e.to_string();
    assert!(!text.contains('\n'), "not one line: {text}");
    text
}

#[test]
fn release_from_build_numbers() {
    assert_eq!(release_of("2026.4.1-22982-e213a147257-releases/2026/4").as_deref(), Some("2026.4.1"));
    assert_eq!(release_of("2024.6.0-17404-4c0f47d2335-releases/2024/6").as_deref(), Some("2024.6.0"));
    assert_eq!(release_of("custom_build"), None);
    assert!(is_supported("2026.4.1") && is_supported("2026.4.3"));
    assert!(!is_supported("2026.3.0") && !is_supported("2025.4.1") && !is_supported("2026.40.0"));
}

#[test]
fn library_in_picks_the_c_api_only() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["libopenvino.so.2641", "libopenvino_onnx_frontend.so.2641", "libopenvino_c.so.2641"] {
        std::fs::write(dir.path().join(f), b"").unwrap();
    }
    assert_eq!(library_in(dir.path()), Some(dir.path().join("libopenvino_c.so.2641")));
    assert_eq!(library_in(tempfile::tempdir().unwrap().path()), None);
}

#[test]
fn explicit_paths_that_are_wrong_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("libopenvino_c.so.2641");
    let e = one_line(&find_library(Some(&missing)).unwrap_err());
    assert!(e.contains("--ov-lib") && e.contains("pip install openvino==2026.4.1"), "{e}");
    let e = one_line(&find_library(Some(dir.path())).unwrap_err());
    assert!(e.contains("is not a file"), "{e}");
    // A file that is not a shared library: the loader refuses it, named.
    let junk = dir.path().join("libopenvino_c.so.2641");
    std::fs::write(&junk, b"not an ELF file").unwrap();
    let e = one_line(&init(Some(&junk)).unwrap_err());
    assert!(e.contains("cannot load OpenVINO from") && e.contains("libopenvino_c.so.2641"), "{e}");
}

/// A real shared library that is not OpenVINO (ONNX Runtime's, when scripts/test gives it):
/// refused for the missing entry point, not a crash.
#[test]
fn another_library_is_not_taken_for_openvino() {
    let Some(ort) = std::env::var_os("ORT_DYLIB_PATH") else { return };
    let e = one_line(&init(Some(Path::new(&ort))).unwrap_err());
    assert!(e.contains("is not OpenVINO's C API library") && e.contains("ov_get_openvino_version"), "{e}");
}

#[test]
fn the_pinned_library_loads_and_reports_its_release() {
    match std::env::var_os(ENV_VAR) {
        Some(path) => {
            let info = init(Some(Path::new(&path))).unwrap();
            assert_eq!(info.version, "2026.4.1", "{info:?}");
            assert!(info.build.starts_with("2026.4.1-"), "{info:?}");
        }
        // Without the variable every rule may still find one (a .venv, python3); when none
        // does, the error lists every rule tried.
        None => {
            if let Err(e) = find_library(None) {
                let e = one_line(&e);
                assert!(e.contains("--ov-lib (not given)") && e.contains(ENV_VAR), "{e}");
            }
        }
    }
}

#[test]
fn another_release_is_refused_naming_both_versions() {
    let lib = Path::new("/opt/ov/libopenvino_c.so.2530");
    let e = one_line(&check_release(lib, "--ov-lib", "2025.3.0-19807-44526285f24-releases/2025/3").unwrap_err());
    assert!(e.contains("is OpenVINO 2025.3.0, but zoo needs 2026.4.1") && e.contains("/opt/ov/"), "{e}");
    let e = one_line(&check_release(lib, "--ov-lib", "custom").unwrap_err());
    assert!(e.contains("build number \"custom\""), "{e}");
    assert_eq!(check_release(lib, "--ov-lib", "2026.4.1-22982-e213a147257-releases/2026/4").unwrap(), "2026.4.1");
}

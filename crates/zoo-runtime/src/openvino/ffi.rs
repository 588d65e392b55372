//! The few OpenVINO C API entry points zoo calls, resolved with `libloading`.
//!
//! Spec: OpenVINO C API, group "Core" (docs.openvino.ai, `ov_core.h`):
//! `ov_status_e ov_get_openvino_version(ov_version_t* version)` fills
//! `struct ov_version { const char* buildNumber; const char* description; }` (strings owned
//! by the library) and `ov_version_free(ov_version_t*)` releases them; status 0 is OK.
//! `buildNumber` reads like `2026.4.1-20426-<hash>-releases/2026/4`.

// FFI into a C library cannot be written without `unsafe`; it is confined to this module and
// every block says why it is sound.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::path::Path;

use libloading::Library;

#[repr(C)]
struct OvVersion {
    build_number: *const c_char,
    description: *const c_char,
}

type GetVersion = unsafe extern "C" fn(*mut OvVersion) -> c_int;
type FreeVersion = unsafe extern "C" fn(*mut OvVersion);

/// The loaded C API library. Kept alive for as long as anything from it is used.
pub(crate) struct OvLibrary {
    lib: Library,
}

impl OvLibrary {
    /// `dlopen`s the file. Errors are the loader's own message.
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        // SAFETY: loading a shared library runs its initialisers. The path was located by
        // `library::find_library` (the user's choice or the `openvino` package's own file);
        // OpenVINO's initialisers only register its plugins and have no preconditions.
        let lib = unsafe { Library::new(path) }.map_err(|e| e.to_string())?;
        Ok(Self { lib })
    }

    /// `ov_get_openvino_version().buildNumber`, or why it could not be read (a library that
    /// is not OpenVINO's C API lacks the symbol).
    pub(crate) fn build_number(&self) -> Result<String, String> {
        // SAFETY: the types match the C declarations quoted at the top of this file; the
        // symbols are only used while `self.lib` is alive (they borrow it).
        let (get, free) = unsafe {
            let get = self.lib.get::<GetVersion>(b"ov_get_openvino_version\0").map_err(|e| e.to_string())?;
            let free = self.lib.get::<FreeVersion>(b"ov_version_free\0").map_err(|e| e.to_string())?;
            (get, free)
        };
        let mut version = OvVersion { build_number: std::ptr::null(), description: std::ptr::null() };
        // SAFETY: `version` is a valid, writable `ov_version_t`; the library fills it.
        let status = unsafe { get(&mut version) };
        if status != 0 || version.build_number.is_null() {
            return Err(format!("ov_get_openvino_version returned status {status}"));
        }
        // SAFETY: on success `buildNumber` is a NUL-terminated string owned by `version`,
        // copied here before `ov_version_free` releases it; it is freed exactly once.
        let text = unsafe {
            let text = CStr::from_ptr(version.build_number).to_string_lossy().into_owned();
            free(&mut version);
            text
        };
        Ok(text)
    }
}

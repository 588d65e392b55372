//! OpenVINO as a third runtime, through its C API (`openvino/c/openvino.h`), loaded at run
//! time from the `openvino` wheel's `openvino/libs/libopenvino_c.so.*`.
//!
//! Why a small binding of our own rather than the `openvino` crate: that crate's
//! `runtime-linking` mode is built on `openvino-sys` bindings generated for an older C API
//! release and a fixed function table, while zoo needs only a handful of entry points and
//! must refuse a library of the wrong release with one line instead of failing on a missing
//! symbol. The unsafe code lives in [`ffi`] alone.
//!
//! So far: locating the library ([`library`]) and checking its version by calling
//! `ov_get_openvino_version` ([`ffi`]). The runner (`ov_core_read_model`,
//! `ov_core_compile_model` with `INFERENCE_PRECISION_HINT`, `ov_infer_request_*`) is not
//! written yet.

mod ffi;
pub mod library;

pub use library::{LibraryInfo, OPENVINO_VERSION, find_library, init};

#[cfg(test)]
mod tests;

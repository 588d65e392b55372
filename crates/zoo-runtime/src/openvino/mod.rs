//! OpenVINO as a third runtime, through its C API (`openvino/c/openvino.h`), loaded at run
//! time from the `openvino` wheel's `openvino/libs/libopenvino_c.so.*`.
//!
//! Why a small binding of our own rather than the `openvino` crate: that crate's
//! `runtime-linking` mode is built on `openvino-sys` bindings generated for an older C API
//! release and a fixed function table, while zoo needs only a few dozen entry points and must
//! refuse a library of the wrong release with one line instead of failing on a missing symbol.
//! The unsafe code lives in [`ffi`] alone, behind handles that free what they own.
//!
//! - [`library`]: finding `libopenvino_c` (flag, `OPENVINO_LIB_PATH`, `.venv`, `python3`) and
//!   checking its release (`ov_get_openvino_version`);
//! - [`runner`]: [`OvRunner`], a [`crate::Runner`] on the CPU plugin at a pinned precision.

mod ffi;
pub mod library;
pub mod runner;

pub use library::{LibraryInfo, OPENVINO_VERSION, find_library, init};
pub use runner::{OvOptions, OvRunner, Precision};

#[cfg(test)]
mod tests;

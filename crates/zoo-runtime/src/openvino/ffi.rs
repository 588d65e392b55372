//! The OpenVINO C API entry points zoo calls, resolved with `libloading`, behind safe handles.
//!
//! Spec: OpenVINO C API (docs.openvino.ai, "OpenVINO Runtime C API"; headers
//! `src/bindings/c/include/openvino/c/ov_*.h` of the 2026.4 release). What this file relies on:
//! - every call returns `ov_status_e` (an `int`), 0 = OK; C++ exceptions are caught inside the
//!   library (`CATCH_OV_EXCEPTIONS`) and their text kept for `ov_get_last_err_msg()`, which
//!   returns a copy the caller releases with `ov_free`;
//! - `ov_shape_t { int64_t rank; int64_t* dims; }`, `ov_dimension_t { int64_t min, max; }`,
//!   `ov_partial_shape_t { ov_dimension_t rank; ov_dimension_t* dims; }`, the shapes passed by
//!   value, their `dims` owned by the library and released with `ov_shape_free` /
//!   `ov_partial_shape_free`;
//! - `ov_core_compile_model(core, model, device, n, &compiled, key1, value1, …)` is C-variadic,
//!   `n` counting keys and values; properties are strings;
//! - a tensor made by `ov_tensor_create_from_host_ptr` borrows the caller's memory, which must
//!   outlive every inference that reads it;
//! - `ov_element_type_e`: the caller passes the code of f32 (`runner::F32`); the enum has
//!   changed between releases, so that code is pinned with the release and tested against it.

// FFI into a C library cannot be written without `unsafe`; it is confined to this module, each
// block says why it is sound, and everything outside sees safe handles only.
#![allow(unsafe_code)]

use crate::IntType;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::Path;

use libloading::Library;

type Status = c_int;

#[repr(C)]
struct OvVersion {
    build_number: *const c_char,
    description: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Dimension {
    min: i64,
    max: i64,
}

#[repr(C)]
struct PartialShape {
    rank: Dimension,
    dims: *mut Dimension,
}

#[repr(C)]
struct Shape {
    rank: i64,
    dims: *mut i64,
}

/// Opaque library objects.
#[repr(C)]
struct Opaque {
    _private: [u8; 0],
}

macro_rules! api {
    ($($name:ident: $ty:ty;)*) => {
        /// The resolved entry points; `_lib` keeps them valid.
        #[allow(non_snake_case)]
        struct Api {
            $($name: $ty,)*
            _lib: Library,
        }

        impl Api {
            fn resolve(lib: Library) -> Result<Api, String> {
                // SAFETY: each symbol is read with the type of its C declaration (quoted at the
                // top of this file and in the field types); the pointers stay valid because the
                // library is moved into the same struct and never unloaded before them.
                unsafe {
                    Ok(Api {
                        $($name: *lib
                            .get::<$ty>(concat!(stringify!($name), "\0").as_bytes())
                            .map_err(|e| format!("no entry point `{}` ({e})", stringify!($name)))?,)*
                        _lib: lib,
                    })
                }
            }
        }
    };
}

api! {
    ov_get_openvino_version: unsafe extern "C" fn(*mut OvVersion) -> Status;
    ov_version_free: unsafe extern "C" fn(*mut OvVersion);
    ov_get_error_info: unsafe extern "C" fn(Status) -> *const c_char;
    ov_get_last_err_msg: unsafe extern "C" fn() -> *const c_char;
    ov_free: unsafe extern "C" fn(*const c_char);
    ov_core_create: unsafe extern "C" fn(*mut *mut Opaque) -> Status;
    ov_core_free: unsafe extern "C" fn(*mut Opaque);
    ov_core_read_model: unsafe extern "C" fn(*const Opaque, *const c_char, *const c_char, *mut *mut Opaque) -> Status;
    ov_core_compile_model:
        unsafe extern "C" fn(*const Opaque, *const Opaque, *const c_char, usize, *mut *mut Opaque, ...) -> Status;
    ov_model_free: unsafe extern "C" fn(*mut Opaque);
    ov_model_inputs_size: unsafe extern "C" fn(*const Opaque, *mut usize) -> Status;
    ov_model_outputs_size: unsafe extern "C" fn(*const Opaque, *mut usize) -> Status;
    ov_model_const_input_by_index: unsafe extern "C" fn(*const Opaque, usize, *mut *mut Opaque) -> Status;
    ov_model_const_output_by_index: unsafe extern "C" fn(*const Opaque, usize, *mut *mut Opaque) -> Status;
    ov_model_reshape_input_by_name: unsafe extern "C" fn(*const Opaque, *const c_char, PartialShape) -> Status;
    ov_output_const_port_free: unsafe extern "C" fn(*mut Opaque);
    ov_port_get_any_name: unsafe extern "C" fn(*const Opaque, *mut *mut c_char) -> Status;
    ov_port_get_element_type: unsafe extern "C" fn(*const Opaque, *mut c_int) -> Status;
    ov_port_get_partial_shape: unsafe extern "C" fn(*const Opaque, *mut PartialShape) -> Status;
    ov_partial_shape_create_static: unsafe extern "C" fn(i64, *const i64, *mut PartialShape) -> Status;
    ov_partial_shape_free: unsafe extern "C" fn(*mut PartialShape);
    ov_compiled_model_free: unsafe extern "C" fn(*mut Opaque);
    ov_compiled_model_get_property: unsafe extern "C" fn(*const Opaque, *const c_char, *mut *mut c_char) -> Status;
    ov_compiled_model_create_infer_request: unsafe extern "C" fn(*const Opaque, *mut *mut Opaque) -> Status;
    ov_infer_request_free: unsafe extern "C" fn(*mut Opaque);
    ov_infer_request_set_input_tensor_by_index: unsafe extern "C" fn(*mut Opaque, usize, *const Opaque) -> Status;
    ov_infer_request_infer: unsafe extern "C" fn(*mut Opaque) -> Status;
    ov_infer_request_get_output_tensor_by_index: unsafe extern "C" fn(*const Opaque, usize, *mut *mut Opaque) -> Status;
    ov_shape_create: unsafe extern "C" fn(i64, *const i64, *mut Shape) -> Status;
    ov_shape_free: unsafe extern "C" fn(*mut Shape) -> Status;
    ov_tensor_create_from_host_ptr: unsafe extern "C" fn(c_int, Shape, *mut c_void, *mut *mut Opaque) -> Status;
    ov_tensor_free: unsafe extern "C" fn(*mut Opaque);
    ov_tensor_get_shape: unsafe extern "C" fn(*const Opaque, *mut Shape) -> Status;
    ov_tensor_get_element_type: unsafe extern "C" fn(*const Opaque, *mut c_int) -> Status;
    ov_tensor_data: unsafe extern "C" fn(*const Opaque, *mut *mut c_void) -> Status;
}

/// The loaded C API library. Loaded once per process and never unloaded: OpenVINO's thread
/// pool (TBB) outlives any one model, and unloading it under live threads crashes.
pub(crate) struct OvLibrary {
    api: Api,
}

// SAFETY: the struct holds only function pointers and the library handle; the C API's
// functions are thread-safe for distinct objects (OpenVINO's threading model), and zoo never
// shares one object between threads.
unsafe impl Send for OvLibrary {}
unsafe impl Sync for OvLibrary {}

// SAFETY: OpenVINO's core, model, compiled model and infer request are heap objects with no
// tie to the thread that made them (its threading model: distinct objects may be used from
// any thread, one object not concurrently). zoo moves a runner to another thread (a
// `--timeout` worker) but never shares one, which `Send` without `Sync` expresses.
unsafe impl Send for Core<'_> {}
unsafe impl Send for Model<'_> {}
unsafe impl Send for Compiled<'_> {}
unsafe impl Send for Request<'_> {}

/// A string the library allocated, copied and released.
fn take_string(api: &Api, p: *mut c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: `p` is a NUL-terminated string the library allocated for the caller (the
    // out-parameter of a successful call, or `ov_get_last_err_msg`); it is copied, then
    // released exactly once with `ov_free`, as the headers require.
    unsafe {
        let s = CStr::from_ptr(p).to_string_lossy().into_owned();
        (api.ov_free)(p);
        s
    }
}

impl OvLibrary {
    /// `dlopen`s the file and resolves every entry point. Errors are the loader's message, or
    /// the first missing symbol (a library that is not OpenVINO's C API, or too old).
    pub(crate) fn open(path: &Path) -> Result<Self, String> {
        // SAFETY: loading a shared library runs its initialisers. The path was located by
        // `library::find_library` (the user's choice or the `openvino` package's own file);
        // OpenVINO's initialisers only register its plugins and have no preconditions.
        let lib = unsafe { Library::new(path) }.map_err(|e| e.to_string())?;
        Ok(Self { api: Api::resolve(lib)? })
    }

    /// `ov_get_openvino_version().buildNumber`.
    pub(crate) fn build_number(&self) -> Result<String, String> {
        let mut version = OvVersion { build_number: std::ptr::null(), description: std::ptr::null() };
        // SAFETY: `version` is a valid, writable `ov_version_t`; the library fills it.
        let status = unsafe { (self.api.ov_get_openvino_version)(&mut version) };
        if status != 0 || version.build_number.is_null() {
            return Err(format!("ov_get_openvino_version returned status {status}"));
        }
        // SAFETY: on success `buildNumber` is a NUL-terminated string owned by `version`,
        // copied here before `ov_version_free` releases it; it is freed exactly once.
        let text = unsafe {
            let text = CStr::from_ptr(version.build_number).to_string_lossy().into_owned();
            (self.api.ov_version_free)(&mut version);
            text
        };
        Ok(text)
    }

    /// `Err` with the library's own words for a failed call: the status name and the last
    /// exception text, on one line.
    fn check(&self, status: Status, what: &str) -> Result<(), String> {
        if status == 0 {
            return Ok(());
        }
        // SAFETY: `ov_get_error_info` returns a static string for any status (or null);
        // `ov_get_last_err_msg` returns a fresh copy (or null), released by `take_string`.
        let (info, last) = unsafe {
            let info = (self.api.ov_get_error_info)(status);
            let info = if info.is_null() { String::new() } else { CStr::from_ptr(info).to_string_lossy().into_owned() };
            (info, take_string(&self.api, (self.api.ov_get_last_err_msg)() as *mut c_char))
        };
        let detail = if last.trim().is_empty() { String::new() } else { format!(": {last}") };
        let text = format!("{what} failed ({info}, status {status}){detail}");
        Err(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    pub(crate) fn core(&self) -> Result<Core<'_>, String> {
        let mut p = std::ptr::null_mut();
        // SAFETY: `p` is a writable out-pointer; on success it owns a core freed in `Drop`.
        self.check(unsafe { (self.api.ov_core_create)(&mut p) }, "ov_core_create")?;
        Ok(Core { lib: self, p })
    }
}

/// `ov_core_t`: plugins and devices.
pub(crate) struct Core<'l> {
    lib: &'l OvLibrary,
    p: *mut Opaque,
}

impl Drop for Core<'_> {
    fn drop(&mut self) {
        // SAFETY: `p` came from `ov_core_create` and is freed once; models and compiled models
        // made from it are separate reference-counted objects in the library.
        unsafe { (self.lib.api.ov_core_free)(self.p) }
    }
}

fn cstring(s: &str, what: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{what} contains a NUL byte"))
}

impl<'l> Core<'l> {
    /// Reads an ONNX file (external data beside it, as its `location`s say).
    pub(crate) fn read_model(&self, path: &Path) -> Result<Model<'l>, String> {
        let path = cstring(&path.to_string_lossy(), "the model path")?;
        let mut p = std::ptr::null_mut();
        // SAFETY: valid core, NUL-terminated path, null `bin_path` (unused for ONNX), writable
        // out-pointer; on success `p` owns a model freed in `Drop`.
        let status = unsafe { (self.lib.api.ov_core_read_model)(self.p, path.as_ptr(), std::ptr::null(), &mut p) };
        self.lib.check(status, "reading the model")?;
        Ok(Model { lib: self.lib, p })
    }

    /// Compiles for `device` with string properties.
    pub(crate) fn compile(
        &self,
        model: &Model<'l>,
        device: &str,
        props: &[(&str, String)],
    ) -> Result<Compiled<'l>, String> {
        let device = cstring(device, "the device")?;
        let owned: Vec<(CString, CString)> = props
            .iter()
            .map(|(k, v)| Ok((cstring(k, "a property key")?, cstring(v, "a property value")?)))
            .collect::<Result<_, String>>()?;
        let arg = |i: usize, value: bool| -> *const c_char {
            owned.get(i).map_or(std::ptr::null(), |(k, v)| if value { v.as_ptr() } else { k.as_ptr() })
        };
        if owned.len() > 4 {
            return Err("at most 4 OpenVINO compile properties are supported".into());
        }
        let mut p = std::ptr::null_mut();
        // SAFETY: valid core and model, NUL-terminated device; the variadic tail is
        // `2·owned.len()` NUL-terminated strings (the count passed), padded with nulls the
        // library never reads; the strings outlive the call. On success `p` owns a compiled
        // model freed in `Drop`.
        let status = unsafe {
            (self.lib.api.ov_core_compile_model)(
                self.p,
                model.p,
                device.as_ptr(),
                2 * owned.len(),
                &mut p,
                arg(0, false),
                arg(0, true),
                arg(1, false),
                arg(1, true),
                arg(2, false),
                arg(2, true),
                arg(3, false),
                arg(3, true),
            )
        };
        self.lib.check(status, "compiling the model")?;
        Ok(Compiled { lib: self.lib, p })
    }
}

/// A graph port: its tensor name, element type code and (partial) shape, `None` per dynamic
/// dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Port {
    pub name: String,
    /// The ONNX graph input this port is, where OpenVINO names it otherwise (the runner sets it).
    pub onnx_name: Option<String>,
    pub element_type: i32,
    /// `None` for a dynamic rank.
    pub shape: Option<Vec<Option<i64>>>,
}

/// `ov_model_t`.
pub(crate) struct Model<'l> {
    lib: &'l OvLibrary,
    p: *mut Opaque,
}

impl Drop for Model<'_> {
    fn drop(&mut self) {
        // SAFETY: `p` came from `ov_core_read_model` and is freed once.
        unsafe { (self.lib.api.ov_model_free)(self.p) }
    }
}

impl Model<'_> {
    fn ports(&self, inputs: bool) -> Result<Vec<Port>, String> {
        let api = &self.lib.api;
        let mut n = 0usize;
        let (size, by_index) = if inputs {
            (api.ov_model_inputs_size, api.ov_model_const_input_by_index)
        } else {
            (api.ov_model_outputs_size, api.ov_model_const_output_by_index)
        };
        // SAFETY: valid model, writable out-parameter.
        self.lib.check(unsafe { size(self.p, &mut n) }, "counting the model's ports")?;
        let mut ports = Vec::with_capacity(n);
        for i in 0..n {
            let mut port = std::ptr::null_mut();
            // SAFETY: `i` < the port count; on success `port` is freed below, once.
            self.lib.check(unsafe { by_index(self.p, i, &mut port) }, "reading a port")?;
            let result = self.port(port);
            // SAFETY: `port` came from `*_by_index` above and is not used after this.
            unsafe { (api.ov_output_const_port_free)(port) };
            ports.push(result?);
        }
        Ok(ports)
    }

    fn port(&self, port: *mut Opaque) -> Result<Port, String> {
        let api = &self.lib.api;
        let mut name = std::ptr::null_mut();
        // SAFETY: valid port; on success `name` is a library string released by `take_string`.
        self.lib.check(unsafe { (api.ov_port_get_any_name)(port, &mut name) }, "reading a port name")?;
        let name = take_string(api, name);
        let mut element_type = 0;
        // SAFETY: valid port, writable out-parameter.
        self.lib.check(unsafe { (api.ov_port_get_element_type)(port, &mut element_type) }, "reading a port type")?;
        let mut ps = PartialShape { rank: Dimension { min: 0, max: 0 }, dims: std::ptr::null_mut() };
        // SAFETY: valid port, writable out-parameter; on success `ps.dims` (rank.max entries
        // for a static rank) belongs to `ps`, released once with `ov_partial_shape_free`.
        self.lib.check(unsafe { (api.ov_port_get_partial_shape)(port, &mut ps) }, "reading a port shape")?;
        let shape = if ps.rank.min == ps.rank.max && ps.rank.min >= 0 && !ps.dims.is_null() {
            // SAFETY: a static rank `r` comes with `r` dimensions at `ps.dims`.
            let dims = unsafe { std::slice::from_raw_parts(ps.dims, ps.rank.max as usize) };
            Some(dims.iter().map(|d| (d.min == d.max && d.min >= 0).then_some(d.min)).collect())
        } else {
            None
        };
        // SAFETY: `ps` was filled by the library and is released once.
        unsafe { (api.ov_partial_shape_free)(&mut ps) };
        Ok(Port { name, onnx_name: None, element_type, shape })
    }

    pub(crate) fn inputs(&self) -> Result<Vec<Port>, String> {
        self.ports(true)
    }

    pub(crate) fn outputs(&self) -> Result<Vec<Port>, String> {
        self.ports(false)
    }

    /// Fixes input `name` to a static shape.
    pub(crate) fn reshape_input(&self, name: &str, shape: &[usize]) -> Result<(), String> {
        let api = &self.lib.api;
        let c_name = cstring(name, "the input name")?;
        let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        let mut ps = PartialShape { rank: Dimension { min: 0, max: 0 }, dims: std::ptr::null_mut() };
        // SAFETY: `dims` holds `rank` values and outlives the call; `ps` is writable and, on
        // success, owns its dims until `ov_partial_shape_free`.
        let status = unsafe { (api.ov_partial_shape_create_static)(dims.len() as i64, dims.as_ptr(), &mut ps) };
        self.lib.check(status, "making a static shape")?;
        // SAFETY: valid model and name; `ps` is passed by value as the header declares (the
        // library copies it) and released once afterwards.
        let status = unsafe {
            let s = (api.ov_model_reshape_input_by_name)(
                self.p,
                c_name.as_ptr(),
                PartialShape { rank: ps.rank, dims: ps.dims },
            );
            (api.ov_partial_shape_free)(&mut ps);
            s
        };
        self.lib.check(status, &format!("fixing input `{name}` to {shape:?}"))
    }
}

/// `ov_compiled_model_t`.
pub(crate) struct Compiled<'l> {
    lib: &'l OvLibrary,
    p: *mut Opaque,
}

impl Drop for Compiled<'_> {
    fn drop(&mut self) {
        // SAFETY: `p` came from `ov_core_compile_model` and is freed once.
        unsafe { (self.lib.api.ov_compiled_model_free)(self.p) }
    }
}

impl<'l> Compiled<'l> {
    /// A property of the compiled model as the plugin reports it (what it really does).
    pub(crate) fn property(&self, key: &str) -> Result<String, String> {
        let key_c = cstring(key, "a property key")?;
        let mut value = std::ptr::null_mut();
        // SAFETY: valid compiled model and key; on success `value` is a library string.
        let status = unsafe { (self.lib.api.ov_compiled_model_get_property)(self.p, key_c.as_ptr(), &mut value) };
        self.lib.check(status, &format!("reading property {key}"))?;
        Ok(take_string(&self.lib.api, value))
    }

    pub(crate) fn request(&self) -> Result<Request<'l>, String> {
        let mut p = std::ptr::null_mut();
        // SAFETY: valid compiled model, writable out-pointer; `p` is freed in `Drop`.
        let status = unsafe { (self.lib.api.ov_compiled_model_create_infer_request)(self.p, &mut p) };
        self.lib.check(status, "creating an infer request")?;
        Ok(Request { lib: self.lib, p })
    }
}

/// `ov_infer_request_t`.
pub(crate) struct Request<'l> {
    lib: &'l OvLibrary,
    p: *mut Opaque,
}

impl Drop for Request<'_> {
    fn drop(&mut self) {
        // SAFETY: `p` came from `ov_compiled_model_create_infer_request` and is freed once.
        unsafe { (self.lib.api.ov_infer_request_free)(self.p) }
    }
}

/// Host memory fed to an input: f32 or f16 values, or an integer type's little-endian bytes,
/// each with the library's code of its type.
pub(crate) enum HostData {
    F32(Vec<f32>),
    F16(Vec<half::f16>),
    Int(IntType, Vec<u8>),
}

impl HostData {
    fn len(&self) -> usize {
        match self {
            HostData::F32(v) => v.len(),
            HostData::F16(v) => v.len(),
            HostData::Int(ty, v) => v.len() / ty.bytes(),
        }
    }

    fn as_mut_ptr(&mut self) -> *mut c_void {
        match self {
            HostData::F32(v) => v.as_mut_ptr().cast(),
            HostData::F16(v) => v.as_mut_ptr().cast(),
            HostData::Int(_, v) => v.as_mut_ptr().cast(),
        }
    }
}

/// The library's codes of the element types zoo exchanges (`runner::F32`, `runner::F16`,
/// `runner::INTS`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Codes {
    pub f32: i32,
    pub f16: i32,
    pub ints: &'static [(IntType, i32)],
}

impl Codes {
    pub(crate) fn int_type(&self, code: i32) -> Option<IntType> {
        self.ints.iter().find(|(_, c)| *c == code).map(|(t, _)| *t)
    }

    pub(crate) fn int_code(&self, ty: IntType) -> Option<i32> {
        self.ints.iter().find(|(t, _)| *t == ty).map(|(_, c)| *c)
    }
}

/// The values of an output read back.
pub(crate) enum OutputData {
    /// f32, or f16 widened exactly.
    Float(Vec<f32>),
    Int(IntType, Vec<i64>),
    /// A type zoo does not exchange.
    Other,
}

/// An output read back: element type code, shape, and the values.
pub(crate) struct OutputTensor {
    pub element_type: i32,
    pub shape: Vec<usize>,
    pub data: OutputData,
}

impl Request<'_> {
    /// Runs one inference. `inputs[i]` is fed to input `i` as a tensor of element type `code`
    /// over the caller's memory, which the `&mut` borrow keeps alive and unchanged until the
    /// call returns; `ov_infer_request_infer` is synchronous, and every input is set again
    /// before the next inference, so the request never reads freed memory.
    pub(crate) fn infer(
        &mut self,
        codes: Codes,
        inputs: &mut [(i32, Vec<usize>, HostData)],
        n_outputs: usize,
    ) -> Result<Vec<OutputTensor>, String> {
        let api = &self.lib.api;
        for (i, (code, shape, data)) in inputs.iter_mut().enumerate() {
            if shape.iter().product::<usize>() != data.len() {
                return Err(format!("input {i}: {} values for shape {shape:?}", data.len()));
            }
            let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
            let mut s = Shape { rank: 0, dims: std::ptr::null_mut() };
            // SAFETY: `dims` holds `rank` values; on success `s` owns a copy, freed below.
            self.lib.check(unsafe { (api.ov_shape_create)(dims.len() as i64, dims.as_ptr(), &mut s) }, "a shape")?;
            let mut t = std::ptr::null_mut();
            // SAFETY: `data` holds exactly prod(shape) values of the type `code` names (checked
            // above; the caller pairs them) and outlives the inference (see the doc comment);
            // the shape is passed by value (copied).
            let status = unsafe {
                let st = (api.ov_tensor_create_from_host_ptr)(
                    *code,
                    Shape { rank: s.rank, dims: s.dims },
                    data.as_mut_ptr(),
                    &mut t,
                );
                (api.ov_shape_free)(&mut s);
                st
            };
            self.lib.check(status, &format!("wrapping input {i}"))?;
            // SAFETY: valid request and tensor; the request keeps its own reference to the
            // tensor, so the wrapper is released here.
            let status = unsafe {
                let st = (api.ov_infer_request_set_input_tensor_by_index)(self.p, i, t);
                (api.ov_tensor_free)(t);
                st
            };
            self.lib.check(status, &format!("setting input {i}"))?;
        }
        // SAFETY: valid request with every input set.
        self.lib.check(unsafe { (api.ov_infer_request_infer)(self.p) }, "inference")?;
        let mut outputs = Vec::with_capacity(n_outputs);
        for i in 0..n_outputs {
            let mut t = std::ptr::null_mut();
            // SAFETY: valid request, `i` < the output count; `t` is released below, once.
            let status = unsafe { (api.ov_infer_request_get_output_tensor_by_index)(self.p, i, &mut t) };
            self.lib.check(status, &format!("reading output {i}"))?;
            let result = self.read(t, codes);
            // SAFETY: `t` is not used after this.
            unsafe { (api.ov_tensor_free)(t) };
            outputs.push(result?);
        }
        Ok(outputs)
    }

    fn read(&self, t: *mut Opaque, codes: Codes) -> Result<OutputTensor, String> {
        let api = &self.lib.api;
        let mut element_type = 0;
        // SAFETY: valid tensor, writable out-parameter.
        self.lib.check(unsafe { (api.ov_tensor_get_element_type)(t, &mut element_type) }, "an output type")?;
        let mut s = Shape { rank: 0, dims: std::ptr::null_mut() };
        // SAFETY: valid tensor; on success `s.dims` holds `s.rank` values owned by `s`.
        self.lib.check(unsafe { (api.ov_tensor_get_shape)(t, &mut s) }, "an output shape")?;
        let shape: Vec<usize> = if s.rank > 0 && !s.dims.is_null() {
            // SAFETY: as above.
            unsafe { std::slice::from_raw_parts(s.dims, s.rank as usize) }.iter().map(|&d| d.max(0) as usize).collect()
        } else {
            Vec::new()
        };
        // SAFETY: `s` was filled by the library and is released once.
        unsafe { (api.ov_shape_free)(&mut s) };
        let n: usize = shape.iter().product();
        let int = codes.int_type(element_type);
        if element_type != codes.f32 && element_type != codes.f16 && int.is_none() {
            return Ok(OutputTensor { element_type, shape, data: OutputData::Other });
        }
        let mut p = std::ptr::null_mut();
        // SAFETY: valid tensor, writable out-parameter.
        self.lib.check(unsafe { (api.ov_tensor_data)(t, &mut p) }, "an output's data")?;
        if p.is_null() {
            return Err("an output tensor has no data".into());
        }
        // SAFETY: the tensor's element type is f32, f16 or the integer type `int` (checked just
        // above): it holds prod(shape) such values, contiguous (OpenVINO's host tensors are
        // dense), alive until `ov_tensor_free`. f16 widens to f32 exactly.
        let data = unsafe {
            if let Some(ty) = int {
                let bytes = std::slice::from_raw_parts(p.cast::<u8>(), n * ty.bytes());
                OutputData::Int(ty, ty.from_le_bytes(bytes).unwrap_or_default())
            } else if element_type == codes.f32 {
                OutputData::Float(std::slice::from_raw_parts(p.cast::<f32>(), n).to_vec())
            } else {
                OutputData::Float(
                    std::slice::from_raw_parts(p.cast::<half::f16>(), n).iter().map(|h| h.to_f32()).collect(),
                )
            }
        };
        Ok(OutputTensor { element_type, shape, data })
    }
}

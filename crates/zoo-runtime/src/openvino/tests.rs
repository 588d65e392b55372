//! The OpenVINO library rules. The real library is used when `OPENVINO_LIB_PATH` is set
//! (scripts/test exports it); the rest needs no OpenVINO.

use std::path::Path;

use super::library::{ENV_VAR, SEARCH, check_release, find_library, init, is_supported, release_of};

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
    assert_eq!(SEARCH.library_in(dir.path()), Some(dir.path().join("libopenvino_c.so.2641")));
    assert_eq!(SEARCH.library_in(tempfile::tempdir().unwrap().path()), None);
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

// --- The runner, on the real library (scripts/test installs it; these fail rather than skip
// without it, like the ONNX Runtime tests). ---

use super::runner::{OvOptions, OvRunner, Precision};
use crate::tensor::{IntType, Tensor};
use crate::test_nets::{conv_net, input};
use crate::tract::TractRunner;
use crate::{Runner, compare};

fn options() -> OvOptions {
    crate::set_project_venv(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let (path, _) = find_library(None).unwrap_or_else(|e| {
        panic!(
            "these tests need OpenVINO {}: {e}\nrun scripts/test (it installs it into .venv)",
            super::OPENVINO_VERSION
        )
    });
    OvOptions { library: Some(path), threads: Some(1), ..OvOptions::default() }
}

fn shapes(batch: usize) -> Vec<(String, Vec<usize>)> {
    vec![("input".to_string(), vec![batch, 3, 8, 8])]
}

/// Runs, names its outputs as the graph does, and agrees with tract in f32. Constructing the
/// runner at all proves `runner::F32` is the library's f32 code: the file's float input is
/// checked against it, and the outputs are read only when their type matches it.
#[test]
fn runs_a_small_conv_net_like_tract() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    let mut ov = OvRunner::new(&model, &shapes(2), &options()).unwrap();
    assert_eq!(ov.output_names(), ["features", "logits"]);
    assert_eq!(ov.inputs(), shapes(2).as_slice());
    assert_eq!(ov.precision(), "f32");
    assert_eq!(ov.label(), "openvino/cpu");
    let out = ov.run(&[input(2)]).unwrap();
    assert_eq!(out.providers, [format!("OpenVINO {} CPU f32", super::OPENVINO_VERSION)]);
    let mut tract = TractRunner::new(&model, &shapes(2)).unwrap();
    let reference = tract.run(&[input(2)]).unwrap();
    assert_eq!(out.outputs.len(), 2);
    for (a, r) in out.outputs.iter().zip(&reference.outputs) {
        assert_eq!((a.name.as_str(), &a.shape), (r.name.as_str(), &r.shape));
        assert!(a.data.iter().any(|&v| v != 0.0), "{}", a.name);
        let m = compare::compare(a, r, compare::Tolerance { atol: 1e-5, rtol: 1e-4 }).unwrap();
        assert!(m.max_abs < 1e-5, "{}: {m:?}", a.name);
    }
    // The same request again: the same bits.
    assert_eq!(ov.run(&[input(2)]).unwrap().outputs, out.outputs);
}

/// Integer and boolean inputs and outputs, exactly. Constructing the runner proves every code
/// of `runner::INTS` is the library's code of its type: each input's port is checked against
/// the table, and each output is read back in the type the table names.
#[test]
fn integer_and_bool_tensors_are_exchanged_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::test_nets::typed_net(dir.path());
    let inputs = crate::test_nets::typed_inputs();
    let mut ov = OvRunner::new(&path, &crate::test_nets::typed_shapes(), &options()).unwrap();
    // The CPU plugin computes INT64 in 32 bits (2^63 − 1 came back as −1): past ±2^31 the
    // runner refuses the input instead of comparing a wrapped value.
    let msg = ov.run(&inputs).unwrap_err().to_string();
    assert!(
        msg.contains("`x_int64` holds -9223372036854775808: OpenVINO's CPU plugin computes INT64 in 32 bits"),
        "{msg}"
    );
    let mut inputs = inputs;
    let k = inputs.iter().position(|t| t.name == "x_int64").unwrap();
    inputs[k] = Tensor::int("x_int64", vec![3], IntType::I64, vec![i64::from(i32::MIN), i64::from(i32::MAX), 7]);
    let out = ov.run(&inputs).unwrap();
    crate::test_nets::check_typed_outputs_with(&inputs, "openvino", &out.outputs);
}

#[test]
fn shapes_that_do_not_fit_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    // Compiled for batch 1, fed batch 2.
    let mut ov = OvRunner::new(&model, &shapes(1), &options()).unwrap();
    let e = one_line(&ov.run(&[input(2)]).unwrap_err());
    assert!(e.contains("[2, 3, 8, 8]") && e.contains("compiled for [1, 3, 8, 8]"), "{e}");
    let e = one_line(&ov.run(&[Tensor::new("x", vec![1], vec![0.0])]).unwrap_err());
    assert!(e.contains("no input `x`"), "{e}");
    // A fixed dimension of the file contradicted, a rank that differs, an unknown input.
    let bad = vec![("input".to_string(), vec![1, 3, 9, 8])];
    let e = one_line(&OvRunner::new(&model, &bad, &options()).err().unwrap());
    assert!(e.contains("size 8 on axis 2"), "{e}");
    let bad = vec![("input".to_string(), vec![1, 3, 8])];
    let e = one_line(&OvRunner::new(&model, &bad, &options()).err().unwrap());
    assert!(e.contains("rank 4"), "{e}");
    let bad = vec![("image".to_string(), vec![1, 3, 8, 8])];
    let e = one_line(&OvRunner::new(&model, &bad, &options()).err().unwrap());
    assert!(e.contains("no input `image`") && e.contains("its inputs: input"), "{e}");
}

/// A corrupt or truncated file is OpenVINO's one-line error through the C API, not a crash.
#[test]
fn corrupt_files_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let truncated = dir.path().join("truncated.onnx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let junk = dir.path().join("junk.onnx");
    std::fs::write(&junk, b"\xff\xff\xff\xff not a protobuf").unwrap();
    for f in [&truncated, &junk, &dir.path().join("absent.onnx")] {
        let e = one_line(&OvRunner::new(f, &shapes(1), &options()).err().unwrap());
        assert!(e.starts_with("OpenVINO: reading the model failed"), "{e}");
    }
}

#[test]
fn precisions_parse_and_the_plugin_reports_what_it_does() {
    assert_eq!("bf16".parse::<Precision>().unwrap(), Precision::Bf16);
    assert_eq!("f16".parse::<Precision>().unwrap(), Precision::F16);
    assert!("fp64".parse::<Precision>().unwrap_err().contains("expected f32, bf16 or f16"));
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    // The label follows what the plugin reports after compiling, whatever this CPU offers.
    let mut ov = OvRunner::new(&model, &shapes(1), &OvOptions { precision: Precision::Bf16, ..options() }).unwrap();
    let label = ov.label();
    match ov.precision() {
        "f32" => assert_eq!(label, "openvino/cpu"),
        p => assert_eq!(label, format!("openvino/cpu-{p}")),
    }
    let out = ov.run(&[input(1)]).unwrap();
    assert!(out.outputs.iter().all(|t| t.data.iter().all(|v| v.is_finite())));
}

//! Tests against the real ONNX Runtime library (the `onnxruntime==1.31.1` wheel in `.venv`, as
//! `scripts/test` sets up). They fail, rather than skip, when it cannot be found.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// The library for these tests, loaded once for the whole test process.
fn lib() -> LibraryInfo {
    crate::set_project_venv(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let (path, _) = find_library(None).unwrap_or_else(|e| {
        panic!(
            "these tests need ONNX Runtime {ORT_VERSION}: {e}\n\
             run scripts/test (it makes .venv with onnxruntime=={ORT_VERSION} and exports ORT_DYLIB_PATH)"
        )
    });
    init(Some(&path)).unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
}

fn options(providers: &[Provider]) -> OrtOptions {
    OrtOptions { library: Some(lib().path), providers: providers.to_vec(), threads: Some(1), ..OrtOptions::default() }
}

use crate::test_nets::{conv_net, input};

#[test]
fn cpu_run_of_a_small_conv_net() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    let (mut runner, skipped) = OrtRunner::new(&model, &options(&[Provider::Cpu])).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(runner.input_names(), ["input"]);
    assert_eq!(runner.output_names(), ["features", "logits"]);

    let out = runner.run(&[input(2)]).unwrap();
    let names: Vec<&str> = out.outputs.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["features", "logits"]);
    assert_eq!(out.outputs[0].shape, [2, 4, 8, 8]);
    assert_eq!(out.outputs[1].shape, [2, 5]);
    for t in &out.outputs {
        assert_eq!(t.data.len(), t.shape.iter().product::<usize>());
        assert!(t.data.iter().all(|v| v.is_finite()), "{}", t.name);
    }
    assert!(out.outputs[0].data.iter().all(|&v| v >= 0.0), "relu output");
    assert!(out.outputs[1].data.iter().any(|&v| v != 0.0));
    assert_eq!(out.providers, ["CPUExecutionProvider"]);
    assert_eq!(runner.label(), "ort/cpu");
    assert_eq!(runner.registered(), [Provider::Cpu]);
    // The profile is read once and removed: nothing is left in the runner's directory.
    let left: Vec<_> = std::fs::read_dir(runner._profile_dir.as_ref().unwrap().path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // Later runs report the same, without profiling again.
    let again = runner.run(&[input(2)]).unwrap();
    assert_eq!(again.providers, ["CPUExecutionProvider"]);
}

#[test]
fn same_input_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    let (mut a, _) = OrtRunner::new(&model, &options(&[Provider::Cpu])).unwrap();
    let first = a.run(&[input(3)]).unwrap();
    let second = a.run(&[input(3)]).unwrap();
    assert_eq!(first.outputs, second.outputs);
    // A second session, with profiling off, computes the same bits.
    let opts = OrtOptions { profile: false, ..options(&[Provider::Cpu]) };
    let (mut b, _) = OrtRunner::new(&model, &opts).unwrap();
    let third = b.run(&[input(3)]).unwrap();
    assert_eq!(first.outputs, third.outputs);
    assert!(third.providers.is_empty(), "not verified without profiling");
    assert_eq!(b.label(), "ort/cpu");
}

#[test]
fn unavailable_cuda_falls_back_to_cpu_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    let (mut runner, skipped) = OrtRunner::new(&model, &options(&[Provider::Cuda, Provider::Cpu])).unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].provider, Provider::Cuda);
    let reason = &skipped[0].reason;
    for want in ["CUDAExecutionProvider", "onnxruntime-gpu==1.31.1", "CUDA 13"] {
        assert!(reason.contains(want), "{reason}");
    }
    assert_eq!(runner.label(), "ort/cpu");
    let out = runner.run(&[input(1)]).unwrap();
    assert_eq!(out.providers, ["CPUExecutionProvider"]);
    assert_eq!(runner.label(), "ort/cpu");

    // Without `cpu` in the list it is appended anyway (not strict).
    let (runner, skipped) = OrtRunner::new(&model, &options(&[Provider::TensorRt, Provider::Cuda])).unwrap();
    let providers: Vec<Provider> = skipped.iter().map(|s| s.provider).collect();
    assert_eq!(providers, [Provider::TensorRt, Provider::Cuda]);
    assert!(skipped[0].reason.contains("TensorRT 10"), "{skipped:?}");
    assert_eq!(runner.registered(), [Provider::Cpu]);
    assert_eq!(runner.label(), "ort/cpu");
}

/// The label follows the profile, never the request: CUDA registered but only the CPU in the
/// profile is `ort/cpu`.
#[test]
fn label_follows_the_profile() {
    use Provider::*;
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let cpu_only = names(&["CPUExecutionProvider"]);
    let mixed = names(&["CPUExecutionProvider", "CUDAExecutionProvider"]);
    let trt_cuda = names(&["TensorrtExecutionProvider", "CUDAExecutionProvider"]);
    assert_eq!(label(&[Cuda, Cpu], Some(&cpu_only)), "ort/cpu");
    assert_eq!(label(&[TensorRt, Cuda, Cpu], Some(&cpu_only)), "ort/cpu");
    assert_eq!(label(&[Cuda, Cpu], Some(&mixed)), "ort/cuda");
    assert_eq!(label(&[TensorRt, Cuda, Cpu], Some(&trt_cuda)), "ort/tensorrt");
    assert_eq!(label(&[Cpu], Some(&names(&["XnnpackExecutionProvider"]))), "ort/xnnpack");
    // Not profiled (yet, or profiling off): what was registered.
    assert_eq!(label(&[Cuda, Cpu], None), "ort/cuda");
    assert_eq!(label(&[Cuda, Cpu], Some(&[])), "ort/cuda");
    assert_eq!(label(&[Cpu], None), "ort/cpu");
}

#[test]
fn strict_unavailable_provider_is_a_fast_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    lib(); // loading the library is not what is timed
    for p in [Provider::Cuda, Provider::TensorRt] {
        let opts = OrtOptions { strict: true, ..options(&[p, Provider::Cpu]) };
        let start = Instant::now();
        let err = OrtRunner::new(&model, &opts).unwrap_err();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(10), "{p}: took {took:?}");
        let RuntimeError::Provider(msg) = &err else {
            panic!("{p}: expected a provider error, got {err:?}");
        };
        assert!(msg.contains(p.ort_name()), "{msg}");
        assert!(msg.contains("onnxruntime-gpu"), "{msg}");
    }
}

/// Integer and boolean inputs are fed in their declared types and outputs read back exactly;
/// a tensor of the wrong type or out of its type's range is refused by name.
#[test]
fn integer_and_bool_tensors_are_exchanged_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::test_nets::typed_net(dir.path());
    let (mut runner, _) = OrtRunner::new(&path, &options(&[Provider::Cpu])).unwrap();
    let out = runner.run(&crate::test_nets::typed_inputs()).unwrap();
    crate::test_nets::check_typed_outputs("ort", &out.outputs);
    let mut wrong = crate::test_nets::typed_inputs();
    wrong[1] = Tensor::new(wrong[1].name.clone(), vec![3], vec![0.0; 3]);
    let msg = runner.run(&wrong).unwrap_err().to_string();
    assert!(msg.contains("`x_bool` is BOOL in the model, given FLOAT"), "{msg}");
    let mut wide = crate::test_nets::typed_inputs();
    let k = wide.iter().position(|t| t.name == "x_int8").unwrap();
    wide[k] = Tensor::int("x_int8", vec![3], IntType::I8, vec![0, 1, 300]);
    let msg = runner.run(&wide).unwrap_err().to_string();
    assert!(msg.contains("`x_int8` is INT8 and cannot hold 300"), "{msg}");
}

#[test]
fn bad_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = conv_net(dir.path());
    let (mut runner, _) = OrtRunner::new(&model, &options(&[Provider::Cpu])).unwrap();
    let mut wrong = input(1);
    wrong.name = "image".into();
    let msg = runner.run(&[wrong]).unwrap_err().to_string();
    assert!(msg.contains("`image`") && msg.contains("input"), "{msg}");
    let msg = runner.run(&[]).unwrap_err().to_string();
    assert!(msg.contains("`input` was not given"), "{msg}");
    let short = Tensor { name: "input".into(), shape: vec![1, 3, 8, 8], data: vec![0.0; 5], ints: None };
    assert!(runner.run(&[short]).is_err());
    let bad_shape = Tensor::new("input", vec![1, 3, 4, 4], vec![0.0; 48]);
    let msg = runner.run(&[bad_shape]).unwrap_err().to_string();
    assert!(msg.contains("ONNX Runtime"), "{msg}");
    // The runner still works after errors.
    assert!(runner.run(&[input(1)]).is_ok());
}

#[test]
fn missing_model_file() {
    let err = OrtRunner::new(Path::new("/nonexistent/zoo.onnx"), &options(&[Provider::Cpu])).unwrap_err();
    assert!(matches!(err, RuntimeError::Read { .. }), "{err:?}");
}

#[test]
fn a_file_that_is_not_onnx_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.onnx");
    std::fs::write(&path, b"this is not a protobuf").unwrap();
    let err = OrtRunner::new(&path, &options(&[Provider::Cpu])).unwrap_err();
    assert!(matches!(err, RuntimeError::Ort(_)), "{err:?}");
    assert!(err.to_string().contains("garbage.onnx"), "{err}");
}

#[test]
fn find_library_reports_bad_paths_and_the_fix() {
    let missing = Path::new("/nonexistent/libonnxruntime.so.1.31.1");
    let err = find_library(Some(missing)).unwrap_err();
    assert!(matches!(err, RuntimeError::OrtLibrary(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("/nonexistent/libonnxruntime.so.1.31.1"), "{msg}");
    assert!(msg.contains("pip install onnxruntime==1.31.1"), "{msg}");
    assert!(msg.contains("--ort-lib"), "{msg}");

    let dir = tempfile::tempdir().unwrap();
    let msg = find_library(Some(dir.path())).unwrap_err().to_string();
    assert!(msg.contains("is not a file"), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
}

#[test]
fn found_library_is_reported() {
    let info = lib();
    assert!(info.path.is_file());
    assert_eq!(info.version, ORT_VERSION);
    // Asking again, with or without the path, gives the same library.
    assert_eq!(init(None).unwrap(), info);
    assert_eq!(init(Some(&info.path)).unwrap(), info);
}

#[test]
fn a_second_library_is_refused() {
    let info = lib();
    let other = tempfile::NamedTempFile::new().unwrap();
    let msg = init(Some(other.path())).unwrap_err().to_string();
    assert!(msg.contains("already loaded"), "{msg}");
    assert!(msg.contains(&info.path.display().to_string()), "{msg}");
    assert!(msg.contains(&other.path().display().to_string()), "{msg}");
}

/// Set in the child process of [`init_with_a_non_library_is_a_clean_error`].
const FAKE_LIB_VAR: &str = "ZOO_ORT_TEST_FAKE_LIB";

/// Loading a file that is not ONNX Runtime gives an error naming it and the fix, never a panic
/// or a hang. In a child process (this test binary again), because the library is loaded once
/// per process and this process uses the real one.
#[test]
fn init_with_a_non_library_is_a_clean_error() {
    if let Some(fake) = std::env::var_os(FAKE_LIB_VAR) {
        let err = init(Some(Path::new(&fake))).unwrap_err();
        assert!(matches!(err, RuntimeError::OrtLibrary(_)), "{err:?}");
        println!("CHILD-ERROR: {err}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&empty, b"").unwrap();
    let mut fakes = vec![(empty, "")];
    // A real shared library that is not ONNX Runtime.
    if let Some(libz) = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
    {
        let copy = dir.path().join("libnot-onnxruntime.so");
        std::fs::copy(libz, &copy).unwrap();
        fakes.push((copy, "does not export OrtGetApiBase"));
    }
    for (fake, want) in fakes {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "onnxruntime::tests::init_with_a_non_library_is_a_clean_error",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(FAKE_LIB_VAR, &fake)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("init({}) hung", fake.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}:\n{stdout}\n{stderr}", fake.display());
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("CHILD-ERROR: ").map(|(_, e)| e))
            .unwrap_or_else(|| panic!("child did not run the test:\n{stdout}\n{stderr}"));
        assert!(line.contains(&fake.display().to_string()), "{line}");
        assert!(line.contains("pip install onnxruntime==1.31.1"), "{line}");
        assert!(line.contains(want), "{line}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

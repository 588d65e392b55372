//! Checkpoints written by PyTorch itself (`tests/fixtures/torch/`, made by
//! `tests/python/make_torch_fixtures.py` with the pinned torch of `scripts/peer-check`): a tiny
//! network with torchvision-style parameter names, saved as `.pth` (zip, legacy, fp16,
//! non-contiguous, shared-storage views) and `.safetensors`, with PyTorch's output for a fixed
//! input. zoo's builder makes the same graph, binds each file by name, writes the ONNX file,
//! and ONNX Runtime and tract must reproduce PyTorch's output. The full-size comparison of every
//! torchvision model is `scripts/peer-check` (it needs torch, so it is not part of CI).

use std::path::{Path, PathBuf};

use zoo_graph::ops::{BatchNorm, Conv, Dropout, Flatten, Linear, MaxPool, Relu};
use zoo_graph::{Batch, Model, Net, Opset, ParamKind, WeightSource, image};
use zoo_runtime::onnxruntime::{OrtOptions, OrtRunner, Provider};
use zoo_runtime::tract::TractRunner;
use zoo_runtime::{Runner, Tensor};

use crate::support::root;

/// PyTorch's output and ours may differ by float32 rounding in a different summation order.
const REL_TOL: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/torch").join(name)
}

fn expected() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixture("expected.json")).unwrap()).unwrap()
}

/// The fixtures' network, as `make_torch_fixtures.py` defines it in PyTorch:
/// `features = Sequential(Conv2d(3, 8, 3, padding=1), BatchNorm2d(8), ReLU(), MaxPool2d(2, 2),
/// Conv2d(8, 16, 3, padding=1, bias=False), BatchNorm2d(16), ReLU())`, flatten,
/// `classifier = Sequential(Dropout(), Linear(256, 10))`.
fn tiny() -> Model {
    let mut net = Net::new("tiny", Opset::DEFAULT);
    let x = net.input("input", image(Batch::Dynamic, 3, 8, 8)).unwrap();
    let x = {
        let mut f = net.seq("features");
        let x = f.layer(x, Conv::new(8, 3).pad(1)).unwrap();
        let x = f.layer(x, BatchNorm::new(BatchNorm::TORCH_EPS)).unwrap();
        let x = f.layer(x, Relu).unwrap();
        let x = f.layer(x, MaxPool::new(2, 2)).unwrap();
        let x = f.layer(x, Conv::new(16, 3).pad(1).no_bias()).unwrap();
        let x = f.layer(x, BatchNorm::new(BatchNorm::TORCH_EPS)).unwrap();
        f.layer(x, Relu).unwrap()
    };
    let x = net.layer("flatten", x, Flatten).unwrap();
    let x = {
        let mut c = net.seq("classifier");
        let x = c.layer(x, Dropout(0.5)).unwrap();
        c.layer(x, Linear::new(10)).unwrap()
    };
    net.output(x, "logits").unwrap();
    net.finish("the tiny network of tests/fixtures/torch", vec![])
}

/// max |a − t| / max |t|.
fn rel_err(a: &Tensor, t: &Tensor) -> f64 {
    assert_eq!(a.shape, t.shape);
    let diff = a.data.iter().zip(&t.data).map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs()).fold(0.0, f64::max);
    let scale = t.data.iter().map(|y| f64::from(*y).abs()).fold(0.0, f64::max);
    diff / scale
}

fn ort_options() -> OrtOptions {
    OrtOptions {
        library: None,
        providers: vec![Provider::Cpu],
        strict: true,
        threads: Some(1),
        trt_fp16: false,
        trt_int8: false,
        trt_engine_cache: None,
        profile: false,
        optimize: true,
        save_optimized: None,
    }
}

/// Writes `model` with `weights` and checks ONNX Runtime's and tract's outputs on `input.pb`
/// against PyTorch's `reference` (a file of the fixtures).
fn check_against_torch(model: &Model, weights: &dyn WeightSource, reference: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.onnx");
    zoo_graph::write::write_file(model, weights, &path, &Default::default())
        .unwrap_or_else(|e| panic!("{what}: writing: {e}"));
    let input = zoo_runtime::pb::read_tensor(&fixture("input.pb")).unwrap();
    let want = zoo_runtime::pb::read_tensor(&fixture(reference)).unwrap();
    assert_eq!(input.name, "input");

    let (mut ort, skipped) = OrtRunner::new(&path, &ort_options()).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let mut tract = TractRunner::new(&path, &[("input".into(), input.shape.clone())]).unwrap();
    let runners: [(&str, &mut dyn Runner); 2] = [("ort", &mut ort), ("tract", &mut tract)];
    for (label, runner) in runners {
        let out = runner.run(std::slice::from_ref(&input)).unwrap_or_else(|e| panic!("{what} on {label}: {e}"));
        let got = &out.outputs[0];
        assert_eq!(got.name, "logits");
        let err = rel_err(got, &want);
        assert!(err <= REL_TOL, "{what} on {label}: relative error {err:.2e} > {REL_TOL:e} against {reference}");
        for b in 0..want.batch() {
            assert_eq!(argmax(got.item(b)), argmax(want.item(b)), "{what} on {label}: top-1 of item {b}");
        }
    }
}

fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, x)| if *x > v[best] { i } else { best })
}

/// zoo's builder names the tiny network's parameters exactly as PyTorch's `state_dict` does,
/// with the same shapes; the trainable count excludes running statistics and
/// `num_batches_tracked` on both sides.
#[test]
fn builder_names_match_the_torch_state_dict() {
    let model = tiny();
    let e = expected();
    let torch: Vec<(&str, Vec<usize>, &str)> = e["params"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] != "ignored")
        .map(|p| {
            let shape = p["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
            (p["name"].as_str().unwrap(), shape, p["kind"].as_str().unwrap())
        })
        .collect();
    let ours: Vec<(&str, Vec<usize>, &str)> = model
        .params
        .iter()
        .filter(|p| p.kind != ParamKind::Constant)
        .map(|p| (p.name.as_str(), p.dims.clone(), if p.kind == ParamKind::Weight { "weight" } else { "buffer" }))
        .collect();
    let mut torch_sorted = torch.clone();
    torch_sorted.sort();
    let mut ours_sorted = ours.clone();
    ours_sorted.sort();
    assert_eq!(ours_sorted, torch_sorted);
    assert_eq!(model.trainable_count() as u64, e["trainable_params"].as_u64().unwrap());
}

/// Every fixture file's SHA-256 is the one `make_torch_fixtures.py` recorded: the files in the
/// repository are the files PyTorch wrote.
#[test]
fn fixture_files_are_as_written() {
    let e = expected();
    let files = e["files"].as_object().unwrap();
    assert!(files.len() >= 9, "{files:?}");
    for (name, f) in files {
        let path = fixture(name);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), f["bytes"].as_u64().unwrap(), "{name}");
        assert_eq!(crate::support::sha256_file(&path), f["sha256"].as_str().unwrap(), "{name}");
    }
}

#[test]
fn safetensors_written_by_torch_reproduce_torch() {
    let model = tiny();
    let bound = zoo_weights::SafetensorsFile::open(&fixture("tiny.safetensors")).unwrap().bind(&model.params).unwrap();
    check_against_torch(&model, &bound, "output.pb", "tiny.safetensors");
}

/// Binds a `.pth` through zoo's checkpoint entry point.
fn bind_pth(model: &Model, name: &str) -> zoo_weights::BoundWeights {
    zoo_weights::open_weights(&fixture(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .bind(&model.params)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// torch.save's zip format, its legacy format, a state_dict with non-contiguous entries (a
/// transposed Linear weight, a channels_last Conv weight) and one whose entries are views at
/// offsets into shared storages: all reproduce PyTorch's output.
#[test]
fn pth_files_written_by_torch_reproduce_torch() {
    let model = tiny();
    for name in ["tiny.pth", "tiny_legacy.pth", "tiny_transposed.pth", "tiny_views.pth"] {
        check_against_torch(&model, &bind_pth(&model, name), "output.pb", name);
    }
}

/// The fp16 state_dict gives PyTorch's output for the fp16-rounded weights (computed in
/// float32), to the same tolerance: zoo widens the halves exactly.
#[test]
fn fp16_pth_reproduces_torch_with_rounded_weights() {
    let model = tiny();
    check_against_torch(&model, &bind_pth(&model, "tiny_fp16.pth"), "output_fp16.pb", "tiny_fp16.pth");
    // And the rounding is visible: the fp32 output is not what the fp16 weights give.
    let a = zoo_runtime::pb::read_tensor(&fixture("output.pb")).unwrap();
    let b = zoo_runtime::pb::read_tensor(&fixture("output_fp16.pb")).unwrap();
    assert!(rel_err(&a, &b) > 10.0 * REL_TOL, "fp16 rounding too small to tell apart: {:.2e}", rel_err(&a, &b));
}

/// The same weights, whatever the container: every format streams bit-identical weights.
#[test]
fn every_container_gives_the_same_weights() {
    let model = tiny();
    let reference =
        zoo_weights::SafetensorsFile::open(&fixture("tiny.safetensors")).unwrap().bind(&model.params).unwrap();
    for name in ["tiny.pth", "tiny_legacy.pth", "tiny_transposed.pth", "tiny_views.pth"] {
        let bound = bind_pth(&model, name);
        for p in model.params.iter().filter(|p| p.kind != ParamKind::Constant) {
            let mut a = vec![0f32; p.numel()];
            let mut b = vec![0f32; p.numel()];
            reference.fill(p, 0, &mut a).unwrap();
            bound.fill(p, 0, &mut b).unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "{name}: {}", p.name);
        }
    }
}

fn truncated_copy(dir: &Path, name: &str, len: usize) -> PathBuf {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let path = dir.join(format!("cut{len}-{name}"));
    std::fs::write(&path, &bytes[..len.min(bytes.len())]).unwrap();
    path
}

/// A truncated checkpoint is an error that names the file, never a panic and never a model:
/// through the library at many cut points, and through `zoo export --weights` as one line.
#[test]
fn truncated_pth_fails_cleanly() {
    let model = tiny();
    let dir = tempfile::tempdir().unwrap();
    for name in ["tiny.pth", "tiny_legacy.pth"] {
        let size = std::fs::metadata(fixture(name)).unwrap().len() as usize;
        let mut cuts: Vec<usize> = (0..16).map(|i| i * size / 16).collect();
        cuts.extend([1, 4, 22, size - 100, size - 22, size - 1]);
        for len in cuts {
            let path = truncated_copy(dir.path(), name, len);
            let result = std::panic::catch_unwind(|| {
                zoo_weights::open_weights(&path).and_then(|f| f.bind(&model.params)).map(|_| ())
            });
            let err = match result {
                Ok(Ok(())) => panic!("{name} cut to {len} of {size} bytes was accepted"),
                Ok(Err(e)) => e.to_string(),
                Err(_) => panic!("{name} cut to {len} of {size} bytes panicked"),
            };
            assert!(
                err.contains(&path.display().to_string()),
                "{name} cut to {len}: error does not name the file: {err}"
            );
            std::fs::remove_file(&path).unwrap();
        }
    }

    let cut = truncated_copy(dir.path(), "tiny.pth", 10_000);
    let out = dir.path().join("out.onnx");
    let o = crate::support::zoo(&[
        "export",
        "alexnet",
        "--variant",
        "torchvision",
        "--weights",
        cut.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    crate::support::fails_with(o, cut.to_str().unwrap());
    assert!(!out.exists(), "a failed export left {}", out.display());
}

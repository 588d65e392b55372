//! Writes the committed seed corpora, `fuzz/corpus/<target>/`, from zoo itself: small models
//! from zoo's builder and writer (one per op family, one with external data, one with the
//! shape chain torch.onnx emits), the checkpoint fixtures of `zoo-weights`, safetensors saved
//! by `zoo_weights::save_safetensors`, TensorProto files from `zoo_runtime::pb`, and tiny
//! PNG/JPEG images. Deterministic: running it again rewrites the same bytes. Not written here:
//! `corpus/image/pillow-*.jpg`, three 13×11 JPEGs Pillow 13 wrote (Adobe CMYK, progressive
//! 4:2:0, optimised 4:2:2: kinds the image crate cannot encode), committed as they are.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example make_seeds

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::{ImageEncoder, codecs::jpeg::JpegEncoder, codecs::png::PngEncoder};
use prost::Message;
use zoo_graph::ops::{
    Add, AveragePool, BatchNorm, Concat, Conv, Dropout, Flatten, GlobalAveragePool, Linear, Lrn, MaxPool, Normalize,
    Relu, Softmax,
};
use zoo_graph::proto_util::value_info;
use zoo_graph::{Batch, DType, Dim, Model, Net, Opset, Seeded, TensorInfo, image as image_info};
use zoo_proto::tensor_proto::DataLocation;
use zoo_proto::{AttributeProto, ModelProto, NodeProto, StringStringEntryProto, TensorProto};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn corpus(target: &str) -> Result<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn put(target: &str, name: &str, bytes: &[u8]) -> Result<()> {
    std::fs::write(corpus(target)?.join(name), bytes)?;
    Ok(())
}

fn encoded(model: &Model) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zoo_graph::write::encode(model, &Seeded { seed: 0 }, &mut out)?;
    Ok(out)
}

/// conv → bn → relu → maxpool → flatten → dropout → fc → softmax: the classic CNN's ops.
fn classic() -> Result<Model> {
    let mut net = Net::new("classic", Opset::DEFAULT);
    let x = net.input("input", image_info(Batch::Dynamic, 3, 6, 6))?;
    let x = net.layer("norm", x, Normalize { mean: vec![0.5; 3], std: vec![0.25; 3] })?;
    let x = net.layer("conv", x, Conv::new(2, 3).pad(1))?;
    let x = net.layer("bn", x, BatchNorm::new(1e-5))?;
    let x = net.layer("relu", x, Relu)?;
    let x = net.layer("lrn", x, Lrn::paper(2.0, 5, 1e-4, 0.75))?;
    let x = net.layer("pool", x, MaxPool::new(3, 2).ceil())?;
    let x = net.layer("flatten", x, Flatten)?;
    let x = net.layer("dropout", x, Dropout(0.5))?;
    let x = net.layer("fc", x, Linear::new(3))?;
    let x = net.layer("softmax", x, Softmax { axis: 1 })?;
    net.output(x, "probs")?;
    Ok(net.finish("fuzz seed: the classic CNN's ops", vec![("model".into(), "seed".into())]))
}

/// Branches joined by Concat and a residual Add, average pools, a grouped conv without bias.
fn branches() -> Result<Model> {
    let mut net = Net::new("branches", Opset::new(13)?);
    let x = net.input("input", image_info(Batch::Fixed(1), 4, 5, 5))?;
    let a = net.layer("a", x, Conv::new(2, 1))?;
    let b = net.layer("b", x, Conv::new(2, 3).pad(1).groups(2).no_bias())?;
    let c = net.layer_n("cat", &[a, b], Concat { axis: 1 })?;
    let r = net.layer_n("res", &[c, x], Add)?;
    let p = net.layer("avg", r, AveragePool::new(2, 1).pad(1).count_include_pad())?;
    let g = net.layer("gap", p, GlobalAveragePool)?;
    let f = net.layer("flatten", g, Flatten)?;
    net.output(f, "features")?;
    Ok(net.finish("fuzz seed: branches", vec![]))
}

/// `classic()` with two initializers moved to external data in `zoo_fuzz::DATA_FILE`.
fn external(mut proto: ModelProto) -> Result<Vec<u8>> {
    let g = proto.graph.as_mut().ok_or("no graph")?;
    let mut offset = 0usize;
    for t in g.initializer.iter_mut().filter(|t| t.dims.len() == 4 || t.dims.len() == 2).take(2) {
        let len = t.raw_data.take().map_or(0, |r| r.len());
        t.data_location = Some(DataLocation::External as i32);
        let entry = |k: &str, v: String| StringStringEntryProto { key: Some(k.into()), value: Some(v) };
        t.external_data = vec![
            entry("location", zoo_fuzz::DATA_FILE.into()),
            entry("offset", offset.to_string()),
            entry("length", len.to_string()),
        ];
        offset += len.next_multiple_of(4096);
    }
    assert!(offset <= zoo_fuzz::DATA_LEN, "external seed needs {offset} bytes of {}", zoo_fuzz::DATA_LEN);
    Ok(proto.encode_to_vec())
}

fn node(name: &str, op: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        name: Some(name.into()),
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute,
        ..Default::default()
    }
}

fn i64s(name: &str, dims: &[i64], v: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.to_vec(),
        data_type: Some(DType::I64.onnx() as i32),
        raw_data: Some(v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>().into()),
        ..Default::default()
    }
}

/// What torch.onnx.export writes for `x.view(x.size(0), -1)` after a conv:
/// `Shape → Gather → Unsqueeze → Concat → Reshape`, with the index a Constant node.
fn shape_chain() -> Result<Vec<u8>> {
    let mut net = Net::new("chain", Opset::DEFAULT);
    let x = net.input("input", image_info(Batch::Dynamic, 1, 3, 3))?;
    let x = net.layer("conv", x, Conv::new(2, 1))?;
    net.output(x, "conv_out")?;
    let mut proto = encoded(&net.finish("fuzz seed: shape chain", vec![]))?;
    let mut m = ModelProto::decode(proto.as_slice())?;
    let g = m.graph.as_mut().ok_or("no graph")?;
    let index = AttributeProto {
        name: Some("value".into()),
        r#type: Some(zoo_proto::attribute_proto::AttributeType::Tensor as i32),
        t: Some(i64s("", &[], &[0])),
        ..Default::default()
    };
    g.node.extend([
        node("shape", "Shape", &["conv_out"], &["s"], vec![]),
        node("index", "Constant", &[], &["i"], vec![index]),
        node("gather", "Gather", &["s", "i"], &["n"], vec![zoo_graph::attr::int("axis", 0)]),
        node("unsqueeze", "Unsqueeze", &["n", "axes"], &["n1"], vec![]),
        node("concat", "Concat", &["n1", "minus_one"], &["target"], vec![zoo_graph::attr::int("axis", 0)]),
        node("reshape", "Reshape", &["conv_out", "target"], &["flat"], vec![]),
    ]);
    g.initializer.extend([i64s("axes", &[1], &[0]), i64s("minus_one", &[1], &[-1])]);
    g.output = vec![value_info("flat", &TensorInfo::new(DType::F32, vec![Dim::Sym("N".into()), Dim::Known(18)]))];
    proto.clear();
    m.encode(&mut proto)?;
    Ok(proto)
}

fn onnx() -> Result<()> {
    let classic = encoded(&classic()?)?;
    let branches = encoded(&branches()?)?;
    let external = external(ModelProto::decode(classic.as_slice())?)?;
    let chain = shape_chain()?;
    // Every seed reaches the end of both targets: decoded and checked as `inspect` does, read
    // into the IR and through the passes as `compile` does.
    for (name, bytes) in [("classic", &classic), ("branches", &branches), ("external", &external), ("chain", &chain)] {
        let proto = zoo_graph::onnx_file::decode(bytes, zoo_fuzz::model_dir()).map_err(|e| format!("{name}: {e}"))?;
        let (mut graph, _) = zoo_graph::ir::read::read_model_report(proto, Some(zoo_fuzz::model_dir()))
            .map_err(|e| format!("{name}: {e}"))?;
        zoo_graph::passes::run(&mut graph, &zoo_graph::passes::optimize(), &zoo_graph::weights::NoWeights)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    for target in ["onnx_inspect", "onnx_ir"] {
        put(target, "classic.onnx", &classic)?;
        put(target, "branches.onnx", &branches)?;
        put(target, "external.onnx", &external)?;
        put(target, "shape_chain.onnx", &chain)?;
    }
    Ok(())
}

/// Whether a weights seed binds to the fuzz targets' network, as a seed that does should.
fn binds(name: &str, bytes: &[u8]) -> bool {
    zoo_weights::WeightsFile::from_bytes(Path::new(name), bytes.to_vec())
        .and_then(|f| f.bind(&zoo_fuzz::tiny_model().params))
        .is_ok()
}

fn weights() -> Result<()> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/zoo-weights/tests/fixtures");
    for f in ["zip_f32.pth", "legacy_f32.pth", "zip_f16_wrapped.pth", "legacy_f16_wrapped.pth"] {
        let bytes = std::fs::read(fixtures.join(f))?;
        assert!(binds(f, &bytes), "{f} does not bind");
        put("pth", f, &bytes)?;
    }
    let model = zoo_fuzz::tiny_model();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.safetensors");
    let meta = BTreeMap::from([("zoo.model".to_string(), "seed".to_string())]);
    zoo_weights::save_safetensors(&path, &model.params, &Seeded { seed: 0 }, meta)?;
    let bytes = std::fs::read(&path)?;
    assert!(binds("f32.safetensors", &bytes), "f32.safetensors does not bind");
    put("safetensors", "f32.safetensors", &bytes)?;
    // The same tensors in the other dtypes zoo reads, and one it refuses (f64).
    for (name, dtype) in [
        ("f16.safetensors", safetensors::Dtype::F16),
        ("bf16.safetensors", safetensors::Dtype::BF16),
        ("f64.safetensors", safetensors::Dtype::F64),
    ] {
        let mut owned = Vec::new();
        for p in model.params.iter().filter(|p| p.kind != zoo_graph::ParamKind::Constant) {
            let v: Vec<f32> = (0..p.numel()).map(|i| i as f32 / 8.0 - 1.0).collect();
            let bytes: Vec<u8> = match dtype {
                safetensors::Dtype::F16 => v.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect(),
                safetensors::Dtype::BF16 => v.iter().flat_map(|x| half::bf16::from_f32(*x).to_le_bytes()).collect(),
                _ => v.iter().flat_map(|x| f64::from(*x).to_le_bytes()).collect(),
            };
            owned.push((p.name.clone(), p.dims.clone(), bytes));
        }
        let views = owned
            .iter()
            .map(|(n, d, b)| Ok((n.clone(), safetensors::tensor::TensorView::new(dtype, d.clone(), b)?)))
            .collect::<std::result::Result<Vec<_>, safetensors::SafeTensorError>>()?;
        let bytes = safetensors::serialize(views, None)?;
        assert_eq!(binds(name, &bytes), dtype != safetensors::Dtype::F64, "{name}");
        put("safetensors", name, &bytes)?;
    }
    Ok(())
}

fn tensors() -> Result<()> {
    let t = |name: &str, shape: Vec<usize>| {
        let n: usize = shape.iter().product();
        zoo_runtime::Tensor::new(name, shape, (0..n).map(|i| i as f32 * 0.5 - 1.0).collect())
    };
    put("tensor_pb", "raw_data.pb", &zoo_runtime::pb::encode_tensor(&t("input", vec![1, 3, 2, 2])))?;
    put("tensor_pb", "scalar.pb", &zoo_runtime::pb::encode_tensor(&t("", vec![])))?;
    // The same values in float_data, as onnx.helper.make_tensor writes them.
    let p = TensorProto {
        name: Some("y".into()),
        dims: vec![2, 2],
        data_type: Some(DType::F32.onnx() as i32),
        float_data: vec![1.5, -2.0, 0.25, 3.0],
        ..Default::default()
    };
    put("tensor_pb", "float_data.pb", &p.encode_to_vec())?;
    put("tensor_pb", "int64.pb", &i64s("z", &[2], &[1, 2]).encode_to_vec())?;
    Ok(())
}

fn images() -> Result<()> {
    let (w, h) = (7u32, 5u32);
    let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 256) as u8).collect();
    let rgba: Vec<u8> = (0..w * h * 4).map(|i| (i * 53 % 256) as u8).collect();
    let grey: Vec<u8> = (0..w * h).map(|i| (i * 29 % 256) as u8).collect();
    let grey_alpha: Vec<u8> = (0..w * h * 2).map(|i| (i * 17 % 256) as u8).collect();
    let rgb16: Vec<u8> = (0..w * h * 3 * 2).map(|i| (i * 97 % 256) as u8).collect();
    use image::ExtendedColorType as C;
    for (name, bytes, color) in [
        ("rgb.png", &rgb, C::Rgb8),
        ("rgba.png", &rgba, C::Rgba8),
        ("grey.png", &grey, C::L8),
        ("grey_alpha.png", &grey_alpha, C::La8),
        ("rgb16.png", &rgb16, C::Rgb16),
    ] {
        let mut out = Vec::new();
        PngEncoder::new(&mut out).write_image(bytes, w, h, color)?;
        zoo_runtime::images::decode_rgb_bytes(Path::new(name), &out)?;
        put("image", name, &out)?;
    }
    for (name, bytes, color) in [("rgb.jpg", &rgb, C::Rgb8), ("grey.jpg", &grey, C::L8)] {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 75).write_image(bytes, w, h, color)?;
        zoo_runtime::images::decode_rgb_bytes(Path::new(name), &out)?;
        put("image", name, &out)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    onnx()?;
    weights()?;
    tensors()?;
    images()?;
    Ok(())
}

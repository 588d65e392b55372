//! Calibration for `--precision int8`: the range of every activation of the fp32 graph over
//! the calibration inputs, from ONNX Runtime running a copy of the graph with every
//! intermediate value marked as an output (what ONNX Runtime's own calibrator does, with its
//! graph optimizations off, so that the values are those of the graph as written).
//!
//! Inputs: `--calibrate N` seeded inputs, or `--calibration DIR` of `input_*.pb` tensors (the
//! ONNX Model Zoo's test-data format, e.g. what `zoo` writes as golden data) and PNG/JPEG
//! images (prepared as the model's recorded preprocessing says). One input item
//! is run at a time (or the file's fixed batch), so memory holds one item's activations.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::bail;
use crate::error::Context;
use zoo_graph::ir::{Graph, Io};
use zoo_graph::quant::{Method, Stats};
use zoo_graph::write::{WriteOptions, write_file};
use zoo_graph::{Dim, WeightSource};
use zoo_runtime::onnxruntime::OrtOptions;
use zoo_runtime::{Runner, Tensor};

use crate::options::{CalibrationMethod, Int8Options};

/// The ranges to quantize to, and how they were found (for the report and the metadata).
pub struct Calibration {
    pub ranges: HashMap<String, (f32, f32)>,
    /// e.g. `16 seeded inputs, percentile 99.99`.
    pub described: String,
}

/// The method `args` asks for.
pub fn method(args: &Int8Options) -> Method {
    match args.method {
        CalibrationMethod::MinMax => Method::MinMax,
        CalibrationMethod::Percentile => Method::Percentile(args.percentile),
    }
}

/// Runs `graph` (fp32) on the calibration inputs and returns every activation's range.
pub fn calibrate(
    graph: &Graph,
    source: &dyn WeightSource,
    args: &Int8Options,
    symmetric: bool,
) -> crate::Result<Calibration> {
    let [input] = graph.inputs.as_slice() else {
        bail!("int8 calibration needs a graph with exactly one input; this one has {}", graph.inputs.len());
    };
    if let Some(b) = args.shapes.iter().find(|b| b.name != input.name) {
        bail!("--shape {b}: the file has no input `{}` (its input: {})", b.name, input.name);
    }
    let mut dims: Vec<Option<usize>> = input.info.shape.iter().map(Dim::known).collect();
    if let Some(b) = args.shapes.iter().find(|b| b.name == input.name) {
        let agrees = b.dims.len() == dims.len() && dims.iter().zip(&b.dims).all(|(d, &n)| d.is_none_or(|d| d == n));
        if !agrees {
            bail!("--shape {b} contradicts input `{}`, declared {}", input.name, input.info.shape_string());
        }
        dims = b.dims.iter().map(|&n| Some(n)).collect();
    }
    if dims.iter().skip(1).any(Option::is_none) {
        bail!(
            "int8 calibration needs the input's dimensions after the batch to be known; `{}` is {}: give them with --shape {}=…",
            input.name,
            input.info.shape_string(),
            input.name
        );
    }
    let fixed = dims.first().copied().flatten();
    let item: Vec<usize> = dims.iter().skip(1).map(|d| d.unwrap_or(1)).collect();
    let items = match &args.calibration {
        Some(dir) => read_dir(dir, &input.name, &item, &graph.metadata).context("calibration")?,
        // Never the golden stream: calibration must not see the input verify checks with.
        None => zoo_artifacts::golden::seeded_items("calibration.input", &input.name, &item, args.calibrate),
    };
    let described = match &args.calibration {
        Some(dir) => format!("{} inputs from {}, {}", items.len(), dir.display(), method(args)),
        None => format!("{} seeded inputs, {}", items.len(), method(args)),
    };
    let batches = batch(items, fixed)?;

    // The graph with every float activation as an output.
    let mut marked = graph.clone();
    let names: Vec<Io> =
        marked.value_info.iter().filter(|v| v.info.dtype.is_float() && !marked.is_output(&v.name)).cloned().collect();
    marked.outputs.extend(names.iter().cloned());
    let dir = tempfile::tempdir().context("cannot create a temporary folder for calibration")?;
    let path = dir.path().join("calibration.onnx");
    let bytes: usize = marked.tensors.iter().map(|t| t.byte_len()).sum();
    // Past protobuf's 2 GiB limit the weights go to a side file.
    let external = (bytes > 1 << 30).then_some(1024);
    write_file(&marked, source, &path, &WriteOptions { external_data: external, ..Default::default() })
        .context("cannot write the calibration graph")?;
    let opts = OrtOptions { profile: false, optimize: false, ..OrtOptions::default() };
    let limit = crate::runtimes::limit(crate::runtimes::DEFAULT_TIMEOUT_S);
    let (mut runner, _) = crate::runtimes::ort(&path, &opts, limit)
        .map_err(|e| crate::err!("int8 calibration runs the fp32 graph on ONNX Runtime: {e}"))?;

    let histogram = matches!(method(args), Method::Percentile(_));
    let mut stats: HashMap<String, Stats> = HashMap::new();
    let n_out = graph.outputs.len();
    for x in &batches {
        let out = runner.run(std::slice::from_ref(x)).context("int8 calibration: ONNX Runtime failed")?;
        for (v, t) in names.iter().zip(out.outputs.iter().skip(n_out)) {
            stats.entry(v.name.clone()).or_insert_with(|| Stats::new(histogram)).add(&t.data);
        }
    }
    // The graph input's range: from the data itself.
    let mut input_stats = Stats::new(histogram);
    for x in &batches {
        input_stats.add(&x.data);
    }
    stats.insert(input.name.clone(), input_stats);
    let m = method(args);
    let ranges = stats.into_iter().map(|(k, s)| (k, s.range(m, symmetric))).collect();
    Ok(Calibration { ranges, described })
}

/// Every `input_*.pb` in `dir` (and in its `test_data_set_*` folders), in name order, split
/// into items, then every PNG/JPEG image, prepared as the model's `preprocess.*` metadata says
/// (torchvision's transforms, see [`crate::images`]); each item must have the input's shape.
pub fn read_dir(dir: &Path, name: &str, item: &[usize], metadata: &[(String, String)]) -> crate::Result<Vec<Tensor>> {
    let entries = |d: &Path| -> crate::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .with_context(|| format!("cannot read the input folder {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        Ok(v)
    };
    let mut files = Vec::new();
    let mut images = Vec::new();
    for p in entries(dir)? {
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if p.is_dir() && file.starts_with("test_data_set_") {
            files.extend(entries(&p)?.into_iter().filter(|f| is_input_pb(f)));
        } else if is_input_pb(&p) {
            files.push(p);
        } else if p.is_file() && crate::images::is_image(&p) {
            images.push(p);
        }
    }
    if files.is_empty() && images.is_empty() {
        bail!("no input in {}: expected input_*.pb tensor files or PNG/JPEG images", dir.display());
    }
    let per: usize = item.iter().product();
    let want = || format!("[N, {}]", item.iter().map(usize::to_string).collect::<Vec<_>>().join(", "));
    let mut out = Vec::new();
    for f in files {
        let t = zoo_runtime::pb::read_tensor(&f).map_err(|e| crate::err!("input tensor: {e}"))?;
        if t.shape.len() != item.len() + 1 || t.shape[1..] != *item {
            bail!("input {} has shape {:?}; the model takes {}", f.display(), t.shape, want());
        }
        for b in 0..t.shape[0] {
            let mut shape = vec![1];
            shape.extend_from_slice(item);
            out.push(Tensor::new(name, shape, t.data[b * per..(b + 1) * per].to_vec()));
        }
    }
    if !images.is_empty() {
        let prep = crate::images::preprocess_of(metadata, "the model")
            .with_context(|| format!("{} images in {}", images.len(), dir.display()))?;
        for t in crate::images::load_all(&images, &prep, name)? {
            if t.shape[1..] != *item {
                bail!("images are prepared as {:?}; the model takes {}", t.shape, want());
            }
            out.push(t);
        }
    }
    Ok(out)
}

fn is_input_pb(p: &Path) -> bool {
    p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("input_") && n.ends_with(".pb"))
}

/// The items as the runs feed them: one per run, or the file's fixed batch (the last run
/// tiled from the first items when they do not divide evenly).
fn batch(items: Vec<Tensor>, fixed: Option<usize>) -> crate::Result<Vec<Tensor>> {
    let b = match fixed {
        None | Some(1) => return Ok(items),
        Some(b) => b,
    };
    let Some(first) = items.first() else { bail!("no calibration input") };
    let mut shape = first.shape.clone();
    shape[0] = b;
    Ok((0..items.len().div_ceil(b))
        .map(|r| {
            let data = (0..b).flat_map(|i| items[(r * b + i) % items.len()].data.iter().copied()).collect();
            Tensor::new(first.name.clone(), shape.clone(), data)
        })
        .collect())
}

/// The file `--save-calibration` writes and `--calibration-table` reads.
#[derive(serde::Serialize, serde::Deserialize)]
struct Table {
    /// `zoo-int8-calibration-1`.
    format: String,
    /// How the ranges were found (`16 seeded inputs, percentile 99.99`).
    calibrated_on: String,
    /// Ranges for symmetric activations (the `tensorrt` scheme) or asymmetric ones.
    symmetric: bool,
    /// `[min, max]` per activation, by value name (sorted: the same ranges, the same bytes).
    ranges: std::collections::BTreeMap<String, [f32; 2]>,
}

const TABLE_FORMAT: &str = "zoo-int8-calibration-1";

pub fn save_table(path: &Path, c: &Calibration, symmetric: bool) -> crate::Result<()> {
    let table = Table {
        format: TABLE_FORMAT.into(),
        calibrated_on: c.described.clone(),
        symmetric,
        ranges: c.ranges.iter().map(|(k, &(lo, hi))| (k.clone(), [lo, hi])).collect(),
    };
    let text = serde_json::to_string_pretty(&table)? + "\n";
    let io = |e: std::io::Error| crate::err!("cannot write the calibration table {}: {e}", path.display());
    let mut tmp = zoo_graph::write::temp_beside(path, ".json.part").map_err(io)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(io)?;
    zoo_graph::write::persist(tmp, path).map_err(io)
}

pub fn load_table(path: &Path, symmetric: bool) -> crate::Result<Calibration> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the calibration table {}", path.display()))?;
    let t: Table = serde_json::from_str(&text).map_err(|e| {
        crate::err!("{} is not a calibration table written by --save-calibration ({e})", path.display())
    })?;
    if t.format != TABLE_FORMAT {
        bail!("{}: calibration table format `{}`, zoo reads `{TABLE_FORMAT}`", path.display(), t.format);
    }
    if t.symmetric != symmetric {
        let (has, wants) = if t.symmetric { ("symmetric", "asymmetric") } else { ("asymmetric", "symmetric") };
        bail!(
            "{}: its ranges are for {has} activations, this scheme quantizes {wants} ones: calibrate again, or pick the scheme it was made for",
            path.display()
        );
    }
    for (name, [lo, hi]) in &t.ranges {
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            bail!("{}: the range of `{name}` is [{lo}, {hi}], not a finite interval", path.display());
        }
    }
    Ok(Calibration {
        ranges: t.ranges.into_iter().map(|(k, [lo, hi])| (k, (lo, hi))).collect(),
        // Not the table's path: the same table gives the same file wherever it lies.
        described: format!("a calibration table of {}", t.calibrated_on),
    })
}

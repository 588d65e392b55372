//! `zoo inspect`: the per-layer table of a zoo model or of any ONNX file; with `--roofline`,
//! each layer's arithmetic intensity and roofline estimate (`zoo_graph::roofline`).

use std::path::Path;

use serde_json::{Value, json};
use zoo_graph::analysis::{Analysis, analyze};
use zoo_graph::receptive_field::Field;
use zoo_graph::roofline::{Bound, Machine, estimate};
use zoo_graph::{Dim, TensorInfo};

use crate::cli::InspectArgs;
use crate::format::{bytes, grouped, si, table};

pub fn run(args: &InspectArgs) -> anyhow::Result<()> {
    let path = Path::new(&args.target);
    let (title, proto) = if super::is_file_target(&args.target) {
        (path.display().to_string(), super::read_onnx(path)?)
    } else {
        let options = args.build.options(args.batch.value);
        let (family, variant) = zoo_models::find(&args.target, args.build.variant.as_deref())?;
        let model = zoo_models::build(family.name, Some(variant.name), &options)?;
        (format!("{} --variant {} (opset {})", family.name, variant.name, options.opset), model.proto)
    };
    let mut proto = proto;
    zoo_pipeline::shapes::bind(&mut proto, &args.shapes).map_err(anyhow::Error::msg)?;
    let a = analyze(&proto);
    let roof = if args.roofline {
        let (bandwidth, how) = match args.bandwidth_gbs {
            Some(b) if b > 0.0 && b.is_finite() => (b * 1e9, "given"),
            Some(b) => anyhow::bail!("--bandwidth-gbs {b}: give a positive number of GB/s"),
            None => (copy_bandwidth(), "measured: 256 MiB copy on every core, best of 5"),
        };
        if !(args.peak_gflops > 0.0 && args.peak_gflops.is_finite()) {
            anyhow::bail!("--peak-gflops {}: give a positive number of GFLOP/s", args.peak_gflops);
        }
        Some(Roof {
            machine: Machine { peak_flops: args.peak_gflops * 1e9, bandwidth },
            how,
            batch: args.roofline_batch,
        })
    } else {
        None
    };
    if args.json {
        let mut v = to_json(&title, &a);
        if let Some(r) = &roof {
            add_roofline_json(&mut v, &a, r);
        }
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        out!("{}", render(&title, &a, roof.as_ref()))?;
    }
    Ok(())
}

/// The roofline the table is drawn against.
struct Roof {
    machine: Machine,
    how: &'static str,
    batch: usize,
}

/// Bytes per second of a 256 MiB copy (read + write) split over every core, the best of
/// five: what streaming through memory reaches on this machine, the roofline's slope.
fn copy_bandwidth() -> f64 {
    let n: usize = 256 << 20;
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let chunk = n.div_ceil(threads);
    let src = vec![1u8; n];
    let mut dst = vec![0u8; n];
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = std::time::Instant::now();
        std::thread::scope(|s| {
            for (d, from) in dst.chunks_mut(chunk).zip(src.chunks(chunk)) {
                s.spawn(move || d.copy_from_slice(std::hint::black_box(from)));
            }
        });
        std::hint::black_box(&dst);
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * n as f64 / best
}

fn bound_name(b: Bound) -> &'static str {
    match b {
        Bound::Compute => "compute",
        Bound::Memory => "memory",
    }
}

fn add_roofline_json(v: &mut Value, a: &Analysis, r: &Roof) {
    let mut total = 0.0;
    if let Some(layers) = v["layers"].as_array_mut() {
        for (j, row) in layers.iter_mut().zip(&a.layers) {
            let e = estimate(row, r.batch, r.machine);
            total += e.seconds;
            j["roofline"] = json!({
                "flops": e.flops, "bytes": e.bytes, "flop_per_byte": e.intensity,
                "seconds": e.seconds, "bound": bound_name(e.bound),
            });
        }
    }
    v["roofline"] = json!({
        "batch": r.batch, "peak_gflops": r.machine.peak_flops / 1e9, "bandwidth_gbs": r.machine.bandwidth / 1e9,
        "bandwidth_source": r.how, "ridge_flop_per_byte": r.machine.ridge(), "total_seconds": total,
    });
}

fn shape_json(info: &Option<TensorInfo>) -> Value {
    match info {
        None => Value::Null,
        Some(t) => json!({
            "dtype": t.dtype.to_string(),
            "shape": t.shape.iter().map(|d| match d { Dim::Known(n) => json!(n), Dim::Sym(s) => json!(s) }).collect::<Vec<_>>(),
        }),
    }
}

/// How the table counts; printed under it and in `--json`.
const CONVENTIONS: &str = "MACs = multiply-accumulates (1 MAC = 2 FLOPs); conv/FC bias adds, BatchNorm, LRN, pooling and activations count 0 MACs; params = trainable weights and biases (BatchNorm running statistics listed apart as buffers); activations and peak live = bytes per batch item (multiply by N); RF = receptive field size/jump/start in input pixels (Araujo et al., Distill 2019)";

fn field_json(f: &Option<Field>) -> Value {
    match f {
        None => Value::Null,
        Some(Field::Global) => json!("global"),
        Some(Field::Local { size, jump, start }) => json!({"size": size, "jump": jump, "start": start}),
    }
}

/// `size/jump@start`, one number when every spatial axis agrees.
fn field_cell(f: &Option<Field>) -> String {
    let one = |v: &[i64]| {
        if v.windows(2).all(|w| w[0] == w[1]) && !v.is_empty() {
            v[0].to_string()
        } else {
            v.iter().map(ToString::to_string).collect::<Vec<_>>().join("×")
        }
    };
    match f {
        None => String::new(),
        Some(Field::Global) => "global".into(),
        Some(Field::Local { size, jump, start }) => format!("{}/{}@{}", one(size), one(jump), one(start)),
    }
}

fn to_json(title: &str, a: &Analysis) -> Value {
    let io = |v: &[(String, Option<TensorInfo>)]| -> Vec<Value> {
        v.iter().map(|(n, t)| json!({"name": n, "type": shape_json(t)})).collect()
    };
    json!({
        "source": title,
        "ir_version": a.ir_version,
        "opsets": a.opsets.iter().map(|(d, v)| json!({"domain": d, "version": v})).collect::<Vec<_>>(),
        "producer": a.producer,
        "inputs": io(&a.inputs),
        "outputs": io(&a.outputs),
        "metadata": a.metadata.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "layers": a.layers.iter().map(|r| json!({
            "name": r.name, "op": r.op, "detail": r.detail, "output": shape_json(&r.output),
            "params": r.params, "buffers": r.buffers,
            "macs": if r.macs_unknown { serde_json::Value::Null } else { json!(r.macs) },
            "activation_bytes": r.activation_bytes, "note": r.note,
            "receptive_field": field_json(&r.field),
        })).collect::<Vec<_>>(),
        "totals": {
            "params": a.totals.params, "buffers": a.totals.buffers,
            // A partial sum is not a total: null, with the known part and the unknown count beside it.
            "macs": if a.totals.macs_unknown > 0 { serde_json::Value::Null } else { json!(a.totals.macs) },
            "macs_known": a.totals.macs, "macs_unknown_nodes": a.totals.macs_unknown,
            "activation_bytes": a.totals.activation_bytes, "unanalysed_nodes": a.totals.unanalysed,
            "peak_live_activation_bytes": a.totals.peak_live_bytes,
        },
        "conventions": CONVENTIONS,
    })
}

fn render(title: &str, a: &Analysis, roof: Option<&Roof>) -> String {
    let mut out = format!("{title}\n");
    let opsets: Vec<String> = a
        .opsets
        .iter()
        .map(|(d, v)| format!("{}{v}", if d.is_empty() { String::new() } else { format!("{d} ") }))
        .collect();
    out += &format!("  producer {}  ·  IR {}  ·  opset {}\n", a.producer, a.ir_version, opsets.join(", "));
    for (label, list) in [("input ", &a.inputs), ("output", &a.outputs)] {
        for (name, t) in list {
            let t = t.as_ref().map_or("?".to_string(), ToString::to_string);
            out += &format!("  {label}   {name}: {t}\n");
        }
    }
    for (k, v) in a.metadata.iter().filter(|(k, _)| ["model", "variant", "source"].contains(&k.as_str())) {
        out += &format!("  {k}: {v}\n");
    }
    out += "\n";
    let mut rows: Vec<Vec<String>> = a
        .layers
        .iter()
        .map(|r| {
            let shape = r.output.as_ref().map_or("?".to_string(), |t| t.shape_string());
            let detail = match &r.note {
                Some(n) if r.detail.is_empty() => format!("({n})"),
                Some(n) => format!("{} ({n})", r.detail),
                None => r.detail.clone(),
            };
            let mut row = vec![
                r.name.clone(),
                r.op.clone(),
                detail,
                shape,
                if r.params > 0 { grouped(r.params) } else { String::new() },
                match (r.macs_unknown, r.macs) {
                    (true, _) => "?".into(),
                    (false, 0) => String::new(),
                    (false, m) => si(m),
                },
                bytes(r.activation_bytes),
                field_cell(&r.field),
            ];
            if let Some(rf) = roof {
                let e = estimate(r, rf.batch, rf.machine);
                row.push(if e.flops > 0.0 { format!("{:.1}", e.intensity) } else { String::new() });
                row.push(format!("{:.3}", e.seconds * 1e3));
                row.push(bound_name(e.bound).into());
            }
            row
        })
        .collect();
    let t = &a.totals;
    rows.push(vec![
        "total".into(),
        format!("{} nodes", a.layers.len()),
        if t.unanalysed > 0 { format!("{} not analysed", t.unanalysed) } else { String::new() },
        String::new(),
        grouped(t.params),
        match t.macs_unknown {
            0 => si(t.macs),
            n => format!("≥ {} ({n} ?)", si(t.macs)),
        },
        bytes(t.activation_bytes),
        String::new(),
    ]);
    let mut headers =
        vec!["layer", "op", "kernel/stride/pad", "output", "params", "MACs", "activations", "RF size/jump@start"];
    let mut right = vec![4, 5, 6];
    if let Some(rf) = roof {
        let total: f64 = a.layers.iter().map(|r| estimate(r, rf.batch, rf.machine).seconds).sum();
        if let Some(last) = rows.last_mut() {
            last.extend([String::new(), format!("{:.3}", total * 1e3), String::new()]);
        }
        headers.extend(["FLOP/B", "roofline ms", "bound"]);
        right.extend([8, 9]);
    }
    out += &table(&headers, &rows, &right);
    if let Some(rf) = roof {
        let m = rf.machine;
        out += &format!(
            "  roofline at batch {}: peak {:.0} GFLOP/s (--peak-gflops), bandwidth {:.1} GB/s ({}), ridge {:.1} FLOP/B; \
             a layer's time ≥ max(FLOPs/peak, bytes/bandwidth), bytes = its weights + batch × (inputs + outputs)\n",
            rf.batch,
            m.peak_flops / 1e9,
            m.bandwidth / 1e9,
            rf.how,
            m.ridge()
        );
    }
    if t.buffers > 0 {
        out += &format!("\n  + {} non-trainable buffers (BatchNorm running statistics)\n", grouped(t.buffers));
    }
    out += &format!(
        "  peak live activations {} per batch item (liveness in file order; × N at batch N)\n",
        bytes(t.peak_live_bytes)
    );
    out += "  per batch item; activations = bytes of each node's outputs\n";
    out += &format!("  conventions: {CONVENTIONS}\n");
    out
}

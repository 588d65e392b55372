//! `zoo inspect`: the per-layer table of a zoo model or of any ONNX file.

use std::path::Path;

use serde_json::{Value, json};
use zoo_graph::analysis::{Analysis, analyze};
use zoo_graph::receptive_field::Field;
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
    let a = analyze(&proto);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&to_json(&title, &a))?)?;
    } else {
        out!("{}", render(&title, &a))?;
    }
    Ok(())
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
            "params": r.params, "buffers": r.buffers, "macs": r.macs,
            "activation_bytes": r.activation_bytes, "note": r.note,
            "receptive_field": field_json(&r.field),
        })).collect::<Vec<_>>(),
        "totals": {
            "params": a.totals.params, "buffers": a.totals.buffers, "macs": a.totals.macs,
            "activation_bytes": a.totals.activation_bytes, "unanalysed_nodes": a.totals.unanalysed,
            "peak_live_activation_bytes": a.totals.peak_live_bytes,
        },
        "conventions": CONVENTIONS,
    })
}

fn render(title: &str, a: &Analysis) -> String {
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
            vec![
                r.name.clone(),
                r.op.clone(),
                detail,
                shape,
                if r.params > 0 { grouped(r.params) } else { String::new() },
                if r.macs > 0 { si(r.macs) } else { String::new() },
                bytes(r.activation_bytes),
                field_cell(&r.field),
            ]
        })
        .collect();
    let t = &a.totals;
    rows.push(vec![
        "total".into(),
        format!("{} nodes", a.layers.len()),
        if t.unanalysed > 0 { format!("{} not analysed", t.unanalysed) } else { String::new() },
        String::new(),
        grouped(t.params),
        si(t.macs),
        bytes(t.activation_bytes),
        String::new(),
    ]);
    out += &table(
        &["layer", "op", "kernel/stride/pad", "output", "params", "MACs", "activations", "RF size/jump@start"],
        &rows,
        &[4, 5, 6],
    );
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

//! tract-onnx 0.23.9: what it refuses when it loads a file, each rule measured with
//! `zoo run --runtime tract` (the refusal quoted) and held to the runtime by
//! `tests/lint.rs`'s agreement over onnx's node tests.
//!
//! tract turns the graph into typed ops before it runs anything (`ToTypedTranslator`), and
//! several ops need their parameters as constants then: an initializer, a Constant node, or a
//! value computed from those alone (the Model Zoo's ConstantOfShape weight stubs), which tract
//! folds first. A Reshape's target shape may also come from the input's shape (`Shape` →
//! `Gather` → `Concat`, as torch.onnx.export writes it): tract resolves that at load.

use std::collections::HashSet;

use zoo_proto::tensor_proto::DataType;
use zoo_proto::{ModelProto, NodeProto};

use super::{Finding, Severity, finding, label, nodes};

const BF16: &str = "tract 0.23 (tract-data DatumType has no bfloat16)";

const MEASURED: &str = "tract-onnx 0.23.9, measured with `zoo run --runtime tract`";

fn default_domain(n: &NodeProto) -> bool {
    n.domain.as_deref().unwrap_or("").is_empty()
}

/// Values known at load: constants, and with `shapes` also what is computed from graph inputs'
/// shapes (Shape, Size) and constants.
fn known_at_load(model: &ModelProto, shapes: bool) -> HashSet<&str> {
    let mut known: HashSet<&str> =
        model.graph.iter().flat_map(|g| &g.initializer).filter_map(|t| t.name.as_deref()).collect();
    for n in nodes(model) {
        let from_shape = shapes && matches!(n.op_type(), "Shape" | "Size") && default_domain(n);
        if from_shape || n.input.iter().all(|i| i.is_empty() || known.contains(i.as_str())) {
            known.extend(n.output.iter().map(String::as_str));
        }
    }
    known
}

pub(super) fn rules(model: &ModelProto, out: &mut Vec<Finding>) {
    let constant = known_at_load(model, false);
    let held = |v: &str| v.is_empty() || constant.contains(v);
    // tract folds BatchNormalization into a scale and shift when it loads the file
    // (test_batchnorm_example: "BatchNorm ToTypedTranslator: Params are not const").
    for n in nodes(model).filter(|n| n.op_type() == "BatchNormalization" && default_domain(n)) {
        if let Some(v) = n.input.iter().skip(1).take(4).find(|v| !held(v)) {
            let m = format!(
                "BatchNormalization reads `{v}`, which is not a constant: tract needs its scale, bias, mean and \
                 variance as initializers or Constant nodes"
            );
            out.push(finding("tract", "batchnorm-params", Severity::Error, Some(&label(n)), m, MEASURED));
        }
    }
    // test_quantizelinear_axis: "QuantizeLinear ToTypedTranslator: y_scale must be a const";
    // test_*_blocked: "blocked quantization is not supported".
    for n in nodes(model).filter(|n| matches!(n.op_type(), "QuantizeLinear" | "DequantizeLinear") && default_domain(n))
    {
        if let Some(v) = n.input.iter().skip(1).take(2).find(|v| !held(v)) {
            let m = format!(
                "{} reads `{v}` as its scale or zero point, which is not a constant: tract needs them as \
                 initializers or Constant nodes",
                n.op_type()
            );
            out.push(finding("tract", "qdq-params", Severity::Error, Some(&label(n)), m, MEASURED));
        }
        if zoo_graph::attr::get_int(n, "block_size").is_some_and(|b| b > 0) {
            let m =
                format!("{} with block_size (blocked quantization, opset 21): tract does not support it", n.op_type());
            out.push(finding("tract", "blocked-quantization", Severity::Error, Some(&label(n)), m, MEASURED));
        }
    }
    // test_reshape_*: "Reshape ToTypedTranslator: shape input is variable".
    let static_shape = known_at_load(model, true);
    for n in nodes(model).filter(|n| n.op_type() == "Reshape" && default_domain(n)) {
        if let Some(v) = n.input.get(1).filter(|v| !v.is_empty() && !static_shape.contains(v.as_str())) {
            let m = format!(
                "Reshape takes its shape from `{v}`, which depends on a graph input's values: tract needs the \
                 shape at load (a constant, or computed from input shapes)"
            );
            out.push(finding("tract", "reshape-shape", Severity::Error, Some(&label(n)), m, MEASURED));
        }
    }
    // test_squeeze, test_unsqueeze_*: "Unsqueeze13 ToTypedTranslator: Need axes to be a
    // constant"; test_constantofshape_*: "ConstantOfShape ToTypedTranslator: shape input is
    // variable".
    for n in nodes(model).filter(|n| matches!(n.op_type(), "Squeeze" | "Unsqueeze") && default_domain(n)) {
        if let Some(v) = n.input.get(1).filter(|v| !held(v)) {
            let m = format!(
                "{} takes its axes from `{v}`, which is not a constant: tract needs the axes at load",
                n.op_type()
            );
            out.push(finding("tract", "axes", Severity::Error, Some(&label(n)), m, MEASURED));
        }
    }
    for n in nodes(model).filter(|n| n.op_type() == "ConstantOfShape" && default_domain(n)) {
        if let Some(v) = n.input.first().filter(|v| !v.is_empty() && !static_shape.contains(v.as_str())) {
            let m = format!(
                "ConstantOfShape takes its shape from `{v}`, which depends on a graph input's values: tract needs \
                 the shape at load (a constant, or computed from input shapes)"
            );
            out.push(finding("tract", "constantofshape-shape", Severity::Error, Some(&label(n)), m, MEASURED));
        }
    }
    // The structure ops' parameters, measured on onnx's node tests whose parameters are graph
    // inputs: test_resize_*: "Resize: Neither sizes nor scales makes sense"; test_reduce_*:
    // "Reduce13 ToTypedTranslator: expected axes as a constant"; test_split_variable_parts_*:
    // "Split13: Need splits to be a constant"; test_slice*: "StridedSlice is typable only if
    // stride is a const" (and starts/ends: a dead SymbolScope); test_tile*: "shape input is
    // variable"; test_*pad: "Expect padding to be constant"; test_expand_*: "MultiBroadcastTo:
    // shape input is variable". Sizes, shapes and bounds may come from input shapes, which
    // tract resolves at load; axes, splits, steps and pads must be constants.
    for n in nodes(model).filter(|n| default_domain(n)) {
        let op = n.op_type();
        for (position, what, from_shapes) in load_time_inputs(op, n.input.len()) {
            let Some(v) = n.input.get(*position).filter(|v| !v.is_empty()) else { continue };
            let known = if *from_shapes { static_shape.contains(v.as_str()) } else { constant.contains(v.as_str()) };
            if !known {
                let m = format!(
                    "{op} takes its {what} from `{v}`, which is not known at load: tract needs it as a constant{}",
                    if *from_shapes { " (or computed from input shapes)" } else { "" }
                );
                out.push(finding("tract", "load-time-input", Severity::Error, Some(&label(n)), m, MEASURED));
                break;
            }
        }
    }
    if let Some(n) = nodes(model).find(|n| {
        n.op_type() == "Pad" && default_domain(n) && zoo_graph::attr::get_string(n, "mode").as_deref() == Some("wrap")
    }) {
        let m = "Pad mode wrap (opset 19): tract does not support it (\"Unsupported mode wrap\")".to_string();
        out.push(finding("tract", "pad-wrap", Severity::Error, Some(&label(n)), m, MEASURED));
    }
    // torchvision's swin_t by the dynamo exporter (`new_zeros`): "ConstantOfShape: Infering
    // facts: … outputs[0].datum_type == F64: Impossible to unify F32 with F64". The spec's
    // default fill is a float32 0; tract takes it as float64.
    for n in nodes(model).filter(|n| {
        n.op_type() == "ConstantOfShape" && default_domain(n) && zoo_graph::attr::get_tensor(n, "value").is_none()
    }) {
        let m = "ConstantOfShape without `value`: tract fills it with a float64 0 where the spec says float32, \
                 and refuses the graph; give the node value=float32 0"
            .to_string();
        out.push(finding("tract", "constantofshape-default", Severity::Error, Some(&label(n)), m, MEASURED));
    }
    for n in nodes(model).filter(|n| n.op_type() == "Upsample" && default_domain(n)) {
        let m =
            "Upsample: tract has no Upsample (deprecated since opset 10); the file needs Resize instead".to_string();
        out.push(finding("tract", "upsample", Severity::Error, Some(&label(n)), m, MEASURED));
    }
    let bf16 = DataType::Bfloat16 as i32;
    let g = model.graph.as_ref();
    for t in g.iter().flat_map(|g| &g.initializer).filter(|t| t.data_type == Some(bf16)) {
        let m = "bfloat16 tensor: tract has no bfloat16; convert it to float32 or float16".to_string();
        out.push(finding("tract", "bf16", Severity::Error, t.name.as_deref(), m, BF16));
    }
    let typed = g.iter().flat_map(|g| g.input.iter().chain(&g.output).chain(&g.value_info));
    for v in typed {
        let elem = v.r#type.as_ref().and_then(|t| match &t.value {
            Some(zoo_proto::type_proto::Value::TensorType(t)) => t.elem_type,
            _ => None,
        });
        if elem == Some(bf16) {
            let m = "bfloat16 value: tract has no bfloat16".to_string();
            out.push(finding("tract", "bf16", Severity::Error, v.name.as_deref(), m, BF16));
        }
    }
}

/// Inputs of `op` (with `arity` inputs) tract needs at load: (position, what it is, whether a
/// value computed from input shapes will do).
fn load_time_inputs(op: &str, arity: usize) -> &'static [(usize, &'static str, bool)] {
    match op {
        // Resize-10 is (X, scales).
        "Resize" if arity == 2 => &[(1, "scales", true)],
        "Resize" => &[(2, "scales", true), (3, "sizes", true)],
        "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL1" | "ReduceL2"
        | "ReduceLogSum" | "ReduceLogSumExp" | "ReduceSumSquare" => &[(1, "axes", false)],
        "Split" => &[(1, "split sizes", false)],
        "Slice" => &[(1, "starts", true), (2, "ends", true), (3, "axes", false), (4, "steps", false)],
        "Tile" => &[(1, "repeats", true)],
        "Pad" => &[(1, "pads", false)],
        "Expand" => &[(1, "shape", true)],
        _ => &[],
    }
}

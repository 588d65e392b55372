//! Pad — https://onnx.ai/onnx/operators/onnx__Pad.html
//!
//! Opset history: see `DEF.forms`. Adds (or, negative, removes) entries at both ends of each
//! axis: torch's `F.pad` and the asymmetric "same" padding tf2onnx writes before a strided
//! convolution, reflection padding of style-transfer and super-resolution nets. Opset 1 holds
//! the amounts in a `paddings` attribute, 2 renames it `pads`, both with a `value` attribute;
//! from 11 `pads` and `constant_value` are inputs (the pads constant or computed at run time)
//! and may be negative; 18 adds an `axes` input naming the padded axes; 19 the `wrap` mode
//! beside `constant`, `reflect` and `edge`. Int8 leaves it float.

use zoo_proto::NodeProto;

use super::def::*;
use super::slice::fresh;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{DType, Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let x = &inputs[0];
    let r = x.rank();
    let bad = |name: &str, reason: String| ShapeError::Attribute { name: name.into(), reason };
    let mode = attr::get_string(node, "mode").unwrap_or_else(|| "constant".into());
    if !["constant", "reflect", "edge", "wrap"].contains(&mode.as_str()) {
        return Err(bad("mode", format!("`{mode}` is not constant, reflect, edge or wrap")));
    }
    // Before opset 11 the pads are an attribute (`paddings` at opset 1); from 11 the required
    // second input, so a node with one input is the attribute form.
    let (pads, axes) = if inputs.len() == 1 {
        let pads = attr::get_ints(node, "pads")
            .or_else(|| attr::get_ints(node, "paddings"))
            .ok_or_else(|| bad("pads", "required".into()))?;
        (pads, None)
    } else {
        let pads = consts.input_ints(node, 1, "pads")?.ok_or_else(|| bad("pads", "required".into()))?;
        (pads, consts.input_ints(node, 3, "axes")?)
    };
    let axes = match axes {
        Some(axes) => {
            let axes = axes.iter().map(|&a| axis(a, r)).collect::<Result<Vec<_>, _>>()?;
            if (1..axes.len()).any(|i| axes[..i].contains(&axes[i])) {
                return Err(bad("axes", format!("{axes:?} repeats an axis")));
            }
            axes
        }
        None => (0..r).collect(),
    };
    if pads.len() != 2 * axes.len() {
        return Err(bad("pads", format!("{} values for {} axes (two per axis)", pads.len(), axes.len())));
    }
    let mut shape = x.shape.clone();
    for (i, &a) in axes.iter().enumerate() {
        let total = pads[i].saturating_add(pads[axes.len() + i]);
        shape[a] = match &x.shape[a] {
            _ if total == 0 => x.shape[a].clone(),
            &Dim::Known(d) => {
                let n = (d as i64).saturating_add(total);
                Dim::Known(usize::try_from(n).map_err(|_| {
                    ShapeError::Mismatch(format!("pads {pads:?} leave axis {a} of {} negative", x.shape_string()))
                })?)
            }
            Dim::Sym(_) => fresh(node, 0, a),
        };
    }
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Pad",
    spec: "https://onnx.ai/onnx/operators/onnx__Pad.html",
    inputs: Arity::between(1, 4),
    forms: &[
        Form { since: 1, change: "first version: paddings and value attributes" },
        Form { since: 2, change: "the attribute renamed pads" },
        Form { since: 11, change: "pads and constant_value inputs (negative pads remove); more types" },
        Form { since: 13, change: "bfloat16" },
        Form { since: 18, change: "axes input" },
        Form { since: 19, change: "wrap mode" },
        Form { since: 21, change: "more types (int4, float8)" },
    ],
    // Pads int64, constant_value the data's type, axes int32 or int64.
    types: &[Types::Any, Types::Int64, Types::Any, Types::Any],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::I64, &[8])],
        consts: &[(1, &[0, 0, 1, 2, 0, 0, 1, -1])],
        output: (DType::F32, &[1, 3, 6, 5]),
    },
    ..FREE
};

//! Upsample — https://onnx.ai/onnx/operators/onnx__Upsample.html
//!
//! Opset history: see `DEF.forms`. Resize's predecessor, still in files of opsets 7–9 (YOLO
//! v3 exports, the Model Zoo's older detectors): `scales` an attribute at 7, the float32 second
//! input from 9; deprecated at 10 in favour of Resize, whose output size rule it shares
//! ([`super::resize::resized`]). fp16 keeps `scales` float32, as its type constraint requires.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::TensorInfo;

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let scales = match attr::get_floats(node, "scales") {
        Some(s) if inputs.len() == 1 => Some(s.into_iter().map(f64::from).collect()),
        _ => consts.input_floats(node, 1, "scales")?,
    };
    if scales.as_ref().is_none_or(|s| s.len() != inputs[0].rank()) {
        return Err(ShapeError::Attribute {
            name: "scales".into(),
            reason: format!("one per axis of {} is required", inputs[0].shape_string()),
        });
    }
    Ok(vec![super::resize::resized(node, &inputs[0], scales, None)?])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Upsample",
    spec: "https://onnx.ai/onnx/operators/onnx__Upsample.html",
    inputs: Arity::between(1, 2),
    forms: &[
        Form { since: 7, change: "scales an attribute (width_scale and height_scale before)" },
        Form { since: 9, change: "scales a float32 input" },
        Form { since: 10, change: "deprecated for Resize" },
    ],
    types: &[Types::Any, Types::Float],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    fp16: Fp16::KeepsInputs(&[1]),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::F32, &[4])],
        // Integer-valued scales: the registry's test passes integer constants only.
        consts: &[(1, &[1, 1, 2, 2])],
        output: (DType::F32, &[1, 3, 8, 8]),
    },
    ..FREE
};

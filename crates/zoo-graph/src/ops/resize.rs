//! Resize — https://onnx.ai/onnx/operators/onnx__Resize.html
//!
//! Opset history: see `DEF.forms`. The upsampling of FPN necks, segmentation heads and
//! detectors (torch's `F.interpolate`, Keras' `UpSampling2D`). Opset 10 reads `(X, scales)`;
//! from 11 on `(X, roi, scales, sizes)`, exactly one of `scales` and `sizes` given (from 13 the
//! unused ones may be empty names); 18 added `axes` (scales or sizes for those axes only) and
//! `keep_aspect_ratio_policy`. The output size is `floor(in × scale)` in float32 arithmetic, as
//! onnx's shape inference and ONNX Runtime compute it, or `sizes` (scaled by the one factor the
//! policy picks when it is not `stretch`). `scales` is float32 by the op's type constraints
//! whatever the data's type, and `roi` need not follow it: fp16 keeps both float32.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

/// The output shape of resizing `x`, from per-axis `scales` or `sizes` over `axes` (all axes
/// when absent): shared with Upsample, which has scales only.
pub(super) fn resized(
    node: &NodeProto,
    x: &TensorInfo,
    scales: Option<Vec<f64>>,
    sizes: Option<Vec<i64>>,
) -> Result<TensorInfo, ShapeError> {
    let r = x.rank();
    let axes = match attr::get_ints(node, "axes") {
        Some(a) => a.iter().map(|&a| axis(a, r)).collect::<Result<Vec<_>, _>>()?,
        None => (0..r).collect(),
    };
    let mut shape = x.shape.clone();
    let sym = |a: usize| Dim::Sym(format!("{}_resized{a}", x.shape[a]));
    let wrong = |name: &str, n: usize| ShapeError::Attribute {
        name: name.into(),
        reason: format!("{n} values for {} axes", axes.len()),
    };
    match (scales.filter(|s| !s.is_empty()), sizes.filter(|s| !s.is_empty())) {
        (Some(_), Some(_)) => {
            return Err(ShapeError::Mismatch("both scales and sizes are given; the spec allows one".into()));
        }
        (Some(scales), None) => {
            if scales.len() != axes.len() {
                return Err(wrong("scales", scales.len()));
            }
            for (&a, &s) in axes.iter().zip(&scales) {
                if s <= 0.0 {
                    return Err(ShapeError::Attribute {
                        name: "scales".into(),
                        reason: format!("{s} is not positive"),
                    });
                }
                shape[a] = match x.dim(a) {
                    Some(d) => Dim::Known(((d as f32) * (s as f32)).floor() as usize),
                    // A scale of 1 keeps any size, the batch's included.
                    None if s == 1.0 => x.shape[a].clone(),
                    None => sym(a),
                };
            }
        }
        (None, Some(sizes)) => {
            if sizes.len() != axes.len() || sizes.iter().any(|&s| s < 0) {
                return Err(wrong("sizes", sizes.len()));
            }
            let policy = attr::get_string(node, "keep_aspect_ratio_policy").unwrap_or_else(|| "stretch".into());
            let ratios = || axes.iter().zip(&sizes).map(|(&a, &s)| x.dim(a).map(|d| s as f64 / d as f64));
            let scale = match policy.as_str() {
                "stretch" => None,
                "not_larger" => {
                    Some(ratios().collect::<Option<Vec<_>>>().map(|v| v.into_iter().fold(f64::MAX, f64::min)))
                }
                "not_smaller" => Some(ratios().collect::<Option<Vec<_>>>().map(|v| v.into_iter().fold(0.0, f64::max))),
                other => {
                    return Err(ShapeError::Attribute {
                        name: "keep_aspect_ratio_policy".into(),
                        reason: format!("unknown value {other}"),
                    });
                }
            };
            for (&a, &s) in axes.iter().zip(&sizes) {
                shape[a] = match (scale, x.dim(a)) {
                    (None, _) => Dim::Known(s as usize),
                    (Some(Some(k)), Some(d)) => Dim::Known((k * d as f64).round() as usize),
                    _ => sym(a),
                };
            }
        }
        (None, None) => return Err(ShapeError::Mismatch("neither scales nor sizes is given".into())),
    }
    Ok(TensorInfo::new(x.dtype, shape))
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], consts: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    // Resize-10 has two inputs, (X, scales); from 11 on roi comes second.
    let (scales_at, sizes_at) = if node.input.len() == 2 { (1, None) } else { (2, Some(3)) };
    let sizes = match sizes_at {
        Some(p) => consts.input_ints(node, p, "sizes")?,
        None => None,
    };
    let scales = match sizes.as_ref().filter(|s| !s.is_empty()) {
        // With sizes, scales is absent or empty: its values do not matter.
        Some(_) => None,
        None => consts.input_floats(node, scales_at, "scales")?,
    };
    Ok(vec![resized(node, &inputs[0], scales, sizes)?])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Resize",
    spec: "https://onnx.ai/onnx/operators/onnx__Resize.html",
    inputs: Arity::between(2, 4),
    forms: &[
        Form { since: 10, change: "first version: (X, scales), nearest and linear" },
        Form { since: 11, change: "roi and sizes inputs, cubic mode, coordinate transformation modes" },
        Form { since: 13, change: "roi and scales optional, bfloat16" },
        Form { since: 18, change: "axes, keep_aspect_ratio_policy, antialias" },
        Form { since: 19, change: "half_pixel_symmetric coordinate transformation" },
    ],
    types: &[Types::Any, Types::Float, Types::Float, Types::Int64],
    infer,
    draw: Draw::layer(LayerKind::Reshape, Title::OpName),
    fp16: Fp16::KeepsInputs(&[1, 2]),
    example: Example {
        attrs: &[],
        inputs: &[(DType::F32, &[1, 3, 4, 4]), (DType::F32, &[0]), (DType::F32, &[0]), (DType::I64, &[4])],
        consts: &[(3, &[1, 3, 8, 6])],
        output: (DType::F32, &[1, 3, 8, 6]),
    },
    ..FREE
};

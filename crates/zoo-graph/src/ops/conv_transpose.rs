//! ConvTranspose — https://onnx.ai/onnx/operators/onnx__ConvTranspose.html
//!
//! Opset history: see `DEF.forms`. The learned upsampling of segmentation decoders (FCN, U-Net),
//! GAN generators and detectors' necks: the gradient of a Conv with respect to its input.
//! Weights are `[C, M/group, k…]` — input channels first, the transpose of Conv's layout — so
//! the output has `W.shape[1] × group` channels. Every output position receives the products of
//! the input positions whose window covers it; counting them per input is exact: each input
//! element meets `M/group × k…` weights.
//!
//! The output size is `stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − pads` per axis,
//! unless `output_shape` fixes it (the pads are then derived) or `auto_pad` is SAME_* (`in ·
//! stride`). The int8 pass leaves it float: its weight's output channels are axis 1, which the
//! per-channel weight quantizer (axis 0) does not handle.

use zoo_proto::NodeProto;

use super::def::*;
use super::known;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (x, w) = (&inputs[0], &inputs[1]);
    if x.rank() < 3 || w.rank() != x.rank() {
        return Err(ShapeError::Mismatch(format!(
            "input {} and weight {} must both be [N, C, spatial…]",
            x.shape_string(),
            w.shape_string()
        )));
    }
    let n = x.rank() - 2;
    let groups = attr::get_int(node, "group").unwrap_or(1);
    let groups = usize::try_from(groups).ok().filter(|&g| g > 0).ok_or_else(|| ShapeError::Attribute {
        name: "group".into(),
        reason: format!("{groups} is not a positive group count"),
    })?;
    if let (Some(c), Some(wc)) = (x.dim(1), w.dim(0))
        && c != wc
    {
        return Err(ShapeError::Mismatch(format!(
            "weight {} expects {wc} input channels, input has {c}",
            w.shape_string()
        )));
    }
    let m = known(w, 1, "output channels per group")? * groups;
    if let Some(b) = inputs.get(2)
        && b.shape != [Dim::Known(m)]
    {
        return Err(ShapeError::Mismatch(format!("bias {} does not match {m} output channels", b.shape_string())));
    }
    let k = super::conv::kernel(node, w)?;
    let list = |name: &str, default: i64, len: usize| -> Result<Vec<i64>, ShapeError> {
        let v = attr::get_ints(node, name).unwrap_or_else(|| vec![default; len]);
        if v.len() != len {
            return Err(ShapeError::Attribute { name: name.into(), reason: format!("{v:?} for {n} spatial axes") });
        }
        Ok(v)
    };
    let strides = list("strides", 1, n)?;
    let dilations = list("dilations", 1, n)?;
    let output_padding = list("output_padding", 0, n)?;
    let pads = list("pads", 0, 2 * n)?;
    if k.len() != n {
        return Err(ShapeError::Attribute {
            name: "kernel_shape".into(),
            reason: format!("{k:?} for {n} spatial axes"),
        });
    }
    let auto_pad = attr::get_string(node, "auto_pad").unwrap_or_else(|| "NOTSET".into());
    let mut shape = vec![x.shape[0].clone(), Dim::Known(m)];
    if let Some(fixed) = attr::get_ints(node, "output_shape") {
        // Some exporters write the whole shape, [N, M, spatial…]; the spec's is spatial only.
        let spatial = if fixed.len() == n + 2 { &fixed[2..] } else { &fixed[..] };
        if spatial.len() != n || spatial.iter().any(|&d| d < 0) {
            return Err(ShapeError::Attribute {
                name: "output_shape".into(),
                reason: format!("{fixed:?} for {n} spatial axes"),
            });
        }
        shape.extend(spatial.iter().map(|&d| Dim::Known(d as usize)));
        return Ok(vec![TensorInfo::new(x.dtype, shape)]);
    }
    for a in 0..n {
        let Some(input) = x.dim(2 + a) else {
            shape.push(Dim::Sym(format!("{}_up{a}", x.shape[2 + a])));
            continue;
        };
        let size = match auto_pad.as_str() {
            "SAME_UPPER" | "SAME_LOWER" => input as i64 * strides[a],
            "NOTSET" | "VALID" => {
                let (begin, end) = if auto_pad == "VALID" { (0, 0) } else { (pads[a], pads[a + n]) };
                strides[a] * (input as i64 - 1) + output_padding[a] + (k[a] as i64 - 1) * dilations[a] + 1 - begin - end
            }
            other => {
                return Err(ShapeError::Attribute {
                    name: "auto_pad".into(),
                    reason: format!("unknown value {other}"),
                });
            }
        };
        if size < 1 {
            return Err(ShapeError::Mismatch(format!("spatial axis {a} of the output would be {size}")));
        }
        shape.push(Dim::Known(size as usize));
    }
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

fn macs(_: &NodeProto, inputs: &[TensorInfo], _: &[TensorInfo]) -> u64 {
    // Per input element: every weight of its input channel, M/group × k….
    let (Some(x), Some(w)) = (inputs.first(), inputs.get(1)) else { return 0 };
    let per_input = w.shape.iter().skip(1).filter_map(Dim::known).fold(1u64, |n, d| n.saturating_mul(d as u64));
    super::per_item(x).saturating_mul(per_input)
}

pub(super) const DEF: OpDef = OpDef {
    name: "ConvTranspose",
    spec: "https://onnx.ai/onnx/operators/onnx__ConvTranspose.html",
    inputs: Arity::between(2, 3),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 11, change: "auto_pad, output_shape and pads semantics clarified" },
    ],
    types: &[Types::Float],
    infer,
    cost: Cost::Products(macs),
    describe: super::conv::describe,
    role: super::conv::role,
    signal: crate::signal::linear,
    draw: Draw::layer(LayerKind::Conv, Title::Conv("deconv")),
    example: Example {
        attrs: &[ExampleAttr::Ints("kernel_shape", &[2, 2]), ExampleAttr::Ints("strides", &[2, 2])],
        inputs: &[(DType::F32, &[1, 4, 5, 5]), (DType::F32, &[4, 3, 2, 2]), (DType::F32, &[3])],
        consts: &[],
        output: (DType::F32, &[1, 3, 10, 10]),
    },
    ..FREE
};

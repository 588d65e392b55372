//! LpNormalization — https://onnx.ai/onnx/operators/onnx__LpNormalization.html
//!
//! Opset history: see `DEF.forms`. Divides `x` by its L1 or L2 norm (`p`, default 2) along
//! `axis` (default −1): L2-normalised embeddings (face recognition, retrieval) as older
//! converters write them. The output has the input's type and shape; the receptive field is
//! unknown, as the axis decides whether positions mix.

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;
use crate::error::ShapeError;
use crate::tensor::TensorInfo;

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let p = attr::get_int(node, "p").unwrap_or(2);
    if !matches!(p, 1 | 2) {
        return Err(ShapeError::Attribute { name: "p".into(), reason: format!("{p} is not 1 or 2") });
    }
    super::softmax::axis_infer(node, inputs)
}

fn describe(node: &NodeProto) -> String {
    format!("L{}, axis {}", attr::get_int(node, "p").unwrap_or(2), attr::get_int(node, "axis").unwrap_or(-1))
}

pub(super) const DEF: OpDef = OpDef {
    name: "LpNormalization",
    spec: "https://onnx.ai/onnx/operators/onnx__LpNormalization.html",
    forms: &[Form { since: 1, change: "first version" }],
    types: &[Types::Float],
    infer,
    describe,
    draw: Draw::layer(LayerKind::Norm, Title::OpName),
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1), ExampleAttr::Int("p", 1)],
        inputs: &[(DType::F32, &[2, 8])],
        consts: &[],
        output: (DType::F32, &[2, 8]),
    },
    ..FREE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_and_axis_are_checked() {
        let none = |_: &str| None;
        let x = TensorInfo::f32(&[2, 8]);
        let run = |attrs: Vec<zoo_proto::AttributeProto>| {
            let n = NodeProto { attribute: attrs, ..Default::default() };
            infer(&n, std::slice::from_ref(&x), Consts::ints_only(&none))
        };
        assert_eq!(run(vec![]).unwrap()[0], x);
        assert_eq!(run(vec![attr::int("axis", -2), attr::int("p", 1)]).unwrap()[0], x);
        assert!(run(vec![attr::int("p", 3)]).is_err());
        assert!(run(vec![attr::int("axis", 2)]).is_err());
    }
}

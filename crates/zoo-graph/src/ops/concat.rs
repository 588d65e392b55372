//! Concat — https://onnx.ai/onnx/operators/onnx__Concat.html
//!
//! Opset history: 1, 4 (axis required), 11 (negative axis), 13 (bfloat16). Joins inputs along
//! `axis`; every other dimension must agree (GoogLeNet's inception branches along channels).

use zoo_proto::NodeProto;

use super::def::*;
use crate::param::Init;
use crate::signal::Signal;

use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::{Dim, TensorInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    pub axis: i64,
}

impl Layer for Concat {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, DEF.name, inputs, vec![attr::int("axis", self.axis)])
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let first = &inputs[0];
    let r = first.rank() as i64;
    let mut axis =
        attr::get_int(node, "axis").ok_or(ShapeError::Attribute { name: "axis".into(), reason: "required".into() })?;
    if axis < 0 {
        axis += r;
    }
    if !(0..r).contains(&axis) {
        return Err(ShapeError::Attribute { name: "axis".into(), reason: format!("out of range for rank {r}") });
    }
    let axis = axis as usize;
    let mut shape = first.shape.clone();
    let mut total = Some(0usize);
    for x in inputs {
        if x.rank() != first.rank() {
            return Err(ShapeError::Mismatch(format!(
                "ranks differ: {} and {}",
                first.shape_string(),
                x.shape_string()
            )));
        }
        for (i, (a, b)) in first.shape.iter().zip(&x.shape).enumerate() {
            if i != axis && a != b && a.known().is_some() && b.known().is_some() {
                return Err(ShapeError::Mismatch(format!(
                    "shapes differ off axis {axis}: {} and {}",
                    first.shape_string(),
                    x.shape_string()
                )));
            }
        }
        total = total.zip(x.dim(axis)).map(|(t, d)| t + d);
    }
    shape[axis] = total.map_or_else(|| Dim::Sym("concat".into()), Dim::Known);
    Ok(vec![TensorInfo::new(first.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef {
    name: "Concat",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Concat.html",
    inputs: Arity::at_least(1),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "axis optional" },
        Form { since: 4, change: "axis required" },
        Form { since: 11, change: "negative axis" },
        Form { since: 13, change: "bfloat16" },
    ],
    writes: Writes::From(13),
    types: &[Types::Any],
    infer,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal,
    field: FieldRule::Pointwise,
    draw: Draw::layer(LayerKind::Merge, Title::Concat),
    fp16: Fp16::Converts,
    int8: Int8::OwnParams,
    example: Example {
        attrs: &[ExampleAttr::Int("axis", 1)],
        inputs: &[(DType::F32, &[1, 2, 4, 4]), (DType::F32, &[1, 3, 4, 4])],
        consts: &[],
        output: (DType::F32, &[1, 5, 4, 4]),
    },
};

/// Channels side by side: the mean square is the inputs' average.
fn signal(_: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let n = inputs.len().max(1) as f64;
    Signal {
        rectified: inputs.iter().map(|s| s.rectified).sum::<f64>() / n,
        symmetric: inputs.iter().map(|s| s.symmetric).sum::<f64>() / n,
    }
}

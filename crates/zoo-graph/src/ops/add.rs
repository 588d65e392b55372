//! Add — https://onnx.ai/onnx/operators/onnx__Add.html
//!
//! Opset history: 1, 6, 7 (multidirectional broadcasting), 13, 14 (integer types). ResNet's
//! residual connections. `inspect` reads Sub, Mul and Div through the same broadcasting rule.

use zoo_proto::NodeProto;

use crate::param::Init;
use crate::signal::Signal;

use super::{Consts, OpDef, Role, all_data, arity, no_description, no_macs};
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::{Dim, TensorInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Add;

impl Layer for Add {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, "Add", inputs, vec![])
    }
}

/// numpy broadcasting of two shapes.
pub(crate) fn broadcast(a: &TensorInfo, b: &TensorInfo) -> Result<Vec<Dim>, ShapeError> {
    let r = a.rank().max(b.rank());
    let at = |x: &TensorInfo, i: usize| -> Dim {
        let off = r - x.rank();
        if i < off { Dim::Known(1) } else { x.shape[i - off].clone() }
    };
    (0..r)
        .map(|i| match (at(a, i), at(b, i)) {
            (Dim::Known(1), d) | (d, Dim::Known(1)) => Ok(d),
            (x, y) if x == y => Ok(x),
            (Dim::Known(x), Dim::Known(y)) => Err(ShapeError::Mismatch(format!(
                "cannot broadcast {} with {} ({x} vs {y})",
                a.shape_string(),
                b.shape_string()
            ))),
            (Dim::Known(x), Dim::Sym(_)) | (Dim::Sym(_), Dim::Known(x)) => Ok(Dim::Known(x)),
            (x, Dim::Sym(_)) => Ok(x),
        })
        .collect()
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    arity(inputs, 2, 2)?;
    if inputs[0].dtype != inputs[1].dtype {
        return Err(ShapeError::Mismatch(format!("element types differ: {} and {}", inputs[0].dtype, inputs[1].dtype)));
    }
    Ok(vec![TensorInfo::new(inputs[0].dtype, broadcast(&inputs[0], &inputs[1])?)])
}

/// An initializer added to activations is a learned bias (exporters write `MatMul` + `Add`).
fn role(_: usize) -> Role {
    Role::Weight
}

pub(super) const DEF: OpDef = OpDef { infer, macs: no_macs, describe: no_description, role, signal };

/// Sub, Mul and Div: their constants (a preprocessing mean or scale, say) are not weights.
pub(super) const ARITHMETIC: OpDef =
    OpDef { infer, macs: no_macs, describe: no_description, role: all_data, signal: crate::signal::unchanged };

/// A sum's parts add: non-negative with non-negative, symmetric with symmetric.
fn signal(_: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    Signal { rectified: inputs.iter().map(|s| s.rectified).sum(), symmetric: inputs.iter().map(|s| s.symmetric).sum() }
}

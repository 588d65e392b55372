//! GlobalAveragePool — https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html
//!
//! Opset history: 1, 22 (types only). Reduces every spatial axis to 1, keeping rank, which is
//! what torchvision's `AdaptiveAvgPool2d((1, 1))` computes. GlobalMaxPool is read the same way.

use zoo_proto::NodeProto;

use crate::param::Init;
use crate::signal::Signal;

use super::{Consts, OpDef, all_data, arity, no_description, no_macs};
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::{Dim, TensorInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalAveragePool;

impl Layer for GlobalAveragePool {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, "GlobalAveragePool", inputs, vec![])
    }
}

fn infer(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    arity(inputs, 1, 1)?;
    let x = &inputs[0];
    if x.rank() < 3 {
        return Err(ShapeError::Rank { expected: 4, shape: x.shape_string() });
    }
    let mut shape = x.shape[..2].to_vec();
    shape.extend(std::iter::repeat_n(Dim::Known(1), x.rank() - 2));
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(super) const DEF: OpDef = OpDef { infer, macs: no_macs, describe: no_description, role: all_data, signal };

/// As AveragePool's (a 7×7 window at every zoo network's last stage); GlobalMaxPool, which
/// shares this definition, is not modelled.
fn signal(node: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    match node.op_type.as_deref() {
        Some("GlobalAveragePool") => Signal { rectified: x.rectified / 2.0, symmetric: x.symmetric / 2.0 },
        _ => x,
    }
}

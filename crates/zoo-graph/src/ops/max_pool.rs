//! MaxPool — https://onnx.ai/onnx/operators/onnx__MaxPool.html
//!
//! Opset history: 1, 8 (Indices output, storage_order), 10 (ceil_mode, dilations), 11 (pads
//! semantics), 12 (int8/uint8), 22 (types). Zoo's opsets 13–21 all use MaxPool-12 with the
//! same attributes; `ceil_mode` is written only when set.

use zoo_proto::NodeProto;

use crate::param::Init;
use crate::signal::Signal;

use super::{Consts, OpDef, Pool2d, all_data, no_macs, pool_describe, pool_infer};
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::tensor::TensorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool(pub Pool2d);

impl MaxPool {
    /// `kernel × kernel`, stride `stride`, no padding, floor rounding.
    pub fn new(kernel: usize, stride: usize) -> Self {
        MaxPool(Pool2d::new(kernel, stride))
    }
    pub fn pad(self, p: usize) -> Self {
        MaxPool(Pool2d { pads: [p; 4], ..self.0 })
    }
    pub fn ceil(self) -> Self {
        MaxPool(Pool2d { ceil: true, ..self.0 })
    }
}

impl Layer for MaxPool {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        net.node(name, "MaxPool", inputs, self.0.attributes())
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    pool_infer(node, inputs)
}

pub(super) const DEF: OpDef = OpDef { infer, macs: no_macs, describe: pool_describe, role: all_data, signal };

/// The largest of a window of rectified values: see [`crate::signal::max_gain`].
fn signal(node: &NodeProto, inputs: &[Signal], _: &[Option<&Init>]) -> Signal {
    let x = crate::signal::first(inputs);
    Signal { rectified: x.mean_square() * crate::signal::max_gain(crate::signal::window(node)), symmetric: 0.0 }
}

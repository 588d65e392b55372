//! Per-channel input normalisation, `(x − mean) / std`, as two nodes: Sub
//! (https://onnx.ai/onnx/operators/onnx__Sub.html) and Div
//! (https://onnx.ai/onnx/operators/onnx__Div.html), both opset 7+ broadcasting, unchanged in
//! substance through opset 21 (13: bfloat16, 14: integer types). Lets a deployment stack feed
//! raw pixels to a network trained on normalised ones. Sub and Div, not Mul and Add, so that
//! no constant of it reads as a trained bias.

use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::param::{Init, ParamKind};

#[derive(Debug, Clone, PartialEq)]
pub struct Normalize {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Layer for Normalize {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        let err = |source| GraphError::Layer { layer: name.to_string(), op: super::sub::DEF.name, source };
        let &[x] = inputs else {
            return Err(err(ShapeError::Arity { expected: "1".into(), got: inputs.len() }));
        };
        let c = super::known(net.info(x), 1, "channels").map_err(err)?;
        if self.mean.len() != c || self.std.len() != c || self.std.contains(&0.0) {
            return Err(err(ShapeError::Mismatch(format!("{c} channels need {c} means and {c} non-zero stds"))));
        }
        let dims = [1, c, 1, 1];
        let mean = net.param(&format!("{name}.mean"), &dims, ParamKind::Constant, Init::F32(self.mean.clone()))?;
        let std = net.param(&format!("{name}.std"), &dims, ParamKind::Constant, Init::F32(self.std.clone()))?;
        let centred = net.node(&format!("{name}.centre"), super::sub::DEF.name, &[x, mean], vec![])?;
        net.node(name, super::div::DEF.name, &[centred, std], vec![])
    }
}

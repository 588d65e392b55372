//! Conv — https://onnx.ai/onnx/operators/onnx__Conv.html
//!
//! Opset history: 1, 11 (auto_pad and `pads` semantics clarified), 22 (type support only), so
//! every opset zoo emits (13–21) uses Conv-11 with the same attributes. Weights are
//! `[M, C/group, kH, kW]`, as PyTorch stores them.

use zoo_proto::NodeProto;

use super::def::*;
use super::{describe_window, known, per_item, rank, spatial_output};
use crate::attr;
use crate::builder::{Layer, Net, Value};
use crate::error::{GraphError, ShapeError};
use crate::param::{Init, ParamKind};
use crate::tensor::{Dim, TensorInfo};

/// A 2-d convolution layer: `Conv::new(96, 11).stride(4)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv {
    pub out_channels: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// top, left, bottom, right — ONNX's `pads` order.
    pub pads: [usize; 4],
    pub dilation: [usize; 2],
    pub groups: usize,
    pub bias: bool,
}

impl Conv {
    pub fn new(out_channels: usize, kernel: usize) -> Self {
        Conv {
            out_channels,
            kernel: [kernel; 2],
            stride: [1; 2],
            pads: [0; 4],
            dilation: [1; 2],
            groups: 1,
            bias: true,
        }
    }
    pub fn stride(self, s: usize) -> Self {
        Conv { stride: [s; 2], ..self }
    }
    pub fn pad(self, p: usize) -> Self {
        Conv { pads: [p; 4], ..self }
    }
    pub fn groups(self, groups: usize) -> Self {
        Conv { groups, ..self }
    }
    pub fn no_bias(self) -> Self {
        Conv { bias: false, ..self }
    }
}

impl Layer for Conv {
    fn build(&self, net: &mut Net, name: &str, inputs: &[Value]) -> Result<Value, GraphError> {
        let err = |source| GraphError::Layer { layer: name.to_string(), op: DEF.name, source };
        let &[x] = inputs else {
            return Err(err(ShapeError::Arity { expected: "1".into(), got: inputs.len() }));
        };
        let info = net.info(x);
        rank(info, 4).map_err(err)?;
        let cin = known(info, 1, "input channels").map_err(err)?;
        check_groups(cin, self.out_channels, self.groups).map_err(err)?;
        let [kh, kw] = self.kernel;
        let fan_in = cin / self.groups * kh * kw;
        let w = net.param(
            &format!("{name}.weight"),
            &[self.out_channels, cin / self.groups, kh, kw],
            ParamKind::Weight,
            Init::HeUniform { fan_in },
        )?;
        let mut ins = vec![x, w];
        if self.bias {
            ins.push(net.param(
                &format!("{name}.bias"),
                &[self.out_channels],
                ParamKind::Weight,
                Init::bias(fan_in),
            )?);
        }
        let i = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
        let attrs = vec![
            attr::ints("dilations", &i(&self.dilation)),
            attr::int("group", self.groups as i64),
            attr::ints("kernel_shape", &i(&self.kernel)),
            attr::ints("pads", &i(&self.pads)),
            attr::ints("strides", &i(&self.stride)),
        ];
        net.node(name, DEF.name, &ins, attrs)
    }
}

fn check_groups(cin: usize, cout: usize, groups: usize) -> Result<(), ShapeError> {
    if groups == 0 || !cin.is_multiple_of(groups) {
        return Err(ShapeError::Groups { channels: cin, groups });
    }
    if !cout.is_multiple_of(groups) {
        return Err(ShapeError::Groups { channels: cout, groups });
    }
    Ok(())
}

/// The kernel's spatial size: `kernel_shape`, else the weight's dimensions past the first two
/// (ConvTranspose's too: its `[C, M, k…]` differs only in the first two).
pub(super) fn kernel(node: &NodeProto, w: &TensorInfo) -> Result<Vec<usize>, ShapeError> {
    match attr::get_usizes(node, "kernel_shape")? {
        Some(k) => Ok(k),
        None => w
            .shape
            .iter()
            .skip(2)
            .map(|d| d.known().ok_or_else(|| ShapeError::Mismatch("kernel size unknown".into())))
            .collect(),
    }
}

fn infer(node: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    DEF.inputs.check(inputs)?;
    let (x, w) = (&inputs[0], &inputs[1]);
    if x.rank() < 3 {
        return Err(ShapeError::Rank { expected: 4, shape: x.shape_string() });
    }
    rank(w, x.rank())?;
    let groups = attr::get_int(node, "group").unwrap_or(1).max(0) as usize;
    let cin = known(x, 1, "input channels")?;
    let m = known(w, 0, "output channels")?;
    check_groups(cin, m, groups)?;
    let wc = known(w, 1, "weight input channels")?;
    if wc * groups != cin {
        return Err(ShapeError::Mismatch(format!(
            "weight {} expects {} input channels in {groups} groups, input has {cin}",
            w.shape_string(),
            wc * groups
        )));
    }
    let k = kernel(node, w)?;
    if k.len() != x.rank() - 2 {
        return Err(ShapeError::Attribute {
            name: "kernel_shape".into(),
            reason: format!("{k:?} for a rank-{} input", x.rank()),
        });
    }
    if let Some(b) = inputs.get(2)
        && b.shape != [Dim::Known(m)]
    {
        return Err(ShapeError::Mismatch(format!("bias {} does not match {m} output channels", b.shape_string())));
    }
    let mut shape = vec![x.shape[0].clone(), Dim::Known(m)];
    shape.extend(spatial_output(node, x, &k)?);
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

fn macs(_: &NodeProto, inputs: &[TensorInfo], outputs: &[TensorInfo]) -> u64 {
    // `inspect` counts a node whose output shapes come from the file even where `infer`
    // refused its inputs, so nothing here is taken for granted: a missing weight or output
    // counts 0, and the products saturate.
    let (Some(w), Some(y)) = (inputs.get(1), outputs.first()) else { return 0 };
    // Each output element is a dot product over C/group × kernel inputs.
    let per_output = w.shape.iter().skip(1).filter_map(Dim::known).fold(1u64, |n, d| n.saturating_mul(d as u64));
    per_item(y).saturating_mul(per_output)
}

pub(super) fn describe(node: &NodeProto) -> String {
    describe_window(node, &attr::get_usizes(node, "kernel_shape").ok().flatten().unwrap_or_default())
}

pub(super) fn role(i: usize) -> Role {
    if i == 0 { Role::Data } else { Role::Weight }
}

pub(super) const DEF: OpDef = OpDef {
    name: "Conv",
    domain: "",
    spec: "https://onnx.ai/onnx/operators/onnx__Conv.html",
    inputs: Arity::between(2, 3),
    outputs: Arity::exactly(1),
    forms: &[
        Form { since: 1, change: "first version" },
        Form { since: 11, change: "auto_pad and pads semantics clarified" },
        Form { since: 22, change: "bfloat16 and float8 types" },
    ],
    writes: Writes::From(13),
    types: &[Types::Float],
    infer,
    cost: Cost::Products(macs),
    describe,
    role,
    signal: crate::signal::linear,
    field: FieldRule::Windowed,
    draw: Draw::layer(LayerKind::Conv, Title::Conv("conv")),
    fp16: Fp16::Converts,
    int8: Int8::WeightsPerChannel,
    example: Example {
        attrs: &[ExampleAttr::Ints("kernel_shape", &[3, 3]), ExampleAttr::Ints("pads", &[1, 1, 1, 1])],
        inputs: &[(DType::F32, &[1, 3, 8, 8]), (DType::F32, &[4, 3, 3, 3]), (DType::F32, &[4])],
        consts: &[],
        output: (DType::F32, &[1, 4, 8, 8]),
    },
};

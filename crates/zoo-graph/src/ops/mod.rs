//! The ops zoo builds and analyses: one file each, listed once in [`REGISTRY`].
//!
//! An op file holds a `const DEF: OpDef` ([`OpDef`]) that declares everything anyone asks of
//! the op: its spec page, input and output arity, the forms it took over the opsets zoo reads
//! (and whether zoo writes it), the element types of its inputs, its shape inference as the
//! ONNX spec defines it, its cost (multiply-accumulates; parameters and their bytes through the
//! roles of its inputs), its signal rule (how the reference weights' scale propagates through
//! it, see [`crate::signal`]), its receptive-field rule, how the drawing shows it, what the
//! fp16 and int8 passes do with it, and a representative node the registry's test runs. Ops the
//! builder emits also hold their layer (which parameters it creates, which node it emits). The
//! builder, `inspect`, the compiler, the receptive field, the drawing and the int8 pass all ask
//! [`lookup`]; no other file keeps a list of op names.
//!
//! Adding an op touches two files: its own (the spec link at the top, `DEF`, and its layer if
//! the builder emits it) and this one (its `mod` line and its [`REGISTRY`] line, plus a
//! `pub use` for a layer). The registry's test then asks it every question on its example; the
//! receptive field, the drawing and the int8 pass read its answers. (Tried with HardSwish: 2
//! files, 39 lines.)
//!
//! Ops other exporters write that zoo does not know yet (LSTM, If, ConvInteger, …)
//! are not in the registry — the compiler carries them through untouched, typed only from the
//! file's `value_info` — but [`foreign`] says how to draw them and what their receptive field is.

mod def;
pub mod foreign;

mod abs;
mod acos;
mod acosh;
mod add;
mod and;
mod arg_max;
mod arg_min;
mod asin;
mod asinh;
mod atan;
mod atanh;
mod average_pool;
mod batch_norm;
mod cast;
mod ceil;
mod celu;
mod clip;
mod concat;
mod constant_of_shape;
mod conv;
mod conv_transpose;
mod cos;
mod cosh;
mod cum_sum;
mod depth_to_space;
mod dequantize_linear;
mod div;
mod dropout;
mod einsum;
mod elu;
mod equal;
mod erf;
mod exp;
mod expand;
mod flatten;
mod floor;
mod gather;
mod gather_elements;
mod gelu;
mod gemm;
mod global_average_pool;
mod global_max_pool;
mod greater;
mod group_norm;
mod hard_sigmoid;
mod hard_swish;
mod identity;
mod instance_norm;
mod is_inf;
mod is_nan;
mod layer_norm;
mod leaky_relu;
mod less;
mod log;
mod log_softmax;
mod lp_normalization;
mod lrn;
mod matmul;
mod max;
mod max_pool;
mod mean;
mod min;
mod mish;
mod mod_op;
mod mul;
mod neg;
mod non_zero;
mod normalize;
mod not;
mod pad;
mod pow;
mod prelu;
mod quantize_linear;
mod range;
mod reciprocal;
mod reduce_l1;
mod reduce_l2;
mod reduce_log_sum;
mod reduce_log_sum_exp;
mod reduce_max;
mod reduce_mean;
mod reduce_min;
mod reduce_prod;
mod reduce_sum;
mod reduce_sum_square;
mod relu;
mod reshape;
mod resize;
mod round;
mod scatter_nd;
mod selu;
mod shape;
mod sigmoid;
mod sign;
mod sin;
mod sinh;
mod size;
mod slice;
mod softmax;
mod softplus;
mod softsign;
mod space_to_depth;
mod split;
mod sqrt;
mod squeeze;
mod sub;
mod sum;
mod tan;
mod tanh;
mod thresholded_relu;
mod tile;
mod top_k;
mod transpose;
mod unsqueeze;
mod upsample;
mod where_op;

pub use add::Add;
pub use average_pool::AveragePool;
pub use batch_norm::BatchNorm;
pub use concat::Concat;
pub use conv::Conv;
pub use def::{
    Arity, Consts, Cost, Draw, Example, ExampleAttr, FieldRule, Form, Fp16, InferFn, Int8, LayerKind, MacsFn, OpDef,
    Role, SignalFn, Title, Types, Writes,
};
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use gemm::Linear;
pub use global_average_pool::GlobalAveragePool;
pub use lrn::Lrn;
pub use max_pool::MaxPool;
pub use normalize::Normalize;
pub use relu::Relu;
pub use softmax::Softmax;

use zoo_proto::NodeProto;

use crate::attr;
use crate::error::ShapeError;
use crate::tensor::{Dim, TensorInfo};
use crate::window::{Window, WindowError};

/// Every op zoo knows, one line each.
pub static REGISTRY: &[&OpDef] = &[
    &abs::DEF,
    &acos::DEF,
    &acosh::DEF,
    &add::DEF,
    &and::DEF,
    &arg_max::DEF,
    &arg_min::DEF,
    &asin::DEF,
    &asinh::DEF,
    &atan::DEF,
    &atanh::DEF,
    &average_pool::DEF,
    &batch_norm::DEF,
    &cast::DEF,
    &ceil::DEF,
    &celu::DEF,
    &clip::DEF,
    &concat::DEF,
    &constant_of_shape::DEF,
    &conv::DEF,
    &conv_transpose::DEF,
    &cos::DEF,
    &cosh::DEF,
    &cum_sum::DEF,
    &depth_to_space::DEF,
    &dequantize_linear::DEF,
    &div::DEF,
    &dropout::DEF,
    &einsum::DEF,
    &elu::DEF,
    &equal::DEF,
    &erf::DEF,
    &exp::DEF,
    &expand::DEF,
    &flatten::DEF,
    &floor::DEF,
    &gather::DEF,
    &gather_elements::DEF,
    &gelu::DEF,
    &gemm::DEF,
    &global_average_pool::DEF,
    &global_max_pool::DEF,
    &greater::DEF,
    &group_norm::DEF,
    &hard_sigmoid::DEF,
    &hard_swish::DEF,
    &identity::DEF,
    &instance_norm::DEF,
    &is_inf::DEF,
    &is_nan::DEF,
    &layer_norm::DEF,
    &leaky_relu::DEF,
    &less::DEF,
    &log::DEF,
    &log_softmax::DEF,
    &lp_normalization::DEF,
    &lrn::DEF,
    &matmul::DEF,
    &max::DEF,
    &max_pool::DEF,
    &mean::DEF,
    &min::DEF,
    &mish::DEF,
    &mod_op::DEF,
    &mul::DEF,
    &neg::DEF,
    &non_zero::DEF,
    &not::DEF,
    &pad::DEF,
    &pow::DEF,
    &prelu::DEF,
    &quantize_linear::DEF,
    &range::DEF,
    &reciprocal::DEF,
    &reduce_l1::DEF,
    &reduce_l2::DEF,
    &reduce_log_sum::DEF,
    &reduce_log_sum_exp::DEF,
    &reduce_max::DEF,
    &reduce_mean::DEF,
    &reduce_min::DEF,
    &reduce_prod::DEF,
    &reduce_sum::DEF,
    &reduce_sum_square::DEF,
    &relu::DEF,
    &reshape::DEF,
    &resize::DEF,
    &round::DEF,
    &scatter_nd::DEF,
    &selu::DEF,
    &shape::DEF,
    &sigmoid::DEF,
    &sign::DEF,
    &sin::DEF,
    &sinh::DEF,
    &size::DEF,
    &slice::DEF,
    &softmax::DEF,
    &softplus::DEF,
    &softsign::DEF,
    &space_to_depth::DEF,
    &split::DEF,
    &sqrt::DEF,
    &squeeze::DEF,
    &sub::DEF,
    &sum::DEF,
    &tan::DEF,
    &tanh::DEF,
    &thresholded_relu::DEF,
    &tile::DEF,
    &top_k::DEF,
    &transpose::DEF,
    &unsqueeze::DEF,
    &upsample::DEF,
    &where_op::DEF,
];

/// The op definition for `op_type` in the default ONNX domain, if zoo knows it.
pub fn lookup(op_type: &str) -> Option<&'static OpDef> {
    REGISTRY.iter().copied().find(|d| d.name == op_type)
}

/// How the drawing shows `op_type`: the registry's answer, else [`foreign`]'s, else
/// [`Draw::UNKNOWN`].
pub fn draw(op_type: &str) -> Draw {
    lookup(op_type).map(|d| d.draw).or_else(|| foreign::lookup(op_type).map(|f| f.draw)).unwrap_or(Draw::UNKNOWN)
}

/// The receptive-field rule of `op_type`: the registry's, else [`foreign`]'s, else unknown.
pub fn field(op_type: &str) -> FieldRule {
    lookup(op_type).map(|d| d.field).or_else(|| foreign::lookup(op_type).map(|f| f.field)).unwrap_or(FieldRule::Unknown)
}

/// What the int8 pass does with `op_type` (left float when zoo does not know it).
pub fn int8(op_type: &str) -> Int8 {
    lookup(op_type).map_or(Int8::Float, |d| d.int8)
}

pub(crate) fn rank(x: &TensorInfo, expected: usize) -> Result<(), ShapeError> {
    if x.rank() != expected {
        return Err(ShapeError::Rank { expected, shape: x.shape_string() });
    }
    Ok(())
}

/// A dimension that must be known (channels, features), or an error naming it.
pub(crate) fn known(x: &TensorInfo, axis: usize, what: &str) -> Result<usize, ShapeError> {
    x.dim(axis)
        .ok_or_else(|| ShapeError::Mismatch(format!("{what} (axis {axis} of {}) must be known", x.shape_string())))
}

/// Output size of every spatial axis of a Conv or pooling node, from its attributes
/// (`strides`, `pads`, `dilations`, `ceil_mode`, `auto_pad`) and its kernel.
pub(crate) fn spatial_output(node: &NodeProto, x: &TensorInfo, kernel: &[usize]) -> Result<Vec<Dim>, ShapeError> {
    let n = kernel.len();
    let strides = attr::get_usizes(node, "strides")?.unwrap_or_else(|| vec![1; n]);
    let dilations = attr::get_usizes(node, "dilations")?.unwrap_or_else(|| vec![1; n]);
    let pads = attr::get_usizes(node, "pads")?.unwrap_or_else(|| vec![0; 2 * n]);
    let ceil = attr::get_int(node, "ceil_mode").unwrap_or(0) != 0;
    let auto_pad = attr::get_string(node, "auto_pad").unwrap_or_else(|| "NOTSET".into());
    if strides.len() != n || dilations.len() != n || pads.len() != 2 * n {
        return Err(ShapeError::Attribute {
            name: "strides/pads/dilations".into(),
            reason: format!("lengths do not match a {n}-d kernel"),
        });
    }
    let mut out = Vec::with_capacity(n);
    for axis in 0..n {
        let Some(input) = x.dim(2 + axis) else {
            out.push(Dim::Sym(format!("{}_out{axis}", x.shape[2 + axis])));
            continue;
        };
        let size = match auto_pad.as_str() {
            "SAME_UPPER" | "SAME_LOWER" => input.div_ceil(strides[axis].max(1)),
            "NOTSET" | "VALID" => {
                let (pad_begin, pad_end) = if auto_pad == "VALID" { (0, 0) } else { (pads[axis], pads[axis + n]) };
                let w = Window {
                    kernel: kernel[axis],
                    stride: strides[axis],
                    pad_begin,
                    pad_end,
                    dilation: dilations[axis],
                    ceil,
                };
                w.output(input).map_err(|e| match e {
                    WindowError::Zero => ShapeError::Attribute {
                        name: "kernel/strides/dilations".into(),
                        reason: "must be positive".into(),
                    },
                    WindowError::TooLarge { kernel, padded } => {
                        ShapeError::KernelTooLarge { what: format!("spatial axis {axis}"), kernel, padded }
                    }
                })?
            }
            other => {
                return Err(ShapeError::Attribute {
                    name: "auto_pad".into(),
                    reason: format!("unknown value {other}"),
                });
            }
        };
        out.push(Dim::Known(size));
    }
    Ok(out)
}

/// `k×k/s p` style summary of a windowed node's attributes.
pub(crate) fn describe_window(node: &NodeProto, kernel: &[usize]) -> String {
    let join = |v: &[usize]| {
        if v.iter().all(|&x| x == v[0]) {
            v[0].to_string()
        } else {
            v.iter().map(usize::to_string).collect::<Vec<_>>().join("×")
        }
    };
    let k = kernel.iter().map(usize::to_string).collect::<Vec<_>>().join("×");
    let mut s = k;
    if let Ok(Some(st)) = attr::get_usizes(node, "strides")
        && !st.is_empty()
    {
        s += &format!("/{}", join(&st));
    }
    match attr::get_usizes(node, "pads") {
        Ok(Some(p)) if p.iter().any(|&x| x != 0) => s += &format!(" p{}", join(&p)),
        _ => {}
    }
    if let Some(a) = attr::get_string(node, "auto_pad")
        && a != "NOTSET"
    {
        s += &format!(" {a}");
    }
    if attr::get_int(node, "ceil_mode").unwrap_or(0) != 0 {
        s += " ceil";
    }
    if let Some(g) = attr::get_int(node, "group")
        && g > 1
    {
        s += &format!(" g{g}");
    }
    s
}

/// Product of the output's per-item dimensions (the batch axis excluded), or 0 when unknown.
pub(crate) fn per_item(x: &TensorInfo) -> u64 {
    x.per_item().unwrap_or(0) as u64
}

/// Kernel, stride, padding and rounding of a 2-d pooling layer (MaxPool, AveragePool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool2d {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// top, left, bottom, right.
    pub pads: [usize; 4],
    pub ceil: bool,
}

impl Pool2d {
    pub fn new(kernel: usize, stride: usize) -> Self {
        Pool2d { kernel: [kernel; 2], stride: [stride; 2], pads: [0; 4], ceil: false }
    }

    pub(crate) fn attributes(&self) -> Vec<zoo_proto::AttributeProto> {
        let i = |v: &[usize]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
        let mut a = vec![];
        if self.ceil {
            a.push(attr::int("ceil_mode", 1));
        }
        a.push(attr::ints("kernel_shape", &i(&self.kernel)));
        a.push(attr::ints("pads", &i(&self.pads)));
        a.push(attr::ints("strides", &i(&self.stride)));
        a
    }
}

/// Output shape of a pooling node over an `[N, C, spatial…]` input.
pub(crate) fn pool_infer(node: &NodeProto, inputs: &[TensorInfo], arity: Arity) -> Result<Vec<TensorInfo>, ShapeError> {
    arity.check(inputs)?;
    let x = &inputs[0];
    let kernel = attr::get_usizes(node, "kernel_shape")?
        .ok_or_else(|| ShapeError::Attribute { name: "kernel_shape".into(), reason: "required".into() })?;
    if x.rank() != kernel.len() + 2 {
        return Err(ShapeError::Rank { expected: kernel.len() + 2, shape: x.shape_string() });
    }
    let mut shape = x.shape[..2].to_vec();
    shape.extend(spatial_output(node, x, &kernel)?);
    Ok(vec![TensorInfo::new(x.dtype, shape)])
}

pub(crate) fn pool_describe(node: &NodeProto) -> String {
    describe_window(node, &attr::get_usizes(node, "kernel_shape").ok().flatten().unwrap_or_default())
}

#[cfg(test)]
mod tests;

//! What an op is, declared once: the [`OpDef`] every op file fills in, and the small enums it
//! is made of. Arity and opset forms follow the ONNX operator pages
//! (https://onnx.ai/onnx/operators/), as burn's `onnx-ir` declares them per node; the int8
//! behaviours follow ONNX Runtime's QDQ registry (`onnxruntime/quantization/registry.py`).

use zoo_proto::{AttributeProto, NodeProto};

use crate::error::ShapeError;
use crate::opset::Opset;
use crate::param::Init;
use crate::signal::Signal;
pub(crate) use crate::tensor::DType;
use crate::tensor::TensorInfo;

/// The constant tensors a node may read, by value name: integer ones (Reshape's shape, Slice's
/// starts) and float ones (Resize's scales, Range's bounds).
#[derive(Clone, Copy)]
pub struct Consts<'a> {
    ints: &'a dyn Fn(&str) -> Option<Vec<i64>>,
    floats: &'a dyn Fn(&str) -> Option<Vec<f64>>,
}

impl<'a> Consts<'a> {
    pub fn new(ints: &'a dyn Fn(&str) -> Option<Vec<i64>>, floats: &'a dyn Fn(&str) -> Option<Vec<f64>>) -> Self {
        Consts { ints, floats }
    }

    /// Integer constants only (where no float constant is known).
    pub fn ints_only(ints: &'a dyn Fn(&str) -> Option<Vec<i64>>) -> Self {
        Consts { ints, floats: &|_| None }
    }

    /// The values of integer constant `name`.
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        (self.ints)(name)
    }

    /// The values of float constant `name` (integer constants widened too).
    pub fn floats(&self, name: &str) -> Option<Vec<f64>> {
        (self.floats)(name).or_else(|| (self.ints)(name).map(|v| v.into_iter().map(|x| x as f64).collect()))
    }

    /// Input `position` of `node` as integers: `None` when absent or empty, an error naming
    /// `what` when present but not a constant.
    pub fn input_ints(&self, node: &NodeProto, position: usize, what: &str) -> Result<Option<Vec<i64>>, ShapeError> {
        match node.input.get(position).filter(|a| !a.is_empty()) {
            Some(a) => self.ints(a).map(Some).ok_or_else(|| ShapeError::NotConstant(format!("{what} `{a}`"))),
            None => Ok(None),
        }
    }

    /// Input `position` of `node` as floats, like [`Consts::input_ints`].
    pub fn input_floats(&self, node: &NodeProto, position: usize, what: &str) -> Result<Option<Vec<f64>>, ShapeError> {
        match node.input.get(position).filter(|a| !a.is_empty()) {
            Some(a) => self.floats(a).map(Some).ok_or_else(|| ShapeError::NotConstant(format!("{what} `{a}`"))),
            None => Ok(None),
        }
    }
}

/// Output types of a node from its input types (and constant inputs).
pub type InferFn = fn(&NodeProto, &[TensorInfo], Consts) -> Result<Vec<TensorInfo>, ShapeError>;

/// Multiply-accumulates per batch item, from the node and its input and output types.
pub type MacsFn = fn(&NodeProto, &[TensorInfo], &[TensorInfo]) -> u64;

/// What a node of the op costs beyond reading and writing its tensors.
#[derive(Debug, Clone, Copy)]
pub enum Cost {
    /// No multiply-accumulates worth counting (element-wise ops, pooling, reshapes).
    Free,
    /// Every output is a dot product accumulated over many inputs (Conv, Gemm, MatMul): the
    /// bulk of a network's arithmetic, and one rounding step where precision is reduced.
    Products(MacsFn),
}

/// The mean square of the output from the inputs' ([`crate::signal`]), which the builder uses
/// to draw BatchNorm statistics that normalise.
pub type SignalFn = fn(&NodeProto, &[Signal], &[Option<&Init>]) -> Signal;

/// What an input of an op is, for counting parameters (and their bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A trainable parameter (weights, biases, BatchNorm scale and shift).
    Weight,
    /// A non-trainable buffer (BatchNorm running statistics).
    Buffer,
    /// Activations or helper constants.
    Data,
}

/// How many inputs (or outputs) a node may have, over every form of the op zoo reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    pub max: usize,
}

impl Arity {
    pub const fn exactly(n: usize) -> Self {
        Arity { min: n, max: n }
    }

    pub const fn between(min: usize, max: usize) -> Self {
        Arity { min, max }
    }

    /// Variadic (Concat).
    pub const fn at_least(min: usize) -> Self {
        Arity { min, max: usize::MAX }
    }

    pub fn contains(self, n: usize) -> bool {
        (self.min..=self.max).contains(&n)
    }

    /// The shape inference's first check.
    pub fn check(self, inputs: &[TensorInfo]) -> Result<(), ShapeError> {
        if self.contains(inputs.len()) {
            return Ok(());
        }
        let expected = match (self.min, self.max) {
            (min, usize::MAX) => format!("at least {min}"),
            (min, max) if min == max => min.to_string(),
            (min, max) => format!("{min} to {max}"),
        };
        Err(ShapeError::Arity { expected, got: inputs.len() })
    }
}

/// One version of an op: the opset that introduced it and what changed then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    pub since: i64,
    pub change: &'static str,
}

/// Which opsets zoo writes an op at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// `inspect` and the compiler read it; nothing in zoo emits it.
    Never,
    /// The builder or a pass emits it, at every opset zoo writes (from `since` on).
    From(i64),
}

/// The element types an input accepts (ONNX's type constraints, narrowed to zoo's [`DType`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Types {
    /// float32 or float16.
    Float,
    /// int64 (shapes, axes).
    Int64,
    /// The integers of quantized data: int8, uint8 (and int32 for biases).
    Quantized,
    /// Any element type zoo knows.
    Any,
}

impl Types {
    pub fn accepts(self, dtype: DType) -> bool {
        match self {
            Types::Float => dtype.is_float(),
            Types::Int64 => dtype == DType::I64,
            Types::Quantized => matches!(dtype, DType::I8 | DType::U8 | DType::I32),
            Types::Any => true,
        }
    }
}

/// How an op's output units see the input positions ([`crate::receptive_field`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRule {
    /// Position by position (or across channels only): the union of the inputs' fields.
    Pointwise,
    /// A sliding window (`kernel_shape`, `strides`, `pads`, `dilations`).
    Windowed,
    /// Every output depends on every input position.
    Global,
    /// Zoo cannot say.
    Unknown,
}

/// What a drawn block is, for its colour and the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LayerKind {
    Conv,
    Fc,
    Pool,
    Norm,
    Merge,
    Reshape,
    Softmax,
    Other,
}

/// A block's caption when the op starts it, as the papers' figures write layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Title {
    /// `3×3 <word>, 64, /2, 2 groups`.
    Conv(&'static str),
    /// `fc, 4096`.
    Fc,
    /// `3×3 <word> pool, /2`.
    Pool(&'static str),
    /// `LRN, n=5`.
    Lrn,
    /// `concat, 256`.
    Concat,
    /// A fixed caption; `"add"` also marks a residual join.
    Text(&'static str),
    /// The op type as written.
    OpName,
}

/// How the drawing shows an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    pub kind: LayerKind,
    pub title: Title,
    /// The word after ` + ` when the op folds into the block before it (empty: not shown).
    pub tag: &'static str,
    /// Drawn inside the block of the node before it when it is that node's only reader
    /// (BatchNorm, ReLU and Dropout after a conv: one row of a paper's table).
    pub folds: bool,
    /// Reads a tensor's metadata, not its values (Shape, Size): never drawn.
    pub metadata: bool,
}

impl Draw {
    /// An op that starts a block of its own.
    pub const fn layer(kind: LayerKind, title: Title) -> Self {
        Draw { kind, title, tag: "", folds: false, metadata: false }
    }

    /// An op that folds into the block before it, shown there as ` + tag`.
    pub const fn follower(kind: LayerKind, title: Title, tag: &'static str) -> Self {
        Draw { kind, title, tag, folds: true, metadata: false }
    }

    /// An op that reads a tensor's metadata (or makes a constant): not data flowing through the
    /// network, never drawn.
    pub const METADATA: Draw =
        Draw { kind: LayerKind::Other, title: Title::OpName, tag: "", folds: false, metadata: true };

    /// What the drawing does with an op that neither the registry nor [`super::foreign`] knows:
    /// a block of its own, named by its op type.
    pub const UNKNOWN: Draw = Draw::layer(LayerKind::Other, Title::OpName);
}

/// What the fp16 pass does with an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fp16 {
    /// Defined for float16 at every opset zoo writes: its float inputs and outputs become fp16.
    Converts,
    /// Its output's element type is an attribute (Cast's `to`, ConstantOfShape's `value`), not
    /// its inputs', or the op has no float16 form where zoo writes it (Range; CumSum before
    /// opset 14): the pass leaves it float32 and casts what an fp16 node reads of it. The
    /// reason, as the pass's report says it.
    KeepsFloat32(&'static str),
    /// Converts, but the inputs at these positions are float32 by the op's type constraints
    /// (Resize's and Upsample's `scales`): they stay float32, cast back where an fp16 node
    /// computes them.
    KeepsInputs(&'static [usize]),
}

/// What the int8 pass does with an op (ONNX Runtime's QDQ rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int8 {
    /// Conv, Gemm: activation input and output per tensor, the weight int8 per output channel,
    /// the bias int32.
    WeightsPerChannel,
    /// Every activation input and the output at its own calibrated range.
    OwnParams,
    /// The output at its input's parameters (max and reshapes commute with rounding).
    SharesInputParams,
    /// Folds into the quantizer of its input (ReLU: zero point = qmin clamps at 0).
    FusesIntoInput,
    /// No int8 kernel: runs in float between a DequantizeLinear and the next QuantizeLinear.
    Float,
}

/// An attribute of an [`Example`] node.
#[derive(Debug, Clone, Copy)]
pub enum ExampleAttr {
    Int(&'static str, i64),
    Ints(&'static str, &'static [i64]),
    /// A string attribute (Einsum's `equation`).
    Str(&'static str, &'static str),
}

/// A representative node of the op, for the registry's test and the docs: its inputs, integer
/// constants among them and the output shape the inference must give.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub attrs: &'static [ExampleAttr],
    pub inputs: &'static [(DType, &'static [usize])],
    /// (input position, value) of constant int64 inputs (Reshape's shape).
    pub consts: &'static [(usize, &'static [i64])],
    pub output: (DType, &'static [usize]),
}

impl Example {
    pub fn node(&self, op: &str) -> NodeProto {
        let attribute: Vec<AttributeProto> = self
            .attrs
            .iter()
            .map(|a| match *a {
                ExampleAttr::Int(n, v) => crate::attr::int(n, v),
                ExampleAttr::Ints(n, v) => crate::attr::ints(n, v),
                ExampleAttr::Str(n, v) => crate::attr::string(n, v),
            })
            .collect();
        NodeProto {
            op_type: Some(op.to_string()),
            input: (0..self.inputs.len()).map(|i| format!("in{i}")).collect(),
            output: vec!["out".into()],
            attribute,
            ..Default::default()
        }
    }
}

/// Everything zoo knows about one op type: one `const` per op file, listed once in
/// [`super::REGISTRY`].
pub struct OpDef {
    /// The op type, as nodes name it.
    pub name: &'static str,
    /// `""`: the default ONNX domain (`ai.onnx`).
    pub domain: &'static str,
    /// The spec page every claim here follows.
    pub spec: &'static str,
    pub inputs: Arity,
    pub outputs: Arity,
    /// The op's versions, oldest first ([`Form::since`] strictly increasing).
    pub forms: &'static [Form],
    pub writes: Writes,
    /// Element types per input position (the last entry covers any further inputs).
    pub types: &'static [Types],
    pub infer: InferFn,
    /// Multiply-accumulates ([`OpDef::macs`]); parameters and their bytes come from `role`.
    pub cost: Cost,
    /// Kernel / stride / padding, or whatever else characterises the node, for tables.
    pub describe: fn(&NodeProto) -> String,
    /// Parameters and their bytes count the initializers at [`Role::Weight`] / `Buffer` inputs.
    pub role: fn(usize) -> Role,
    pub signal: SignalFn,
    pub field: FieldRule,
    pub draw: Draw,
    pub fp16: Fp16,
    pub int8: Int8,
    pub example: Example,
}

impl OpDef {
    /// The opsets zoo reads this op at: from its first form to the newest opset zoo knows.
    pub fn reads(&self) -> std::ops::RangeInclusive<i64> {
        self.forms.first().map_or(1, |f| f.since)..=Opset::MAX
    }

    /// The opsets zoo writes this op at (`None` when it never does).
    pub fn writes(&self) -> Option<std::ops::RangeInclusive<i64>> {
        match self.writes {
            Writes::Never => None,
            Writes::From(since) => Some(since.max(Opset::MIN)..=Opset::MAX),
        }
    }

    /// Multiply-accumulates per batch item of `node` (0 for [`Cost::Free`]).
    pub fn macs(&self, node: &NodeProto, inputs: &[TensorInfo], outputs: &[TensorInfo]) -> u64 {
        match self.cost {
            Cost::Free => 0,
            Cost::Products(macs) => macs(node, inputs, outputs),
        }
    }

    /// Whether every output is an accumulated dot product ([`Cost::Products`]).
    pub fn products(&self) -> bool {
        matches!(self.cost, Cost::Products(_))
    }

    /// The form in force at `opset`.
    pub fn form(&self, opset: i64) -> Option<&Form> {
        self.forms.iter().rev().find(|f| f.since <= opset)
    }

    /// Whether input `position` accepts `dtype`.
    pub fn accepts(&self, position: usize, dtype: DType) -> bool {
        self.types.get(position).or(self.types.last()).is_some_and(|t| t.accepts(dtype))
    }
}

pub(crate) fn no_description(_: &NodeProto) -> String {
    String::new()
}

pub(crate) fn all_data(_: usize) -> Role {
    Role::Data
}

/// Output of an element-wise op of one input: the input's type.
pub(crate) fn same_as_input(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    Arity::exactly(1).check(inputs)?;
    Ok(vec![inputs[0].clone()])
}

/// What most ops zoo only reads share: written by no pass, no multiply-accumulates, every input
/// data, its signal passed through, converted by fp16 and left float by int8. An op file names
/// what differs and takes the rest with `..def::FREE` (the name, spec, forms, infer and example
/// here are placeholders every op replaces).
pub(crate) const FREE: OpDef = OpDef {
    name: "",
    domain: "",
    spec: "",
    inputs: Arity::exactly(1),
    outputs: Arity::exactly(1),
    forms: &[],
    writes: Writes::Never,
    types: &[Types::Any],
    infer: same_as_input,
    cost: Cost::Free,
    describe: no_description,
    role: all_data,
    signal: crate::signal::unchanged,
    field: FieldRule::Unknown,
    draw: Draw::UNKNOWN,
    fp16: Fp16::Converts,
    int8: Int8::Float,
    example: FLOAT_1X3,
};

/// An element-wise op of one input whose output has the input's type and shape (activations,
/// unary math): only its name, spec page, forms, accepted types and drawing differ, so its
/// file declares those and this fills in the rest — no multiply-accumulates, every input data,
/// signal passed through, a pointwise receptive field, converted by fp16, left float by int8
/// (ONNX Runtime's QDQ quantizer has no int8 kernel for these).
pub(crate) const fn unary(
    name: &'static str,
    spec: &'static str,
    forms: &'static [Form],
    types: &'static [Types],
    draw: Draw,
    example: Example,
) -> OpDef {
    OpDef { name, spec, forms, types, field: FieldRule::Pointwise, draw, example, ..FREE }
}

/// The example of a float element-wise op: `[1, 3]` in, `[1, 3]` out.
pub(crate) const FLOAT_1X3: Example =
    Example { attrs: &[], inputs: &[(DType::F32, &[1, 3])], consts: &[], output: (DType::F32, &[1, 3]) };

/// numpy broadcasting of any number of inputs of one element type (Max, Min, Sum, Mean), the
/// output of `dtype` (a comparison's boolean) or of the inputs' type.
pub(crate) fn broadcast_all(inputs: &[TensorInfo], dtype: Option<DType>) -> Result<Vec<TensorInfo>, ShapeError> {
    let first = inputs.first().ok_or(ShapeError::Arity { expected: "at least 1".into(), got: 0 })?;
    let mut out = first.clone();
    for x in &inputs[1..] {
        if x.dtype != first.dtype {
            return Err(ShapeError::Mismatch(format!("element types differ: {} and {}", first.dtype, x.dtype)));
        }
        out = TensorInfo::new(first.dtype, super::add::broadcast(&out, x)?);
    }
    if let Some(d) = dtype {
        out.dtype = d;
    }
    Ok(vec![out])
}

fn broadcast_same(_: &NodeProto, inputs: &[TensorInfo], _: Consts) -> Result<Vec<TensorInfo>, ShapeError> {
    broadcast_all(inputs, None)
}

/// Two inputs broadcast into a boolean tensor (comparisons, And). Opset 1 broadcast only with
/// `broadcast = 1`, the second input onto the first (which gives the output its shape).
pub(crate) fn broadcast_bool(
    node: &NodeProto,
    inputs: &[TensorInfo],
    _: Consts,
) -> Result<Vec<TensorInfo>, ShapeError> {
    Arity::exactly(2).check(inputs)?;
    if crate::attr::get_int(node, "broadcast") == Some(1) {
        return Ok(vec![TensorInfo::new(DType::Bool, inputs[0].shape.clone())]);
    }
    broadcast_all(inputs, Some(DType::Bool))
}

/// An element-wise op over any number of inputs of one type, broadcast (Sum, Mean, Max, Min):
/// its file declares its name, spec page, forms, accepted types and caption.
pub(crate) const fn variadic(
    name: &'static str,
    spec: &'static str,
    forms: &'static [Form],
    types: &'static [Types],
    draw: Draw,
) -> OpDef {
    OpDef {
        name,
        spec,
        inputs: Arity::at_least(1),
        forms,
        types,
        infer: broadcast_same,
        field: FieldRule::Pointwise,
        draw,
        example: Example { attrs: &[], inputs: BROADCAST_2X3, consts: &[], output: (DType::F32, &[2, 3]) },
        ..FREE
    }
}

/// A comparison of two inputs, broadcast, into a boolean tensor (Equal, Less, Greater).
pub(crate) const fn comparison(name: &'static str, spec: &'static str, forms: &'static [Form]) -> OpDef {
    OpDef {
        name,
        spec,
        inputs: Arity::exactly(2),
        forms,
        infer: broadcast_bool,
        field: FieldRule::Pointwise,
        draw: Draw::layer(LayerKind::Other, Title::OpName),
        example: Example { attrs: &[], inputs: BROADCAST_2X3, consts: &[], output: (DType::Bool, &[2, 3]) },
        ..FREE
    }
}

/// The example of a two-input broadcasting op: `[2, 3]` and `[3]` in.
pub(crate) const BROADCAST_2X3: &[(DType, &[usize])] = &[(DType::F32, &[2, 3]), (DType::F32, &[3])];

/// An axis attribute or input entry in `-rank..rank`, made non-negative.
pub(crate) fn axis(a: i64, rank: usize) -> Result<usize, ShapeError> {
    let r = rank as i64;
    if a < -r || a >= r {
        return Err(ShapeError::Attribute {
            name: "axes".into(),
            reason: format!("axis {a} is outside a rank-{rank} tensor"),
        });
    }
    Ok((if a < 0 { a + r } else { a }) as usize)
}

/// A node's axes: the attribute before `since`, the (constant) second input from it on.
pub(crate) fn axes_of(node: &NodeProto, consts: Consts, from_input: bool) -> Result<Option<Vec<i64>>, ShapeError> {
    if from_input { consts.input_ints(node, 1, "axes") } else { Ok(crate::attr::get_ints(node, "axes")) }
}

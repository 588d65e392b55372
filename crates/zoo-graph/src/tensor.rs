//! Element types and shapes of graph values. Every value zoo builds has a known element type
//! and shape; only the batch dimension may be symbolic.

use std::fmt;

use zoo_proto::tensor_proto::DataType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F16,
    I64,
    /// Quantized data of the int8 pass (QuantizeLinear/DequantizeLinear, ONNX opset ≥ 13).
    I8,
    U8,
    /// Quantized biases (scale s_x·s_w, zero point 0).
    I32,
    /// Types zoo computes nothing with but carries through other exporters' files (masks,
    /// indices, double-precision constants): read, typed and written as they are.
    Bool,
    I16,
    U16,
    U32,
    U64,
    F64,
    BF16,
}

impl DType {
    pub fn onnx(self) -> DataType {
        match self {
            DType::F32 => DataType::Float,
            DType::F16 => DataType::Float16,
            DType::I64 => DataType::Int64,
            DType::I8 => DataType::Int8,
            DType::U8 => DataType::Uint8,
            DType::I32 => DataType::Int32,
            DType::Bool => DataType::Bool,
            DType::I16 => DataType::Int16,
            DType::U16 => DataType::Uint16,
            DType::U32 => DataType::Uint32,
            DType::U64 => DataType::Uint64,
            DType::F64 => DataType::Double,
            DType::BF16 => DataType::Bfloat16,
        }
    }

    pub fn from_onnx(code: i32) -> Option<Self> {
        match DataType::try_from(code).ok()? {
            DataType::Float => Some(DType::F32),
            DataType::Float16 => Some(DType::F16),
            DataType::Int64 => Some(DType::I64),
            DataType::Int8 => Some(DType::I8),
            DataType::Uint8 => Some(DType::U8),
            DataType::Int32 => Some(DType::I32),
            DataType::Bool => Some(DType::Bool),
            DataType::Int16 => Some(DType::I16),
            DataType::Uint16 => Some(DType::U16),
            DataType::Uint32 => Some(DType::U32),
            DataType::Uint64 => Some(DType::U64),
            DataType::Double => Some(DType::F64),
            DataType::Bfloat16 => Some(DType::BF16),
            _ => None,
        }
    }

    pub fn size(self) -> usize {
        match self {
            DType::F32 => 4,
            DType::F16 => 2,
            DType::I64 => 8,
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::I16 | DType::U16 | DType::BF16 => 2,
            DType::I32 | DType::U32 => 4,
            DType::U64 | DType::F64 => 8,
        }
    }

    /// Whether values of this type are floating point (what runtimes compute with).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F16)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::I64 => "i64",
            DType::I8 => "i8",
            DType::U8 => "u8",
            DType::I32 => "i32",
            DType::Bool => "bool",
            DType::I16 => "i16",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F64 => "f64",
            DType::BF16 => "bf16",
        })
    }
}

/// One dimension: a number, or a symbol such as the batch size `N`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dim {
    Known(usize),
    Sym(String),
}

impl Dim {
    pub fn known(&self) -> Option<usize> {
        match self {
            Dim::Known(n) => Some(*n),
            Dim::Sym(_) => None,
        }
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Known(n) => write!(f, "{n}"),
            Dim::Sym(s) => f.write_str(s),
        }
    }
}

impl From<usize> for Dim {
    fn from(n: usize) -> Self {
        Dim::Known(n)
    }
}

/// A value's type: element type and shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TensorInfo {
    pub dtype: DType,
    pub shape: Vec<Dim>,
}

impl TensorInfo {
    pub fn new(dtype: DType, shape: Vec<Dim>) -> Self {
        Self { dtype, shape }
    }

    pub fn f32(dims: &[usize]) -> Self {
        Self::new(DType::F32, dims.iter().map(|&d| Dim::Known(d)).collect())
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    /// The known dimension `axis`, or `None` when it is symbolic.
    pub fn dim(&self, axis: usize) -> Option<usize> {
        self.shape.get(axis).and_then(Dim::known)
    }

    /// Elements per batch item: the product of every dimension after the first, when known
    /// (and when it fits a `usize`: a file's shapes are not to be trusted).
    pub fn per_item(&self) -> Option<usize> {
        product(self.shape.iter().skip(1))
    }

    /// Total element count, when every dimension is known and the product fits a `usize`.
    pub fn numel(&self) -> Option<usize> {
        product(self.shape.iter())
    }

    pub fn shape_string(&self) -> String {
        shape_string(&self.shape)
    }
}

fn product<'a>(dims: impl Iterator<Item = &'a Dim>) -> Option<usize> {
    dims.map(Dim::known).try_fold(1usize, |n, d| n.checked_mul(d?))
}

pub fn shape_string(shape: &[Dim]) -> String {
    let parts: Vec<String> = shape.iter().map(Dim::to_string).collect();
    format!("[{}]", parts.join(", "))
}

impl fmt::Display for TensorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.dtype, self.shape_string())
    }
}

//! A named, dense, row-major tensor: what zoo feeds runtimes and reads back. Float tensors
//! (f32, and f16 widened to f32) hold their values in `data`; integer and boolean ones — token
//! ids, indices, an argmax's labels, masks — hold them exactly in `ints` (onnx.proto
//! `TensorProto.DataType`), so that they are fed and compared without passing through f32.

use crate::error::RuntimeError;

/// The integer and boolean element types zoo feeds and reads back exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IntType {
    Bool,
    U8,
    I8,
    U16,
    I16,
    I32,
    U32,
    I64,
}

impl IntType {
    /// Every type, for tables and tests.
    pub const ALL: [IntType; 8] =
        [IntType::Bool, IntType::U8, IntType::I8, IntType::U16, IntType::I16, IntType::I32, IntType::U32, IntType::I64];

    /// onnx.proto's `TensorProto.DataType` code.
    pub fn onnx(self) -> i32 {
        match self {
            IntType::U8 => 2,
            IntType::I8 => 3,
            IntType::U16 => 4,
            IntType::I16 => 5,
            IntType::I32 => 6,
            IntType::I64 => 7,
            IntType::Bool => 9,
            IntType::U32 => 12,
        }
    }

    /// The type of onnx.proto code `code`, if it is one of these.
    pub fn from_onnx(code: i32) -> Option<IntType> {
        IntType::ALL.into_iter().find(|t| t.onnx() == code)
    }

    /// onnx.proto's name (`INT64`, `BOOL`), as reports and errors spell it.
    pub fn name(self) -> &'static str {
        match self {
            IntType::Bool => "BOOL",
            IntType::U8 => "UINT8",
            IntType::I8 => "INT8",
            IntType::U16 => "UINT16",
            IntType::I16 => "INT16",
            IntType::I32 => "INT32",
            IntType::U32 => "UINT32",
            IntType::I64 => "INT64",
        }
    }

    /// Bytes per element in `raw_data` and in host memory.
    pub fn bytes(self) -> usize {
        match self {
            IntType::Bool | IntType::U8 | IntType::I8 => 1,
            IntType::U16 | IntType::I16 => 2,
            IntType::I32 | IntType::U32 => 4,
            IntType::I64 => 8,
        }
    }

    /// The values the type holds.
    pub fn range(self) -> std::ops::RangeInclusive<i64> {
        match self {
            IntType::Bool => 0..=1,
            IntType::U8 => 0..=u8::MAX as i64,
            IntType::I8 => i8::MIN as i64..=i8::MAX as i64,
            IntType::U16 => 0..=u16::MAX as i64,
            IntType::I16 => i16::MIN as i64..=i16::MAX as i64,
            IntType::I32 => i32::MIN as i64..=i32::MAX as i64,
            IntType::U32 => 0..=u32::MAX as i64,
            IntType::I64 => i64::MIN..=i64::MAX,
        }
    }

    /// `values` as little-endian bytes of this type (values outside [`IntType::range`] wrap,
    /// so callers check first where the values are the user's).
    pub fn to_le_bytes(self, values: &[i64]) -> Vec<u8> {
        let mut out = Vec::with_capacity(values.len() * self.bytes());
        for &v in values {
            out.extend_from_slice(&v.to_le_bytes()[..self.bytes()]);
        }
        out
    }

    /// Little-endian bytes of this type as values; `None` when the length is not a whole number
    /// of elements.
    pub fn from_le_bytes(self, bytes: &[u8]) -> Option<Vec<i64>> {
        let n = self.bytes();
        if !bytes.len().is_multiple_of(n) {
            return None;
        }
        Some(
            bytes
                .chunks_exact(n)
                .map(|b| match self {
                    IntType::Bool => i64::from(b[0] != 0),
                    IntType::U8 => i64::from(b[0]),
                    IntType::I8 => i64::from(b[0] as i8),
                    IntType::U16 => i64::from(u16::from_le_bytes([b[0], b[1]])),
                    IntType::I16 => i64::from(i16::from_le_bytes([b[0], b[1]])),
                    IntType::I32 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    IntType::U32 => i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    IntType::I64 => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                })
                .collect(),
        )
    }
}

/// The values of an integer or boolean tensor, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ints {
    pub ty: IntType,
    pub values: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    /// The values of a float tensor (empty for an integer one).
    pub data: Vec<f32>,
    /// The values of an integer or boolean tensor (`None` for a float one).
    pub ints: Option<Ints>,
}

impl Tensor {
    pub fn new(name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor { name: name.into(), shape, data, ints: None }
    }

    /// An integer or boolean tensor.
    pub fn int(name: impl Into<String>, shape: Vec<usize>, ty: IntType, values: Vec<i64>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), values.len());
        Tensor { name: name.into(), shape, data: Vec::new(), ints: Some(Ints { ty, values }) }
    }

    pub fn numel(&self) -> usize {
        self.ints.as_ref().map_or(self.data.len(), |i| i.values.len())
    }

    /// onnx.proto's name of the element type: `FLOAT` or [`IntType::name`].
    pub fn type_name(&self) -> &'static str {
        self.ints.as_ref().map_or("FLOAT", |i| i.ty.name())
    }

    /// The same values under another name.
    pub fn renamed(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The batch size (first dimension), 1 for scalars.
    pub fn batch(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Elements per batch item.
    pub fn per_item(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// The `b`-th batch item of a float tensor as a slice.
    pub fn item(&self, b: usize) -> &[f32] {
        let n = self.per_item();
        &self.data[b * n..(b + 1) * n]
    }

    /// Whether this tensor can be fed to an input that declares `declared` (`None`: float):
    /// the same kind and type, and every integer within its type's range (a runtime would wrap
    /// it). The reason, naming the input, when not.
    pub fn fits(&self, declared: Option<IntType>) -> Result<(), String> {
        if self.ints.as_ref().map(|i| i.ty) != declared {
            return Err(format!(
                "input `{}` is {} in the model, given {}",
                self.name,
                declared.map_or("FLOAT", IntType::name),
                self.type_name()
            ));
        }
        match self.ints.as_ref().and_then(|i| i.values.iter().find(|v| !i.ty.range().contains(v)).map(|v| (i.ty, v))) {
            Some((ty, v)) => Err(format!("input `{}` is {} and cannot hold {v}", self.name, ty.name())),
            None => Ok(()),
        }
    }

    /// The first `n` batch items, of either kind.
    pub fn head(&self, n: usize) -> Tensor {
        let mut shape = self.shape.clone();
        if let Some(first) = shape.first_mut() {
            *first = n;
        }
        let k = n * self.per_item();
        Tensor {
            name: self.name.clone(),
            shape,
            data: self.data[..k.min(self.data.len())].to_vec(),
            ints: self.ints.as_ref().map(|i| Ints { ty: i.ty, values: i.values[..k.min(i.values.len())].to_vec() }),
        }
    }
}
/// The tensors of `given` in the order of `fixed` (a static-shape runner's inputs: name and the
/// shape it was compiled for), refusing a tensor the model has no input for, a missing input
/// and a shape other than the compiled one (`engine`: "tract plan was built", say).
pub(crate) fn match_static<'a>(
    given: &'a [Tensor],
    fixed: &[(String, Vec<usize>)],
    engine: &str,
) -> Result<Vec<&'a Tensor>, RuntimeError> {
    if let Some(t) = given.iter().find(|t| !fixed.iter().any(|(n, _)| *n == t.name)) {
        return Err(RuntimeError::Mismatch(format!(
            "the model has no input `{}` (its inputs: {})",
            t.name,
            fixed.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    fixed
        .iter()
        .map(|(name, shape)| {
            let t = given
                .iter()
                .find(|t| t.name == *name)
                .ok_or_else(|| RuntimeError::Mismatch(format!("no value given for input `{name}`")))?;
            if t.shape != *shape {
                return Err(RuntimeError::Mismatch(format!(
                    "input `{name}` has shape {:?}, but the {engine} for {shape:?}",
                    t.shape
                )));
            }
            Ok(t)
        })
        .collect()
}

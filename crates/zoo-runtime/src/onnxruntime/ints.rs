//! Integer and boolean inputs and outputs (token ids, indices, an argmax's labels, masks):
//! fed as the element type the session declares and read back exactly, as i64.

use ort::value::{DynValue, TensorElementType};

use crate::{IntType, RuntimeError};

/// The zoo type of ONNX Runtime's element type, for the integer and boolean ones zoo exchanges.
pub(super) fn int_type(ty: TensorElementType) -> Option<IntType> {
    Some(match ty {
        TensorElementType::Bool => IntType::Bool,
        TensorElementType::Uint8 => IntType::U8,
        TensorElementType::Int8 => IntType::I8,
        TensorElementType::Uint16 => IntType::U16,
        TensorElementType::Int16 => IntType::I16,
        TensorElementType::Int32 => IntType::I32,
        TensorElementType::Uint32 => IntType::U32,
        TensorElementType::Int64 => IntType::I64,
        _ => return None,
    })
}

/// A session value of type `ty` holding `values`, which [`crate::Tensor::fits`] has checked
/// against the type's range.
pub(super) fn value(name: &str, shape: &[usize], ty: IntType, values: &[i64]) -> Result<DynValue, RuntimeError> {
    let err = |e: ort::Error| RuntimeError::Ort(format!("input `{name}`: {e}"));
    macro_rules! make {
        ($t:ty, $conv:expr) => {{
            let data: Vec<$t> = values.iter().map($conv).collect();
            ort::value::Tensor::from_array((shape.to_vec(), data)).map_err(err)?.into_dyn()
        }};
    }
    // The range was checked above: these casts are exact.
    Ok(match ty {
        IntType::Bool => make!(bool, |&v| v != 0),
        IntType::U8 => make!(u8, |&v| v as u8),
        IntType::I8 => make!(i8, |&v| v as i8),
        IntType::U16 => make!(u16, |&v| v as u16),
        IntType::I16 => make!(i16, |&v| v as i16),
        IntType::I32 => make!(i32, |&v| v as i32),
        IntType::U32 => make!(u32, |&v| v as u32),
        IntType::I64 => make!(i64, |&v| v),
    })
}

/// The shape and values of an output of type `ty`.
pub(super) fn read(name: &str, value: &DynValue, ty: IntType) -> Result<(Vec<i64>, Vec<i64>), RuntimeError> {
    let err = |e: ort::Error| RuntimeError::Ort(format!("output `{name}`: {e}"));
    macro_rules! take {
        ($t:ty) => {{
            let (shape, data) = value.try_extract_tensor::<$t>().map_err(err)?;
            (shape.to_vec(), data.iter().map(|&v| v as i64).collect())
        }};
    }
    Ok(match ty {
        IntType::Bool => {
            let (shape, data) = value.try_extract_tensor::<bool>().map_err(err)?;
            (shape.to_vec(), data.iter().map(|&v| i64::from(v)).collect())
        }
        IntType::U8 => take!(u8),
        IntType::I8 => take!(i8),
        IntType::U16 => take!(u16),
        IntType::I16 => take!(i16),
        IntType::I32 => take!(i32),
        IntType::U32 => take!(u32),
        IntType::I64 => take!(i64),
    })
}

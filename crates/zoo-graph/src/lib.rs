//! zoo's graph builder: typed values with known shapes, one file per ONNX op, portable seeded
//! weights, and a serializer that streams the weights into the `.onnx` file.
//!
//! ```
//! use zoo_graph::{Batch, Net, Opset, image, ops::{Conv, Relu}};
//! let mut net = Net::new("tiny", Opset::DEFAULT);
//! let x = net.input("input", image(Batch::Dynamic, 3, 32, 32)).unwrap();
//! let x = net.layer("conv1", x, Conv::new(8, 3).pad(1)).unwrap();
//! let x = net.layer("relu1", x, Relu).unwrap();
//! assert_eq!(net.info(x).shape_string(), "[N, 8, 32, 32]");
//! ```

pub mod analysis;
pub mod attr;
mod builder;
mod error;
pub mod ir;
mod model;
pub mod onnx_file;
pub mod ops;
mod opset;
mod param;
pub mod passes;
pub mod prng;
pub mod proto_util;
pub mod quant;
pub mod receptive_field;
mod recurrent;
pub mod roofline;
pub mod signal;
mod tensor;
#[cfg(test)]
mod test_fixtures;
pub mod weights;
pub mod window;
pub mod wire_limits;
pub mod write;

pub use builder::{Batch, Layer, Net, Seq, Value, image};
pub use error::{GraphError, ShapeError, WeightError, WriteError, io_fix};
pub use model::Model;
pub use opset::Opset;
pub use param::{Init, Param, ParamKind};
pub use tensor::{DType, Dim, TensorInfo};
pub use weights::{Seeded, WeightSource};

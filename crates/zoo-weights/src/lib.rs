//! Weights from files: read a checkpoint, bind its tensors to a graph's parameters by name
//! (every shape checked), and stream them into the ONNX file as a [`zoo_graph::WeightSource`].
//! Files: safetensors and PyTorch checkpoints (`.pth`, both torch.save formats), chosen by
//! content ([`open_weights`]). Also the reverse: save a model's reference weights as safetensors.

mod error;
mod pth;
mod safetensors_file;

pub use error::LoadError;
pub use pth::{BoundWeights, PthBound, PthDtype, PthFile, PthFormat, WeightsFile, check_published_name, open_weights};
pub use safetensors_file::{Bound, CLAIMED_SHA256_KEY, SafetensorsFile, save_safetensors};

/// PyTorch's BatchNorm counter, present in every `state_dict` with BatchNorm; not a weight.
pub(crate) fn ignored(name: &str) -> bool {
    name.ends_with(".num_batches_tracked")
}

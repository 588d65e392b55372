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

/// The weights and buffers of `params` a file must hold, once it is checked to hold every one
/// of them (by `keys`) and nothing else — PyTorch's counters and keys under `skip` aside.
/// Shapes and dtypes are the caller's to check: they differ by format.
pub(crate) fn wanted<'p>(
    path: &std::path::Path,
    params: &'p [zoo_graph::Param],
    keys: &[&str],
    skip: &[&str],
) -> Result<Vec<&'p zoo_graph::Param>, LoadError> {
    let wanted: Vec<&zoo_graph::Param> = params.iter().filter(|p| p.kind != zoo_graph::ParamKind::Constant).collect();
    let missing: Vec<&str> =
        wanted.iter().filter(|p| !keys.contains(&p.name.as_str())).map(|p| p.name.as_str()).collect();
    if !missing.is_empty() {
        return Err(LoadError::Missing { path: path.to_path_buf(), count: missing.len(), names: list(&missing) });
    }
    let mut extra: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !ignored(k) && !skip.iter().any(|s| k.starts_with(s)) && !wanted.iter().any(|p| p.name == *k))
        .collect();
    extra.sort_unstable();
    if !extra.is_empty() {
        return Err(LoadError::Extra { path: path.to_path_buf(), count: extra.len(), names: list(&extra) });
    }
    Ok(wanted)
}

/// The first few names, and how many more.
pub(crate) fn list(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    let mut s = names.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        s += &format!(", … ({} more)", names.len() - SHOWN);
    }
    s
}

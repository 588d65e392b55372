//! Images for `--calibration DIR`, `zoo run --image` and `zoo verify --inputs`: a file's
//! preprocessing from the `preprocess.*` metadata zoo writes into every export (input size,
//! channel order, pixel scale, mean, std; `preprocess.in_graph` when the graph normalises raw
//! pixels itself), applied by [`zoo_runtime::images`] as torchvision's (Pillow's) transforms.
//! The resize is always the shorter side to 256 (torchvision's evaluation; Caffe's deploy
//! scripts warp to 256×256 instead, which zoo does not imitate).

use std::path::{Path, PathBuf};

use crate::bail;
use crate::error::Context;
use zoo_runtime::Tensor;
use zoo_runtime::images::{self, Preprocess};

/// The ImageNet-1k class names in torchvision's order (`torchvision.models._meta`, the
/// order of every ImageNet head zoo builds).
pub const IMAGENET: &str = include_str!("../../../zoo/imagenet-1k-labels.txt");

pub fn imagenet_label(class: usize) -> Option<&'static str> {
    IMAGENET.lines().nth(class)
}

/// Whether `path` names an image zoo decodes (by extension).
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

/// The preprocessing recorded in a file's metadata, or an error naming what is missing.
pub fn preprocess(meta: &dyn Fn(&str) -> Option<String>, what: &str) -> crate::Result<Preprocess> {
    let get = |k: &str| {
        meta(&format!("preprocess.{k}")).with_context(|| {
            format!(
                "{what} records no `preprocess.{k}` metadata, so zoo does not know how to prepare images for it: \
                 give the preprocessed tensors as input_*.pb files instead"
            )
        })
    };
    let size = get("input_size")?;
    let dims: Vec<usize> = size.split('x').filter_map(|d| d.parse().ok()).collect();
    let [3, h, w] = dims[..] else { bail!("{what}: preprocess.input_size `{size}` is not 3xHxW") };
    let triple = |k: &str| -> crate::Result<[f32; 3]> {
        let s = get(k)?;
        let v: Vec<f32> = s.trim_matches(['[', ']']).split(',').filter_map(|x| x.trim().parse().ok()).collect();
        <[f32; 3]>::try_from(v).map_err(|_| crate::err!("{what}: preprocess.{k} `{s}` is not three numbers"))
    };
    let bgr = get("channel_order")? == "BGR";
    if meta("preprocess.in_graph").is_some_and(|v| v.starts_with("yes")) {
        // The graph normalises raw 0–255 pixels itself.
        return Ok(Preprocess { resize: 256, crop: [h, w], bgr, scale: 255.0, mean: [0.0; 3], std: [1.0; 3] });
    }
    let scale = match get("pixel_scale")?.as_str() {
        "0-1" => 1.0,
        "0-255" => 255.0,
        other => bail!("{what}: preprocess.pixel_scale `{other}` is not 0-1 or 0-255"),
    };
    Ok(Preprocess { resize: 256, crop: [h, w], bgr, scale, mean: triple("mean")?, std: triple("std")? })
}

/// The preprocessing of a graph's metadata entries.
pub fn preprocess_of(metadata: &[(String, String)], what: &str) -> crate::Result<Preprocess> {
    preprocess(&|k: &str| metadata.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()), what)
}

/// Every image as one `[1, 3, H, W]` item, or an error naming the file.
pub fn load_all(paths: &[PathBuf], p: &Preprocess, name: &str) -> crate::Result<Vec<Tensor>> {
    paths.iter().map(|f| images::load(f, p, name).map_err(crate::Error::from)).collect()
}

//! Images to input tensors, as torchvision's ImageNet evaluation prepares them:
//! `PIL.Image.open(f).convert("RGB")` → `Resize(256)` → `CenterCrop(224)` → `ToTensor()` →
//! `Normalize(mean, std)` (torchvision `transforms`, and `weights.transforms()` of every
//! classification model).
//!
//! On PIL images torchvision's `Resize` is Pillow's `Image.resize((w, h), BILINEAR)`: a
//! separable convolution with the triangle filter widened by the downscaling factor (so it
//! antialiases), horizontal pass first, each pass in fixed point with 22 fractional bits and
//! rounded to 8 bits (Pillow `libImaging/Resample.c`, `precompute_coeffs`,
//! `normalize_coeffs_8bpc`, `ImagingResampleHorizontal_8bpc`/`Vertical_8bpc`). This file does
//! the same integer arithmetic, so the resized pixels are Pillow's, not an approximation. The
//! shorter side becomes 256 and the longer `int(256·long/short)`; the crop offsets are
//! `int(round((size − crop)/2))`, Python's round (half to even); then `x/255` in f32, and
//! `(x − mean)/std` per channel at the variant's scale, in the variant's channel order.
//!
//! Decoding is the `image` crate's (PNG: exact; JPEG: its own IDCT, which may differ from
//! libjpeg-turbo's — Pillow's — by a level here and there). Grayscale, grey+alpha and RGBA
//! images become RGB as Pillow's `convert("RGB")` does (grey replicated, alpha dropped).

use std::path::{Path, PathBuf};

use crate::Tensor;

/// How a network wants its images.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocess {
    /// The shorter side after resizing (torchvision: 256).
    pub resize: usize,
    /// Height and width of the centre crop (the network's input).
    pub crop: [usize; 2],
    /// `true` for BGR (Caffe), else RGB.
    pub bgr: bool,
    /// Pixel scale the mean and std refer to: 1 for 0–1 inputs, 255 for 0–255.
    pub scale: f32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read image {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot decode image {path}: {reason} (PNG and JPEG are supported)")]
    Decode { path: PathBuf, reason: String },
    #[error("image {path} is {w}×{h}: too small to resize")]
    Empty { path: PathBuf, w: u32, h: u32 },
}

/// Pillow's fixed-point precision for 8-bit images.
const PRECISION_BITS: u32 = 32 - 8 - 2;

/// Decodes `path` into 8-bit RGB, as `convert("RGB")` does.
pub fn decode_rgb(path: &Path) -> Result<(usize, usize, Vec<u8>), ImageError> {
    let bytes = std::fs::read(path).map_err(|e| ImageError::Read { path: path.into(), reason: e.to_string() })?;
    decode_rgb_bytes(path, &bytes)
}

/// [`decode_rgb`] of a file's bytes already in memory (the fuzz target's entry point); `path`
/// names the file in messages.
pub fn decode_rgb_bytes(path: &Path, bytes: &[u8]) -> Result<(usize, usize, Vec<u8>), ImageError> {
    let img =
        image::load_from_memory(bytes).map_err(|e| ImageError::Decode { path: path.into(), reason: e.to_string() })?;
    let rgb = img.to_rgb8();
    let (w, h) = rgb.dimensions();
    if w == 0 || h == 0 {
        return Err(ImageError::Empty { path: path.into(), w, h });
    }
    Ok((w as usize, h as usize, rgb.into_raw()))
}

/// The input tensor `[1, 3, crop_h, crop_w]` for one image file, named `name`.
pub fn load(path: &Path, p: &Preprocess, name: &str) -> Result<Tensor, ImageError> {
    let (w, h, rgb) = decode_rgb(path)?;
    Ok(tensor(w, h, &rgb, p, name))
}

/// The output size of torchvision's `Resize(size)` for a `w × h` image: the shorter side
/// becomes `size`, the longer `int(size · long / short)`.
pub fn resized_size(w: usize, h: usize, size: usize) -> (usize, usize) {
    if w <= h {
        (size, (size as f64 * h as f64 / w as f64) as usize)
    } else {
        ((size as f64 * w as f64 / h as f64) as usize, size)
    }
}

/// Resize, crop and normalise interleaved 8-bit RGB `w × h`.
pub fn tensor(w: usize, h: usize, rgb: &[u8], p: &Preprocess, name: &str) -> Tensor {
    let (rw, rh) = resized_size(w, h, p.resize);
    let resized = resize_bilinear(rgb, w, h, rw, rh);
    let [ch, cw] = p.crop;
    // torchvision F.center_crop pads when the crop is larger; zoo's crops never are (256 ≥ 227).
    // Python's round: half to even.
    let top = ((rh as f64 - ch as f64) / 2.0).round_ties_even().max(0.0) as usize;
    let left = ((rw as f64 - cw as f64) / 2.0).round_ties_even().max(0.0) as usize;
    let mut data = vec![0f32; 3 * ch * cw];
    for c in 0..3 {
        let src = if p.bgr { 2 - c } else { c };
        for y in 0..ch {
            for x in 0..cw {
                let v = resized[((top + y).min(rh - 1) * rw + (left + x).min(rw - 1)) * 3 + src];
                // ToTensor: v / 255 in f32 (0–255 variants take v itself); then Normalize.
                let scaled = if p.scale == 1.0 { f32::from(v) / 255.0 } else { f32::from(v) * (p.scale / 255.0) };
                data[(c * ch + y) * cw + x] = (scaled - p.mean[c]) / p.std[c];
            }
        }
    }
    Tensor::new(name, vec![1, 3, ch, cw], data)
}

/// Pillow's `precompute_coeffs` for the bilinear filter: per output pixel, the first input
/// pixel and the fixed-point weights.
fn coefficients(in_size: usize, out_size: usize) -> (Vec<usize>, Vec<Vec<i32>>) {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filterscale; // bilinear support 1.0 × filterscale
    let ss = 1.0 / filterscale;
    let mut starts = Vec::with_capacity(out_size);
    let mut weights = Vec::with_capacity(out_size);
    for xx in 0..out_size {
        let center = (xx as f64 + 0.5) * scale;
        // `as i64` truncates toward zero, as C's `(int)` cast in Pillow does.
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = (((center + support + 0.5) as i64).min(in_size as i64) as usize).saturating_sub(xmin);
        let mut k: Vec<f64> = (0..xmax)
            .map(|x| {
                let t = ((x + xmin) as f64 - center + 0.5) * ss;
                let t = t.abs();
                if t < 1.0 { 1.0 - t } else { 0.0 }
            })
            .collect();
        let ww: f64 = k.iter().sum();
        if ww != 0.0 {
            for v in &mut k {
                *v /= ww;
            }
        }
        let fixed = k
            .iter()
            .map(|&v| {
                let f = v * f64::from(1u32 << PRECISION_BITS);
                if v < 0.0 { (-0.5 + f) as i32 } else { (0.5 + f) as i32 }
            })
            .collect();
        starts.push(xmin);
        weights.push(fixed);
    }
    (starts, weights)
}

fn clip8(ss: i64) -> u8 {
    (ss >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Pillow's `Image.resize((ow, oh), BILINEAR)` of interleaved RGB: horizontal pass (rounded to
/// 8 bits), then vertical.
pub fn resize_bilinear(rgb: &[u8], w: usize, h: usize, ow: usize, oh: usize) -> Vec<u8> {
    let horizontal = if ow != w {
        let (starts, weights) = coefficients(w, ow);
        let mut out = vec![0u8; ow * h * 3];
        for y in 0..h {
            for (x, (&start, k)) in starts.iter().zip(&weights).enumerate() {
                for c in 0..3 {
                    let mut ss: i64 = 1 << (PRECISION_BITS - 1);
                    for (i, &kk) in k.iter().enumerate() {
                        ss += i64::from(rgb[(y * w + start + i) * 3 + c]) * i64::from(kk);
                    }
                    out[(y * ow + x) * 3 + c] = clip8(ss);
                }
            }
        }
        out
    } else {
        rgb.to_vec()
    };
    if oh == h {
        return horizontal;
    }
    let (starts, weights) = coefficients(h, oh);
    let mut out = vec![0u8; ow * oh * 3];
    for (y, (&start, k)) in starts.iter().zip(&weights).enumerate() {
        for x in 0..ow {
            for c in 0..3 {
                let mut ss: i64 = 1 << (PRECISION_BITS - 1);
                for (i, &kk) in k.iter().enumerate() {
                    ss += i64::from(horizontal[((start + i) * ow + x) * 3 + c]) * i64::from(kk);
                }
                out[(y * ow + x) * 3 + c] = clip8(ss);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resized_size_keeps_the_aspect_as_torchvision() {
        assert_eq!(resized_size(500, 375, 256), (341, 256));
        assert_eq!(resized_size(375, 500, 256), (256, 341));
        assert_eq!(resized_size(256, 256, 256), (256, 256));
    }

    /// A flat image stays flat through the filter (the weights sum to one in fixed point).
    #[test]
    fn flat_images_stay_flat_and_crops_centre() {
        let rgb: Vec<u8> = (0..40 * 30).flat_map(|_| [10u8, 128, 250]).collect();
        let out = resize_bilinear(&rgb, 40, 30, 17, 13);
        assert!(out.chunks(3).all(|p| p == [10, 128, 250]), "{:?}", &out[..9]);
        let p = Preprocess { resize: 16, crop: [8, 8], bgr: true, scale: 255.0, mean: [0.0; 3], std: [1.0; 3] };
        let t = tensor(40, 30, &rgb, &p, "input");
        assert_eq!(t.shape, vec![1, 3, 8, 8]);
        // BGR: channel 0 is blue.
        assert!((t.data[0] - 250.0).abs() < 1e-3, "{}", t.data[0]);
    }
}

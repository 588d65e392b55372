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
//! Decoding gives Pillow's pixels: PNG with the `image` crate (lossless, so any correct decoder
//! is exact), JPEG with libjpeg-turbo's decompressor as Pillow runs it (`images/jpeg.rs`).
//! Grayscale, grey+alpha, RGBA and CMYK images become RGB as Pillow's `convert("RGB")` does
//! (grey replicated, alpha dropped, CMYK by Pillow's formula).

use std::path::{Path, PathBuf};

use crate::Tensor;

mod jpeg;

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
    #[error(
        "image {path} is {w}×{h}, more than the {limit} pixels Pillow opens (its decompression-bomb limit): refused before decoding"
    )]
    TooLarge { path: PathBuf, w: u32, h: u32, limit: u64 },
}

/// The most pixels an image may have: where Pillow's `Image.open` raises
/// `DecompressionBombError` (above twice `Image.MAX_IMAGE_PIXELS` = 89,478,485), so
/// torchvision's loader refuses such a file too. Checked from the header, before decoding: a
/// 370-byte JPEG can declare 57095 × 2170 pixels (3 s and 550 MB to decode); without the check,
/// a 228-megapixel one took 955 MB, and up to the `image` crate's 512 MB decoding limit a
/// greyscale image grew threefold more when made RGB.
pub const MAX_PIXELS: u64 = 2 * 89_478_485;

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
    decode_rgb_bytes_within(path, bytes, MAX_PIXELS)
}

/// [`decode_rgb_bytes`] refusing images of more than `max_pixels`: the fuzz target's bound
/// (images near Pillow's limit take a second each, which would make a long run days long;
/// tests and an earlier run cover the limit itself).
pub fn decode_rgb_bytes_within(
    path: &Path,
    bytes: &[u8],
    max_pixels: u64,
) -> Result<(usize, usize, Vec<u8>), ImageError> {
    let decode = |e: image::ImageError| ImageError::Decode { path: path.into(), reason: e.to_string() };
    // What `image::load_from_memory` does, with the size read from the header in between.
    let format = image::guess_format(bytes).map_err(decode)?;
    if format == image::ImageFormat::Jpeg {
        // libjpeg refuses an image of no pixels itself ("Empty JPEG image").
        return jpeg::decode(path, bytes, max_pixels);
    }
    let (w, h) =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), format).into_dimensions().map_err(decode)?;
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(ImageError::TooLarge { path: path.into(), w, h, limit: max_pixels });
    }
    let img = image::load_from_memory_with_format(bytes, format).map_err(decode)?;
    // An RGB image is taken as it is, not copied.
    let rgb = img.into_rgb8();
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
    let [ch, cw] = p.crop;
    // torchvision F.center_crop pads when the crop is larger; zoo's crops never are (256 ≥ 227).
    // Python's round: half to even.
    let top = ((rh as f64 - ch as f64) / 2.0).round_ties_even().max(0.0) as usize;
    let left = ((rw as f64 - cw as f64) / 2.0).round_ties_even().max(0.0) as usize;
    // Only the crop is resized: a 57095 × 5 image resizes to 2923264 × 256 pixels (2.2 GB),
    // of which the crop keeps 224 × 224. Each output pixel depends on its own row and column
    // alone, so the crop's pixels are the same as in the whole resized image.
    let ys: Vec<usize> = (0..ch).map(|y| (top + y).min(rh - 1)).collect();
    let xs: Vec<usize> = (0..cw).map(|x| (left + x).min(rw - 1)).collect();
    let crop = resize_at(rgb, w, h, (rw, rh), &xs, &ys);
    let mut data = vec![0f32; 3 * ch * cw];
    for c in 0..3 {
        let src = if p.bgr { 2 - c } else { c };
        for y in 0..ch {
            for x in 0..cw {
                let v = crop[(y * cw + x) * 3 + src];
                // ToTensor: v / 255 in f32 (0–255 variants take v itself); then Normalize.
                let scaled = if p.scale == 1.0 { f32::from(v) / 255.0 } else { f32::from(v) * (p.scale / 255.0) };
                data[(c * ch + y) * cw + x] = (scaled - p.mean[c]) / p.std[c];
            }
        }
    }
    Tensor::new(name, vec![1, 3, ch, cw], data)
}

/// Pillow's `precompute_coeffs` for the bilinear filter, for output pixel `xx`: the first
/// input pixel and the fixed-point weights.
fn coefficients(in_size: usize, out_size: usize, xx: usize) -> (usize, Vec<i32>) {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = filterscale; // bilinear support 1.0 × filterscale
    let ss = 1.0 / filterscale;
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
    (xmin, fixed)
}

fn clip8(ss: i64) -> u8 {
    (ss >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Pillow's `Image.resize((ow, oh), BILINEAR)` of interleaved RGB: horizontal pass (rounded to
/// 8 bits), then vertical.
pub fn resize_bilinear(rgb: &[u8], w: usize, h: usize, ow: usize, oh: usize) -> Vec<u8> {
    let xs: Vec<usize> = (0..ow).collect();
    let ys: Vec<usize> = (0..oh).collect();
    resize_at(rgb, w, h, (ow, oh), &xs, &ys)
}

/// The pixels at columns `xs` and rows `ys` (each ascending) of [`resize_bilinear`]'s
/// `ow × oh` output, as `ys.len() × xs.len()` interleaved RGB. A pass whose size does not
/// change is skipped, as Pillow skips it; the horizontal pass runs only on the input rows the
/// vertical one reads.
fn resize_at(rgb: &[u8], w: usize, h: usize, (ow, oh): (usize, usize), xs: &[usize], ys: &[usize]) -> Vec<u8> {
    let taps = |n: usize, out: usize, at: &[usize]| -> Vec<(usize, Vec<i32>)> {
        at.iter().map(|&i| if out == n { (i, vec![]) } else { coefficients(n, out, i) }).collect()
    };
    // An empty tap list is the skipped pass: the input pixel itself.
    let apply = |k: &[i32], start: usize, px: &dyn Fn(usize) -> u8| -> u8 {
        if k.is_empty() {
            return px(start);
        }
        let mut ss: i64 = 1 << (PRECISION_BITS - 1);
        for (i, &kk) in k.iter().enumerate() {
            ss += i64::from(px(start + i)) * i64::from(kk);
        }
        clip8(ss)
    };
    let (htaps, vtaps) = (taps(w, ow, xs), taps(h, oh, ys));
    let first = vtaps.iter().map(|(s, _)| *s).min().unwrap_or(0);
    let last = vtaps.iter().map(|(s, k)| s + k.len().max(1)).max().unwrap_or(0);
    let n = xs.len();
    let mut horizontal = vec![0u8; (last - first) * n * 3];
    for y in first..last {
        for (x, (start, k)) in htaps.iter().enumerate() {
            for c in 0..3 {
                horizontal[((y - first) * n + x) * 3 + c] = apply(k, *start, &|i| rgb[(y * w + i) * 3 + c]);
            }
        }
    }
    let mut out = vec![0u8; ys.len() * n * 3];
    for (y, (start, k)) in vtaps.iter().enumerate() {
        for x in 0..n {
            for c in 0..3 {
                out[(y * n + x) * 3 + c] = apply(k, *start, &|i| horizontal[((i - first) * n + x) * 3 + c]);
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

    /// Resizing only the crop gives the crop of the whole resized image, whichever passes run.
    #[test]
    fn the_crop_alone_equals_the_crop_of_the_whole() {
        let mut seed = 7u32;
        for (w, h, ow, oh) in [(40, 30, 17, 13), (9, 5, 31, 5), (5, 9, 5, 40), (3, 50, 12, 200), (64, 64, 64, 64)] {
            let rgb: Vec<u8> = (0..w * h * 3)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let whole = resize_bilinear(&rgb, w, h, ow, oh);
            let (xs, ys): (Vec<usize>, Vec<usize>) = ((ow / 3..ow - ow / 4).collect(), (oh / 4..oh - oh / 3).collect());
            let crop = resize_at(&rgb, w, h, (ow, oh), &xs, &ys);
            let expected: Vec<u8> = ys
                .iter()
                .flat_map(|&y| xs.iter().flat_map(move |&x| (0..3).map(move |c| (x, y, c))))
                .map(|(x, y, c)| whole[(y * ow + x) * 3 + c])
                .collect();
            assert_eq!(crop, expected, "{w}×{h} → {ow}×{oh}");
        }
    }

    /// Found by `cargo fuzz run image` (a timeout under load; 3 s alone): the JPEG below with
    /// 2170 rows, 124 megapixels from 370 bytes, under Pillow's limit and decoded; with 4000
    /// rows, over it and refused from the header.
    #[test]
    fn images_past_pillows_pixel_limit_are_refused_before_decoding() {
        let bytes = include_bytes!("../tests/fuzz/image-124-megapixels.jpg");
        let (w, h, rgb) = decode_rgb_bytes(Path::new("big.jpg"), bytes).unwrap();
        assert_eq!((w, h, rgb.len()), (57095, 2170, 57095 * 2170 * 3));
        let mut taller = bytes.to_vec();
        taller[25..27].copy_from_slice(&4000u16.to_be_bytes());
        let e = decode_rgb_bytes(Path::new("big.jpg"), &taller).unwrap_err().to_string();
        assert!(e.contains("57095×4000, more than the 178956970 pixels Pillow opens"), "{e}");
        // No rows at all: libjpeg refuses it itself.
        taller[25..27].copy_from_slice(&0u16.to_be_bytes());
        let e = decode_rgb_bytes(Path::new("big.jpg"), &taller).unwrap_err().to_string();
        assert!(e.starts_with("cannot decode image big.jpg: "), "{e}");
    }

    /// Found by `cargo fuzz run image`: a 57095 × 5 JPEG of 363 bytes, whose resize to a
    /// shorter side of 256 is 2923264 × 256 pixels; resizing it whole took over 10 s and 2.2 GB.
    /// (Not timed here; the fuzz smoke runs it, from the seed corpus, under its time limit.)
    #[test]
    fn an_elongated_image_resizes_only_its_crop() {
        let bytes = include_bytes!("../tests/fuzz/image-elongated-timeout.jpg");
        let (w, h, rgb) = decode_rgb_bytes(Path::new("elongated.jpg"), bytes).unwrap();
        assert_eq!((w, h), (57095, 5));
        let p = Preprocess { resize: 256, crop: [224, 224], bgr: false, scale: 1.0, mean: [0.0; 3], std: [1.0; 3] };
        assert_eq!(tensor(w, h, &rgb, &p, "input").shape, vec![1, 3, 224, 224]);
    }
}

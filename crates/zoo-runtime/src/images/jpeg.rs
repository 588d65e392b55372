//! JPEG decoding as Pillow decodes it: libjpeg-turbo's decompressor (the `mozjpeg` crate; MozJPEG
//! changes libjpeg-turbo's encoder only), set up as Pillow's `libImaging/JpegDecode.c` and
//! `JpegImagePlugin.py` set it up — accurate integer IDCT (`JDCT_ISLOW`), fancy chroma
//! upsampling, both libjpeg's defaults — so the pixels are the ones `Image.open(f)` gives, not a
//! level or two away as with another decoder's IDCT and upsampling (the `image` crate's
//! zune-jpeg differed by up to 2 levels on scikit-image's `rocket.jpg`).
//!
//! Pillow's mode comes from the frame's component count: 1 → `L`, 3 → `RGB` (libjpeg converts
//! YCbCr), 4 → `CMYK`, read as `CMYK;I` ("assume adobe conventions": Photoshop stores CMYK
//! inverted) with libjpeg converting YCCK to CMYK. `convert("RGB")` then replicates grey, and
//! turns CMYK into RGB with `cmyk2rgb` (`libImaging/Convert.c`): `nk − nk·c/255` per channel
//! with `nk = 255 − k`, in Pillow's rounding (`MULDIV255`). Other component counts are refused.
//!
//! libjpeg reports a fatal error by calling `error_exit`, which the crate makes a Rust unwind
//! through the C code (built with `-fexceptions`); it is caught here and becomes the reader's
//! error. Its warnings (corrupt data it can decode past, a truncated file ended by a fake EOI)
//! are libjpeg's own, as in Pillow's decoder.

use std::path::Path;

use mozjpeg::{ColorSpace, Decompress};

use super::ImageError;

/// Decodes a JPEG into 8-bit RGB `(width, height, pixels)`.
/// Images of more than `max_pixels` are refused from the header.
pub(super) fn decode(path: &Path, bytes: &[u8], max_pixels: u64) -> Result<(usize, usize, Vec<u8>), ImageError> {
    let fail = |reason: String| ImageError::Decode { path: path.into(), reason };
    match std::panic::catch_unwind(|| decode_unwinding(path, bytes, max_pixels)) {
        Ok(r) => r.and_then(|o| o.map_err(|e| fail(e.to_string()))),
        Err(payload) => {
            let reason = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("libjpeg failed");
            Err(fail(reason.trim_start_matches("libjpeg fatal error: ").to_string()))
        }
    }
}

type Decoded = std::io::Result<(usize, usize, Vec<u8>)>;

fn decode_unwinding(path: &Path, bytes: &[u8], max_pixels: u64) -> Result<Decoded, ImageError> {
    let d = match Decompress::new_mem(bytes) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let (w, h) = d.size();
    // Before anything the size of the image is allocated (libjpeg's coefficient buffers of a
    // progressive file, the output).
    if (w as u64).saturating_mul(h as u64) > max_pixels {
        let dim = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        return Err(ImageError::TooLarge { path: path.into(), w: dim(w), h: dim(h), limit: max_pixels });
    }
    let components = d.components().len();
    Ok(match components {
        1 => read(d, ColorSpace::JCS_GRAYSCALE).map(|(w, h, g)| (w, h, g.iter().flat_map(|&v| [v; 3]).collect())),
        3 => read(d, ColorSpace::JCS_RGB),
        4 => read(d, ColorSpace::JCS_CMYK)
            .map(|(w, h, cmyk)| (w, h, cmyk.chunks_exact(4).flat_map(cmyk_to_rgb).collect())),
        n => Err(std::io::Error::other(format!(
            "a JPEG of {n} components (Pillow opens 1 (grey), 3 (YCbCr/RGB) and 4 (CMYK/YCCK))"
        ))),
    })
}

/// Starts decompression into `space` and reads every scanline.
fn read(d: Decompress<&[u8]>, space: ColorSpace) -> Decoded {
    let mut started = d.to_colorspace(space)?;
    let (w, h) = (started.width(), started.height());
    let pixels = started.read_scanlines::<u8>()?;
    started.finish()?;
    Ok((w, h, pixels))
}

/// One pixel as libjpeg stores Adobe CMYK (inverted) to RGB: Pillow's `CMYK;I` unpacking, then
/// its `cmyk2rgb`.
fn cmyk_to_rgb(stored: &[u8]) -> [u8; 3] {
    let [c, m, y, k] = [0, 1, 2, 3].map(|i| 255 - i32::from(stored[i]));
    let nk = 255 - k;
    // MULDIV255(a, b): (t + (t >> 8)) >> 8 with t = a·b + 128, a rounded a·b/255.
    let muldiv255 = |a: i32| {
        let t = a * nk + 128;
        ((t >> 8) + t) >> 8
    };
    [c, m, y].map(|v| (nk - muldiv255(v)).clamp(0, 255) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pillow's `Image.new("CMYK", (1, 1), (c, m, y, k)).convert("RGB")` for a few colours.
    #[test]
    fn cmyk_becomes_rgb_as_in_pillow() {
        let stored = |c: u8, m: u8, y: u8, k: u8| [255 - c, 255 - m, 255 - y, 255 - k];
        assert_eq!(cmyk_to_rgb(&stored(0, 0, 0, 0)), [255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&stored(255, 255, 255, 255)), [0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&stored(0, 0, 0, 255)), [0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&stored(255, 0, 0, 0)), [0, 255, 255]);
        assert_eq!(cmyk_to_rgb(&stored(100, 50, 25, 60)), [119, 157, 176]);
    }

    #[test]
    fn a_broken_jpeg_is_an_error_not_a_panic() {
        let e = decode(Path::new("x.jpg"), b"\xff\xd8\xff\xdbnonsense", 100).unwrap_err().to_string();
        assert!(e.starts_with("cannot decode image x.jpg: "), "{e}");
    }
}

//! `zoo run MODEL --image FILE` and `--calibration DIR` of images: PNG/JPEG decoding to RGB,
//! then torchvision's Resize(256), CenterCrop(224) and Normalize as every ImageNet export's
//! metadata asks for.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use zoo_runtime::images::{Preprocess, decode_rgb_bytes_within, tensor};

/// Four megapixels, not Pillow's 179: an image near that limit takes a second to decode (10
/// million runs would take days), and a run mostly of those would barely vary the rest. The
/// limit itself has its unit tests and regression inputs (`zoo-runtime` `images` tests).
const FUZZ_PIXELS: u64 = 1 << 22;

fuzz_target!(|data: &[u8]| {
    let Ok((w, h, rgb)) = decode_rgb_bytes_within(Path::new("image.png"), data, FUZZ_PIXELS) else { return };
    let p = Preprocess {
        resize: 256,
        crop: [224, 224],
        bgr: false,
        scale: 1.0,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
    };
    std::hint::black_box(tensor(w, h, &rgb, &p, "input"));
});

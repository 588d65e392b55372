//! Images: `zoo run FILE --image` and image calibration, their preprocessing checked against
//! torchvision's pipeline on Pillow (`tests/python/check_preprocess.py`) on the photographs
//! scikit-image's wheel ships.

use std::path::{Path, PathBuf};

use crate::support::{fails_with, json, ok, python, python_check, zoo};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// scikit-image's photographs in the test venv: RGB, grayscale and RGBA PNGs, two JPEGs.
fn photos() -> Vec<PathBuf> {
    let out = std::process::Command::new(python())
        .args(["-c", "import skimage, os; print(os.path.join(os.path.dirname(skimage.__file__), 'data'))"])
        .output()
        .unwrap();
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    ["chelsea.png", "astronaut.png", "coffee.png", "camera.png", "logo.png", "rocket.jpg", "retina.jpg"]
        .iter()
        .map(|f| dir.join(f))
        .collect()
}

const TORCHVISION: [&str; 8] = ["--mean", "0.485", "0.456", "0.406", "--std", "0.229", "0.224", "0.225"];

fn check(model: &str, variant: &str, extra: &[&str]) -> serde_json::Value {
    check_images(model, variant, &photos(), extra)
}

/// `zoo run --image` of `photos`, its input tensors checked against torchvision's on Pillow.
fn check_images(model: &str, variant: &str, photos: &[PathBuf], extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let (file, out) = (dir.path().join("m.onnx"), dir.path().join("run"));
    ok(zoo(&["export", model, "--variant", variant, "-o", p(&file)]));
    let mut args = vec!["run", p(&file), "-o", p(&out), "--json", "--image"];
    args.extend(photos.iter().map(|f| p(f)));
    let top = json(zoo(&args));
    assert_eq!(top.as_array().unwrap().len(), photos.len(), "{top}");
    let mut check = vec![p(&out)];
    check.extend(photos.iter().map(|f| p(f)));
    check.extend(extra);
    let r = python_check("check_preprocess.py", &check);
    serde_json::json!({"top": top, "check": r})
}

/// torchvision's transforms (resize 256, crop 224, 0–1, normalise): every photograph, PNG and
/// JPEG, bit for bit.
#[test]
fn torchvision_preprocessing_equals_pillows() {
    let r = check("resnet18", "v1.5", &TORCHVISION);
    for row in r["check"]["images"].as_array().unwrap() {
        assert_eq!(row["max_levels"], 0.0, "{row}");
    }
    let first = &r["top"][0]["top"];
    assert_eq!(first.as_array().unwrap().len(), 5);
    assert!(first[0]["label"].is_string(), "ImageNet names for a 1000-class head: {first}");
}

/// Every kind of JPEG Pillow writes (chroma subsampling 4:4:4/4:2:2/4:2:0 at odd sizes,
/// progressive, optimised tables, greyscale, Adobe CMYK) decodes to Pillow's pixels: libjpeg-turbo's
/// IDCT and upsampling, and Pillow's CMYK → RGB.
#[test]
fn every_kind_of_jpeg_decodes_as_in_pillow() {
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new(python())
        .arg(crate::support::root().join("tests/python/make_jpegs.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mut jpegs: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    jpegs.sort();
    assert_eq!(jpegs.len(), 8, "{jpegs:?}");
    let r = check_images("resnet18", "v1.5", &jpegs, &TORCHVISION);
    let rows = r["check"]["images"].as_array().unwrap();
    assert_eq!(rows.len(), 8, "{r}");
    assert!(rows.iter().any(|row| row["mode"] == "CMYK") && rows.iter().any(|row| row["mode"] == "L"), "{r}");
    for row in rows {
        assert_eq!(row["max_levels"], 0.0, "{row}");
    }
}

/// Caffe's BVLC AlexNet: BGR, 0–255 minus the mean, 227 crop.
#[test]
fn caffe_preprocessing_is_bgr_at_255() {
    let r = check(
        "alexnet",
        "bvlc",
        &[
            "--crop", "227", "--bgr", "--scale", "255", "--mean", "104.007", "116.669", "122.679", "--std", "1", "1",
            "1",
        ],
    );
    assert_eq!(r["check"]["images"][0]["max_levels"], 0.0, "{r}");
}

/// The photographs calibrate an int8 file; bad images and files without preprocessing are named.
#[test]
fn images_calibrate_and_bad_images_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let cal = dir.path().join("cal");
    std::fs::create_dir_all(&cal).unwrap();
    for f in photos() {
        std::fs::copy(&f, cal.join(f.file_name().unwrap())).unwrap();
    }
    let int8 = dir.path().join("int8.onnx");
    let report = ok(zoo(&["export", "resnet18", "--precision", "int8", "--calibration", p(&cal), "-o", p(&int8)]));
    assert!(report.contains("calibrated on 7 inputs from"), "{report}");
    // On the photographs it was calibrated for, it computes what its fp32 reference does (the
    // golden noise input is another distribution: `zoo verify` without --inputs fails it).
    let plain = dir.path().join("plain.onnx");
    ok(zoo(&["export", "resnet18", "-o", p(&plain)]));
    let v = json(zoo(&["verify", p(&int8), "--inputs", p(&cal), "--reference", p(&plain), "--json"]));
    assert_eq!(v[0]["pass"], true, "{v}");
    assert!(v[0]["comparisons"].as_array().unwrap().iter().any(|c| c["batch"] == 7), "{v}");

    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    fails_with(zoo(&["run", p(&int8), "--image", p(&broken)]), "cannot decode image");
    fails_with(zoo(&["run", p(&int8), "--image", p(&dir.path().join("none.png"))]), "cannot read image");
    std::fs::copy(&broken, cal.join("broken.png")).unwrap();
    fails_with(
        zoo(&[
            "export",
            "resnet18",
            "--precision",
            "int8",
            "--calibration",
            p(&cal),
            "-o",
            p(&dir.path().join("x.onnx")),
        ]),
        "cannot decode image",
    );
}

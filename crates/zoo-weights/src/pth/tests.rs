use std::path::{Path, PathBuf};

use proptest::prelude::*;
use zoo_graph::ops::{BatchNorm, Conv, Flatten, Linear};
use zoo_graph::{Batch, DType, Init, Net, Opset, Param, ParamKind, Seeded, WeightSource, image};

use super::testutil::*;
use super::*;
use crate::save_safetensors;

/// conv(3→2, 3×3, pad 1) → bn → flatten → fc(32→3), the model of the fixtures.
fn params() -> Vec<Param> {
    let mut net = Net::new("t", Opset::DEFAULT);
    let x = net.input("input", image(Batch::Dynamic, 3, 4, 4)).unwrap();
    let x = net.layer("conv", x, Conv::new(2, 3).pad(1)).unwrap();
    let x = net.layer("bn", x, BatchNorm::new(1e-5)).unwrap();
    let x = net.layer("flatten", x, Flatten).unwrap();
    net.layer("fc", x, Linear::new(3)).unwrap();
    net.params().iter().filter(|p| p.kind != ParamKind::Constant).cloned().collect()
}

fn param(name: &str, dims: &[usize]) -> Param {
    Param {
        name: name.into(),
        dtype: DType::F32,
        dims: dims.to_vec(),
        kind: ParamKind::Weight,
        init: Init::F32(vec![]),
    }
}

fn values(source: &dyn WeightSource, p: &Param) -> Vec<f32> {
    let mut v = vec![0f32; p.numel()];
    source.fill(p, 0, &mut v).unwrap();
    v
}

/// `value(k, i)` of make_pth_fixtures.py.
fn fixture_value(k: usize, i: usize) -> f32 {
    100.0 * k as f32 + i as f32 / 2.0
}

const FIXTURE_ORDER: [&str; 8] =
    ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "fc.weight", "fc.bias"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn open_bytes(name: &str, bytes: Vec<u8>) -> Result<PthFile, LoadError> {
    PthFile::from_bytes(Path::new(name), bytes)
}

fn err_of(r: Result<PthFile, LoadError>) -> String {
    r.expect_err("must fail").to_string()
}

/// Checks every parameter of the fixture model against `value(k, i)`, whole and in chunks.
fn check_fixture_values(bound: &dyn WeightSource) {
    let ps = params();
    assert_eq!(ps.len(), FIXTURE_ORDER.len());
    for p in &ps {
        let k = FIXTURE_ORDER.iter().position(|n| *n == p.name).unwrap_or_else(|| panic!("{}", p.name));
        let want: Vec<f32> = (0..p.numel()).map(|i| fixture_value(k, i)).collect();
        assert_eq!(values(bound, p), want, "{}", p.name);
        // Chunks at odd offsets agree (fc.weight is transposed: the gather path).
        for (offset, len) in [(0, 1), (1, 2), (5, 7), (p.numel() - 1, 1)] {
            if offset + len <= p.numel() {
                let mut part = vec![0f32; len];
                bound.fill(p, offset, &mut part).unwrap();
                assert_eq!(part, want[offset..offset + len], "{} @{offset}", p.name);
            }
        }
        let mut too_far = vec![0f32; 2];
        assert!(bound.fill(p, p.numel() - 1, &mut too_far).is_err());
    }
}

#[test]
fn python_written_fixtures_bind_in_both_formats() {
    for (file, format) in [
        ("zip_f32.pth", PthFormat::Zip),
        ("legacy_f32.pth", PthFormat::Legacy),
        ("zip_f16_wrapped.pth", PthFormat::Zip),
        ("legacy_f16_wrapped.pth", PthFormat::Legacy),
    ] {
        let f = PthFile::open(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(f.format(), format, "{file}");
        let listed: Vec<(String, PthDtype, Vec<usize>)> =
            f.tensors().map(|(n, d, s)| (n.to_string(), d, s.to_vec())).collect();
        assert_eq!(listed.len(), 9, "{file}: {listed:?}");
        assert_eq!(listed[6], ("bn.num_batches_tracked".into(), PthDtype::I64, vec![]), "{file}");
        let float = if file.contains("f16") { PthDtype::F16 } else { PthDtype::F32 };
        assert_eq!(listed[0], ("conv.weight".into(), float, vec![2, 3, 3, 3]), "{file}");
        let bound = WeightsFile::open(&fixture(file)).unwrap().bind(&params()).unwrap();
        check_fixture_values(&bound);
        assert_eq!(bound.claimed_sha256(), None);
        let d = bound.describe();
        assert_eq!(d[0], ("weights.source".into(), "file".into()));
        assert_eq!(d[1], ("weights.file".into(), file.into()));
        assert_eq!(d[2].1, bound.file_sha256());
        assert_eq!(bound.file_sha256().len(), 64);
    }
}

/// Simple contiguous F32 tensors `name → value(k, i)`, with `dtype` storage bytes.
fn simple(
    specs: &[(&str, &[usize])],
    storage: &'static str,
    enc: fn(&[f32]) -> Vec<u8>,
) -> (Vec<Spec>, Vec<(String, Vec<u8>)>) {
    let mut out = Vec::new();
    let mut data = Vec::new();
    for (k, (name, shape)) in specs.iter().enumerate() {
        let s = Spec::contiguous(name, storage, &k.to_string(), shape);
        let v: Vec<f32> = (0..s.numel).map(|i| fixture_value(k, i)).collect();
        data.push((s.key.clone(), enc(&v)));
        out.push(s);
    }
    (out, data)
}

fn zip_of(specs: &[Spec], data: &[(String, Vec<u8>)]) -> Vec<u8> {
    let pkl = state_dict(specs, Layout::Zip);
    let storages: Vec<(&str, Vec<u8>)> = data.iter().map(|(k, d)| (k.as_str(), d.clone())).collect();
    zip_file("archive", &pkl, &storages, Some(b"little"))
}

fn legacy_of(specs: &[Spec], data: &[(String, Vec<u8>)]) -> Vec<u8> {
    let pkl = state_dict(specs, Layout::Legacy);
    let storages: Vec<(&str, u64, Vec<u8>)> = data
        .iter()
        .map(|(k, d)| {
            let s = specs.iter().find(|s| &s.key == k).unwrap();
            (k.as_str(), s.numel as u64, d.clone())
        })
        .collect();
    legacy_file(&pkl, &storages)
}

fn fixture_specs() -> Vec<(&'static str, Vec<usize>)> {
    params().iter().map(|p| (FIXTURE_ORDER.iter().find(|n| **n == p.name).copied().unwrap(), p.dims.clone())).collect()
}

#[test]
fn rust_built_round_trips_every_float_dtype_in_both_formats() {
    let shapes = fixture_specs();
    let shapes: Vec<(&str, &[usize])> = shapes.iter().map(|(n, s)| (*n, s.as_slice())).collect();
    type Encoding = (&'static str, fn(&[f32]) -> Vec<u8>, PthDtype);
    let encs: [Encoding; 4] = [
        ("FloatStorage", f32_bytes, PthDtype::F32),
        ("HalfStorage", f16_bytes, PthDtype::F16),
        ("BFloat16Storage", bf16_bytes, PthDtype::BF16),
        ("DoubleStorage", f64_bytes, PthDtype::F64),
    ];
    for (storage, enc, dtype) in encs {
        let (specs, data) = simple(&shapes, storage, enc);
        for (format, bytes) in [(PthFormat::Zip, zip_of(&specs, &data)), (PthFormat::Legacy, legacy_of(&specs, &data))]
        {
            let f = open_bytes("w.pth", bytes).unwrap_or_else(|e| panic!("{storage} {format:?}: {e}"));
            assert_eq!(f.format(), format);
            assert!(f.tensors().all(|(_, d, _)| d == dtype));
            if dtype == PthDtype::BF16 {
                // bf16 keeps 8 bits: 100 k + i/2 is exact only for small values; compare to the rounding.
                let bound = f.bind(&params()).unwrap();
                let p = &params()[0];
                let want: Vec<f32> =
                    (0..p.numel()).map(|i| half::bf16::from_f32(fixture_value(0, i)).to_f32()).collect();
                assert_eq!(values(&bound, p), want);
            } else {
                check_fixture_values(&f.bind(&params()).unwrap());
            }
        }
    }
}

#[test]
fn zip_storages_are_ranges_of_the_file_buffer() {
    let shapes = fixture_specs();
    let shapes: Vec<(&str, &[usize])> = shapes.iter().map(|(n, s)| (*n, s.as_slice())).collect();
    let (specs, data) = simple(&shapes, "FloatStorage", f32_bytes);
    let f = open_bytes("w.pth", zip_of(&specs, &data)).unwrap();
    assert!(f.storages.iter().all(|s| matches!(s, StorageData::File { .. })));
    // A re-zipped (deflated) file still reads.
    let pkl = state_dict(&specs, Layout::Zip);
    let storages: Vec<(&str, Vec<u8>)> = data.iter().map(|(k, d)| (k.as_str(), d.clone())).collect();
    let deflated = zip_file_with("archive", &pkl, &storages, Some(b"little"), zip::CompressionMethod::Deflated);
    let f = open_bytes("w.pth", deflated).unwrap();
    assert!(f.storages.iter().any(|s| matches!(s, StorageData::Owned(_))));
    check_fixture_values(&f.bind(&params()).unwrap());
}

#[test]
fn shared_storage_offsets_and_transposed_views() {
    // One storage of 12 floats 0..12: `a` = rows 1..3 of a [4, 3] matrix (offset 3), `b` its
    // transpose seen through strides, `c` a column (stride 3), `d` a broadcast (stride 0).
    let base: Vec<f32> = (0..12).map(|i| i as f32).collect();
    let mk = |name: &str, offset, shape: &[usize], stride: &[usize]| Spec {
        name: name.into(),
        storage: "FloatStorage",
        key: "0".into(),
        numel: 12,
        offset,
        shape: shape.to_vec(),
        stride: stride.to_vec(),
    };
    let specs = vec![
        mk("a", 3, &[3, 3], &[3, 1]),
        mk("b", 0, &[3, 4], &[1, 3]),
        mk("c", 1, &[4], &[3]),
        mk("d", 5, &[2, 3], &[0, 1]),
        mk("e", 11, &[1, 1], &[7, 9]),
    ];
    let data = vec![("0".to_string(), f32_bytes(&base))];
    let ps = vec![param("a", &[3, 3]), param("b", &[3, 4]), param("c", &[4]), param("d", &[2, 3]), param("e", &[1, 1])];
    for bytes in [zip_of(&specs, &data), legacy_of(&specs, &data)] {
        let bound = open_bytes("w.pth", bytes).unwrap().bind(&ps).unwrap();
        assert_eq!(values(&bound, &ps[0]), [3., 4., 5., 6., 7., 8., 9., 10., 11.]);
        assert_eq!(values(&bound, &ps[1]), [0., 3., 6., 9., 1., 4., 7., 10., 2., 5., 8., 11.]);
        assert_eq!(values(&bound, &ps[2]), [1., 4., 7., 10.]);
        assert_eq!(values(&bound, &ps[3]), [5., 6., 7., 5., 6., 7.]);
        assert_eq!(values(&bound, &ps[4]), [11.]);
        let mut part = [0f32; 5];
        bound.fill(&ps[1], 3, &mut part).unwrap();
        assert_eq!(part, [9., 1., 4., 7., 10.]);
    }
}

#[test]
fn batch_norm_counter_is_ignored_and_wrong_dtypes_are_named() {
    let mut specs = vec![Spec::contiguous("bn.weight", "FloatStorage", "0", &[2])];
    specs.push(Spec::contiguous("bn.num_batches_tracked", "LongStorage", "1", &[]));
    let data = vec![("0".to_string(), f32_bytes(&[1.0, 2.0])), ("1".to_string(), 7i64.to_le_bytes().to_vec())];
    let ps = vec![param("bn.weight", &[2])];
    let bound = open_bytes("w.pth", zip_of(&specs, &data)).unwrap().bind(&ps).unwrap();
    assert_eq!(values(&bound, &ps[0]), [1.0, 2.0]);

    // A weight stored as Long is refused at binding, by name.
    let specs = vec![Spec::contiguous("bn.weight", "LongStorage", "0", &[2])];
    let data = vec![("0".to_string(), [1i64, 2].iter().flat_map(|x| x.to_le_bytes()).collect())];
    for bytes in [zip_of(&specs, &data), legacy_of(&specs, &data)] {
        let err = open_bytes("w.pth", bytes).unwrap().bind(&ps).err().unwrap().to_string();
        assert!(err.contains("`bn.weight` is I64"), "{err}");
    }
    // An unknown storage type is not on the allowlist.
    let specs = vec![Spec::contiguous("bn.weight", "QInt8Storage", "0", &[2])];
    let err = err_of(open_bytes("w.pth", zip_of(&specs, &[("0".into(), vec![0; 2])])));
    assert!(err.contains("the global torch.QInt8Storage"), "{err}");
}

#[test]
fn data_parallel_prefix_and_wrappers() {
    let ps = vec![param("fc.weight", &[2]), param("fc.bias", &[1])];
    let data = vec![("0".to_string(), f32_bytes(&[1.0, 2.0])), ("1".to_string(), f32_bytes(&[3.0]))];
    let specs = |a: &str, b: &str| {
        vec![Spec::contiguous(a, "FloatStorage", "0", &[2]), Spec::contiguous(b, "FloatStorage", "1", &[1])]
    };
    // All keys prefixed: stripped.
    let s = specs("module.fc.weight", "module.fc.bias");
    let bound = open_bytes("w.pth", zip_of(&s, &data)).unwrap().bind(&ps).unwrap();
    assert_eq!(values(&bound, &ps[1]), [3.0]);
    // Only some: kept, so binding names what is missing.
    let s = specs("module.fc.weight", "fc.bias");
    let err = open_bytes("w.pth", legacy_of(&s, &data)).unwrap().bind(&ps).err().unwrap().to_string();
    assert!(err.contains("lacks 1 tensor(s) the model needs: fc.weight"), "{err}");

    // {"model": sd} and {"epoch": 3, "state_dict": sd, "optimizer": {...}} in both formats.
    let s = specs("fc.weight", "fc.bias");
    for (layout, wrapper) in [(Layout::Zip, "model"), (Layout::Legacy, "state_dict")] {
        let mut p = P::new();
        p.op(b'}').put().mark().str("epoch").int(3).str("optimizer").op(b'}').put().mark();
        p.str("lr").raw(b"G?\xb9\x99\x99\x99\x99\x99\x9a").int(5).op(b']').put().mark().int(1).int(2).op(b'e');
        p.op(b'u').str(wrapper);
        state_dict_body(&mut p, &s, layout);
        p.op(b'u');
        let pkl = p.stop();
        let bytes = match layout {
            Layout::Zip => zip_file("x", &pkl, &[("0", data[0].1.clone()), ("1", data[1].1.clone())], Some(b"little")),
            Layout::Legacy => legacy_file(&pkl, &[("0", 2, data[0].1.clone()), ("1", 1, data[1].1.clone())]),
        };
        let bound = open_bytes("w.pth", bytes).unwrap().bind(&ps).unwrap();
        assert_eq!(values(&bound, &ps[0]), [1.0, 2.0]);
    }

    // A dict that is not a state_dict is described.
    let mut p = P::new();
    p.op(b'}').put().mark().str("epoch").int(3).str("acc").raw(b"G?\xe0\x00\x00\x00\x00\x00\x00").op(b'u');
    let err = err_of(open_bytes("w.pth", zip_file("x", &p.stop(), &[], None)));
    assert!(err.contains("'epoch': an int, 'acc': a float") && err.contains("not a state_dict"), "{err}");
}

#[test]
fn python2_era_legacy_pickles() {
    // torch 0.3 under Python 2: OrderedDict([[key, value], ...]) with SHORT_BINSTRING keys,
    // `_rebuild_tensor(storage, offset, size, stride)`; and torch 0.4's `None` hooks.
    let w = Spec::contiguous("conv.weight", "FloatStorage", "140001", &[2, 2]);
    let b = Spec::contiguous("conv.bias", "FloatStorage", "140002", &[2]);
    let mut p = P::new();
    p.global("collections", "OrderedDict").op(b']').put().mark();
    for (s, v2) in [(&w, false), (&b, true)] {
        p.op(b']').put().mark().py2str(&s.name);
        if v2 {
            p.global("torch._utils", "_rebuild_tensor_v2").mark();
        } else {
            p.global("torch._utils", "_rebuild_tensor").mark();
        }
        p.mark().py2str("storage").global("torch", "FloatStorage").py2str(&s.key).py2str("cpu").int(s.numel as i64);
        p.op(b'N').tuple().op(b'Q').int(0).int_tuple(&s.shape).int_tuple(&s.stride);
        if v2 {
            p.op(0x89).op(b'N');
        }
        p.tuple().op(b'R').put().op(b'e');
    }
    p.op(b'e').op(0x85).put().op(b'R').put();
    let pkl = p.stop();
    let bytes =
        legacy_file(&pkl, &[("140001", 4, f32_bytes(&[1.0, 2.0, 3.0, 4.0])), ("140002", 2, f32_bytes(&[5.0, 6.0]))]);
    let ps = vec![param("conv.weight", &[2, 2]), param("conv.bias", &[2])];
    let bound = open_bytes("w.pth", bytes).unwrap().bind(&ps).unwrap();
    assert_eq!(values(&bound, &ps[0]), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(values(&bound, &ps[1]), [5.0, 6.0]);
}

#[test]
fn torch01_tensors_pickled_with_newobj_and_build() {
    // torch < 0.2 pickled a tensor as `torch.FloatTensor.__new__()` then BUILD with its
    // `set_` arguments; a tensor under two keys is the same object (BINGET).
    let mut p = P::new();
    p.ordered_dict().mark().str("a");
    p.global("torch", "FloatTensor").op(b')').op(0x81).put();
    let built_at = p.b.len() - 2;
    p.mark();
    p.mark().str("storage").global("torch", "FloatStorage").str("k").str("cpu").int(3).op(b'N').tuple().op(b'Q');
    p.int(1).int_tuple(&[2]).int_tuple(&[1]).tuple().op(b'b');
    let slot = p.b[built_at + 1];
    p.str("b").raw(&[b'h', slot]).op(b'u');
    let pkl = p.stop();
    let bytes = legacy_file(&pkl, &[("k", 3, f32_bytes(&[1.0, 2.0, 3.0]))]);
    let ps = vec![param("a", &[2]), param("b", &[2])];
    let bound = open_bytes("w.pth", bytes).unwrap().bind(&ps).unwrap();
    assert_eq!(values(&bound, &ps[0]), [2.0, 3.0]);
    assert_eq!(values(&bound, &ps[1]), [2.0, 3.0]);

    // A tensor class on the wrong storage, or a tensor never built.
    let at = pkl.windows(11).position(|w| w == b"FloatTensor").unwrap();
    let wrong = [&pkl[..at], b"HalfTensor", &pkl[at + 11..]].concat();
    let err = err_of(open_bytes("w.pth", legacy_file(&wrong, &[("k", 3, f32_bytes(&[1.0, 2.0, 3.0]))])));
    assert!(err.contains("a torch.HalfTensor on a FloatStorage"), "{err}");
    let err = err_of(with_pickle(b"\x80\x02}X\x01\x00\x00\x00actorch\nFloatTensor\n)\x81s.".to_vec()));
    assert!(err.contains("'a': a tensor without its data"), "{err}");
}

#[test]
fn legacy_files_in_other_pickle_protocols() {
    // `torch.save(sd, f, _use_new_zipfile_serialization=False, pickle_protocol=4)`: every
    // pickle is framed; the magic number is found after the FRAME.
    let (specs, data) = simple(&[("w", &[2])], "FloatStorage", f32_bytes);
    let frame = |p: &[u8]| {
        let body = &p[2..];
        let mut b = vec![0x80, 4, 0x95];
        b.extend_from_slice(&(body.len() as u64).to_le_bytes());
        b.extend_from_slice(body);
        b
    };
    let plain = legacy_file(&state_dict(&specs, Layout::Legacy), &[("0", 2, data[0].1.clone())]);
    // Re-frame the five pickles: split at each STOP that ends one (the header is three).
    let header = legacy_header(true);
    let magic_end = 15;
    let version_end = magic_end + 6;
    let mut b = frame(&header[..magic_end]);
    b.extend(frame(&header[magic_end..version_end]));
    b.extend(frame(&header[version_end..]));
    b.extend_from_slice(&plain[header.len()..]);
    assert!(is_legacy(&b));
    let f = open_bytes("w.pth", b).unwrap();
    assert_eq!(f.format(), PthFormat::Legacy);
    assert!(!is_legacy(b"\x80\x02\x8a\x0a\x00"));
    assert!(!is_legacy(&8u64.to_le_bytes()));
}

#[test]
fn legacy_storage_views() {
    // torch < 0.4 could save a view of a root storage: view_metadata = (view_key, offset, size).
    let mut p = P::new();
    p.ordered_dict().mark().str("v");
    p.global("torch._utils", "_rebuild_tensor_v2").mark();
    p.mark().str("storage").global("torch", "FloatStorage").str("root").str("cpu").int(6);
    p.mark().str("view").int(2).int(3).tuple().tuple().op(b'Q');
    p.int(1).int_tuple(&[2]).int_tuple(&[1]).op(0x89).ordered_dict().tuple().op(b'R').put().op(b'u');
    let bytes = legacy_file(&p.stop(), &[("root", 6, f32_bytes(&[0., 1., 2., 3., 4., 5.]))]);
    let ps = vec![param("v", &[2])];
    let bound = open_bytes("w.pth", bytes).unwrap().bind(&ps).unwrap();
    assert_eq!(values(&bound, &ps[0]), [3.0, 4.0]);
}

#[test]
fn binding_names_missing_extra_and_misshaped_tensors() {
    let shapes = fixture_specs();
    let shapes: Vec<(&str, &[usize])> = shapes.iter().map(|(n, s)| (*n, s.as_slice())).collect();
    let check = |shapes: &[(&str, &[usize])], needle: &str| {
        let (specs, data) = simple(shapes, "FloatStorage", f32_bytes);
        let err = open_bytes("w.pth", zip_of(&specs, &data)).unwrap().bind(&params()).err().unwrap().to_string();
        assert!(err.contains(needle), "{err}");
    };
    check(&shapes[1..], "lacks 1 tensor(s) the model needs: conv.weight");
    let mut extra = shapes.clone();
    extra.push(("head.weight", &[1]));
    check(&extra, "has 1 tensor(s) the model does not use: head.weight");
    let mut shaped = shapes.clone();
    shaped[0] = ("conv.weight", &[2, 3, 9]);
    check(&shaped, "`conv.weight` has shape [2, 3, 9], the model needs [2, 3, 3, 3]");
}

#[test]
fn byte_ranges_beyond_the_storage_are_refused_by_name() {
    let data = vec![("0".to_string(), f32_bytes(&[0.0; 4]))];
    let mut s = Spec::contiguous("w", "FloatStorage", "0", &[2, 2]);
    s.offset = 1;
    for bytes in [zip_of(std::slice::from_ref(&s), &data), legacy_of(std::slice::from_ref(&s), &data)] {
        let err = err_of(open_bytes("w.pth", bytes));
        assert!(err.contains("`w`: shape [2, 2] with stride [2, 1] from element 1 reaches element 4"), "{err}");
        assert!(err.contains("storage '0', which has 4 elements of F32 (16 bytes)"), "{err}");
    }
    // A stride that walks off the end.
    let mut s = Spec::contiguous("w", "FloatStorage", "0", &[2, 2]);
    s.stride = vec![3, 1];
    assert!(err_of(open_bytes("w.pth", zip_of(&[s], &data))).contains("reaches element 4"));
    // A storage record shorter than its declared elements.
    let s = Spec::contiguous("w", "FloatStorage", "0", &[2, 2]);
    let short = vec![("0".to_string(), f32_bytes(&[0.0; 3]))];
    let err = err_of(open_bytes("w.pth", zip_of(std::slice::from_ref(&s), &short)));
    assert!(err.contains("has 12 bytes; the pickle declares 16"), "{err}");
    let err = err_of(open_bytes(
        "w.pth",
        legacy_file(&state_dict(std::slice::from_ref(&s), Layout::Legacy), &[("0", 3, f32_bytes(&[0.0; 3]))]),
    ));
    assert!(err.contains("holds 3 elements; the pickle declares 4 of F32"), "{err}");
    // Storage missing from the archive, or from the legacy key list.
    let err = err_of(open_bytes("w.pth", zip_of(std::slice::from_ref(&s), &[])));
    assert!(err.contains("storage '0' (archive/data/0) is missing"), "{err}");
    let err = err_of(open_bytes("w.pth", legacy_file(&state_dict(std::slice::from_ref(&s), Layout::Legacy), &[])));
    assert!(err.contains("storage '0' is used by a tensor but its data is not in the file"), "{err}");
    // Huge declared sizes.
    let mut s = Spec::contiguous("w", "FloatStorage", "0", &[2]);
    s.numel = 1 << 62;
    let err = err_of(open_bytes("w.pth", zip_of(&[s], &data)));
    assert!(err.contains("declares 4611686018427387904 elements: too large"), "{err}");
    let s =
        Spec { shape: vec![1 << 40, 1 << 40], stride: vec![0, 0], ..Spec::contiguous("w", "FloatStorage", "0", &[4]) };
    let err = err_of(open_bytes("w.pth", zip_of(&[s], &data)));
    assert!(err.contains("too many elements"), "{err}");
}

#[test]
fn truncated_files_fail_cleanly_at_every_length() {
    for name in ["zip_f32.pth", "legacy_f32.pth", "zip_f16_wrapped.pth", "legacy_f16_wrapped.pth"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for len in 0..bytes.len() {
            let r = open_bytes("w.pth", bytes[..len].to_vec());
            assert!(r.is_err(), "{name} cut at {len} was accepted");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        if name.starts_with("legacy") {
            let err = err_of(open_bytes("w.pth", longer));
            assert!(err.contains("1 bytes after the last storage"), "{err}");
        }
    }
    let bytes = std::fs::read(fixture("legacy_f32.pth")).unwrap();
    let err = err_of(open_bytes("w.pth", bytes[..bytes.len() - 10].to_vec()));
    assert!(err.contains("truncated: storage"), "{err}");
}

#[test]
fn corrupted_zip_storage_fails_its_crc() {
    let mut bytes = std::fs::read(fixture("zip_f32.pth")).unwrap();
    // The first storage holds conv.weight: 0.0, 0.5, 1.0, …; flip a byte of 1.0 (0x3f800000).
    let at = bytes.windows(4).position(|w| w == 1.0f32.to_le_bytes()).unwrap();
    bytes[at + 3] ^= 0x40;
    let err = err_of(open_bytes("w.pth", bytes));
    assert!(err.contains("CRC-32") && err.contains("corrupt"), "{err}");
}

#[test]
fn byteorder_record() {
    let (specs, data) = simple(&[("w", &[2])], "FloatStorage", f32_bytes);
    let pkl = state_dict(&specs, Layout::Zip);
    let storages = [("0", data[0].1.clone())];
    assert!(open_bytes("w.pth", zip_file("a", &pkl, &storages, None)).is_ok());
    let err = err_of(open_bytes("w.pth", zip_file("a", &pkl, &storages, Some(b"big"))));
    assert!(err.contains("big-endian"), "{err}");
    let err = err_of(open_bytes("w.pth", zip_file("a", &pkl, &storages, Some(b"middle"))));
    assert!(err.contains("unknown byteorder record"), "{err}");
    // Legacy: sys_info says big-endian.
    let mut bytes = legacy_header(false);
    bytes.extend(
        legacy_file(&state_dict(&specs, Layout::Legacy), &[("0", 2, data[0].1.clone())])
            .split_off(legacy_header(true).len()),
    );
    let err = err_of(open_bytes("w.pth", bytes));
    assert!(err.contains("big-endian"), "{err}");
}

/// A zip checkpoint whose data.pkl is `pkl`.
fn with_pickle(pkl: Vec<u8>) -> Result<PthFile, LoadError> {
    open_bytes("w.pth", zip_file("archive", &pkl, &[], Some(b"little")))
}

#[test]
fn forbidden_globals_are_named() {
    for (module, name) in [
        ("os", "system"),
        ("posix", "system"),
        ("builtins", "eval"),
        ("__builtin__", "eval"),
        ("subprocess", "Popen"),
        ("torch", "load"),
        ("torch._utils", "_rebuild_device_tensor_from_numpy"),
        ("torchvision.models.vgg", "VGG"),
    ] {
        // cos\nsystem\n(S'echo pwned'\ntR.  — the classic, with a protocol-2 string.
        let mut p = P::new();
        p.global(module, name).mark().str("echo pwned").tuple().op(b'R');
        let err = with_pickle(p.stop()).err().unwrap();
        assert!(matches!(err, LoadError::Forbidden { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&format!("refused the global {module}.{name} at byte 2 of data.pkl")), "{msg}");
        // STACK_GLOBAL (protocol 4) too.
        let mut p = P::bare();
        p.raw(&[0x80, 4]).raw(&[0x8c, module.len() as u8]).raw(module.as_bytes());
        p.raw(&[0x8c, name.len() as u8]).raw(name.as_bytes()).op(0x93).op(b')').op(b'R');
        let msg = with_pickle(p.stop()).err().unwrap().to_string();
        assert!(msg.contains(&format!("the global {module}.{name}")), "{msg}");
    }
    // In the legacy format's main pickle.
    let mut p = P::new();
    p.global("os", "system").mark().str("x").tuple().op(b'R');
    let err = err_of(open_bytes("w.pth", legacy_file(&p.stop(), &[])));
    let at = legacy_header(true).len() + 2;
    assert!(err.contains(&format!("the global os.system at byte {at} of the file (its main pickle)")), "{err}");
}

#[test]
fn forbidden_opcodes_are_named() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"\x80\x02(cos\nsystem\nS'x'\ni.".to_vec(), "the global os.system"),
        (b"\x80\x02(S'x'\ni__builtin__\neval\n.".to_vec(), "STRING"),
        (b"\x80\x02(X\x01\x00\x00\x00xio\nsystem\n.".to_vec(), "INST"),
        (b"\x80\x02(N)o.".to_vec(), "OBJ"),
        (b"\x80\x02N)\x81.".to_vec(), "NEWOBJ"),
        (b"\x80\x02\x82\x01.".to_vec(), "EXT1"),
        (b"\x80\x02\x83\x01\x00.".to_vec(), "EXT2"),
        (b"\x80\x02\x84\x01\x00\x00\x00.".to_vec(), "EXT4"),
        (b"\x80\x02P0\n.".to_vec(), "PERSID"),
        (b"\x80\x02N0N.".to_vec(), "POP"),
        (b"\x80\x02N2.".to_vec(), "DUP"),
        (b"\x80\x02I1\n.".to_vec(), "INT"),
        (b"\x80\x03C\x01x.".to_vec(), "SHORT_BINBYTES"),
        (b"\x80\x04\x8f.".to_vec(), "EMPTY_SET"),
        (b"\x80\x05\x97.".to_vec(), "NEXT_BUFFER"),
        // REDUCE on something not allowlisted: a storage class, a string, a tuple.
        (b"\x80\x02ctorch\nFloatStorage\n)R.".to_vec(), "REDUCE on torch.FloatStorage"),
        (b"\x80\x02ctorch\nFloatTensor\n)R.".to_vec(), "REDUCE on torch.FloatTensor"),
        (
            b"\x80\x02ctorch\nFloatTensor\nK\x01\x85\x81.".to_vec(),
            "NEWOBJ on the global torch.FloatTensor with a tuple of 1",
        ),
        (b"\x80\x02ccollections\nOrderedDict\n)\x81.".to_vec(), "NEWOBJ on the global collections.OrderedDict"),
        (b"\x80\x02X\x01\x00\x00\x00x)R.".to_vec(), "REDUCE on a str"),
        // BUILD that sets something else than an OrderedDict's _metadata.
        (b"\x80\x02}}X\x01\x00\x00\x00xNsb.".to_vec(), "BUILD on a dict"),
        (b"\x80\x02ccollections\nOrderedDict\n)R}X\x0a\x00\x00\x00__reduce__Nsb.".to_vec(), "BUILD on a dict"),
    ];
    for (pkl, needle) in cases {
        let err = with_pickle(pkl.clone()).err().unwrap_or_else(|| panic!("{pkl:?} accepted"));
        let msg = err.to_string();
        assert!(msg.contains(needle), "{pkl:?}: {msg}");
        assert!(matches!(err, LoadError::Forbidden { .. }), "{msg}");
    }
}

#[test]
fn malformed_pickles_are_errors_not_panics() {
    let long_len = |op: u8, n: u64| {
        let mut b = vec![0x80, 4, op];
        if op == 0x8d {
            b.extend_from_slice(&n.to_le_bytes());
        } else {
            b.extend_from_slice(&(n as u32).to_le_bytes());
        }
        b
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "truncated"),
        (b"\x80\x02".to_vec(), "truncated"),
        (b"\x80\x01N.".to_vec(), "pickle protocol 1"),
        (b"\x80\x06N.".to_vec(), "pickle protocol 6"),
        (b"\x80\x02\xff.".to_vec(), "unknown opcode 0xff"),
        (b"\x80\x02.".to_vec(), "STOP with 0 value(s)"),
        (b"\x80\x02NN.".to_vec(), "STOP with 2 value(s)"),
        (b"\x80\x02(N.".to_vec(), "1 open MARK(s)"),
        (b"\x80\x02t.".to_vec(), "no MARK"),
        (b"\x80\x02(\x85.".to_vec(), "stack underflow"),
        (b"\x80\x02h\x05.".to_vec(), "memo entry 5 was never set"),
        (b"\x80\x02Ns.".to_vec(), "stack underflow"),
        (b"\x80\x02NNNs.".to_vec(), "not a dict"),
        (b"\x80\x02}(N.".to_vec(), "open MARK"),
        (b"\x80\x02}(Nu.".to_vec(), "odd number"),
        (b"\x80\x02Na.".to_vec(), "stack underflow"),
        (b"\x80\x02cos\nsystem".to_vec(), "GLOBAL without a newline"),
        (b"\x80\x02\x8a\x11".to_vec(), "integer of 17 bytes"),
        (b"\x80\x02T\xff\xff\xff\xff".to_vec(), "negative length"),
        (long_len(b'X', 0xffff_ffff), "a string of 4294967295 bytes"),
        (long_len(0x8d, 1 << 62), "a string of 4611686018427387904 bytes"),
        (long_len(0x8d, u64::MAX), "a string of 18446744073709551615 bytes"),
        (b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xffN.".to_vec(), "a frame of 18446744073709551615 bytes"),
        (b"\x80\x02X\x02\x00\x00\x00\xff\xfe.".to_vec(), "not UTF-8"),
        (b"\x80\x02N\x93.".to_vec(), "stack underflow"),
        (b"\x80\x02NN\x93.".to_vec(), "STACK_GLOBAL needs two strings"),
        (b"\x80\x02ccollections\nOrderedDict\nNR.".to_vec(), "REDUCE with None as arguments"),
        (b"\x80\x02ccollections\nOrderedDict\nK\x01\x85R.".to_vec(), "OrderedDict expects"),
        (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n)R.".to_vec(), "_rebuild_tensor_v2 with unexpected arguments ()"),
        (b"\x80\x02(X\x07\x00\x00\x00storageNtQ.".to_vec(), "persistent id ('storage', None): has 2 elements"),
        (b"\x80\x02NQ.".to_vec(), "persistent id None: is None, not a tuple"),
        // A container changed after being placed in another, or placed in itself.
        (b"\x80\x02]q\x00]h\x00ah\x00K\x01a.".to_vec(), "changed after being placed"),
        (b"\x80\x02]q\x00h\x00a.".to_vec(), "placed inside itself"),
        (b"\x80\x02}q\x00K\x01h\x00s.".to_vec(), "placed inside itself"),
        // data.pkl continues past STOP.
        (b"\x80\x02}.N".to_vec(), "1 bytes after the pickle's STOP"),
    ];
    for (pkl, needle) in cases {
        let err = with_pickle(pkl.clone()).err().unwrap_or_else(|| panic!("{pkl:?} accepted"));
        let msg = err.to_string();
        assert!(msg.contains(needle), "{pkl:?}: {msg}");
        assert!(matches!(err, LoadError::Checkpoint { .. } | LoadError::Forbidden { .. }), "{msg}");
    }
}

#[test]
fn deep_and_huge_structures_hit_limits() {
    // 100k nested MARKs.
    let mut b = vec![0x80, 2];
    b.extend(std::iter::repeat_n(b'(', 100_000));
    b.push(b'.');
    assert!(err_of(with_pickle(b)).contains("more than 256 nested MARKs"));
    // 100k EMPTY_LISTs then APPENDs: nesting 100k deep.
    let mut b = vec![0x80, 2];
    b.extend(std::iter::repeat_n(b']', 100_000));
    b.extend(std::iter::repeat_n(b'a', 99_999));
    b.push(b'.');
    assert!(err_of(with_pickle(b)).contains("nested more than 100 deep"));
    // The same depth through the memo: each new tuple holds the previous one.
    let mut b = vec![0x80, 2, b']', b'q', 0];
    for _ in 0..100_000 {
        b.extend_from_slice(b"h\x00\x85q\x00");
    }
    b.push(b'.');
    assert!(err_of(with_pickle(b)).contains("nested more than 100 deep"));
    // 2 million values on the stack.
    let mut b = vec![0x80, 2];
    b.extend(std::iter::repeat_n(b'N', 2_000_000));
    assert!(err_of(with_pickle(b)).contains("values on the stack"));
    // Millions of opcodes (each memo slot rewritten: no growth, just work).
    let mut b = vec![0x80, 2, b'N'];
    for _ in 0..5_000_000 {
        b.extend_from_slice(b"q\x00");
    }
    assert!(err_of(with_pickle(b)).contains("opcodes"));
    // A million memo entries.
    let mut b = vec![0x80, 2, b'N'];
    for i in 0..1_100_000u32 {
        b.push(b'r');
        b.extend_from_slice(&i.to_le_bytes());
    }
    assert!(err_of(with_pickle(b)).contains("memo entries"));
    // A million references to one big string cost pointers, not copies (and the answer is
    // "not a state_dict", quickly).
    let mut b = vec![0x80, 2, b'X'];
    b.extend_from_slice(&(1u32 << 20).to_le_bytes());
    b.extend(std::iter::repeat_n(b'a', 1 << 20));
    b.extend_from_slice(b"q\x00](");
    b.extend(std::iter::repeat_n(*b"h\x00", 500_000).flatten());
    b.extend_from_slice(b"e.");
    assert!(err_of(with_pickle(b)).contains("STOP with 2 value(s)"));
}

#[test]
fn not_checkpoints() {
    let err = err_of(open_bytes("w.pth", b"hello".to_vec()));
    assert!(err.contains("neither a zip archive"), "{err}");
    let err = err_of(open_bytes("w.pth", b"\x80\x02}.".to_vec()));
    assert!(err.contains("no torch magic number"), "{err}");
    let mut tar = vec![0u8; 1024];
    tar[257..262].copy_from_slice(b"ustar");
    assert!(err_of(open_bytes("w.pth", tar)).contains("tar archive"));
    // A zip that is not torch's.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
    let err = err_of(open_bytes("w.pth", w.finish().unwrap().into_inner()));
    assert!(err.contains("no <name>/data.pkl"), "{err}");
    // Legacy with a wrong protocol version.
    let mut b = legacy_header(true);
    let at = b.windows(3).position(|w| w == b"M\xe9\x03").unwrap();
    b[at + 1] = 0xea;
    assert!(err_of(open_bytes("w.pth", b)).contains("protocol version 1002"));
}

#[test]
fn published_names_must_match_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("zip_f32.pth")).unwrap();
    let sha = zoo_graph::write::hex(&Sha256::digest(&bytes));
    let bad = dir.path().join("x-deadbeef.pth");
    std::fs::write(&bad, &bytes).unwrap();
    let err = PthFile::open(&bad).err().unwrap();
    let msg = err.to_string();
    assert!(matches!(err, LoadError::PublishedName { .. }), "{msg}");
    assert!(msg.contains("starts with deadbeef") && msg.contains(&sha), "{msg}");
    assert!(WeightsFile::open(&bad).is_err());
    let good = dir.path().join(format!("resnet50-{}.pth", &sha[..8]));
    std::fs::write(&good, &bytes).unwrap();
    assert!(PthFile::open(&good).is_ok());
    // Names that are not `-<8 lowercase hex>.pth` are not checked.
    for name in
        ["x-deadbee.pth", "x-deadbeef0.pth", "x-DEADBEEF.pth", "deadbeef.pth", "x-deadbeef.pt", "x_deadbeef.pth"]
    {
        assert!(check_published_name(Path::new(name), &sha).is_ok(), "{name}");
    }
    assert!(check_published_name(Path::new("/a/b/vgg16-397923af.pth"), "397923afxxxx").is_ok());
    assert!(check_published_name(Path::new("/a/b/vgg16-397923af.pth"), "397923aexxxx").is_err());
}

#[test]
fn open_weights_chooses_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let ps = params();
    // safetensors, as today (even named .pth).
    let st = dir.path().join("w.pth");
    let sha = save_safetensors(&st, &ps, &Seeded { seed: 3 }, Default::default()).unwrap();
    let bound = open_weights(&st).unwrap().bind(&ps).unwrap();
    assert!(matches!(bound, BoundWeights::Safetensors(_)));
    assert_eq!(bound.claimed_sha256(), Some(sha.as_str()));
    assert_eq!(values(&bound, &ps[0]), values(&Seeded { seed: 3 }, &ps[0]));
    // torch files, whatever their extension.
    for (src, name) in [("zip_f32.pth", "a.safetensors"), ("legacy_f32.pth", "b.bin")] {
        let path = dir.path().join(name);
        std::fs::copy(fixture(src), &path).unwrap();
        let f = open_weights(&path).unwrap();
        assert!(matches!(f, WeightsFile::Pth(_)));
        assert_eq!(f.sha256().len(), 64);
        check_fixture_values(&f.bind(&ps).unwrap());
    }
    let err = open_weights(&dir.path().join("missing.pth")).err().unwrap().to_string();
    assert!(err.contains("cannot read"), "{err}");
}

proptest! {
    // 256 cases each; PROPTEST_CASES=N for more.
    /// Random byte edits of valid files: Ok or Err, never a panic.
    #[test]
    fn mutated_files_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let name = ["zip_f32.pth", "legacy_f32.pth", "zip_f16_wrapped.pth", "legacy_f16_wrapped.pth"][which];
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        for (at, v) in edits {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(f) = open_bytes("w.pth", bytes) {
            // Whatever was accepted can be streamed without panicking.
            if let Ok(bound) = f.bind(&params()) {
                for p in params() {
                    let mut v = vec![0f32; p.numel()];
                    let _ = bound.fill(&p, 0, &mut v);
                }
            }
        }
    }

    /// Random edits confined to a zip file's data.pkl (the part an attacker controls most):
    /// never a panic.
    #[test]
    fn mutated_pickles_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let bytes = std::fs::read(fixture("zip_f32.pth")).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut pkl = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name("zip_f32/data.pkl").unwrap(), &mut pkl).unwrap();
        for (at, v) in edits {
            let i = at.index(pkl.len());
            pkl[i] = v;
        }
        let _ = with_pickle(pkl);
    }
}

/// Manual check on a real-sized file: `ZOO_PTH_BENCH=vgg16-397923af.pth cargo test -p
/// zoo-weights --release -- --ignored large_checkpoint` (with `/usr/bin/time -v` for the peak).
#[test]
#[ignore]
fn large_checkpoint_streams_with_one_copy() {
    let Some(path) = std::env::var_os("ZOO_PTH_BENCH") else { return };
    let t = std::time::Instant::now();
    let f = PthFile::open(Path::new(&path)).unwrap();
    let opened = t.elapsed();
    let ps: Vec<Param> = f.tensors().filter(|(n, _, _)| !crate::ignored(n)).map(|(n, _, s)| param(n, s)).collect();
    let bound = f.bind(&ps).unwrap();
    let mut chunk = vec![0f32; 1 << 20];
    let mut sum = 0f64;
    for p in &ps {
        let mut off = 0;
        while off < p.numel() {
            let n = chunk.len().min(p.numel() - off);
            bound.fill(p, off, &mut chunk[..n]).unwrap();
            sum += chunk[..n].iter().map(|x| f64::from(*x)).sum::<f64>();
            off += n;
        }
    }
    eprintln!("{path:?}: open {opened:?}, open + stream {:?}, {} tensors, checksum {sum}", t.elapsed(), ps.len());
}

/// A valid one-tensor checkpoint, and its pickle and storages for variations.
fn one_tensor_zip() -> Vec<u8> {
    let (specs, data) = simple(&[("w", &[2])], "FloatStorage", f32_bytes);
    let pkl = state_dict(&specs, Layout::Zip);
    zip_file("a", &pkl, &[("0", data[0].1.clone())], None)
}

fn replace_first(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + to.len()].copy_from_slice(to);
}

/// What torch.jit.save writes (`constants.pkl`, `code/`) is refused by name, before any pickle
/// is read (the path of CVE-2025-32434).
#[test]
fn torchscript_archives_are_refused_by_name() {
    use std::io::Write;
    let (specs, _) = simple(&[("w", &[2])], "FloatStorage", f32_bytes);
    let pkl = state_dict(&specs, Layout::Zip);
    for extra in ["constants.pkl", "code/__torch__/model.py"] {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, data) in [("data.pkl", pkl.as_slice()), (extra, b"x".as_slice()), ("version", b"3\n")] {
            w.start_file(format!("a/{name}"), opts).unwrap();
            w.write_all(data).unwrap();
        }
        let err = err_of(open_bytes("m.pt", w.finish().unwrap().into_inner()));
        assert!(err.contains("TorchScript archive") && err.contains(extra) && err.contains("state_dict()"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}

/// Two entries of one name: the central directory counts more entries than names. Built as
/// `a/data.pkx` beside `a/data.pkl`, then renamed in its local header and directory entry.
#[test]
fn repeated_entry_names_are_refused() {
    use std::io::Write;
    let (specs, data) = simple(&[("w", &[2])], "FloatStorage", f32_bytes);
    let pkl = state_dict(&specs, Layout::Zip);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, d) in [("data.pkl", pkl.as_slice()), ("data/0", data[0].1.as_slice()), ("data.pkx", pkl.as_slice())] {
        w.start_file(format!("a/{name}"), opts).unwrap();
        w.write_all(d).unwrap();
    }
    let mut bytes = w.finish().unwrap().into_inner();
    assert!(open_bytes("w.pth", bytes.clone()).is_ok());
    while let Some(at) = bytes.windows(10).position(|w| w == b"a/data.pkx") {
        bytes[at..at + 10].copy_from_slice(b"a/data.pkl");
    }
    let err = err_of(open_bytes("w.pth", bytes));
    assert!(err.contains("an entry name is repeated"), "{err}");
}

/// A local header that says something else than the central directory: refused, named.
#[test]
fn local_headers_must_agree_with_the_directory() {
    // The first occurrence of a name is its local header (the central directory comes last).
    let mut bytes = one_tensor_zip();
    replace_first(&mut bytes, b"a/version", b"a/versioX");
    let err = err_of(open_bytes("w.pth", bytes));
    assert!(err.contains("zip entry a/version") && err.contains("disagree on the name"), "{err}");
    // The local CRC-32 of the first entry (bytes 14..18 of the file's first header).
    let mut bytes = one_tensor_zip();
    bytes[14] ^= 0xff;
    let err = err_of(open_bytes("w.pth", bytes));
    assert!(err.contains("zip entry a/data.pkl") && err.contains("disagree on the CRC-32"), "{err}");
}

/// A zip bomb: a re-zipped storage of 96 MiB of zeros deflates to about 100 kB; inflating it
/// would cost far more than the file's size, and it is refused before a byte is inflated. Just
/// inside the budget (four times the file plus 64 MiB), the same kind of record still reads.
#[test]
fn decompression_past_the_budget_is_refused() {
    let bomb = |numel: usize| {
        let spec = Spec::contiguous("w", "FloatStorage", "0", &[numel]);
        let pkl = state_dict(std::slice::from_ref(&spec), Layout::Zip);
        let storage = vec![("0", vec![0u8; numel * 4])];
        zip_file_with("archive", &pkl, &storage, Some(b"little"), zip::CompressionMethod::Deflated)
    };
    let big = bomb(24 << 20);
    assert!(big.len() < 1 << 20, "{} bytes", big.len());
    let e = err_of(open_bytes("bomb.pth", big));
    assert!(e.contains("archive/data/0: 100663296 bytes to decompress, more than zoo allows for this file"), "{e}");
    let f = open_bytes("fits.pth", bomb(8 << 20)).unwrap();
    assert!(matches!(f.storages[0], StorageData::Owned(ref v) if v.len() == 32 << 20));
}

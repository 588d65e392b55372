//! `zoo run MODEL --inputs input_0.pb` and `--calibration DIR` of `.pb` files: one serialized
//! TensorProto, as the ONNX Model Zoo's test data stores it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(zoo_runtime::pb::decode_tensor(data));
});

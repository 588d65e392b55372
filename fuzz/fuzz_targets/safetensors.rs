//! `zoo export MODEL --weights FILE.safetensors`: the header, the binding by name, shape and
//! dtype, and the streaming of every value (see `zoo_fuzz::export_with_weights`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zoo_fuzz::export_with_weights("weights.safetensors", data));

//! `zoo export MODEL --weights FILE.pth`: PyTorch checkpoints, zip (torch ≥ 1.6) and legacy
//! (torch < 1.6) containers, the pickle decoder, the state_dict's tensors, binding and
//! streaming (see `zoo_fuzz::export_with_weights`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| zoo_fuzz::export_with_weights("weights.pth", data));

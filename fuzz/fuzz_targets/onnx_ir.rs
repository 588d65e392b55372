//! `zoo compile FILE.onnx -o OUT --optimize --precision fp16`: the entry-count bound, decoding,
//! the ONNX→IR reader (ops, tensors, external data, shape chains, shape inference), the
//! passes, and the streaming writer (into memory).
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use zoo_graph::ir::read::read_model_report;
use zoo_graph::passes::{self, Pass, ToFp16};
use zoo_graph::weights::NoWeights;
use zoo_proto::ModelProto;

fuzz_target!(|data: &[u8]| {
    if zoo_graph::wire_limits::check(data).is_err() {
        return;
    }
    // compile decodes from `Bytes`, so that big tensors stay slices of the file's buffer.
    let Ok(proto) = ModelProto::decode(prost::bytes::Bytes::copy_from_slice(data)) else { return };
    let Ok((mut graph, _)) = read_model_report(proto, Some(zoo_fuzz::model_dir())) else { return };
    let mut chosen: Vec<Box<dyn Pass>> = passes::optimize();
    chosen.push(Box::new(ToFp16 { io_fp16: false }));
    if passes::run(&mut graph, &chosen, &NoWeights).is_err() {
        return;
    }
    let mut out = Vec::new();
    let _ = zoo_graph::write::encode(&graph, &NoWeights, &mut out);
});

//! IsInf — https://onnx.ai/onnx/operators/onnx__IsInf.html
//!
//! Opset history: see `DEF.forms`. Whether each element of a float tensor is infinite — only
//! +∞ with `detect_negative = 0`, only −∞ with `detect_positive = 0` — a boolean tensor of its
//! shape, as IsNaN's ([`super::is_nan::float_test`]). Float16 inputs arrive only with opset 20, so
//! the fp16 pass leaves it float32 (zoo writes opsets from 13).

use zoo_proto::NodeProto;

use super::def::*;
use crate::attr;

fn describe(node: &NodeProto) -> String {
    let sign = |name| attr::get_int(node, name).unwrap_or(1) != 0;
    match (sign("detect_positive"), sign("detect_negative")) {
        (true, true) => String::new(),
        (true, false) => "+∞ only".into(),
        (false, true) => "−∞ only".into(),
        (false, false) => "neither sign: always false".into(),
    }
}

pub(super) const DEF: OpDef = OpDef {
    name: "IsInf",
    spec: "https://onnx.ai/onnx/operators/onnx__IsInf.html",
    forms: &[
        Form { since: 10, change: "first version" },
        Form { since: 20, change: "float16, bfloat16, float8 types" },
    ],
    describe,
    fp16: Fp16::KeepsFloat32("takes float16 only from opset 20"),
    ..super::is_nan::DEF
};

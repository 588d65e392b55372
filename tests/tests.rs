//! zoo's integration tests: one binary (as ripgrep does), one module per concern. They run the
//! real `zoo` binary and check its files with tools zoo did not write (onnx's checker and
//! shape inference, ONNX Runtime, numpy), through `tests/python/check_onnx.py` run by the
//! interpreter in `ZOO_PYTHON` — `scripts/test` installs it.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod bundle;
mod card;
mod compile;
mod crash;
mod diff;
mod docs;
mod errors;
mod export;
mod gpu_check;
mod images;
mod inspect;
mod int8;
mod lint;
mod open_world;
mod support;
mod torch_fixtures;
mod verify;

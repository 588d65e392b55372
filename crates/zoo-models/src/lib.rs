//! The zoo's catalogue: model families, their variants, and how to build each one.

mod alexnet;
mod catalog;

pub use catalog::{Family, ModelError, Options, Preprocess, Variant, build, families, find};

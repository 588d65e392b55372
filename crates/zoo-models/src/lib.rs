//! The zoo's catalogue: model families, their variants, and how to build each one.

mod alexnet;
mod catalog;
mod googlenet;
mod resnet;
mod vgg;

pub use catalog::{Family, ModelError, Note, Options, Preprocess, Source, TORCHVISION, Variant, build, families, find};

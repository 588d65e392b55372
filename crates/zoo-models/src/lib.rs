//! The zoo's catalogue: model families, their variants, and how to build each one.
//!
//! Adding a family is one file (its layers, variants, card notes and published counts) plus
//! one line in [`families`] and its `mod` line here; the tests walk the catalogue.

mod alexnet;
mod catalog;
mod googlenet;
mod resnet;
mod vgg;

pub use catalog::{
    Family, ModelError, Note, Options, Preprocess, Published, Source, TORCHVISION, Variant, build, find,
};

/// Every family, in the order `zoo list` shows them.
pub fn families() -> &'static [Family] {
    &[
        alexnet::FAMILY,
        vgg::VGG11,
        vgg::VGG13,
        vgg::VGG16,
        vgg::VGG19,
        resnet::RESNET18,
        resnet::RESNET34,
        resnet::RESNET50,
        resnet::RESNET101,
        resnet::RESNET152,
        googlenet::FAMILY,
    ]
}

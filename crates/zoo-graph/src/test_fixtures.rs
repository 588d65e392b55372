//! Models the crate's unit tests share.

use crate::model::Model;
use crate::ops::{BatchNorm, Conv, Dropout, Flatten, Linear, Relu};
use crate::{Batch, Net, Opset, image};

/// A small network with every kind of initializer (weights, BatchNorm buffers, a constant).
pub(crate) fn small_model() -> Model {
    let mut net = Net::new("small", Opset::DEFAULT);
    let x = net.input("input", image(Batch::Dynamic, 3, 8, 8)).unwrap();
    let x = net.layer("conv", x, Conv::new(4, 3).pad(1)).unwrap();
    let x = net.layer("bn", x, BatchNorm::new(1e-5)).unwrap();
    let x = net.layer("relu", x, Relu).unwrap();
    let x = net.layer("flatten", x, Flatten).unwrap();
    let x = net.layer("drop", x, Dropout(0.5)).unwrap();
    let x = net.layer("fc", x, Linear::new(3)).unwrap();
    net.output(x, "logits").unwrap();
    net.finish("doc", vec![("model".into(), "small".into())])
}

//! Families, variants and build options: what `zoo list` shows and `zoo export` builds.

use zoo_graph::{Batch, GraphError, Model, Net, Opset, Value};

/// How a deployment stack must prepare images for this network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preprocess {
    /// "RGB" or "BGR".
    pub channel_order: &'static str,
    /// Pixel scale the mean and std refer to: 1.0 for 0–1 inputs, 255.0 for raw 0–255.
    pub scale: f32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub note: &'static str,
}

/// One variant of a family: its source and defaults.
pub struct Variant {
    pub name: &'static str,
    pub summary: &'static str,
    /// The paper or reference implementation this variant reads.
    pub source: &'static str,
    /// Channels, height, width.
    pub input: [usize; 3],
    pub softmax: bool,
    /// Where torchvision has the model, parameter names follow its `state_dict`.
    pub torchvision_names: bool,
    pub preprocess: Preprocess,
    pub build: fn(&mut Net, Value, &Options) -> Result<Value, GraphError>,
}

pub struct Family {
    pub name: &'static str,
    pub variants: &'static [Variant],
}

impl Family {
    pub fn default_variant(&self) -> &'static Variant {
        &self.variants[0]
    }
}

/// Build options common to every model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub num_classes: usize,
    pub batch: Batch,
    pub opset: Opset,
    /// `None`: the variant's default.
    pub softmax: Option<bool>,
}

impl Default for Options {
    fn default() -> Self {
        Options { num_classes: 1000, batch: Batch::Dynamic, opset: Opset::DEFAULT, softmax: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("unknown model `{name}`: zoo has {valid}")]
    UnknownModel { name: String, valid: String },
    #[error("unknown variant `{variant}` of {model}: choose one of {valid}")]
    UnknownVariant { model: String, variant: String, valid: String },
    #[error("invalid option: {0}")]
    Option(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

pub fn families() -> &'static [Family] {
    &[crate::alexnet::FAMILY]
}

/// Finds a family and variant by name (`None`: the family's default variant).
pub fn find(model: &str, variant: Option<&str>) -> Result<(&'static Family, &'static Variant), ModelError> {
    let family = families().iter().find(|f| f.name == model).ok_or_else(|| ModelError::UnknownModel {
        name: model.to_string(),
        valid: families().iter().map(|f| f.name).collect::<Vec<_>>().join(", "),
    })?;
    let v = match variant {
        None => family.default_variant(),
        Some(v) => family.variants.iter().find(|x| x.name == v).ok_or_else(|| ModelError::UnknownVariant {
            model: model.to_string(),
            variant: v.to_string(),
            valid: family.variants.iter().map(|x| x.name).collect::<Vec<_>>().join(", "),
        })?,
    };
    Ok((family, v))
}

/// Builds the graph of `model`/`variant` with `options`, metadata included (no weights yet:
/// those stream in when the model is written).
pub fn build(model: &str, variant: Option<&str>, options: &Options) -> Result<Model, ModelError> {
    let (family, v) = find(model, variant)?;
    if options.num_classes == 0 {
        return Err(ModelError::Option("--num-classes must be at least 1".into()));
    }
    if options.batch == Batch::Fixed(0) {
        return Err(ModelError::Option("--batch must be at least 1 (or `dynamic`)".into()));
    }
    let softmax = options.softmax.unwrap_or(v.softmax);
    let mut net = Net::new(format!("{}-{}", family.name, v.name), options.opset);
    let [c, h, w] = v.input;
    let x = net.input("input", zoo_graph::image(options.batch, c, h, w))?;
    let mut y = (v.build)(&mut net, x, options)?;
    let out_name = if softmax {
        y = net.layer("prob", y, zoo_graph::ops::Softmax { axis: 1 })?;
        "prob"
    } else {
        "logits"
    };
    net.output(y, out_name)?;
    let p = &v.preprocess;
    let list = |a: [f32; 3]| format!("[{}, {}, {}]", a[0], a[1], a[2]);
    let metadata = vec![
        ("model".into(), family.name.into()),
        ("variant".into(), v.name.into()),
        ("source".into(), v.source.into()),
        ("num_classes".into(), options.num_classes.to_string()),
        ("output".into(), if softmax { "probabilities (softmax)" } else { "logits (no softmax)" }.into()),
        ("preprocess.input_size".into(), format!("{c}x{h}x{w}")),
        ("preprocess.channel_order".into(), p.channel_order.into()),
        ("preprocess.pixel_scale".into(), format!("0-{}", p.scale)),
        ("preprocess.mean".into(), list(p.mean)),
        ("preprocess.std".into(), list(p.std)),
        ("preprocess.note".into(), p.note.into()),
    ];
    let doc = format!("{} {}: {}. Source: {}.", family.name, v.name, v.summary, v.source);
    Ok(net.finish(&doc, metadata))
}

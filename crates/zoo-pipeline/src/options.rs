//! The choices a caller makes, as types: each enum's words are the command line's (`as_str`),
//! and with the `clap` feature each is a `clap::ValueEnum` of exactly those words.

use std::fmt;
use std::path::PathBuf;

/// Declares a fieldless enum with its words: `as_str`, `Display`, and `ValueEnum` behind the
/// `clap` feature (no doc comments on the variants: clap would list them in `--help`).
macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
        pub enum $name {
            $(#[cfg_attr(feature = "clap", value(name = $word))] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

words! {
    /// Precision of a compiled file's weights and computation (`--precision`).
    Precision { Fp32 = "fp32", Fp16 = "fp16", Int8 = "int8" }
}

words! {
    /// Type of an fp16 file's inputs and outputs (`--io`).
    Io { Fp32 = "fp32", Fp16 = "fp16" }
}

words! {
    /// How int8 quantizes (`--int8`): chosen from this CPU, or one of [`zoo_graph::quant::Scheme`].
    Int8Scheme { Auto = "auto", U8s8 = "u8s8", S8s8 = "s8s8", Tensorrt = "tensorrt" }
}

words! {
    /// How activation ranges are chosen (`--calibration-method`).
    CalibrationMethod { MinMax = "minmax", Percentile = "percentile" }
}

words! {
    /// A runtime zoo runs files on (`--runtime`).
    RuntimeName { Ort = "ort", Tract = "tract", Openvino = "openvino" }
}

/// How `Precision::Int8` quantizes and calibrates.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Options {
    pub scheme: Int8Scheme,
    /// Seeded calibration inputs, when neither `calibration` nor `calibration_table` is given.
    pub calibrate: usize,
    /// A folder of `input_*.pb` tensors and images to calibrate on.
    pub calibration: Option<PathBuf>,
    /// Ranges from a table `save_calibration` wrote, instead of calibrating.
    pub calibration_table: Option<PathBuf>,
    pub save_calibration: Option<PathBuf>,
    pub method: CalibrationMethod,
    /// With [`CalibrationMethod::Percentile`]: the share of values kept, in percent.
    pub percentile: f64,
    /// `--shape NAME=DIMS`: the input's shape where the file leaves dimensions symbolic.
    pub shapes: Vec<crate::shapes::Binding>,
}

impl Default for Int8Options {
    fn default() -> Self {
        Int8Options {
            scheme: Int8Scheme::Auto,
            calibrate: 16,
            calibration: None,
            calibration_table: None,
            save_calibration: None,
            method: CalibrationMethod::Percentile,
            percentile: 99.99,
            shapes: vec![],
        }
    }
}

/// Which compiler passes to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct PassOptions {
    /// The flags of [`zoo_graph::passes::SELECTABLE`] given (`optimize`), in its order.
    pub flags: Vec<&'static str>,
    pub precision: Precision,
    pub io: Io,
    pub int8: Int8Options,
}

impl Default for PassOptions {
    fn default() -> Self {
        PassOptions { flags: vec![], precision: Precision::Fp32, io: Io::Fp32, int8: Int8Options::default() }
    }
}

impl PassOptions {
    /// `--optimize` and nothing else.
    pub fn optimize() -> PassOptions {
        PassOptions { flags: vec!["optimize"], ..PassOptions::default() }
    }

    /// Whether the flag `flag` of [`zoo_graph::passes::SELECTABLE`] is given.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// Whether any pass is asked for (the file is then a compiled one).
    pub fn compiles(&self) -> bool {
        !self.flags.is_empty() || self.precision != Precision::Fp32 || self.io != Io::Fp32
    }
}

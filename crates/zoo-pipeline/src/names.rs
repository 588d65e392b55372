//! The names a choice of passes gives what it makes: the manifest key a compiled export is
//! pinned under (the options as written on the command line), the suffix of `zoo export`'s
//! default file name, and the suffix of `zoo bundle triton`'s default model name. All three
//! come from the pass registry ([`zoo_graph::passes::SELECTABLE`]) and the precision, here,
//! so that a pass added to the registry is named the same everywhere.

use zoo_graph::passes::{SELECTABLE, Selectable};

use crate::options::{Io, PassOptions, Precision};

/// What a choice of passes is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The manifest key: `--optimize --precision fp16` (empty when nothing is compiled).
    pub key: String,
    /// Before `.onnx` in `zoo export`'s default file name: `-optimized-fp16`, `-int8` (int8
    /// leaves the flags it implies unsaid).
    pub file_suffix: String,
    /// After `<model>-<variant>` in `zoo bundle triton`'s default name: every flag's suffix,
    /// then the precision (`-optimized-int8`).
    pub bundle_suffix: String,
}

/// The names of `p`.
pub fn names(p: &PassOptions) -> Names {
    let chosen: Vec<&Selectable> = SELECTABLE.iter().filter(|s| p.has(s.flag)).collect();
    let mut key: Vec<String> = chosen.iter().map(|s| format!("--{}", s.flag)).collect();
    if p.precision != Precision::Fp32 {
        key.push(format!("--precision {}", p.precision));
    }
    if p.io != Io::Fp32 {
        key.push(format!("--io {}", p.io));
    }
    let precision = if p.precision == Precision::Fp32 { String::new() } else { format!("-{}", p.precision) };
    let implied = |s: &&&Selectable| p.precision == Precision::Int8 && s.before_int8;
    let file: String = chosen.iter().filter(|s| !implied(s)).map(|s| format!("-{}", s.suffix)).collect();
    let bundle: String = chosen.iter().map(|s| format!("-{}", s.suffix)).collect();
    Names { key: key.join(" "), file_suffix: file + &precision, bundle_suffix: bundle + &precision }
}

/// The manifest key of `p` ([`names`]).
pub fn key(p: &PassOptions) -> String {
    names(p).key
}

/// `zoo export`'s default file name: `<model>-<variant>-opset<N><suffix>.onnx`.
pub fn export_file_name(model: &str, variant: &str, opset: impl std::fmt::Display, p: &PassOptions) -> String {
    format!("{model}-{variant}-opset{opset}{}.onnx", names(p).file_suffix)
}

/// The options that compile, as a user would be told to add them: `--optimize, --precision
/// fp16|int8 or --external-data`.
pub fn choices() -> String {
    let flags: Vec<String> = SELECTABLE.iter().map(|s| format!("--{}, ", s.flag)).collect();
    format!("{}--precision fp16|int8 or --external-data", flags.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys pinned in every manifest and the file names users know, byte for byte.
    #[test]
    fn keys_and_suffixes_are_the_ones_pinned() {
        let p = |optimize: bool, precision, io| PassOptions {
            flags: if optimize { vec!["optimize"] } else { vec![] },
            precision,
            io,
            ..PassOptions::default()
        };
        let n = |o| {
            let Names { key, file_suffix, bundle_suffix } = names(&o);
            (key, file_suffix, bundle_suffix)
        };
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(n(p(false, Precision::Fp32, Io::Fp32)), s("", "", ""));
        assert_eq!(n(p(true, Precision::Fp32, Io::Fp32)), s("--optimize", "-optimized", "-optimized"));
        assert_eq!(
            n(p(true, Precision::Fp16, Io::Fp32)),
            s("--optimize --precision fp16", "-optimized-fp16", "-optimized-fp16")
        );
        assert_eq!(n(p(false, Precision::Fp16, Io::Fp16)), s("--precision fp16 --io fp16", "-fp16", "-fp16"));
        assert_eq!(n(p(false, Precision::Int8, Io::Fp32)), s("--precision int8", "-int8", "-int8"));
        assert_eq!(n(p(true, Precision::Int8, Io::Fp32)), s("--optimize --precision int8", "-int8", "-optimized-int8"));
        let [a, b] = crate::compile::pinned();
        assert_eq!((key(&a), key(&b)), ("--optimize".into(), "--optimize --precision fp16".into()));
        assert_eq!(choices(), "--optimize, --precision fp16|int8 or --external-data");
    }
}

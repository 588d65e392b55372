//! The names a choice of passes gives what it makes: the manifest key a compiled export is
//! pinned under (the options as written on the command line), the suffix of `zoo export`'s
//! default file name, and the suffix of `zoo bundle triton`'s default model name. One place,
//! so that a pass added to the registry is named the same everywhere.

use crate::options::{Io, PassOptions, Precision};

/// What a choice of passes is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The manifest key: `--optimize --precision fp16` (empty when nothing is compiled).
    pub key: String,
    /// Before `.onnx` in `zoo export`'s default file name: `-optimized-fp16`, `-int8`.
    pub file_suffix: String,
    /// After `<model>-<variant>` in `zoo bundle triton`'s default name: each flag's word in
    /// turn (`-optimized-int8`: unlike the file name, int8 does not absorb `--optimize`).
    pub bundle_suffix: String,
}

/// The names of `p`.
pub fn names(p: &PassOptions) -> Names {
    let mut key = Vec::new();
    if p.optimize {
        key.push("--optimize".to_string());
    }
    if p.precision != Precision::Fp32 {
        key.push(format!("--precision {}", p.precision));
    }
    if p.io != Io::Fp32 {
        key.push(format!("--io {}", p.io));
    }
    // int8 implies --optimize, and its file says int8 only.
    let file_suffix = match (p.optimize, p.precision) {
        (_, Precision::Int8) => "-int8".to_string(),
        (true, Precision::Fp16) => "-optimized-fp16".to_string(),
        (false, Precision::Fp16) => "-fp16".to_string(),
        (true, Precision::Fp32) => "-optimized".to_string(),
        (false, Precision::Fp32) => String::new(),
    };
    let mut bundle_suffix = String::new();
    if p.optimize {
        bundle_suffix.push_str("-optimized");
    }
    if p.precision != Precision::Fp32 {
        bundle_suffix.push_str(&format!("-{}", p.precision));
    }
    Names { key: key.join(" "), file_suffix, bundle_suffix }
}

/// The manifest key of `p` ([`names`]).
pub fn key(p: &PassOptions) -> String {
    names(p).key
}

/// `zoo export`'s default file name: `<model>-<variant>-opset<N><suffix>.onnx`.
pub fn export_file_name(model: &str, variant: &str, opset: impl std::fmt::Display, p: &PassOptions) -> String {
    format!("{model}-{variant}-opset{opset}{}.onnx", names(p).file_suffix)
}

/// The options that compile, as a user would be told to add them.
pub fn choices() -> &'static str {
    "--optimize, --precision fp16|int8 or --external-data"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys pinned in every manifest and the file names users know, byte for byte.
    #[test]
    fn keys_and_suffixes_are_the_ones_pinned() {
        let p = |optimize, precision, io| PassOptions { optimize, precision, io, ..PassOptions::default() };
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
    }
}

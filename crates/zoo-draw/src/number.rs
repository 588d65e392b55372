//! The numbers an SVG carries, the same on every machine: committed drawings are compared
//! byte for byte by the test suite, so nothing here may depend on the platform's libm.

/// log₁₀ of a positive finite `x`, from `+ − × ÷` only (exactly rounded by IEEE 754 on every
/// machine), not from libm's `log10`, whose last bit differs between platforms and could move
/// a coordinate's last printed digit. `x = m·10ᵉ` is split by Rust's own float formatting
/// (exact and platform-independent), and ln m = 2·atanh((m − 1)/(m + 1)) is summed to a
/// fixed number of terms (t < 9/11, so t²⁽ᵏ⁾ < 1e-21 after 120 of them).
pub(crate) fn log10(x: f64) -> f64 {
    let text = format!("{x:e}");
    let Some((m, e)) = text.split_once('e') else { return 0.0 };
    let (Ok(m), Ok(e)) = (m.parse::<f64>(), e.parse::<i32>()) else { return 0.0 };
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let (mut sum, mut power) = (0.0, t);
    for k in 0..120 {
        sum += power / f64::from(2 * k + 1);
        power *= t2;
    }
    f64::from(e) + 2.0 * sum / std::f64::consts::LN_10
}

/// A coordinate with at most one decimal: `12`, `12.5`.
pub(crate) fn px(v: f64) -> String {
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some("-0") => "0".into(),
        Some(i) => i.to_string(),
        None => s,
    }
}

/// A decade's label: `1e-7`, `1` for 10⁰, `10` for 10¹.
pub(crate) fn decade(e: i32) -> String {
    match e {
        0 => "1".into(),
        1 => "10".into(),
        _ => format!("1e{e}"),
    }
}

/// `x` with three significant digits in scientific notation: `1.23e-7`.
pub(crate) fn sci(x: f64) -> String {
    if x == 0.0 { "0".into() } else { format!("{x:.2e}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log10_matches_decades_and_libm() {
        for e in -12..=3 {
            let x: f64 = format!("1e{e}").parse().unwrap();
            assert!((log10(x) - f64::from(e)).abs() < 1e-12, "{x}");
        }
        for x in [1.23e-7, 9.99e-5, 3.0, 7.5e2, 1e-300] {
            assert!((log10(x) - x.log10()).abs() < 1e-12, "{x}: {} vs {}", log10(x), x.log10());
        }
    }

    #[test]
    fn fixed_formatting() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.25), "12.2");
        assert_eq!(px(-0.01), "0");
        assert_eq!(decade(-7), "1e-7");
        assert_eq!(sci(0.000123456), "1.23e-4");
    }
}

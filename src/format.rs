//! Plain-text tables and number formatting for the terminal.

/// 62378344 → "62,378,344".
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in KiB/MiB/GiB with one decimal (the engine's, as its messages say them).
pub use zoo_pipeline::memory::bytes;

/// A count with an SI suffix: 105415200 → "105.4M", 252448 → "252.4K".
pub fn si(n: u64) -> String {
    let v = n as f64;
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}K", v / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1}M", v / 1e6),
        _ => format!("{:.3}G", v / 1e9),
    }
}

/// Three significant digits in scientific notation, `1.23e-5`, or `0` for equal values.
pub fn sci(x: f64) -> String {
    if x == 0.0 { "0".into() } else { format!("{x:.2e}") }
}

/// Left-aligned columns, except those in `right` (numbers).
pub fn table(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let width = |s: &str| s.chars().count();
    let mut w: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(width(c));
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(w[i] - width(c));
                if right.contains(&i) { format!("{pad}{c}") } else { format!("{c}{pad}") }
            })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    out += &line(w.iter().map(|&n| "-".repeat(n)).collect::<Vec<_>>().iter().map(String::as_str).collect());
    for r in rows {
        out += &line(r.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(grouped(62_378_344), "62,378,344");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(si(105_415_200), "105.4M");
        assert_eq!(si(1_135_256_096), "1.135G");
        assert_eq!(si(252_448), "252.4K");
        assert_eq!(sci(0.0), "0");
        assert_eq!(sci(3.2912e-5), "3.29e-5");
        assert_eq!(si(160), "160");
    }
}

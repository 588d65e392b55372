//! `--max-memory`: what running a file at a batch will at least cost, checked before anything
//! is allocated. A file can declare any input shape ([1, 3, 60000, 60000] is 43 GB of f32):
//! allocating it aborts the process ("memory allocation of 43200000000 bytes failed"), so the
//! estimate comes first and a run past the limit is refused, naming the sizes.
//!
//! The estimate is a floor, one runtime's: the weights once, plus per batch item the peak of
//! live values (zoo's liveness analysis over the graph; at least the input). Runtimes add their
//! own copies and workspace on top, so passing the check does not promise a run fits.

use crate::bail;
use zoo_graph::analysis::Analysis;
use zoo_proto::ModelProto;

/// What a run costs at least, besides the batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    pub weights: u64,
    /// Input and peak live activations of one batch item.
    pub per_item: u64,
    pub input_per_item: u64,
}

impl Cost {
    pub fn of(proto: &ModelProto, a: &Analysis) -> Cost {
        let weights = proto
            .graph
            .iter()
            .flat_map(|g| &g.initializer)
            .map(|t| {
                let n = t.dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(u64::try_from(d).unwrap_or(0)));
                let size = t.data_type.and_then(zoo_graph::DType::from_onnx).map_or(4, |d| d.size() as u64);
                n.and_then(|n| n.checked_mul(size)).unwrap_or(u64::MAX)
            })
            .fold(0u64, u64::saturating_add);
        let input_per_item = a
            .inputs
            .iter()
            .filter_map(|(_, t)| t.as_ref())
            .map(|t| {
                let n = t.shape.iter().skip(1).try_fold(1u64, |acc, d| acc.checked_mul(d.known()? as u64));
                n.unwrap_or(0).saturating_mul(t.dtype.size() as u64)
            })
            .fold(0u64, u64::saturating_add);
        // The peak of live values counts the input while it is live; a graph that reads its
        // input last still holds it.
        Cost { weights, per_item: input_per_item.max(a.totals.peak_live_bytes), input_per_item }
    }

    pub fn at(&self, batch: usize) -> u64 {
        self.weights.saturating_add(self.per_item.saturating_mul(batch as u64))
    }
}

/// The memory this machine has available now (Linux: `MemAvailable` of /proc/meminfo).
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// `8G`, `512M`, `64K` or plain bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last() {
        Some('G' | 'g') => (&t[..t.len() - 1], 1u64 << 30),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('K' | 'k') => (&t[..t.len() - 1], 1 << 10),
        _ => (t, 1),
    };
    match num.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok((v * mult as f64) as u64),
        _ => Err(format!("`{s}` is not a size (e.g. 8G, 512M or a number of bytes)")),
    }
}

/// Bytes in KiB/MiB/GiB with one decimal.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

fn gb(b: u64) -> String {
    bytes(b)
}

/// Refuses a run of `label` at `batch` whose floor exceeds `limit` (default: [`available`]).
pub fn check(label: &str, cost: &Cost, batch: usize, limit: Option<u64>) -> crate::Result<()> {
    let (limit, what) = match limit {
        Some(l) => (l, "--max-memory"),
        None => match available() {
            Some(a) => (a, "the memory available now; --max-memory sets the limit"),
            None => return Ok(()),
        },
    };
    let need = cost.at(batch);
    if need > limit {
        bail!(
            "{label} at batch {batch} needs at least {} (weights {}, then per item: input {}, peak of live values {}), \
             more than {} ({what}): use a smaller --batch, or a machine with more memory",
            gb(need),
            gb(cost.weights),
            gb(cost.input_per_item),
            gb(cost.per_item),
            gb(limit)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_the_check_names_the_sizes() {
        assert_eq!(parse_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("-1G").is_err() && parse_size("lots").is_err());
        let cost = Cost { weights: 1_000_000_000, per_item: 3_000_000_000, input_per_item: 1_000_000_000 };
        let e = check("m.onnx", &cost, 4, Some(8_000_000_000)).unwrap_err().to_string();
        assert!(e.contains("needs at least 12.1 GiB") && e.contains("more than 7.5 GiB (--max-memory)"), "{e}");
        check("m.onnx", &cost, 2, Some(8_000_000_000)).unwrap();
    }
}

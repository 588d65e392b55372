//! How many entries an ONNX file's main graph holds, read from the protobuf wire format
//! (protobuf's encoding spec: varint tags, wire types 0/1/2/5) before anything is decoded.
//!
//! Why: decoding allocates a struct per message whatever its size on disk, so a file of empty
//! or tiny nodes expands 250–500× in memory (measured: 20 MB of empty nodes took `zoo inspect` to
//! 10.4 GB and 46 s). Counting the graph's repeated entries costs no allocation, and a file
//! past [`MAX_ENTRIES`] is refused before prost sees it. The classic CNNs have a few hundred
//! nodes; the largest published ONNX graphs tens of thousands.

/// The most node, initializer, input, output and value_info entries zoo decodes in one graph.
pub const MAX_ENTRIES: usize = 1_000_000;

/// The main graph's entry counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GraphCounts {
    pub nodes: usize,
    pub initializers: usize,
    pub values: usize,
}

impl GraphCounts {
    pub fn total(&self) -> usize {
        self.nodes + self.initializers + self.values
    }
}

fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Calls `f(field, payload)` for every length-delimited field of the message in `b`, skipping
/// the others; `None` on malformed input (left to the decoder to name).
fn fields<'a>(b: &'a [u8], mut f: impl FnMut(u64, &'a [u8])) -> Option<()> {
    let mut at = 0;
    while at < b.len() {
        let key = varint(b, &mut at)?;
        match key & 7 {
            0 => {
                varint(b, &mut at)?;
            }
            1 => at = at.checked_add(8).filter(|&e| e <= b.len())?,
            5 => at = at.checked_add(4).filter(|&e| e <= b.len())?,
            2 => {
                let len = usize::try_from(varint(b, &mut at)?).ok()?;
                let end = at.checked_add(len).filter(|&e| e <= b.len())?;
                f(key >> 3, &b[at..end]);
                at = end;
            }
            _ => return None,
        }
    }
    Some(())
}

/// The counts of the graph in a serialized ModelProto (field 7; GraphProto's node = 1,
/// initializer = 5, sparse_initializer = 15, input = 11, output = 12, value_info = 13), or
/// `None` where the bytes are not well-formed protobuf.
pub fn graph_counts(model: &[u8]) -> Option<GraphCounts> {
    let mut graphs: Vec<&[u8]> = Vec::new();
    fields(model, |field, payload| {
        if field == 7 {
            graphs.push(payload);
        }
    })?;
    let mut c = GraphCounts::default();
    for g in graphs {
        fields(g, |field, _| match field {
            1 => c.nodes += 1,
            5 | 15 => c.initializers += 1,
            11..=13 => c.values += 1,
            _ => {}
        })?;
    }
    Some(c)
}

/// `Err` naming the counts when the graph holds more than [`MAX_ENTRIES`] entries.
pub fn check(model: &[u8]) -> Result<(), String> {
    match graph_counts(model) {
        Some(c) if c.total() > MAX_ENTRIES => Err(format!(
            "its graph has {} nodes, {} initializers and {} inputs/outputs/value_infos, more than the {MAX_ENTRIES} entries \
             zoo decodes (decoding allocates per entry: a hostile file of tiny nodes grows 250–500× in memory)",
            c.nodes, c.initializers, c.values
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ModelProto { ir_version: 10, graph: { node × n (empty) } }, by hand.
    fn empty_nodes(n: usize) -> Vec<u8> {
        let graph: Vec<u8> = std::iter::repeat_n([0x0a_u8, 0x00], n).flatten().collect();
        let mut m = vec![0x08, 10, 0x3a];
        let mut len = graph.len() as u64;
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                m.push(byte);
                break;
            }
            m.push(byte | 0x80);
        }
        m.extend(graph);
        m
    }

    #[test]
    fn counts_without_decoding_and_refuses_past_the_limit() {
        assert_eq!(graph_counts(&empty_nodes(3)), Some(GraphCounts { nodes: 3, initializers: 0, values: 0 }));
        assert!(check(&empty_nodes(1000)).is_ok());
        let e = check(&empty_nodes(MAX_ENTRIES + 1)).unwrap_err();
        assert!(e.contains("1000001 nodes"), "{e}");
        // Malformed bytes are the decoder's to report, not this check's.
        assert_eq!(graph_counts(&[0x3a, 0x7f]), None);
        assert!(check(&[0xff, 0xff]).is_ok());
    }
}

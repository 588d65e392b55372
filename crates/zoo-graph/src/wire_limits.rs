//! How many entries an ONNX file's main graph holds, and how much memory decoding the whole
//! file's structure takes, read from the protobuf wire format (protobuf's encoding spec: varint
//! tags, wire types 0/1/2/5) before anything is decoded.
//!
//! Why: decoding allocates a struct per message whatever its size on disk, so a file of empty
//! or tiny nodes expands 250–500× in memory (measured: 20 MB of empty nodes took `zoo inspect` to
//! 10.4 GB and 46 s). Counting the graph's repeated entries costs no allocation, and a file
//! past [`MAX_ENTRIES`] is refused before prost sees it. The classic CNNs have a few hundred
//! nodes; the largest published ONNX graphs tens of thousands.
//!
//! Entries elsewhere grow as much or more: an empty attribute is 2 bytes on disk and a
//! 1664-byte `AttributeProto` decoded (measured: 19 MB of empty attributes on one node, which
//! the count above does not see, took 15.9 GB and 54 s to decode; as many empty nodes in a
//! sub-graph, 2.4 GB). So [`structure_bytes`] walks every message at every depth with the
//! schema of `proto/onnx.proto` and adds up what decoding allocates for it: each message's
//! struct, each element of a repeated field. Tensor bytes and strings are left out: they are
//! copies of the file's own bytes, at most its size. Past [`MAX_STRUCTURE_BYTES`] the file is
//! refused.

/// The most node, initializer, input, output and value_info entries zoo decodes in one graph.
pub const MAX_ENTRIES: usize = 1_000_000;

/// The most memory the decoded structure of a file may take (tensor bytes and strings aside;
/// the `Vec`s prost grows may hold up to twice that): 1 GiB. zoo's largest export needs under
/// 1 MB; a graph of 100,000 nodes with a few attributes each, about 0.5 GB (most of it
/// `AttributeProto`s, 1664 bytes each).
pub const MAX_STRUCTURE_BYTES: u64 = 1 << 30;

/// Nesting deeper than prost decodes (its recursion limit is 100) is left to it to refuse.
const MAX_DEPTH: usize = 100;

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

/// `Err` naming the counts when the graph holds more than [`MAX_ENTRIES`] entries, or the
/// size when decoding would take more than [`MAX_STRUCTURE_BYTES`].
pub fn check(model: &[u8]) -> Result<(), String> {
    match graph_counts(model) {
        Some(c) if c.total() > MAX_ENTRIES => {
            return Err(format!(
                "its graph has {} nodes, {} initializers and {} inputs/outputs/value_infos, more than the {MAX_ENTRIES} entries \
                 zoo decodes (decoding allocates per entry: a hostile file of tiny nodes grows 250–500× in memory)",
                c.nodes, c.initializers, c.values
            ));
        }
        _ => {}
    }
    let limit = structure_limit(model.len() as u64);
    match structure_bytes(model) {
        Some(n) if n > limit => Err(format!(
            "decoding its nodes, attributes, sub-graphs, types and tensor headers would take {} MiB, more than the \
             {} MiB zoo allows for a file of {} bytes ({AMPLIFICATION}× its size, at least {} MiB, at most {} MiB: \
             decoding allocates per entry, and a hostile file of empty attributes grows 800× in memory)",
            n.div_ceil(1 << 20),
            limit >> 20,
            model.len(),
            STRUCTURE_FLOOR >> 20,
            MAX_STRUCTURE_BYTES >> 20
        )),
        _ => Ok(()),
    }
}

/// What the decoded structure of a file of `len` bytes may take: [`AMPLIFICATION`]× its size
/// (prost's `Vec`s may hold up to twice the estimate, and `inspect`'s analysis adds about as
/// much again: the worst files inside the bound cost `inspect` 29× and `verify` 40× their
/// size, measured), at least [`STRUCTURE_FLOOR`], at most [`MAX_STRUCTURE_BYTES`].
pub fn structure_limit(len: u64) -> u64 {
    len.saturating_mul(AMPLIFICATION).clamp(STRUCTURE_FLOOR, MAX_STRUCTURE_BYTES)
}

/// See [`structure_limit`].
pub const AMPLIFICATION: u64 = 6;
/// Any file may decode this much structure (a graph of a few thousand nodes whose weights are
/// in external data: zoo's ResNet-152 int8 file, 374 KB, needs about 4 MB).
pub const STRUCTURE_FLOOR: u64 = 32 << 20;

/// The messages of `proto/onnx.proto` (ONNX 1.23.2), as the walk below knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Msg {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    Segment,
    SparseTensor,
    ValueInfo,
    Type,
    TypeTensor,
    TypeSequence,
    TypeMap,
    TypeOptional,
    TypeSparseTensor,
    TypeOpaque,
    Shape,
    Dimension,
    StringString,
    OperatorSetId,
    Function,
    TrainingInfo,
    TensorAnnotation,
    NodeDeviceConfiguration,
    ShardingSpec,
    IntIntListEntry,
    ShardedDim,
    SimpleShardedDim,
    DeviceConfiguration,
}

/// What a field of a message decodes to, as far as allocation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// A message, singular or repeated: its struct (boxed, inline or a `Vec` element), then
    /// whatever it holds.
    Message(Msg),
    /// One element of a repeated string or bytes field: a `Vec<u8>` or `String`.
    Strings,
    /// A repeated varint scalar (`int32`, `int64`, `uint64`, enums) of this many bytes per
    /// element: one element per entry, or per varint of a packed entry.
    Varints(u64),
    /// A repeated fixed-width scalar (`float` 4, `double` 8).
    Fixed(u64),
    /// A singular scalar or string, or a field zoo's prost code does not have: nothing beyond
    /// the struct that holds it.
    Other,
}

impl Msg {
    /// Bytes of the struct prost decodes this message into.
    fn size(self) -> u64 {
        use std::mem::size_of;
        use zoo_proto::*;
        (match self {
            Msg::Model => size_of::<ModelProto>(),
            Msg::Graph => size_of::<GraphProto>(),
            Msg::Node => size_of::<NodeProto>(),
            Msg::Attribute => size_of::<AttributeProto>(),
            Msg::Tensor => size_of::<TensorProto>(),
            Msg::Segment => size_of::<tensor_proto::Segment>(),
            Msg::SparseTensor => size_of::<SparseTensorProto>(),
            Msg::ValueInfo => size_of::<ValueInfoProto>(),
            Msg::Type => size_of::<TypeProto>(),
            Msg::TypeTensor => size_of::<type_proto::Tensor>(),
            Msg::TypeSequence => size_of::<type_proto::Sequence>(),
            Msg::TypeMap => size_of::<type_proto::Map>(),
            Msg::TypeOptional => size_of::<type_proto::Optional>(),
            Msg::TypeSparseTensor => size_of::<type_proto::SparseTensor>(),
            Msg::TypeOpaque => size_of::<type_proto::Opaque>(),
            Msg::Shape => size_of::<TensorShapeProto>(),
            Msg::Dimension => size_of::<tensor_shape_proto::Dimension>(),
            Msg::StringString => size_of::<StringStringEntryProto>(),
            Msg::OperatorSetId => size_of::<OperatorSetIdProto>(),
            Msg::Function => size_of::<FunctionProto>(),
            Msg::TrainingInfo => size_of::<TrainingInfoProto>(),
            Msg::TensorAnnotation => size_of::<TensorAnnotation>(),
            Msg::NodeDeviceConfiguration => size_of::<NodeDeviceConfigurationProto>(),
            Msg::ShardingSpec => size_of::<ShardingSpecProto>(),
            Msg::IntIntListEntry => size_of::<IntIntListEntryProto>(),
            Msg::ShardedDim => size_of::<ShardedDimProto>(),
            Msg::SimpleShardedDim => size_of::<SimpleShardedDimProto>(),
            Msg::DeviceConfiguration => size_of::<DeviceConfigurationProto>(),
        }) as u64
    }

    /// Field `number` of this message, from `proto/onnx.proto`: every message-typed and
    /// every repeated field; the rest are [`Field::Other`].
    fn field(self, number: u64) -> Field {
        use Field::{Fixed, Message as M, Other, Strings, Varints};
        match (self, number) {
            (Msg::Model, 7) => M(Msg::Graph),
            (Msg::Model, 8) => M(Msg::OperatorSetId),
            (Msg::Model, 14) => M(Msg::StringString),
            (Msg::Model, 20) => M(Msg::TrainingInfo),
            (Msg::Model, 25) => M(Msg::Function),
            (Msg::Model, 26) => M(Msg::DeviceConfiguration),
            (Msg::Graph, 1) => M(Msg::Node),
            (Msg::Graph, 5) => M(Msg::Tensor),
            (Msg::Graph, 15) => M(Msg::SparseTensor),
            (Msg::Graph, 11..=13) => M(Msg::ValueInfo),
            (Msg::Graph, 14) => M(Msg::TensorAnnotation),
            (Msg::Graph, 16) => M(Msg::StringString),
            (Msg::Node, 1 | 2) => Strings,
            (Msg::Node, 5) => M(Msg::Attribute),
            (Msg::Node, 9) => M(Msg::StringString),
            (Msg::Node, 10) => M(Msg::NodeDeviceConfiguration),
            (Msg::Attribute, 5 | 10) => M(Msg::Tensor),
            (Msg::Attribute, 6 | 11) => M(Msg::Graph),
            (Msg::Attribute, 22 | 23) => M(Msg::SparseTensor),
            (Msg::Attribute, 14 | 15) => M(Msg::Type),
            (Msg::Attribute, 7) => Fixed(4),
            (Msg::Attribute, 8) => Varints(8),
            (Msg::Attribute, 9) => Strings,
            (Msg::Tensor, 1 | 7) => Varints(8),
            (Msg::Tensor, 3) => M(Msg::Segment),
            (Msg::Tensor, 4) => Fixed(4),
            (Msg::Tensor, 5) => Varints(4),
            (Msg::Tensor, 6) => Strings,
            (Msg::Tensor, 10) => Fixed(8),
            (Msg::Tensor, 11) => Varints(8),
            (Msg::Tensor, 13 | 16) => M(Msg::StringString),
            (Msg::SparseTensor, 1 | 2) => M(Msg::Tensor),
            (Msg::SparseTensor, 3) => Varints(8),
            (Msg::ValueInfo, 2) => M(Msg::Type),
            (Msg::ValueInfo, 4) => M(Msg::StringString),
            (Msg::Type, 1) => M(Msg::TypeTensor),
            (Msg::Type, 4) => M(Msg::TypeSequence),
            (Msg::Type, 5) => M(Msg::TypeMap),
            (Msg::Type, 9) => M(Msg::TypeOptional),
            (Msg::Type, 8) => M(Msg::TypeSparseTensor),
            (Msg::Type, 7) => M(Msg::TypeOpaque),
            (Msg::TypeTensor | Msg::TypeSparseTensor, 2) => M(Msg::Shape),
            (Msg::TypeSequence | Msg::TypeOptional, 1) | (Msg::TypeMap, 2) => M(Msg::Type),
            (Msg::Shape, 1) => M(Msg::Dimension),
            (Msg::Function, 4..=6) => Strings,
            (Msg::Function, 11) => M(Msg::Attribute),
            (Msg::Function, 7) => M(Msg::Node),
            (Msg::Function, 9) => M(Msg::OperatorSetId),
            (Msg::Function, 12) => M(Msg::ValueInfo),
            (Msg::Function, 14) => M(Msg::StringString),
            (Msg::TrainingInfo, 1 | 2) => M(Msg::Graph),
            (Msg::TrainingInfo, 3 | 4) => M(Msg::StringString),
            (Msg::TensorAnnotation, 2) => M(Msg::StringString),
            (Msg::NodeDeviceConfiguration, 2) => M(Msg::ShardingSpec),
            (Msg::ShardingSpec, 2) => Varints(8),
            (Msg::ShardingSpec, 3) => M(Msg::IntIntListEntry),
            (Msg::ShardingSpec, 4) => M(Msg::ShardedDim),
            (Msg::IntIntListEntry, 2) => Varints(8),
            (Msg::ShardedDim, 2) => M(Msg::SimpleShardedDim),
            (Msg::DeviceConfiguration, 3) => Strings,
            _ => Other,
        }
    }
}

/// Bytes decoding `model` (a serialized ModelProto) allocates for its structure: every
/// message's struct and every element of a repeated field, at every depth; tensor data and
/// strings aside. `None` where the bytes are not well-formed protobuf.
pub fn structure_bytes(model: &[u8]) -> Option<u64> {
    walk(model, Msg::Model, 0).map(|n| n.saturating_add(Msg::Model.size()))
}

/// [`structure_bytes`] of a serialized TensorProto (a `.pb` tensor file), its numbers included:
/// `float_data` and the other repeated fields are the tensor's data there, and the
/// `external_data` entries grow 24-fold when decoded.
pub fn tensor_structure_bytes(tensor: &[u8]) -> Option<u64> {
    walk(tensor, Msg::Tensor, 0).map(|n| n.saturating_add(Msg::Tensor.size()))
}

fn walk(b: &[u8], msg: Msg, depth: usize) -> Option<u64> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut total = 0u64;
    let mut at = 0;
    while at < b.len() {
        let key = varint(b, &mut at)?;
        let wire = key & 7;
        let field = msg.field(key >> 3);
        let n = match wire {
            0 => {
                varint(b, &mut at)?;
                if let Field::Varints(size) = field { size } else { 0 }
            }
            1 | 5 => {
                let width = if wire == 1 { 8 } else { 4 };
                at = at.checked_add(width).filter(|&e| e <= b.len())?;
                if let Field::Fixed(size) = field { size } else { 0 }
            }
            2 => {
                let len = usize::try_from(varint(b, &mut at)?).ok()?;
                let end = at.checked_add(len).filter(|&e| e <= b.len())?;
                let payload = &b[at..end];
                at = end;
                match field {
                    Field::Message(child) => walk(payload, child, depth + 1)?.saturating_add(child.size()),
                    Field::Strings => std::mem::size_of::<Vec<u8>>() as u64,
                    // Packed: one element per varint (a byte without the continuation bit).
                    Field::Varints(size) => payload.iter().filter(|&&c| c & 0x80 == 0).count() as u64 * size,
                    // Packed floats and doubles take in memory what they take on disk.
                    Field::Fixed(_) => payload.len() as u64,
                    Field::Other => 0,
                }
            }
            _ => return None,
        };
        total = total.saturating_add(n);
    }
    Some(total)
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

    fn field(number: u64, payload: &[u8], out: &mut Vec<u8>) {
        for mut v in [number << 3 | 2, payload.len() as u64] {
            while v >= 0x80 {
                out.push((v & 0x7f) as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
        out.extend_from_slice(payload);
    }

    /// ModelProto { ir_version: 10, graph: { node: [node] } }.
    fn one_node(node: &[u8]) -> Vec<u8> {
        let mut graph = Vec::new();
        field(1, node, &mut graph);
        let mut m = vec![0x08, 10];
        field(7, &graph, &mut m);
        m
    }

    #[test]
    fn the_structure_of_a_real_model_is_small() {
        let mut bytes = Vec::new();
        crate::write::encode(&crate::test_fixtures::small_model(), &crate::Seeded { seed: 1 }, &mut bytes).unwrap();
        let n = structure_bytes(&bytes).unwrap();
        assert!(n > 1000 && n < 1 << 20, "{n}");
        assert!(check(&bytes).is_ok());
    }

    /// Entries the graph's count does not see: attributes, and nodes of a sub-graph. Their
    /// structs are counted as prost allocates them.
    #[test]
    fn attributes_and_sub_graphs_count_at_every_depth() {
        let attr = std::mem::size_of::<zoo_proto::AttributeProto>() as u64;
        let node = std::mem::size_of::<zoo_proto::NodeProto>() as u64;
        let fixed = structure_bytes(&one_node(&[])).unwrap();
        let attrs = |n: usize| -> Vec<u8> { std::iter::repeat_n([0x2a_u8, 0x00], n).flatten().collect() };
        assert_eq!(structure_bytes(&one_node(&attrs(1000))).unwrap(), fixed + 1000 * attr);
        // A graph attribute holding n empty nodes.
        let mut g = Vec::new();
        field(6, &std::iter::repeat_n([0x0a_u8, 0x00], 1000).flatten().collect::<Vec<u8>>(), &mut g);
        let mut with_graph = Vec::new();
        field(5, &g, &mut with_graph);
        let graph = std::mem::size_of::<zoo_proto::GraphProto>() as u64;
        assert_eq!(structure_bytes(&one_node(&with_graph)).unwrap(), fixed + attr + graph + 1000 * node);

        // 1.3 MB of empty attributes on one node: 1.08 GiB decoded, refused; the entry count
        // (one node) alone let 19 MB of them through, 15.9 GB decoded.
        let n = (MAX_STRUCTURE_BYTES / attr + 1) as usize;
        let e = check(&one_node(&attrs(n))).unwrap_err();
        assert!(e.contains("would take 1025 MiB, more than the 32 MiB zoo allows"), "{e}");
        // Relative to the file: 6× its size, at least 32 MiB, at most 1 GiB.
        let under_floor = (STRUCTURE_FLOOR / attr) as usize - 10;
        assert!(check(&one_node(&attrs(under_floor))).is_ok());
        assert!(check(&one_node(&attrs(under_floor + 20))).is_err());
        assert_eq!(structure_limit(1 << 20), STRUCTURE_FLOOR);
        assert_eq!(structure_limit(100 << 20), 600 << 20);
        assert_eq!(structure_limit(1 << 40), MAX_STRUCTURE_BYTES);
    }

    #[test]
    fn a_tensor_file_counts_its_entries() {
        let entry = std::mem::size_of::<zoo_proto::StringStringEntryProto>() as u64;
        let fixed = tensor_structure_bytes(&[]).unwrap();
        // external_data (13) × 1000, empty; float_data (4), packed, 3 floats.
        let mut t: Vec<u8> = std::iter::repeat_n([0x6a_u8, 0x00], 1000).flatten().collect();
        field(4, &[0; 12], &mut t);
        assert_eq!(tensor_structure_bytes(&t).unwrap(), fixed + 1000 * entry + 12);
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

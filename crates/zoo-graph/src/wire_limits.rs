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

/// What decoding may cost besides the file itself: [`AMPLIFICATION`] times its size, and at
/// least [`DECODE_FLOOR`] (a small file may always decode).
pub const AMPLIFICATION: u64 = 12;
pub const DECODE_FLOOR: u64 = 32 << 20;

/// `Err` naming the counts when the graph holds more than [`MAX_ENTRIES`] entries, or naming the
/// sizes when decoding would take more than [`AMPLIFICATION`]× the file (at least
/// [`DECODE_FLOOR`]).
pub fn check(model: &[u8]) -> Result<(), String> {
    if let Some(c) = graph_counts(model)
        && c.total() > MAX_ENTRIES
    {
        return Err(format!(
            "its graph has {} nodes, {} initializers and {} inputs/outputs/value_infos, more than the {MAX_ENTRIES} entries \
             zoo decodes (decoding allocates per entry: a hostile file of tiny nodes grows 250–500× in memory)",
            c.nodes, c.initializers, c.values
        ));
    }
    let limit = (model.len() as u64).saturating_mul(AMPLIFICATION).max(DECODE_FLOOR);
    match decoded_bytes(model) {
        Some(d) if d > limit => Err(format!(
            "decoding its {} bytes would allocate about {d} bytes (messages: nodes, attributes, value infos …), more \
             than {AMPLIFICATION}× the file zoo allows (a file of many tiny messages is the sign of a hostile one)",
            model.len()
        )),
        _ => Ok(()),
    }
}

/// The message types whose instances decoding allocates (onnx.proto; prost's structs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Msg {
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    Segment,
    Sparse,
    ValueInfo,
    Type,
    TypeTensor,
    TypeSequence,
    TypeMap,
    TypeOptional,
    TypeSparse,
    Shape,
    Dim,
    Entry,
    OpsetId,
    Function,
    Training,
    Annotation,
    DeviceConfig,
    NodeDeviceConfig,
}

/// A length-delimited field: a message, one element of a repeated string (its `String` header
/// is allocated in the `Vec`), a tensor's raw bytes (a slice of the file's buffer: at most its
/// length), or anything else — strings and packed numbers, 8× for varints (`i64` from a byte).
enum Field {
    Message(Msg),
    RepeatedString,
    Raw,
    Other,
}

fn field(m: Msg, tag: u64) -> Field {
    use Field::{Message as M, Other, RepeatedString as S};
    use Msg::*;
    match (m, tag) {
        (Model, 7) => M(Graph),
        (Model, 8) => M(OpsetId),
        (Model, 14) => M(Entry),
        (Model, 20) => M(Training),
        (Model, 25) => M(Function),
        (Model, 26) => M(DeviceConfig),
        (Graph, 1) => M(Node),
        (Graph, 5) => M(Tensor),
        (Graph, 15) => M(Sparse),
        (Graph, 11..=13) => M(ValueInfo),
        (Graph, 14) => M(Annotation),
        (Graph, 16) => M(Entry),
        (Node, 1 | 2) => S,
        (Node, 5) => M(Attribute),
        (Node, 9) => M(Entry),
        (Node, 10) => M(NodeDeviceConfig),
        (Attribute, 5 | 10) => M(Tensor),
        (Attribute, 6 | 11) => M(Graph),
        (Attribute, 22 | 23) => M(Sparse),
        (Attribute, 14 | 15) => M(Type),
        (Attribute, 9) => S,
        (Tensor, 3) => M(Segment),
        (Tensor, 13 | 16) => M(Entry),
        (Tensor, 6) => S,
        (Tensor, 9) => Field::Raw,
        (Sparse, 1 | 2) => M(Tensor),
        (ValueInfo, 2) => M(Type),
        (ValueInfo, 4) => M(Entry),
        (Type, 1) => M(TypeTensor),
        (Type, 4) => M(TypeSequence),
        (Type, 5) => M(TypeMap),
        (Type, 9) => M(TypeOptional),
        (Type, 8) => M(TypeSparse),
        (TypeTensor | TypeSparse, 2) => M(Shape),
        (TypeSequence | TypeOptional, 1) => M(Type),
        (TypeMap, 2) => M(Type),
        (Shape, 1) => M(Dim),
        (Function, 3) => M(Node),
        (Function, 11) => M(Attribute),
        (Function, 12) => M(ValueInfo),
        (Function, 7) => M(OpsetId),
        (Function, 14) => M(Entry),
        (Function, 4..=6) => S,
        (Training, 1 | 2) => M(Graph),
        (Training, 3 | 4) => M(Entry),
        (Annotation, 2) => M(Entry),
        _ => Other,
    }
}

fn size_of(m: Msg) -> u64 {
    use std::mem::size_of as s;
    use zoo_proto as p;
    (match m {
        Msg::Model => s::<p::ModelProto>(),
        Msg::Graph => s::<p::GraphProto>(),
        Msg::Node => s::<p::NodeProto>(),
        Msg::Attribute => s::<p::AttributeProto>(),
        Msg::Tensor => s::<p::TensorProto>(),
        Msg::Segment => s::<p::tensor_proto::Segment>(),
        Msg::Sparse => s::<p::SparseTensorProto>(),
        Msg::ValueInfo => s::<p::ValueInfoProto>(),
        Msg::Type => s::<p::TypeProto>(),
        Msg::TypeTensor => s::<p::type_proto::Tensor>(),
        Msg::TypeSequence => s::<p::type_proto::Sequence>(),
        Msg::TypeMap => s::<p::type_proto::Map>(),
        Msg::TypeOptional => s::<p::type_proto::Optional>(),
        Msg::TypeSparse => s::<p::type_proto::SparseTensor>(),
        Msg::Shape => s::<p::TensorShapeProto>(),
        Msg::Dim => s::<p::tensor_shape_proto::Dimension>(),
        Msg::Entry => s::<p::StringStringEntryProto>(),
        Msg::OpsetId => s::<p::OperatorSetIdProto>(),
        Msg::Function => s::<p::FunctionProto>(),
        Msg::Training => s::<p::TrainingInfoProto>(),
        Msg::Annotation => s::<p::TensorAnnotation>(),
        Msg::DeviceConfig => s::<p::DeviceConfigurationProto>(),
        Msg::NodeDeviceConfig => s::<p::NodeDeviceConfigurationProto>(),
    }) as u64
}

/// prost's recursion limit: deeper files fail to decode anyway.
const MAX_DEPTH: usize = 100;

/// An upper estimate of what decoding a serialized ModelProto allocates: every message's
/// struct, twice (a `Vec` grows by doubling), every repeated string's header, twice, and the
/// bytes of strings, raw data and packed numbers. `None` where the bytes are not well-formed
/// protobuf (the decoder names that).
pub fn decoded_bytes(model: &[u8]) -> Option<u64> {
    let mut cost = size_of(Msg::Model);
    walk(model, Msg::Model, 0, &mut cost)?;
    Some(cost)
}

fn walk(b: &[u8], m: Msg, depth: usize, cost: &mut u64) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut inner = Ok(());
    fields(b, |tag, payload| {
        let len = payload.len() as u64;
        match field(m, tag) {
            Field::Message(child) => {
                *cost = cost.saturating_add(2 * size_of(child));
                if inner.is_ok() && walk(payload, child, depth + 1, cost).is_none() {
                    inner = Err(());
                }
            }
            Field::RepeatedString => *cost = cost.saturating_add(2 * std::mem::size_of::<String>() as u64 + len),
            Field::Raw => *cost = cost.saturating_add(len),
            Field::Other => *cost = cost.saturating_add(8 * len),
        }
    })?;
    inner.ok()
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

    fn len_prefixed(tag: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let mut len = payload.len() as u64;
        while len >= 0x80 {
            v.push((len & 0x7f) as u8 | 0x80);
            len >>= 7;
        }
        v.push(len as u8);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn many_tiny_messages_are_refused_by_what_they_would_cost() {
        // 300,000 empty nodes: 0.6 MB on disk, each a NodeProto (and Vec slack) when decoded.
        let e = check(&empty_nodes(300_000)).unwrap_err();
        assert!(e.contains("would allocate about"), "{e}");
        let per_node = decoded_bytes(&empty_nodes(1001)).unwrap() - decoded_bytes(&empty_nodes(1)).unwrap();
        assert_eq!(per_node, 1000 * 2 * std::mem::size_of::<zoo_proto::NodeProto>() as u64);
        // Nested: one node of 100,000 empty attributes costs as much per attribute.
        let attrs: Vec<u8> = std::iter::repeat_n([0x2a_u8, 0x00], 100_000).flatten().collect();
        let model = [vec![0x08, 10], len_prefixed(0x3a, &len_prefixed(0x0a, &attrs))].concat();
        let d = decoded_bytes(&model).unwrap();
        assert!(d >= 100_000 * 2 * std::mem::size_of::<zoo_proto::AttributeProto>() as u64, "{d}");
        // A tensor's raw bytes cost their length once (a slice of the file), so a plain file
        // of weights is far inside the bound.
        let tensor = [len_prefixed(0x4a, &vec![7u8; 1 << 20])].concat();
        let model = [vec![0x08, 10], len_prefixed(0x3a, &len_prefixed(0x2a, &tensor))].concat();
        let d = decoded_bytes(&model).unwrap();
        assert!(((1 << 20)..(1 << 20) + 4096).contains(&d), "{d}");
        assert!(check(&model).is_ok());
        // Below the floor anything decodes.
        assert!(check(&empty_nodes(1000)).is_ok());
    }
}

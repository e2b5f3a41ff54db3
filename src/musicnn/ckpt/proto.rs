//! Protobuf decoding, by hand and bounds-checked: a cursor over bytes (varints, lengths, wire
//! fields; the table format uses its varints too) and the messages a bundle stores,
//! `BundleHeaderProto` and `BundleEntryProto` ([`Entry`], with its [`DType`] and the
//! `TensorShapeProto` inside it). Malformed input gives an error naming the field, never a panic.

use std::fmt;

/// `tensorflow/core/framework/types.proto`: `DT_FLOAT`.
const DT_FLOAT: u64 = 1;

/// A `tensorflow.DataType` code as stored in the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DType(pub u64);

impl DType {
    pub const FLOAT: DType = DType(DT_FLOAT);

    /// `DT_FLOAT`, `DT_INT64`, ... for the common codes.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "DT_FLOAT",
            2 => "DT_DOUBLE",
            3 => "DT_INT32",
            4 => "DT_UINT8",
            5 => "DT_INT16",
            6 => "DT_INT8",
            7 => "DT_STRING",
            9 => "DT_INT64",
            10 => "DT_BOOL",
            14 => "DT_BFLOAT16",
            17 => "DT_UINT16",
            19 => "DT_HALF",
            20 => "DT_RESOURCE",
            21 => "DT_VARIANT",
            22 => "DT_UINT32",
            23 => "DT_UINT64",
            _ => return None,
        })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "dtype code {}", self.0),
        }
    }
}

/// One parsed `BundleEntryProto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub shard_id: u64,
    /// Byte range `offset..offset + size` in the data shard (checked at open).
    pub offset: u64,
    pub size: u64,
    /// Masked crc32c of the bytes (proto3 default 0 when absent, verified like TF does).
    pub crc32c: u32,
}

/// Little-endian fixed-size array from exactly `N` bytes.
pub(super) fn le_array<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    b.try_into().ok()
}

/// Bounds-checked cursor over a byte slice.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Base-128 varint, at most 10 bytes, no bits beyond 64.
    pub(super) fn varint(&mut self) -> Result<u64, String> {
        let start = self.pos;
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(format!("varint at byte {start} runs past the end"));
            };
            self.pos += 1;
            let bits = u64::from(b & 0x7f);
            if i == 9 && bits > 1 {
                return Err(format!("varint at byte {start} overflows 64 bits"));
            }
            value |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("varint at byte {start} is longer than 10 bytes"))
    }

    pub(super) fn varint_usize(&mut self) -> Result<usize, String> {
        let at = self.pos;
        let v = self.varint()?;
        usize::try_from(v).map_err(|_| format!("length {v} at byte {at} is too large"))
    }

    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let at = self.pos;
        let s = self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end))
            .ok_or_else(|| {
                format!(
                    "{n} bytes at byte {at} run past the end ({} bytes)",
                    self.buf.len()
                )
            })?;
        self.pos += n;
        Ok(s)
    }

    /// Next protobuf field: (field number, value). Groups (wire types 3, 4) are rejected.
    fn field(&mut self) -> Result<(u64, Field<'a>), String> {
        let at = self.pos;
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err(format!("field number 0 at byte {at}"));
        }
        let value = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => Field::Fixed64(u64::from_le_bytes(
                le_array(self.bytes(8)?).unwrap_or_default(),
            )),
            2 => {
                let n = self.varint_usize()?;
                Field::Bytes(self.bytes(n)?)
            }
            5 => Field::Fixed32(u32::from_le_bytes(
                le_array(self.bytes(4)?).unwrap_or_default(),
            )),
            wt => {
                return Err(format!(
                    "unsupported wire type {wt} (field {number}) at byte {at}"
                ))
            }
        };
        Ok((number, value))
    }
}

#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Varint(u64),
    Fixed64(#[allow(dead_code)] u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Field<'a> {
    fn varint(self, what: &str) -> Result<u64, String> {
        match self {
            Field::Varint(v) => Ok(v),
            other => Err(format!("{what}: expected a varint, found {other:?}")),
        }
    }

    fn bytes(self, what: &str) -> Result<&'a [u8], String> {
        match self {
            Field::Bytes(b) => Ok(b),
            other => Err(format!(
                "{what}: expected a length-delimited field, found {other:?}"
            )),
        }
    }

    fn fixed32(self, what: &str) -> Result<u32, String> {
        match self {
            Field::Fixed32(v) => Ok(v),
            other => Err(format!("{what}: expected a fixed32, found {other:?}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) num_shards: u64,
    pub(super) endianness: u64,
    pub(super) min_consumer: u64,
}

/// `BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2; VersionDef version = 3 }`
/// with `VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3 }`.
pub(super) fn parse_header(buf: &[u8]) -> Result<Header, String> {
    let mut h = Header {
        num_shards: 0,
        endianness: 0,
        min_consumer: 0,
    };
    let mut r = Reader::new(buf);
    while !r.is_empty() {
        match r.field()? {
            (1, v) => h.num_shards = v.varint("num_shards")?,
            (2, v) => h.endianness = v.varint("endianness")?,
            (3, v) => {
                let mut vr = Reader::new(v.bytes("version")?);
                while !vr.is_empty() {
                    if let (2, v) = vr.field()? {
                        h.min_consumer = v.varint("version.min_consumer")?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(h)
}

pub(super) struct ParsedEntry {
    pub(super) entry: Entry,
    pub(super) slices: bool,
}

/// `BundleEntryProto { DataType dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3;
/// int64 offset = 4; int64 size = 5; fixed32 crc32c = 6; repeated TensorSliceProto slices = 7 }`.
pub(super) fn parse_entry(buf: &[u8]) -> Result<ParsedEntry, String> {
    let mut e = Entry {
        dtype: DType(0),
        shape: Vec::new(),
        shard_id: 0,
        offset: 0,
        size: 0,
        crc32c: 0,
    };
    let mut slices = false;
    let mut r = Reader::new(buf);
    while !r.is_empty() {
        match r.field()? {
            (1, v) => e.dtype = DType(v.varint("dtype")?),
            (2, v) => e.shape = parse_shape(v.bytes("shape")?)?,
            (3, v) => e.shard_id = v.varint("shard_id")?,
            (4, v) => e.offset = v.varint("offset")?,
            (5, v) => e.size = v.varint("size")?,
            (6, v) => e.crc32c = v.fixed32("crc32c")?,
            (7, v) => {
                v.bytes("slices")?;
                slices = true;
            }
            _ => {}
        }
    }
    // int64 fields: a negative value arrives as a huge u64 and fails the bounds checks at open.
    Ok(ParsedEntry { entry: e, slices })
}

/// `TensorShapeProto { repeated Dim dim = 2; bool unknown_rank = 3 }`,
/// `Dim { int64 size = 1; string name = 2 }`. Unknown dimensions (-1) are rejected.
pub(super) fn parse_shape(buf: &[u8]) -> Result<Vec<usize>, String> {
    let mut dims = Vec::new();
    let mut r = Reader::new(buf);
    while !r.is_empty() {
        match r.field()? {
            (2, v) => {
                let mut size = 0u64;
                let mut dr = Reader::new(v.bytes("shape.dim")?);
                while !dr.is_empty() {
                    if let (1, v) = dr.field()? {
                        size = v.varint("shape.dim.size")?;
                    }
                }
                let d = i64::try_from(size)
                    .ok()
                    .and_then(|s| usize::try_from(s).ok())
                    .ok_or_else(|| {
                        format!("shape dimension {} is negative or too large", size as i64)
                    })?;
                dims.push(d);
            }
            (3, v) if v.varint("shape.unknown_rank")? != 0 => {
                return Err("shape has unknown rank".into());
            }
            _ => {}
        }
    }
    Ok(dims)
}

//! Reader for TensorFlow "V2" checkpoints (tensor bundles), enough to load the MusiCNN weights.
//!
//! A bundle with prefix `P` is two files:
//! * `P.index`: an SSTable (LevelDB table format, uncompressed blocks) mapping each tensor name
//!   to a serialized `BundleEntryProto` (dtype, shape, shard, offset, size, masked crc32c); the
//!   empty key holds the `BundleHeaderProto` (number of shards, endianness, version).
//! * `P.data-00000-of-00001`: the raw little-endian tensor bytes, located by the entries.
//!
//! For MusiCNN the prefix is `"<model dir>/"`, so the files are literally named `.index` and
//! `.data-00000-of-00001`. A port of `../shared/musicnn/ckpt_reader.py`, but strict: every block
//! checksum and every tensor checksum is verified, and every length read from the files is
//! bounds-checked, so a truncated, corrupt or hostile file gives a [`CheckpointError`], never a
//! panic.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crc::{Crc, Table, CRC_32_ISCSI};

/// CRC-32C (Castagnoli), as used by LevelDB tables and TF bundles (slice-by-16 tables).
static CASTAGNOLI: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_ISCSI);

/// LevelDB/TF table magic, the last 8 bytes of the `.index` file.
const TABLE_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// Footer: metaindex handle + index handle (varints, padded to 40 bytes) + 8-byte magic.
const FOOTER_LEN: usize = 48;
/// Every block is followed by 1 byte of compression type and 4 bytes of masked crc32c.
const BLOCK_TRAILER_LEN: usize = 5;
/// `BundleHeaderProto.version.min_consumer` above this needs a newer reader
/// (`kTensorBundleVersion` in TF's `tensor_bundle.h`).
const BUNDLE_VERSION: u64 = 1;
/// `tensorflow/core/framework/types.proto`: `DT_FLOAT`.
const DT_FLOAT: u64 = 1;

/// File names inside a model directory (the bundle prefix is `"<dir>/"`).
pub const INDEX_FILE: &str = ".index";
pub const DATA_FILE: &str = ".data-00000-of-00001";

/// TF's masking of stored crc32c values (`crc32c::Mask`).
pub fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Masked CRC-32C of `data`, as stored in bundle entries.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask_crc(CASTAGNOLI.checksum(data))
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("MusiCNN checkpoint {} is missing: run scripts/fetch-models.sh to download the weights", .path.display())]
    Missing { path: PathBuf },
    #[error("cannot read checkpoint file {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint file {} is truncated: {what}", .path.display())]
    Truncated { path: PathBuf, what: String },
    #[error("{} is not a TensorFlow checkpoint index (or is truncated): bad table magic {found:#018x}, expected {TABLE_MAGIC:#018x}", .path.display())]
    BadMagic { path: PathBuf, found: u64 },
    #[error("checkpoint file {} is corrupt: {block} block at offset {offset} fails its checksum (stored masked crc32c {stored:#010x}, computed {computed:#010x})", .path.display())]
    BlockCrc {
        path: PathBuf,
        block: &'static str,
        offset: u64,
        stored: u32,
        computed: u32,
    },
    #[error("checkpoint file {} is malformed: {what}", .path.display())]
    Malformed { path: PathBuf, what: String },
    #[error("checkpoint file {} uses an unsupported feature: {what}", .path.display())]
    Unsupported { path: PathBuf, what: String },
    #[error("checkpoint {}: tensor {name:?} claims {size} bytes at offset {offset} but the data shard {} has {len} bytes (truncated or corrupt)", .dir.display(), .path.display())]
    OutOfBounds {
        dir: PathBuf,
        path: PathBuf,
        name: String,
        offset: u64,
        size: u64,
        len: u64,
    },
    #[error("checkpoint data {} is corrupt: tensor {name:?} fails its checksum (stored masked crc32c {stored:#010x}, computed {computed:#010x})", .path.display())]
    TensorCrc {
        path: PathBuf,
        name: String,
        stored: u32,
        computed: u32,
    },
    #[error("checkpoint {} has no tensor named {name:?}", .dir.display())]
    UnknownTensor { dir: PathBuf, name: String },
    #[error("checkpoint {}: tensor {name:?} has dtype {dtype}; only DT_FLOAT is supported", .dir.display())]
    UnsupportedDtype {
        dir: PathBuf,
        name: String,
        dtype: DType,
    },
    #[error("checkpoint {}: tensor {name:?} has shape {shape:?} ({what}) but its entry holds {size} bytes", .dir.display())]
    SizeMismatch {
        dir: PathBuf,
        name: String,
        shape: Vec<usize>,
        what: String,
        size: u64,
    },
    #[error("checkpoint {}: tensor {name:?} has shape {found:?}, expected {expected:?}", .dir.display())]
    ShapeMismatch {
        dir: PathBuf,
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
}

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

/// A float32 tensor, C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// An opened bundle: the parsed index plus the whole data shard in memory (9.5 MB for MusiCNN).
pub struct Checkpoint {
    dir: PathBuf,
    data_path: PathBuf,
    entries: BTreeMap<String, Entry>,
    data: Vec<u8>,
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("dir", &self.dir)
            .field("tensors", &self.entries.len())
            .field("data_bytes", &self.data.len())
            .finish()
    }
}

impl Checkpoint {
    /// Reads `<dir>/.index` and `<dir>/.data-00000-of-00001`, parses and checks the SSTable
    /// (footer magic, block trailers' masked crc32c, index block, data blocks, prefix-compressed
    /// keys), the `BundleHeaderProto` under key `""` and every `BundleEntryProto`, and checks that
    /// every entry lies inside the data shard. Tensor checksums are verified by [`Self::tensor`].
    pub fn open(dir: &Path) -> Result<Checkpoint, CheckpointError> {
        if !dir.exists() {
            return Err(CheckpointError::Missing {
                path: dir.to_path_buf(),
            });
        }
        let index_path = dir.join(INDEX_FILE);
        let data_path = dir.join(DATA_FILE);
        let index = read_file(&index_path)?;

        let malformed = |what: String| CheckpointError::Malformed {
            path: index_path.clone(),
            what,
        };
        let records = read_table(&index, &index_path)?;

        let mut records = records.into_iter();
        let header = match records.next() {
            Some((key, value)) if key.is_empty() => {
                parse_header(&value).map_err(|e| malformed(format!("BundleHeaderProto: {e}")))?
            }
            _ => return Err(malformed("no BundleHeaderProto under the empty key".into())),
        };
        let unsupported = |what: String| CheckpointError::Unsupported {
            path: index_path.clone(),
            what,
        };
        if header.num_shards != 1 {
            return Err(unsupported(format!(
                "{} data shards (only single-shard bundles are read)",
                header.num_shards
            )));
        }
        if header.endianness != 0 {
            return Err(unsupported("big-endian bundle".into()));
        }
        if header.min_consumer > BUNDLE_VERSION {
            return Err(unsupported(format!(
                "bundle version needs a reader >= {} (this one is {BUNDLE_VERSION})",
                header.min_consumer
            )));
        }

        let mut entries = BTreeMap::new();
        for (key, value) in records {
            let name = String::from_utf8(key).map_err(|e| {
                malformed(format!(
                    "tensor name is not UTF-8: {:?}",
                    String::from_utf8_lossy(e.as_bytes())
                ))
            })?;
            let entry = parse_entry(&value)
                .map_err(|e| malformed(format!("entry of tensor {name:?}: {e}")))?;
            if entry.slices {
                return Err(unsupported(format!("tensor {name:?} is stored in slices")));
            }
            if entry.entry.shard_id != 0 {
                return Err(malformed(format!(
                    "tensor {name:?} is in shard {} of a 1-shard bundle",
                    entry.entry.shard_id
                )));
            }
            entries.insert(name, entry.entry);
        }

        let data = read_file(&data_path)?;
        let len = data.len() as u64;
        for (name, e) in &entries {
            if e.offset.checked_add(e.size).is_none_or(|end| end > len) {
                return Err(CheckpointError::OutOfBounds {
                    dir: dir.to_path_buf(),
                    path: data_path,
                    name: name.clone(),
                    offset: e.offset,
                    size: e.size,
                    len,
                });
            }
        }
        tracing::debug!(
            dir = %dir.display(),
            tensors = entries.len(),
            data_bytes = data.len(),
            "opened TF checkpoint"
        );
        Ok(Checkpoint {
            dir: dir.to_path_buf(),
            data_path,
            entries,
            data,
        })
    }

    /// The directory (bundle prefix without the trailing `/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Tensor names, sorted bytewise (the SSTable order).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.entries.get(name).map(|e| e.shape.as_slice())
    }

    /// The parsed index entry of `name`.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    /// The tensor's raw bytes, their masked crc32c verified against the entry (any dtype).
    pub fn raw_bytes(&self, name: &str) -> Result<&[u8], CheckpointError> {
        let e = self
            .entries
            .get(name)
            .ok_or_else(|| CheckpointError::UnknownTensor {
                dir: self.dir.clone(),
                name: name.to_owned(),
            })?;
        let bytes = usize::try_from(e.offset)
            .ok()
            .zip(usize::try_from(e.size).ok())
            .and_then(|(off, size)| self.data.get(off..off.checked_add(size)?))
            .ok_or_else(|| CheckpointError::OutOfBounds {
                dir: self.dir.clone(),
                path: self.data_path.clone(),
                name: name.to_owned(),
                offset: e.offset,
                size: e.size,
                len: self.data.len() as u64,
            })?;
        let computed = masked_crc32c(bytes);
        if computed != e.crc32c {
            return Err(CheckpointError::TensorCrc {
                path: self.data_path.clone(),
                name: name.to_owned(),
                stored: e.crc32c,
                computed,
            });
        }
        Ok(bytes)
    }

    /// The tensor's data, its masked crc32c verified against the entry; only `DT_FLOAT` is
    /// supported (others: [`CheckpointError::UnsupportedDtype`]).
    pub fn tensor(&self, name: &str) -> Result<Tensor, CheckpointError> {
        let e = self
            .entries
            .get(name)
            .ok_or_else(|| CheckpointError::UnknownTensor {
                dir: self.dir.clone(),
                name: name.to_owned(),
            })?;
        if e.dtype != DType::FLOAT {
            return Err(CheckpointError::UnsupportedDtype {
                dir: self.dir.clone(),
                name: name.to_owned(),
                dtype: e.dtype,
            });
        }
        let size_mismatch = |what: String| CheckpointError::SizeMismatch {
            dir: self.dir.clone(),
            name: name.to_owned(),
            shape: e.shape.clone(),
            what,
            size: e.size,
        };
        let numel = e
            .shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| size_mismatch("element count overflows".into()))?;
        let expected = numel.checked_mul(4).filter(|&b| b as u64 == e.size);
        if expected.is_none() {
            return Err(size_mismatch(format!(
                "{numel} float32 = {} bytes",
                numel as u128 * 4
            )));
        }
        let bytes = self.raw_bytes(name)?;
        let data = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Tensor {
            shape: e.shape.clone(),
            data,
        })
    }

    /// [`Self::tensor`], also checking the shape against what the network expects.
    pub fn tensor_shaped(&self, name: &str, expected: &[usize]) -> Result<Tensor, CheckpointError> {
        if let Some(found) = self.shape(name) {
            if found != expected {
                return Err(CheckpointError::ShapeMismatch {
                    dir: self.dir.clone(),
                    name: name.to_owned(),
                    expected: expected.to_vec(),
                    found: found.to_vec(),
                });
            }
        }
        self.tensor(name)
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, CheckpointError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            CheckpointError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            CheckpointError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

// ------------------------------------------------------------------------------------ SSTable

/// A table record: (key, value).
type Record = (Vec<u8>, Vec<u8>);

/// All (key, value) records of an uncompressed LevelDB-format table, in file order, with keys
/// checked to be strictly increasing (which also rejects a block listed twice).
fn read_table(file: &[u8], path: &Path) -> Result<Vec<Record>, CheckpointError> {
    let malformed = |what: String| CheckpointError::Malformed {
        path: path.to_path_buf(),
        what,
    };
    let Some(footer_start) = file.len().checked_sub(FOOTER_LEN) else {
        return Err(CheckpointError::Truncated {
            path: path.to_path_buf(),
            what: format!(
                "{} bytes, shorter than the {FOOTER_LEN}-byte table footer",
                file.len()
            ),
        });
    };
    let footer = &file[footer_start..];
    let magic = u64::from_le_bytes(le_array(&footer[40..]).unwrap_or_default());
    if magic != TABLE_MAGIC {
        return Err(CheckpointError::BadMagic {
            path: path.to_path_buf(),
            found: magic,
        });
    }
    let mut r = Reader::new(&footer[..40]);
    let meta_handle = r
        .block_handle()
        .map_err(|e| malformed(format!("footer metaindex handle: {e}")))?;
    let index_handle = r
        .block_handle()
        .map_err(|e| malformed(format!("footer index handle: {e}")))?;

    // The metaindex block is empty in TF bundles; verify its checksum all the same.
    read_block(file, meta_handle, "metaindex", path, footer_start)?;
    let index_block = read_block(file, index_handle, "index", path, footer_start)?;
    let index = block_records(index_block).map_err(|e| {
        malformed(format!(
            "index block at offset {}: {e}",
            index_handle.offset
        ))
    })?;

    let mut records: Vec<Record> = Vec::new();
    for (i, (_separator, handle)) in index.iter().enumerate() {
        let mut r = Reader::new(handle);
        let handle = r
            .block_handle()
            .map_err(|e| malformed(format!("index record {i}: data block handle: {e}")))?;
        let block = read_block(file, handle, "data", path, footer_start)?;
        let recs = block_records(block)
            .map_err(|e| malformed(format!("data block at offset {}: {e}", handle.offset)))?;
        for (key, value) in recs {
            if let Some((prev, _)) = records.last() {
                if key <= *prev {
                    return Err(malformed(format!(
                        "keys out of order or duplicated: {:?} after {:?}",
                        String::from_utf8_lossy(&key),
                        String::from_utf8_lossy(prev)
                    )));
                }
            }
            records.push((key, value));
        }
    }
    Ok(records)
}

#[derive(Debug, Clone, Copy)]
struct BlockHandle {
    offset: u64,
    size: u64,
}

/// The contents of the block at `handle`, its trailer's masked crc32c (over contents + type
/// byte) verified. Blocks must end before the footer at `limit`.
fn read_block<'a>(
    file: &'a [u8],
    handle: BlockHandle,
    block: &'static str,
    path: &Path,
    limit: usize,
) -> Result<&'a [u8], CheckpointError> {
    let range = usize::try_from(handle.offset)
        .ok()
        .zip(usize::try_from(handle.size).ok())
        .and_then(|(off, size)| {
            let end = off.checked_add(size)?;
            (end.checked_add(BLOCK_TRAILER_LEN)? <= limit).then_some((off, end))
        });
    let Some((start, end)) = range else {
        return Err(CheckpointError::Truncated {
            path: path.to_path_buf(),
            what: format!(
                "{block} block at offset {} size {} (+{BLOCK_TRAILER_LEN}-byte trailer) extends past the table's end at {limit}",
                handle.offset, handle.size
            ),
        });
    };
    // In bounds: `end + 5 <= limit <= file.len()`.
    let with_type = &file[start..end + 1];
    let ctype = file[end];
    let stored =
        u32::from_le_bytes(le_array(&file[end + 1..end + BLOCK_TRAILER_LEN]).unwrap_or_default());
    let computed = masked_crc32c(with_type);
    if computed != stored {
        return Err(CheckpointError::BlockCrc {
            path: path.to_path_buf(),
            block,
            offset: handle.offset,
            stored,
            computed,
        });
    }
    if ctype != 0 {
        return Err(CheckpointError::Unsupported {
            path: path.to_path_buf(),
            what: format!(
                "{block} block at offset {} is compressed (type {ctype}{})",
                handle.offset,
                if ctype == 1 { ", snappy" } else { "" }
            ),
        });
    }
    Ok(&file[start..end])
}

/// The records of one block: prefix-compressed keys (`shared`, `non_shared`, `value_len`
/// varints, key suffix, value), followed by the restart array and its `u32` length.
fn block_records(block: &[u8]) -> Result<Vec<Record>, String> {
    let n = block.len();
    let tail = n
        .checked_sub(4)
        .ok_or_else(|| format!("{n} bytes, too short for the restart count"))?;
    let num_restarts = u32::from_le_bytes(le_array(&block[tail..]).unwrap_or_default());
    let limit = (num_restarts as usize)
        .checked_mul(4)
        .and_then(|r| tail.checked_sub(r))
        .ok_or_else(|| format!("{num_restarts} restart points do not fit in {n} bytes"))?;
    let mut r = Reader::new(&block[..limit]);
    let mut out = Vec::new();
    let mut key: Vec<u8> = Vec::new();
    while !r.is_empty() {
        let at = r.pos;
        let shared = r.varint_usize()?;
        let non_shared = r.varint_usize()?;
        let value_len = r.varint_usize()?;
        if shared > key.len() {
            return Err(format!(
                "record at {at} shares {shared} key bytes with a {}-byte previous key",
                key.len()
            ));
        }
        key.truncate(shared);
        key.extend_from_slice(r.bytes(non_shared)?);
        let value = r.bytes(value_len)?.to_vec();
        out.push((key.clone(), value));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------- protobuf

/// Little-endian fixed-size array from exactly `N` bytes.
fn le_array<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    b.try_into().ok()
}

/// Bounds-checked cursor over a byte slice.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Base-128 varint, at most 10 bytes, no bits beyond 64.
    fn varint(&mut self) -> Result<u64, String> {
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

    fn varint_usize(&mut self) -> Result<usize, String> {
        let at = self.pos;
        let v = self.varint()?;
        usize::try_from(v).map_err(|_| format!("length {v} at byte {at} is too large"))
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
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

    fn block_handle(&mut self) -> Result<BlockHandle, String> {
        Ok(BlockHandle {
            offset: self.varint()?,
            size: self.varint()?,
        })
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
struct Header {
    num_shards: u64,
    endianness: u64,
    min_consumer: u64,
}

/// `BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2; VersionDef version = 3 }`
/// with `VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3 }`.
fn parse_header(buf: &[u8]) -> Result<Header, String> {
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

struct ParsedEntry {
    entry: Entry,
    slices: bool,
}

/// `BundleEntryProto { DataType dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3;
/// int64 offset = 4; int64 size = 5; fixed32 crc32c = 6; repeated TensorSliceProto slices = 7 }`.
fn parse_entry(buf: &[u8]) -> Result<ParsedEntry, String> {
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
fn parse_shape(buf: &[u8]) -> Result<Vec<usize>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::musicnn::{model_dir, Model};
    use std::time::Instant;

    /// The real weights; a missing download fails the test (a skip would hide it).
    fn weights(model: Model) -> PathBuf {
        let dir = model_dir(model);
        for f in [INDEX_FILE, DATA_FILE] {
            let p = dir.join(f);
            assert!(
                p.is_file(),
                "MusiCNN weights missing ({} not found): run scripts/fetch-models.sh",
                p.display()
            );
        }
        dir
    }

    struct Row {
        name: String,
        shape: Vec<usize>,
        offset: u64,
        nbytes: u64,
        inference: bool,
        mean: f64,
        maxabs: f64,
    }

    fn tsv(model: Model) -> Vec<Row> {
        let path = match model {
            Model::Msd => concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/musicnn/tensors_MSD_musicnn.tsv"
            ),
            Model::Mtt => concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/musicnn/tensors_MTT_musicnn.tsv"
            ),
        };
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reference tensor list {path} is missing ({e})"));
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("empty TSV").split('\t').collect();
        assert_eq!(
            header,
            [
                "name",
                "dtype",
                "shape",
                "numel",
                "data_offset",
                "nbytes",
                "crc32c",
                "used_by",
                "mean",
                "maxabs"
            ],
            "{path}: unexpected columns"
        );
        lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                assert_eq!(c.len(), 10, "{path}: bad row {l:?}");
                assert_eq!(c[1], "DT_FLOAT", "{path}: {l:?}");
                assert_eq!(c[6], "ok", "{path}: {l:?}");
                let shape: Vec<usize> = if c[2] == "scalar" {
                    vec![]
                } else {
                    c[2].split('x').map(|d| d.parse().expect("dim")).collect()
                };
                assert_eq!(
                    shape.iter().product::<usize>(),
                    c[3].parse::<usize>().unwrap()
                );
                Row {
                    name: c[0].to_owned(),
                    shape,
                    offset: c[4].parse().unwrap(),
                    nbytes: c[5].parse().unwrap(),
                    inference: match c[7] {
                        "inference" => true,
                        "optimizer-only" => false,
                        other => panic!("{path}: used_by {other:?}"),
                    },
                    mean: c[8].parse().unwrap(),
                    maxabs: c[9].parse().unwrap(),
                }
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-4 * b.abs().max(a.abs()) || (a == 0.0 && b == 0.0)
    }

    #[test]
    fn both_models_match_reference_tsv() {
        for model in Model::ALL {
            let dir = weights(model);
            let rows = tsv(model);
            assert_eq!(rows.len(), 150, "{model:?}: TSV rows");
            let ck = Checkpoint::open(&dir).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ck.len(), 150, "{model:?}: tensor count");
            let names: Vec<&str> = ck.names().collect();
            let mut want: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
            want.sort_unstable();
            assert_eq!(names, want, "{model:?}: names");
            assert_eq!(rows.iter().filter(|r| r.inference).count(), 64);
            for row in &rows {
                let e = ck.entry(&row.name).unwrap();
                assert_eq!(e.dtype, DType::FLOAT, "{}", row.name);
                assert_eq!(
                    ck.shape(&row.name),
                    Some(row.shape.as_slice()),
                    "{}",
                    row.name
                );
                assert_eq!(e.size, row.nbytes, "{}: nbytes", row.name);
                assert_eq!(e.offset, row.offset, "{}: offset", row.name);
                let t = ck.tensor(&row.name).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(t.shape, row.shape);
                assert_eq!(t.data.len() as u64 * 4, row.nbytes);
                let n = t.data.len() as f64;
                let mean = t.data.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
                let maxabs = t.data.iter().fold(0f64, |m, &x| m.max(f64::from(x).abs()));
                assert!(
                    close(mean, row.mean),
                    "{model:?} {}: mean {mean} vs TSV {}",
                    row.name,
                    row.mean
                );
                assert!(
                    close(maxabs, row.maxabs),
                    "{model:?} {}: maxabs {maxabs} vs TSV {}",
                    row.name,
                    row.maxabs
                );
            }
            let t = ck.tensor_shaped("conv2d/kernel", &[7, 38, 1, 204]).unwrap();
            assert_eq!(t.data.len(), 7 * 38 * 204);
            let err = ck
                .tensor_shaped("conv2d/kernel", &[38, 7, 1, 204])
                .unwrap_err();
            assert!(
                matches!(err, CheckpointError::ShapeMismatch { .. }),
                "{err}"
            );
            let err = ck.tensor("no/such/tensor").unwrap_err();
            assert!(
                matches!(err, CheckpointError::UnknownTensor { .. }),
                "{err}"
            );
            assert!(err.to_string().contains("no/such/tensor"), "{err}");
        }
    }

    /// `Checkpoint::open` + every inference tensor; run with `--nocapture` to see the time.
    #[test]
    fn timing_open_and_read_inference_tensors() {
        for model in Model::ALL {
            let dir = weights(model);
            let inference: Vec<String> = tsv(model)
                .into_iter()
                .filter(|r| r.inference)
                .map(|r| r.name)
                .collect();
            let mut best = f64::INFINITY;
            for _ in 0..5 {
                let t0 = Instant::now();
                let ck = Checkpoint::open(&dir).unwrap();
                let t1 = Instant::now();
                let mut floats = 0;
                for name in &inference {
                    floats += ck.tensor(name).unwrap().data.len();
                }
                let t2 = Instant::now();
                let total = (t2 - t0).as_secs_f64();
                if total < best {
                    best = total;
                    eprintln!(
                        "{model:?}: open {:.2} ms, {} inference tensors ({floats} floats) {:.2} ms, total {:.2} ms",
                        (t1 - t0).as_secs_f64() * 1e3,
                        inference.len(),
                        (t2 - t1).as_secs_f64() * 1e3,
                        total * 1e3
                    );
                }
            }
        }
    }

    /// Both files of `model` copied into a scratch directory.
    fn scratch_copy(model: Model) -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
        let src = weights(model);
        let tmp = tempfile::tempdir().unwrap();
        let index = std::fs::read(src.join(INDEX_FILE)).unwrap();
        let data = std::fs::read(src.join(DATA_FILE)).unwrap();
        std::fs::write(tmp.path().join(INDEX_FILE), &index).unwrap();
        std::fs::write(tmp.path().join(DATA_FILE), &data).unwrap();
        (tmp, index, data)
    }

    #[test]
    fn corrupt_data_byte_names_the_tensor() {
        let (tmp, _, mut data) = scratch_copy(Model::Msd);
        let good = Checkpoint::open(&weights(Model::Msd)).unwrap();
        let e = good.entry("conv2d/kernel").unwrap();
        let at = (e.offset + e.size / 2) as usize;
        data[at] ^= 0x10;
        std::fs::write(tmp.path().join(DATA_FILE), &data).unwrap();

        let ck = Checkpoint::open(tmp.path()).expect("index is intact");
        let err = ck.tensor("conv2d/kernel").unwrap_err();
        assert!(
            matches!(&err, CheckpointError::TensorCrc { name, .. } if name == "conv2d/kernel"),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("\"conv2d/kernel\"") && msg.contains("checksum"),
            "{msg}"
        );
        assert!(
            msg.contains(&tmp.path().join(DATA_FILE).display().to_string()),
            "{msg}"
        );
        for name in ck.names().filter(|&n| n != "conv2d/kernel") {
            assert_eq!(
                ck.tensor(name).unwrap_or_else(|e| panic!("{e}")),
                good.tensor(name).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn corrupt_or_truncated_index_is_an_error() {
        let (tmp, index, data) = scratch_copy(Model::Msd);
        let idx = tmp.path().join(INDEX_FILE);

        // A byte inside the first data block: its checksum catches it.
        let mut bad = index.clone();
        bad[40] ^= 0x01;
        std::fs::write(&idx, &bad).unwrap();
        let err = Checkpoint::open(tmp.path()).unwrap_err();
        assert!(
            matches!(
                &err,
                CheckpointError::BlockCrc {
                    block: "data",
                    offset: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&idx.display().to_string()),
            "{err}"
        );

        // Every single-byte flip: an error or (footer padding only) a working checkpoint, never
        // a panic. Everything outside the footer is covered by a block checksum.
        let footer_start = index.len() - FOOTER_LEN;
        let mut accepted = 0;
        for i in 0..index.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = index.clone();
                bad[i] ^= flip;
                std::fs::write(&idx, &bad).unwrap();
                match Checkpoint::open(tmp.path()) {
                    Err(_) => {}
                    Ok(ck) => {
                        assert!(i >= footer_start, "flip {flip:#x} at {i} went unnoticed");
                        assert_eq!(ck.len(), 150);
                        accepted += 1;
                    }
                }
            }
        }
        eprintln!("index byte flips accepted (footer padding): {accepted}");

        // Truncated index.
        for len in [0, 1, 47, 48, index.len() / 2, index.len() - 1] {
            std::fs::write(&idx, &index[..len]).unwrap();
            let err = Checkpoint::open(tmp.path()).unwrap_err();
            assert!(
                matches!(
                    err,
                    CheckpointError::Truncated { .. }
                        | CheckpointError::BadMagic { .. }
                        | CheckpointError::Malformed { .. }
                ),
                "len {len}: {err:?}"
            );
        }
        // The magic is intact but the blocks are cut: the handles point past the end.
        let mut cut = index[..100].to_vec();
        cut.extend_from_slice(&index[footer_start..]);
        std::fs::write(&idx, &cut).unwrap();
        let err = Checkpoint::open(tmp.path()).unwrap_err();
        assert!(matches!(err, CheckpointError::Truncated { .. }), "{err:?}");

        // Truncated data shard.
        std::fs::write(&idx, &index).unwrap();
        let dat = tmp.path().join(DATA_FILE);
        for len in [0, 5, data.len() / 2, data.len() - 1] {
            std::fs::write(&dat, &data[..len]).unwrap();
            let err = Checkpoint::open(tmp.path()).unwrap_err();
            assert!(
                matches!(err, CheckpointError::OutOfBounds { .. }),
                "{err:?}"
            );
            assert!(
                err.to_string().contains(&dat.display().to_string()),
                "{err}"
            );
        }
        std::fs::write(&dat, &data).unwrap();
        assert_eq!(Checkpoint::open(tmp.path()).unwrap().len(), 150);
    }

    /// Garbage that got past the checksums (a hostile file can carry valid ones) must still
    /// give errors, not panics: every truncation and many byte substitutions of the real blocks
    /// and entries.
    #[test]
    fn parsers_survive_garbage() {
        let index = std::fs::read(weights(Model::Msd).join(INDEX_FILE)).unwrap();
        let path = Path::new("x");
        let records = read_table(&index, path).unwrap();
        let mut block_bytes = Vec::new();
        // The raw data block(s) and the index block, via the footer.
        let footer_start = index.len() - FOOTER_LEN;
        let mut r = Reader::new(&index[footer_start..footer_start + 40]);
        let _meta = r.block_handle().unwrap();
        let ih = r.block_handle().unwrap();
        let ib = read_block(&index, ih, "index", path, footer_start).unwrap();
        block_bytes.push(ib.to_vec());
        for (_, h) in block_records(ib).unwrap() {
            let h = Reader::new(&h).block_handle().unwrap();
            block_bytes.push(
                read_block(&index, h, "data", path, footer_start)
                    .unwrap()
                    .to_vec(),
            );
        }
        for block in &block_bytes {
            for len in 0..block.len() {
                let _ = block_records(&block[..len]);
            }
            for i in (0..block.len()).step_by(7) {
                for v in [0x00u8, 0x7f, 0x80, 0xff] {
                    let mut b = block.clone();
                    b[i] = v;
                    let _ = block_records(&b);
                }
            }
        }
        let (hk, hv) = &records[0];
        assert!(hk.is_empty());
        let h = parse_header(hv).unwrap();
        assert_eq!((h.num_shards, h.endianness), (1, 0));
        for (_, v) in &records[1..] {
            parse_entry(v).unwrap();
            for len in 0..v.len() {
                let _ = parse_entry(&v[..len]);
            }
            for i in 0..v.len() {
                for x in [0x00u8, 0x07, 0x7f, 0x80, 0xff] {
                    let mut b = v.clone();
                    b[i] = x;
                    let _ = parse_entry(&b);
                    let _ = parse_header(&b);
                }
            }
        }
        // Varint edge cases.
        assert!(Reader::new(&[0x80; 11]).varint().is_err());
        assert!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
                .varint()
                .is_err()
        );
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).varint(),
            Ok(u64::MAX)
        );
        assert!(Reader::new(&[0x80]).varint().is_err());
        // A negative dimension and an unknown rank.
        assert!(parse_shape(&[
            0x12, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
        ])
        .is_err());
        assert!(parse_shape(&[0x18, 0x01]).is_err());
        // A group wire type.
        assert!(parse_entry(&[0x0b]).is_err());
    }

    #[test]
    fn missing_directory_and_files_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("MSD_musicnn");
        let err = Checkpoint::open(&gone).unwrap_err();
        assert!(matches!(err, CheckpointError::Missing { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&gone.display().to_string()), "{msg}");
        assert!(msg.contains("scripts/fetch-models.sh"), "{msg}");

        let (tmp, _, _) = scratch_copy(Model::Mtt);
        let dat = tmp.path().join(DATA_FILE);
        std::fs::remove_file(&dat).unwrap();
        let err = Checkpoint::open(tmp.path()).unwrap_err();
        assert!(
            matches!(&err, CheckpointError::Missing { path } if *path == dat),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(&dat.display().to_string()), "{msg}");
        assert!(msg.contains("scripts/fetch-models.sh"), "{msg}");

        let idx = tmp.path().join(INDEX_FILE);
        std::fs::remove_file(&idx).unwrap();
        let err = Checkpoint::open(tmp.path()).unwrap_err();
        assert!(
            matches!(&err, CheckpointError::Missing { path } if *path == idx),
            "{err:?}"
        );
    }

    #[test]
    fn non_float_dtype_and_size_mismatch_are_errors() {
        let ck = Checkpoint::open(&weights(Model::Msd)).unwrap();
        let mut ck = ck;
        let e = ck.entries.get_mut("beta1_power").unwrap();
        e.dtype = DType(9);
        let err = ck.tensor("beta1_power").unwrap_err();
        assert!(
            matches!(err, CheckpointError::UnsupportedDtype { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("DT_INT64") && err.to_string().contains("beta1_power"));
        let e = ck.entries.get_mut("beta2_power").unwrap();
        e.shape = vec![2];
        let err = ck.tensor("beta2_power").unwrap_err();
        assert!(
            matches!(err, CheckpointError::SizeMismatch { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("beta2_power"), "{err}");
        let e = ck.entries.get_mut("batch_normalization/beta").unwrap();
        e.shape = vec![usize::MAX, 2];
        let err = ck.tensor("batch_normalization/beta").unwrap_err();
        assert!(
            matches!(err, CheckpointError::SizeMismatch { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn masking_matches_tf() {
        // crc32c("123456789") = 0xe3069283 (the CRC-32C check value).
        assert_eq!(CASTAGNOLI.checksum(b"123456789"), 0xe306_9283);
        let m = mask_crc(0xe306_9283);
        let rot = m.wrapping_sub(0xa282_ead8);
        assert_eq!(rot.rotate_left(15), 0xe306_9283);
    }
}

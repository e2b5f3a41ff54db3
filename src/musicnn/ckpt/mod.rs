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
//!
//! Here: opening a bundle (the header's checks, every entry inside the data shard) and reading
//! tensors, with the errors that name what is wrong. `sstable` reads the table format of the
//! index file, `proto` decodes the protobuf messages stored in it, `crc32c` is the checksum
//! both files use.

mod crc32c;
mod proto;
mod sstable;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use crc32c::{mask_crc, masked_crc32c};
use proto::{parse_entry, parse_header};
pub use proto::{DType, Entry};
use sstable::{read_table, TABLE_MAGIC};

/// `BundleHeaderProto.version.min_consumer` above this needs a newer reader
/// (`kTensorBundleVersion` in TF's `tensor_bundle.h`).
const BUNDLE_VERSION: u64 = 1;

/// File names inside a model directory (the bundle prefix is `"<dir>/"`).
pub const INDEX_FILE: &str = ".index";
pub const DATA_FILE: &str = ".data-00000-of-00001";

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

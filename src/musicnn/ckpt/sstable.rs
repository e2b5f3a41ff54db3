//! The LevelDB table format of the `.index` file (uncompressed blocks only): the footer and its
//! magic, block handles, blocks checked against their trailer's masked crc32c, and the records
//! of a block with their prefix-compressed keys, returned in order with keys checked to be
//! strictly increasing. Every offset and length read from the file is bounds-checked.

use std::path::Path;

use super::crc32c::masked_crc32c;
use super::proto::{le_array, Reader};
use super::CheckpointError;

/// LevelDB/TF table magic, the last 8 bytes of the `.index` file.
pub(super) const TABLE_MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// Footer: metaindex handle + index handle (varints, padded to 40 bytes) + 8-byte magic.
pub(super) const FOOTER_LEN: usize = 48;
/// Every block is followed by 1 byte of compression type and 4 bytes of masked crc32c.
const BLOCK_TRAILER_LEN: usize = 5;

/// A table record: (key, value).
pub(super) type Record = (Vec<u8>, Vec<u8>);

/// All (key, value) records of an uncompressed LevelDB-format table, in file order, with keys
/// checked to be strictly increasing (which also rejects a block listed twice).
pub(super) fn read_table(file: &[u8], path: &Path) -> Result<Vec<Record>, CheckpointError> {
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
pub(super) struct BlockHandle {
    offset: u64,
    size: u64,
}

impl Reader<'_> {
    pub(super) fn block_handle(&mut self) -> Result<BlockHandle, String> {
        Ok(BlockHandle {
            offset: self.varint()?,
            size: self.varint()?,
        })
    }
}

/// The contents of the block at `handle`, its trailer's masked crc32c (over contents + type
/// byte) verified. Blocks must end before the footer at `limit`.
pub(super) fn read_block<'a>(
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
pub(super) fn block_records(block: &[u8]) -> Result<Vec<Record>, String> {
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

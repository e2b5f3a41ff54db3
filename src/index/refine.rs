//! The full vectors behind a compressed index, on disk: one float16 row per track id, read
//! back with positioned reads to re-rank the index's short candidate list exactly. A million
//! tracks of 368 values take 752 MB of disk and no memory of their own (the kernel's page cache
//! keeps what is read often), where the index's codes take 64 bytes per track in memory.
//!
//! Rows sit at `HEADER + id × row_bytes`, so adding a track is one write and nothing maps ids
//! to rows; a deleted track leaves a hole (the file is sparse). Each row carries its id and a
//! checksum, so a hole, a torn write or a row of another track is never read as a vector: the
//! candidate then keeps the index's approximate score. The header's token ties the file to the
//! manifest of the index it was built with.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use half::f16;

use super::{Hit, IndexError, Result};

/// The saved file's name in the index folder.
pub const REFINE_FILE: &str = "vectors.f16";
const MAGIC: &[u8; 8] = b"SEGUEF16";
const VERSION: u32 = 1;
/// How a build's file name ends.
const BUILDING: &str = ".building";
/// Magic, version, dimension, token, reserved.
const HEADER: u64 = 32;
/// Id (i64) and checksum (u64) before the values.
const ROW_PREFIX: usize = 16;

/// One index's full vectors, on disk.
#[derive(Debug)]
pub struct RefineStore {
    file: File,
    path: PathBuf,
    dimension: usize,
    token: u64,
    /// Still at its build name, deleted on drop unless [`Self::keep_as`] named it for good.
    temporary: bool,
}

fn io(path: &Path, source: std::io::Error) -> IndexError {
    IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn row_checksum(id: i64, values: &[u8]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&id.to_le_bytes());
    hasher.update(values);
    hasher.digest()
}

impl RefineStore {
    /// A new, empty store at `path` (a build's temporary name: deleted on drop unless kept).
    pub fn create(path: PathBuf, dimension: usize) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        let token = new_token(&path);
        let mut header = Vec::with_capacity(HEADER as usize);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&(dimension as u32).to_le_bytes());
        header.extend_from_slice(&token.to_le_bytes());
        header.resize(HEADER as usize, 0);
        let store = RefineStore {
            file,
            path,
            dimension,
            token,
            temporary: true,
        };
        store
            .file
            .write_all_at(&header, 0)
            .map_err(|e| io(&store.path, e))?;
        Ok(store)
    }

    /// A new, empty store in `dir` under a build name of its own (a hidden file that an index
    /// load clears away if a crash left it).
    pub fn create_in(dir: &Path, dimension: usize) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let name = format!(".{REFINE_FILE}.{:016x}{BUILDING}", new_token(dir));
        Self::create(dir.join(name), dimension)
    }

    /// Deletes build files in `dir` that a crashed build left behind.
    pub fn remove_leftovers(dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&format!(".{REFINE_FILE}.")) && name.ends_with(BUILDING) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Opens a saved store; its header must say `dimension` and `token` (the manifest's).
    pub fn open(path: PathBuf, dimension: usize, token: u64) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        let mut header = [0u8; HEADER as usize];
        file.read_exact_at(&mut header, 0)
            .map_err(|_| IndexError::Corrupt(format!("{}: no header", path.display())))?;
        let u32_at = |at: usize| {
            u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        let mut token_bytes = [0u8; 8];
        token_bytes.copy_from_slice(&header[16..24]);
        if &header[..8] != MAGIC
            || u32_at(8) != VERSION
            || u32_at(12) as usize != dimension
            || u64::from_le_bytes(token_bytes) != token
        {
            return Err(IndexError::Corrupt(format!(
                "{} is not the vector file of this index",
                path.display()
            )));
        }
        Ok(RefineStore {
            file,
            path,
            dimension,
            token,
            temporary: false,
        })
    }

    /// Blocks the file takes on disk (holes take none).
    pub fn bytes_on_disk(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        self.file.metadata().map_or(0, |m| m.blocks() * 512)
    }

    pub fn token(&self) -> u64 {
        self.token
    }

    fn row_bytes(&self) -> usize {
        ROW_PREFIX + self.dimension * 2
    }

    fn offset(&self, id: i64) -> Result<u64> {
        u64::try_from(id)
            .ok()
            .and_then(|id| id.checked_mul(self.row_bytes() as u64))
            .and_then(|at| at.checked_add(HEADER))
            .ok_or_else(|| IndexError::Invalid(format!("track id {id} cannot have a row")))
    }

    /// Writes the rows of these tracks (row-major vectors of the store's dimension). Runs of
    /// consecutive ids go out in one write.
    pub fn write(&mut self, ids: &[i64], vectors: &[f32]) -> Result<()> {
        if vectors.len() != ids.len() * self.dimension {
            return Err(IndexError::Invalid(
                "vector length does not match the vector file".into(),
            ));
        }
        let row_bytes = self.row_bytes();
        let mut run: Vec<u8> = Vec::new();
        let mut run_start: Option<(i64, u64)> = None;
        let mut previous = i64::MIN;
        for (&id, vector) in ids.iter().zip(vectors.chunks_exact(self.dimension)) {
            let offset = self.offset(id)?;
            if run_start.is_some() && (previous.checked_add(1) != Some(id) || run.len() >= 1 << 22)
            {
                self.flush_run(&mut run, &mut run_start)?;
            }
            if run_start.is_none() {
                run_start = Some((id, offset));
            }
            let values: Vec<u8> = vector
                .iter()
                .flat_map(|&x| f16::from_f32(x).to_le_bytes())
                .collect();
            run.extend_from_slice(&id.to_le_bytes());
            run.extend_from_slice(&row_checksum(id, &values).to_le_bytes());
            run.extend_from_slice(&values);
            debug_assert_eq!(run.len() % row_bytes, 0);
            previous = id;
        }
        self.flush_run(&mut run, &mut run_start)
    }

    fn flush_run(&self, run: &mut Vec<u8>, start: &mut Option<(i64, u64)>) -> Result<()> {
        if let Some((_, offset)) = start.take() {
            self.file
                .write_all_at(run, offset)
                .map_err(|e| io(&self.path, e))?;
        }
        run.clear();
        Ok(())
    }

    /// Clears the row of `id`; whether it held a sound vector (the track was in the index).
    pub fn erase(&mut self, id: i64) -> Result<bool> {
        if self.read(id).is_none() {
            return Ok(false);
        }
        self.file
            .write_all_at(&[0u8; ROW_PREFIX], self.offset(id)?)
            .map_err(|e| io(&self.path, e))?;
        Ok(true)
    }

    /// The stored vector of `id`, if its row is there and sound.
    pub fn read(&self, id: i64) -> Option<Vec<f32>> {
        let mut row = vec![0u8; self.row_bytes()];
        self.file
            .read_exact_at(&mut row, self.offset(id).ok()?)
            .ok()?;
        let stored_id = i64::from_le_bytes(row[..8].try_into().ok()?);
        let checksum = u64::from_le_bytes(row[8..16].try_into().ok()?);
        let values = &row[ROW_PREFIX..];
        if stored_id != id || checksum != row_checksum(id, values) {
            return None;
        }
        Some(
            values
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        )
    }

    /// The candidates scored exactly against `query`, the best `k` first (ties by id). A
    /// candidate without a sound row keeps its approximate score; how many did is returned.
    pub fn rerank(&self, query: &[f32], candidates: &[Hit], k: usize) -> (Vec<Hit>, usize) {
        let mut order: Vec<&Hit> = candidates.iter().collect();
        // In file order: neighbouring rows share pages.
        order.sort_by_key(|h| h.id);
        let mut missing = 0;
        let mut scored: Vec<Hit> = order
            .into_iter()
            .map(|hit| match self.read(hit.id) {
                Some(v) => Hit {
                    id: hit.id,
                    score: super::dot(query, &v),
                },
                None => {
                    missing += 1;
                    *hit
                }
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        scored.truncate(k);
        (scored, missing)
    }

    /// Flushes the rows to the disk (before a manifest that counts on them is written).
    pub fn sync(&self) -> Result<()> {
        self.file.sync_data().map_err(|e| io(&self.path, e))
    }

    /// Gives the store its saved name (renaming over the previous index's file, which that
    /// index, if still open, keeps reading through its own handle).
    pub fn keep_as(&mut self, path: PathBuf) -> Result<()> {
        if self.path != path {
            std::fs::rename(&self.path, &path).map_err(|e| io(&path, e))?;
            self.path = path;
        }
        self.temporary = false;
        Ok(())
    }
}

impl Drop for RefineStore {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A token unlikely to repeat: the clock, the process and the path, hashed.
fn new_token(path: &Path) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&nanos.to_le_bytes());
    hasher.update(&std::process::id().to_le_bytes());
    hasher.update(path.as_os_str().as_encoded_bytes());
    hasher.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: u64, dimension: usize) -> Vec<f32> {
        crate::index::synthetic::clustered(1, dimension, 1, seed)
    }

    #[test]
    fn rows_round_trip_at_float16_precision_and_rerank_exactly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dimension = 368;
        let mut store =
            RefineStore::create(dir.path().join("v.f16.building"), dimension).expect("create");
        let ids: Vec<i64> = vec![1, 2, 3, 10, 11, 500];
        let vectors: Vec<f32> = ids
            .iter()
            .flat_map(|&id| unit(id as u64, dimension))
            .collect();
        store.write(&ids, &vectors).expect("write");
        for (i, &id) in ids.iter().enumerate() {
            let got = store.read(id).expect("row");
            let want = &vectors[i * dimension..(i + 1) * dimension];
            let worst = got
                .iter()
                .zip(want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-3, "id {id}: {worst}");
        }
        assert!(store.read(4).is_none(), "a hole is no vector");
        assert!(store.read(9_999).is_none(), "past the end is no vector");
        // Re-ranking puts the query's own row first whatever the approximate scores said.
        let query = &vectors[3 * dimension..4 * dimension];
        let candidates: Vec<Hit> = ids
            .iter()
            .chain([&4])
            .map(|&id| Hit { id, score: 0.5 })
            .collect();
        let (ranked, missing) = store.rerank(query, &candidates, 3);
        assert_eq!(missing, 1, "id 4 has no row");
        assert_eq!(ranked[0].id, 10);
        assert!((ranked[0].score - 1.0).abs() < 1e-3);
        assert_eq!(ranked.len(), 3);
    }

    #[test]
    fn a_damaged_row_or_a_foreign_file_is_never_read_as_a_vector() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.f16");
        let mut store = RefineStore::create(dir.path().join("b"), 8).expect("create");
        store.write(&[7], &unit(7, 8)).expect("write");
        store.keep_as(path.clone()).expect("keep");
        let token = store.token();
        drop(store);
        assert!(path.exists(), "a kept store outlives its handle");
        // One flipped byte in the row's values.
        let mut bytes = std::fs::read(&path).expect("read");
        let at = HEADER as usize + 7 * (ROW_PREFIX + 16) + ROW_PREFIX + 3;
        bytes[at] ^= 0x10;
        std::fs::write(&path, &bytes).expect("write");
        let store = RefineStore::open(path.clone(), 8, token).expect("open");
        assert!(store.read(7).is_none());
        assert!(matches!(
            RefineStore::open(path.clone(), 8, token ^ 1),
            Err(IndexError::Corrupt(_))
        ));
        assert!(matches!(
            RefineStore::open(path, 16, token),
            Err(IndexError::Corrupt(_))
        ));
        // A build's store that is never kept leaves nothing behind.
        let building = dir.path().join("gone");
        drop(RefineStore::create(building.clone(), 8).expect("create"));
        assert!(!building.exists());
    }
}

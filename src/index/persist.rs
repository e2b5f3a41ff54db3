//! Saving and loading an index: the FAISS file, the ids it holds, the full vectors of a
//! re-ranked index, and a manifest that says what they should be. Each file is written to a
//! temporary name, synced and renamed into place; the manifest goes last and carries checksums
//! of the FAISS and id files and the token of the vector file (too large to checksum at every
//! save: its rows carry their own), so a crash between renames (or a damaged disk) is caught on
//! load as a mismatch, never served as a wrong index.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{AnnIndex, IndexError, IndexParams, MeasuredRecall, RefineStore, Result};
use crate::vector::Normalizer;

pub const INDEX_FILE: &str = "vectors.faiss";
pub const IDS_FILE: &str = "ids.bin";
pub const MANIFEST_FILE: &str = "manifest.json";
pub use super::refine::REFINE_FILE;
/// Bump when the manifest or file layout changes.
const FORMAT: u32 = 1;

/// What a saved index is. Enough to check it against the database and the settings without
/// reading the index itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// vector::LAYOUT_VERSION the vectors were made with.
    pub layout: u32,
    pub params: IndexParams,
    pub count: usize,
    /// xxh3 of the sorted ids, to compare with the database's.
    pub ids_checksum: u64,
    pub index_checksum: u64,
    pub ids_file_checksum: u64,
    /// The highest `features.seq` the index has taken in.
    pub seq: i64,
    /// Recall@10 measured at build with library tracks as queries, and with points near them.
    pub measured_recall: Option<f32>,
    #[serde(default)]
    pub measured_recall_near: Option<f32>,
    /// The token in the header of the full-vector file (re-ranked indexes only).
    #[serde(default)]
    pub refine_token: Option<u64>,
    /// When the index was built (RFC 3339, UTC) and how long it took.
    pub built_at: String,
    pub build_ms: u64,
    pub normalizer: Normalizer,
}

/// A loaded index with what it was saved with.
pub struct Saved {
    pub index: AnnIndex,
    pub ids: Vec<i64>,
    pub manifest: Manifest,
}

/// xxh3 of ids in ascending order: the same set gives the same sum whatever the order.
pub fn ids_checksum(ids: &[i64]) -> u64 {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let bytes: Vec<u8> = sorted.iter().flat_map(|id| id.to_le_bytes()).collect();
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

fn io(path: &Path, source: std::io::Error) -> IndexError {
    IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// xxh3 of a file, read in chunks (a 1M-track index is 70 MB: no need to hold it twice).
fn file_checksum(path: &Path) -> Result<u64> {
    use std::io::Read;
    let mut file = File::open(path).map_err(|e| io(path, e))?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| io(path, e))?;
        if n == 0 {
            return Ok(hasher.digest());
        }
        hasher.update(&buffer[..n]);
    }
}

/// Writes `bytes` to `dir/name` atomically: temp file, fsync, rename, fsync of the folder.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    let mut file = File::create(&tmp).map_err(|e| io(&tmp, e))?;
    file.write_all(bytes).map_err(|e| io(&tmp, e))?;
    file.sync_all().map_err(|e| io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(dir, e))?;
    Ok(())
}

/// Saves the index into `dir` (created if needed). A newly built index's vector file moves
/// from its build name to [`REFINE_FILE`].
pub fn save(
    dir: &Path,
    index: &mut AnnIndex,
    ids: &[i64],
    mut manifest: Manifest,
) -> Result<Manifest> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    // FAISS writes to a path; write it to the temp name, then sync and rename it ourselves.
    let tmp = dir.join(format!(".{INDEX_FILE}.tmp"));
    let tmp_str = tmp
        .to_str()
        .ok_or_else(|| IndexError::Invalid(format!("{} is not UTF-8", tmp.display())))?;
    faiss::index::io::write_index(index.inner(), tmp_str)?;
    let index_checksum = file_checksum(&tmp)?;
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&tmp, e))?;
    let final_path = dir.join(INDEX_FILE);
    std::fs::rename(&tmp, &final_path).map_err(|e| io(&final_path, e))?;

    let id_bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_le_bytes()).collect();
    write_atomic(dir, IDS_FILE, &id_bytes)?;

    manifest.refine_token = None;
    if let Some(store) = index.refine_mut() {
        store.sync()?;
        store.keep_as(dir.join(REFINE_FILE))?;
        sync_dir(dir)?;
        manifest.refine_token = Some(store.token());
    }

    manifest.format = FORMAT;
    manifest.count = ids.len();
    manifest.ids_checksum = ids_checksum(ids);
    manifest.index_checksum = index_checksum;
    manifest.ids_file_checksum = xxhash_rust::xxh3::xxh3_64(&id_bytes);
    manifest.params = index.params().clone();
    manifest.measured_recall = index.measured_recall().library;
    manifest.measured_recall_near = index.measured_recall().near;
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| IndexError::Invalid(format!("manifest to JSON: {e}")))?;
    write_atomic(dir, MANIFEST_FILE, &json)?;
    Ok(manifest)
}

/// Whether `dir` holds a saved index at all (a missing index is not an error: it is built).
pub fn exists(dir: &Path) -> bool {
    dir.join(MANIFEST_FILE).is_file()
}

/// Loads and verifies the index in `dir`: every checksum, the count and the dimension must
/// agree, else [`IndexError::Corrupt`] says what did not.
pub fn load(dir: &Path) -> Result<Saved> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let json = std::fs::read(&manifest_path).map_err(|e| io(&manifest_path, e))?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| IndexError::Corrupt(format!("manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(IndexError::Corrupt(format!(
            "manifest format {}",
            manifest.format
        )));
    }
    let ids_path = dir.join(IDS_FILE);
    let id_bytes = std::fs::read(&ids_path).map_err(|e| io(&ids_path, e))?;
    if xxhash_rust::xxh3::xxh3_64(&id_bytes) != manifest.ids_file_checksum
        || id_bytes.len() % 8 != 0
    {
        return Err(IndexError::Corrupt(format!("{IDS_FILE} checksum")));
    }
    let ids: Vec<i64> = id_bytes
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    if ids.len() != manifest.count || ids_checksum(&ids) != manifest.ids_checksum {
        return Err(IndexError::Corrupt(format!(
            "{IDS_FILE} does not hold the manifest's ids"
        )));
    }
    let index_path: PathBuf = dir.join(INDEX_FILE);
    // Checked before FAISS parses it: FAISS trusts its input and a damaged file can crash it.
    if file_checksum(&index_path)? != manifest.index_checksum {
        return Err(IndexError::Corrupt(format!("{INDEX_FILE} checksum")));
    }
    let path_str = index_path
        .to_str()
        .ok_or_else(|| IndexError::Invalid(format!("{} is not UTF-8", index_path.display())))?;
    let raw =
        faiss::index::io::read_index(path_str).map_err(|e| IndexError::Corrupt(e.to_string()))?;
    let refine = match manifest.refine_token {
        Some(token) => Some(RefineStore::open(
            dir.join(REFINE_FILE),
            manifest.params.dimension,
            token,
        )?),
        None => None,
    };
    let measured = MeasuredRecall {
        library: manifest.measured_recall,
        near: manifest.measured_recall_near,
    };
    let index = AnnIndex::from_parts(
        raw,
        manifest.params.clone(),
        measured,
        refine,
        manifest.count,
    )?;
    Ok(Saved {
        index,
        ids,
        manifest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{choose, synthetic, AnnIndex, IndexPolicy};
    use crate::vector::{BlockWeights, Normalizer};

    fn manifest(normalizer: Normalizer, params: IndexParams) -> Manifest {
        Manifest {
            format: FORMAT,
            layout: crate::vector::LAYOUT_VERSION,
            params,
            count: 0,
            ids_checksum: 0,
            index_checksum: 0,
            ids_file_checksum: 0,
            seq: 42,
            measured_recall: None,
            measured_recall_near: None,
            refine_token: None,
            built_at: "2026-11-24T00:00:00Z".into(),
            build_ms: 1,
            normalizer,
        }
    }

    /// The default policy's index of `count` vectors; `compressed`: the re-ranked type.
    fn built(count: usize, scratch: &Path, compressed: bool) -> (AnnIndex, Vec<i64>, Vec<f32>) {
        let dimension = 64;
        let vectors = synthetic::clustered(count, dimension, 30, 5);
        let ids: Vec<i64> = (0..count as i64).map(|i| i * 2 + 1).collect();
        let mut policy = IndexPolicy::default();
        if compressed {
            policy.flat_max = 50;
            policy.ivf_flat_max = 100;
            policy.code_bytes = 16;
        }
        let ann = AnnIndex::build(
            choose(count, dimension, &policy),
            &ids,
            &vectors,
            &policy,
            scratch,
        )
        .expect("build");
        (ann, ids, vectors)
    }

    #[test]
    fn save_then_load_round_trips() {
        for compressed in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let (mut ann, ids, vectors) = built(2_000, dir.path(), compressed);
            assert_eq!(
                ann.params().kind == crate::index::IndexKind::IvfPqRefine,
                compressed
            );
            let normalizer = Normalizer::fit(std::iter::empty(), BlockWeights::default());
            let wanted = manifest(normalizer.clone(), ann.params().clone());
            let saved = save(dir.path(), &mut ann, &ids, wanted).expect("save");
            assert_eq!(saved.refine_token.is_some(), compressed);
            let mut loaded = load(dir.path()).expect("load");
            assert_eq!(loaded.manifest, saved);
            assert_eq!(loaded.ids, ids);
            assert_eq!(loaded.manifest.normalizer, normalizer);
            assert_eq!(loaded.index.params(), ann.params(), "nprobe survives");
            assert_eq!(loaded.index.measured_recall(), ann.measured_recall());
            let q = &vectors[..20 * 64];
            assert_eq!(
                loaded.index.search_batch(q, 10).expect("a"),
                ann.search_batch(q, 10).expect("b")
            );
            // No temp files left behind: the vector file moved to its saved name.
            let names: Vec<String> = std::fs::read_dir(dir.path())
                .expect("read_dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
            assert_eq!(names.contains(&REFINE_FILE.to_string()), compressed);
        }
    }

    #[test]
    fn damaged_or_truncated_files_are_detected() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let normalizer = Normalizer::fit(std::iter::empty(), BlockWeights::default());
        for damage in [
            "flip",
            "truncate",
            "ids",
            "manifest",
            "missing",
            "vectors missing",
            "vectors of another build",
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let (mut ann, ids, _) = built(500, scratch.path(), damage.starts_with("vectors"));
            let wanted = manifest(normalizer.clone(), ann.params().clone());
            save(dir.path(), &mut ann, &ids, wanted).expect("save");
            let vector_path = dir.path().join(REFINE_FILE);
            let index_path = dir.path().join(INDEX_FILE);
            match damage {
                "flip" => {
                    let mut bytes = std::fs::read(&index_path).expect("read");
                    let middle = bytes.len() / 2;
                    bytes[middle] ^= 0x40;
                    std::fs::write(&index_path, bytes).expect("write");
                }
                "truncate" => {
                    let bytes = std::fs::read(&index_path).expect("read");
                    std::fs::write(&index_path, &bytes[..bytes.len() / 3]).expect("write");
                }
                "ids" => std::fs::write(dir.path().join(IDS_FILE), [1u8, 2, 3]).expect("write"),
                "manifest" => std::fs::write(dir.path().join(MANIFEST_FILE), b"{\"format\": 1")
                    .expect("write"),
                "vectors missing" => std::fs::remove_file(&vector_path).expect("remove"),
                "vectors of another build" => {
                    let other = tempfile::tempdir().expect("tempdir");
                    let (mut again, ids, _) = built(500, other.path(), true);
                    let wanted = manifest(normalizer.clone(), again.params().clone());
                    save(other.path(), &mut again, &ids, wanted).expect("save");
                    std::fs::copy(other.path().join(REFINE_FILE), &vector_path).expect("copy");
                }
                _ => std::fs::remove_file(&index_path).expect("remove"),
            }
            let err = load(dir.path())
                .err()
                .unwrap_or_else(|| panic!("{damage}: loaded"));
            let expected_kind = matches!(err, IndexError::Corrupt(_) | IndexError::Io { .. });
            assert!(expected_kind, "{damage}: {err}");
        }
    }
}

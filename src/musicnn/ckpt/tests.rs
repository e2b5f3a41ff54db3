use super::proto::{parse_entry, parse_header, parse_shape, Reader};
use super::sstable::{block_records, read_block, read_table, FOOTER_LEN};
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

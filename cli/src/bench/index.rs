//! `segue bench index`: the similarity index over synthetic vectors, clustered at random or
//! like a real library's (`--like-library`).

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use segue::index::IndexPolicy;

use super::{current_rss_mb, ms, percentile, print_json};

pub fn run(
    scratch: &Path,
    tracks: &[usize],
    queries: usize,
    code_bytes: Option<usize>,
    ivf_flat_max: Option<usize>,
    like: Option<&[f32]>,
    json: bool,
) -> Result<()> {
    let mut policy = IndexPolicy::default();
    if let Some(bytes) = code_bytes {
        policy.code_bytes = bytes;
    }
    if let Some(max) = ivf_flat_max {
        policy.ivf_flat_max = max;
    }
    let mut all = Vec::new();
    for &n in tracks {
        let r = measure(scratch, n, queries, &policy, like)?;
        if !json {
            let recall = |x: Option<f32>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
            println!(
                "index bench ({}): {} tracks, d={}: {} (nprobe {}, {} re-ranked), built in {:.2} s, {} B/track, {:.1} MB (RSS +{:.0} MB, {:.0} MB on disk); one query p50 {:.3} ms p99 {:.3} ms on 1 thread, p50 {:.3} ms p99 {:.3} ms on all; batch {:.0} q/s; recall@10 {:.3} near, {:.3} library ({} queries; tuning saw {} near, {} library)",
                r.vectors, r.tracks, r.dimension, r.index, r.nprobe, r.refine_k, r.build_s,
                r.bytes_per_track, r.memory_mb, r.rss_growth_mb, r.disk_mb, r.p50_ms, r.p99_ms,
                r.p50_all_threads_ms, r.p99_all_threads_ms, r.batch_qps, r.recall_at_10,
                r.recall_at_10_library, r.recall_queries, recall(r.tuned_recall_near),
                recall(r.tuned_recall)
            );
        }
        all.push(r);
    }
    if json {
        print_json(&all)?;
    }
    Ok(())
}

/// One library size of `segue bench index`.
#[derive(Debug, Serialize)]
struct IndexBench {
    tracks: usize,
    dimension: usize,
    /// "clustered" or "like the library".
    vectors: &'static str,
    index: String,
    nprobe: usize,
    refine_k: usize,
    build_s: f64,
    /// Recall@10 measured by the build's own tuning (on vectors of the index, and near them).
    tuned_recall: Option<f32>,
    tuned_recall_near: Option<f32>,
    /// The full-vector file of a re-ranked index.
    disk_mb: f64,
    /// Index memory per track (codes + id) and in all (with centroids and tables).
    bytes_per_track: usize,
    memory_mb: f64,
    rss_growth_mb: f64,
    /// Single queries on one thread, and on one thread per core.
    p50_ms: f64,
    p99_ms: f64,
    p50_all_threads_ms: f64,
    p99_all_threads_ms: f64,
    /// Queries per second when all queries are sent as one batch (all cores).
    batch_qps: f64,
    /// Recall@10 against exact search, on fresh queries near the data, and on vectors of the
    /// index (their own id left out).
    recall_at_10: f32,
    recall_at_10_library: f32,
    recall_queries: usize,
}

/// Builds the policy's index over synthetic vectors of the real dimension and times it: build,
/// single-query latency (1 thread and all), batch throughput, recall@10 vs exact.
fn measure(
    scratch: &Path,
    tracks: usize,
    queries: usize,
    policy: &IndexPolicy,
    like: Option<&[f32]>,
) -> Result<IndexBench> {
    use segue::index::{choose, set_faiss_threads, synthetic, AnnIndex, ExactIndex};
    let dimension = segue::vector::DIM;
    let vectors = match like {
        Some(basis) => synthetic::like(basis, dimension, tracks, 1),
        None => synthetic::clustered(tracks, dimension, (tracks / 50).max(10), 1),
    };
    let ids: Vec<i64> = (1..=tracks as i64).collect();
    let rss_before = current_rss_mb();
    let started = Instant::now();
    let mut ann = AnnIndex::build(
        choose(tracks, dimension, policy),
        &ids,
        &vectors,
        policy,
        scratch,
    )?;
    let build_s = started.elapsed().as_secs_f64();
    let rss_growth_mb = current_rss_mb() - rss_before;
    let query_set = synthetic::queries_near(&vectors, dimension, queries, 2);
    let mut single = |threads: usize| -> Result<Vec<f64>> {
        set_faiss_threads(threads);
        let mut times = Vec::with_capacity(queries);
        for q in query_set.chunks_exact(dimension) {
            let t = Instant::now();
            ann.search_batch(q, 10)?;
            times.push(ms(t));
        }
        times.sort_by(f64::total_cmp);
        Ok(times)
    };
    let one = single(1)?;
    let all = single(0)?;
    set_faiss_threads(0);
    let t = Instant::now();
    let found = ann.search_batch(&query_set, 10)?;
    let batch_qps = queries as f64 / t.elapsed().as_secs_f64().max(1e-9);
    // Exact search costs tracks × dimension per query: a subset is enough at 1M.
    let recall_queries = queries.min((400_000_000 / tracks.max(1)).max(100));
    let exact = ExactIndex::from_slices(&ids, &vectors, dimension);
    let truth = exact.search_batch(&query_set[..recall_queries * dimension], 10);
    let hits: usize = truth
        .iter()
        .zip(&found)
        .map(|(want, got)| {
            want.iter()
                .filter(|h| got.iter().any(|g| g.id == h.id))
                .count()
        })
        .sum();
    // Library tracks as queries: every k-th track, its own id left out of both lists.
    let step = (tracks / recall_queries.max(1)).max(1);
    let rows: Vec<usize> = (0..tracks).step_by(step).take(recall_queries).collect();
    let own: Vec<f32> = rows
        .iter()
        .flat_map(|&r| vectors[r * dimension..(r + 1) * dimension].iter().copied())
        .collect();
    drop(vectors);
    let without = |hits: &[segue::index::Hit], row: usize| -> Vec<i64> {
        hits.iter()
            .map(|h| h.id)
            .filter(|&id| id != ids[row])
            .take(10)
            .collect()
    };
    let library_truth = exact.search_batch(&own, 11);
    let library_found = ann.search_batch(&own, 11)?;
    let library_hits: usize = library_truth
        .iter()
        .zip(&library_found)
        .zip(&rows)
        .map(|((want, got), &row)| {
            let got = without(got, row);
            without(want, row)
                .iter()
                .filter(|id| got.contains(id))
                .count()
        })
        .sum();
    Ok(IndexBench {
        tracks,
        dimension,
        vectors: if like.is_some() {
            "like the library"
        } else {
            "clustered"
        },
        index: ann.params().name(),
        nprobe: ann.params().nprobe,
        refine_k: ann.params().refine_k,
        build_s,
        tuned_recall: ann.measured_recall().library,
        tuned_recall_near: ann.measured_recall().near,
        disk_mb: ann.refine_bytes_on_disk() as f64 / 1e6,
        bytes_per_track: ann.params().bytes_per_track(),
        memory_mb: ann.memory_bytes() as f64 / 1e6,
        rss_growth_mb,
        p50_ms: percentile(&one, 0.5),
        p99_ms: percentile(&one, 0.99),
        p50_all_threads_ms: percentile(&all, 0.5),
        p99_all_threads_ms: percentile(&all, 0.99),
        batch_qps,
        recall_at_10: hits as f32 / (10 * truth.len()).max(1) as f32,
        recall_at_10_library: library_hits as f32 / (10 * rows.len()).max(1) as f32,
        recall_queries: truth.len(),
    })
}

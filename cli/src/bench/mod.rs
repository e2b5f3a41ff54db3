//! `segue bench …`: the measuring harness. Benchmarks print figures; they never pass or fail
//! (docs/benchmarks.md records them with the machine and date). Each module measures one
//! thing and prints it; this one holds the command line and the clocks they share.

mod audio;
mod backup;
mod blocks;
mod describe;
mod every_file;
mod index;
mod journeys;
mod labels;
mod library;
mod map;
mod mirex_key;
mod musicnn;
mod placement;
mod playlist;
mod playlists;
mod preview;
mod quality;
mod radio;
mod ramps;
mod tempo;
mod tempo_fit;
mod timbre;
mod weights;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use segue::musicnn::net::Arithmetic;
use segue::Library;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

/// A labelled library's groups (tracks that belong together) and which of them count.
#[derive(clap::Args)]
struct Groups {
    /// TSV with `path` and `group` columns (e.g. the shared corpus's real_manifest.tsv)
    #[arg(long, value_name = "FILE")]
    labels: PathBuf,
    /// Only groups with at least this many tracks are queries (seed the playlists)
    #[arg(long, default_value_t = 11)]
    min_group: usize,
}

#[derive(Subcommand)]
enum What {
    /// First scan and no-change rescan of generated small tagged files (in a temp dir)
    Scan {
        #[arg(long, default_value_t = 10_000)]
        files: usize,
        /// Worker counts to compare, side by side in one run
        #[arg(long, value_delimiter = ',', default_values_t = vec![1, 2, 4, 8])]
        workers: Vec<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Start-up queries of the library table with many tracks (synthetic rows, temp dir)
    Table {
        #[arg(long, default_value_t = 100_000)]
        tracks: i64,
        #[arg(long)]
        json: bool,
    },
    /// Decode files to mono on one thread: throughput and peak memory (the floor under analysis)
    Decode {
        files: Vec<PathBuf>,
        /// Target sample rate
        #[arg(long, default_value_t = 22_050)]
        rate: u32,
        #[arg(long)]
        json: bool,
    },
    /// Analyse files on one thread: speed against decoding alone, and each file's results
    Analyze {
        files: Vec<PathBuf>,
        /// Read the file list (one path per line) from this file as well
        #[arg(long)]
        list: Option<PathBuf>,
        /// Write per-file results as TSV (path, bpm, key, scale, seconds, duration_s, …)
        #[arg(long)]
        tsv: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Tempo accuracy on a rendered set with exact tempi (make_rendered.py's manifest):
    /// Accuracy1/2, the misses by kind, and whether low confidence marks the misses
    Tempo {
        /// rendered_manifest.tsv (`path` relative to its folder, `bpm`)
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// Also write each clip's candidate levels and their cues (JSON lines), for `tempo-fit`
        #[arg(long, value_name = "FILE")]
        levels: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Fits the weights of the tempo's level choice on levels written by `tempo --levels` for
    /// tuning sets: the weights, their Acc1/Acc2 per file beside today's, cross-validated per file
    TempoFit {
        /// Files written by `segue bench tempo --levels` (tuning sets only)
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// L2 penalty on the weights (today's weights were fitted with 0.03)
        #[arg(long, default_value_t = 0.03)]
        l2: f64,
        /// Leave a cue out (repeatable), by its name
        #[arg(long, value_name = "CUE")]
        without: Vec<String>,
    },
    /// Similarity index on clustered synthetic vectors: build time, memory, latency, recall
    Index {
        /// Library sizes to measure
        #[arg(long, value_delimiter = ',', default_values_t = vec![1_000, 10_000, 100_000, 1_000_000])]
        tracks: Vec<usize>,
        /// Queries timed per size
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        /// Byte budget per track for compressed codes (default: the policy's)
        #[arg(long)]
        code_bytes: Option<usize>,
        /// Tracks up to which IVF keeps full vectors (default: the policy's)
        #[arg(long)]
        ivf_flat_max: Option<usize>,
        /// Vectors like the library's in --data-dir (its real layout: mixes of its tracks)
        /// instead of clustered random ones
        #[arg(long)]
        like_library: bool,
        #[arg(long)]
        json: bool,
    },
    /// Playlist request-to-list latency on a library of synthetic analysed tracks (temp dir)
    Playlist {
        #[arg(long, default_value_t = 100_000)]
        tracks: usize,
        #[arg(long, default_value_t = 200)]
        requests: usize,
        #[arg(long)]
        json: bool,
    },
    /// Preview playback on a paced virtual device: first-sample latency, CPU, underruns under load
    Preview {
        files: Vec<PathBuf>,
        /// Read the file list (one path per line) from this file as well
        #[arg(long)]
        list: Option<PathBuf>,
        /// Seconds of playback measured idle, and again under load
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long)]
        json: bool,
    },
    /// MusiCNN: time per 3-s patch, the patches-per-track curve (agreement with the whole
    /// track against time) and whole-track analysis with and without tags, one thread
    Musicnn {
        files: Vec<PathBuf>,
        /// Read the file list (one path per line) from this file as well
        #[arg(long)]
        list: Option<PathBuf>,
        /// Patch counts of the curve
        #[arg(long, value_delimiter = ',', default_values_t = vec![1, 2, 3, 4, 6, 8, 12])]
        patches: Vec<usize>,
        /// Skip the curve (it runs every patch of every file through both models)
        #[arg(long)]
        no_curve: bool,
        #[arg(long)]
        json: bool,
    },
    /// Every tag label asked as a word: how many of describe's top ten carry it at ≥ 2× the
    /// library's mean
    Describe {
        #[arg(long)]
        json: bool,
    },
    /// Radios on labelled seeds: repeats, the artist cap, similarity to the seed over 200
    /// picks, and how three early skips of one soundtrack steer the next 20 picks
    Radio {
        /// TSV with `path` and `group` columns (e.g. the shared corpus's real_manifest.tsv)
        #[arg(long, value_name = "FILE")]
        labels: PathBuf,
        #[arg(long, default_value_t = 200)]
        picks: usize,
        /// How many seeds (spread over the labelled tracks)
        #[arg(long, default_value_t = 40)]
        seeds: usize,
        #[arg(long)]
        json: bool,
    },
    /// Playlists that ramp against the same unramped, on a labelled library: same-group P@5 and
    /// precision, Spearman of position with BPM
    Ramps {
        #[command(flatten)]
        groups: Groups,
        #[arg(long)]
        json: bool,
    },
    /// "Sounds like" under the similarity protocol on a labelled library (--data-dir): P@5, P@10
    /// and R-precision of `segue similar` and of default playlists with standard errors, per
    /// half of the groups; hubness levers (CSLS, mutual proximity) chosen on one half,
    /// reported on the other
    Quality {
        #[command(flatten)]
        groups: Groups,
        #[arg(long)]
        json: bool,
    },
    /// Which MusiCNN outputs would improve "sounds like" (issue 20): the index vector with blocks
    /// from both models over --patches patches appended (penultimate mean and std, mid-end
    /// pooled, patch centroids), or the patches matched set to set as a re-ranker; weights
    /// chosen on one half of the groups, reported on the other (runs both networks on every
    /// track)
    Blocks {
        #[command(flatten)]
        groups: Groups,
        /// Patches per track, spread over it (the scan takes 8)
        #[arg(long, default_value_t = 8)]
        patches: usize,
        /// Run the networks' front-end convolutions in 8 bits
        #[arg(long)]
        int8: bool,
        #[arg(long)]
        json: bool,
    },
    /// Where the scan's few MusiCNN patches should sit (issue 20, lever 2): both networks on
    /// --candidates patches of every track; --patches of them spread (as the scan) or herded
    /// (their log-mel summaries' mean closest to all candidates'), judged against pooling all:
    /// embedding and tag fidelity, and the MSD embedding under the similarity protocol
    Placement {
        #[command(flatten)]
        groups: Groups,
        /// Candidate patches per track, spread over it
        #[arg(long, default_value_t = 16)]
        candidates: usize,
        /// Patches taken of them (the scan takes 8; session 18 measured 4)
        #[arg(long, default_value_t = 4)]
        patches: usize,
        #[arg(long)]
        json: bool,
    },
    /// Would a Musly-style timbre model improve "sounds like" (issue 20, lever 5): every track's
    /// MFCC frames as a full-covariance Gaussian (symmetrised KL), alone and re-ranking the
    /// index vector's cosine, chosen on one half of the groups, reported on the other
    Timbre {
        #[command(flatten)]
        groups: Groups,
        #[arg(long)]
        json: bool,
    },
    /// The index's block weights chosen under the similarity protocol (issue 20): a coordinate
    /// search on one half of the groups, reported on the other, beside today's weights
    Weights {
        #[command(flatten)]
        groups: Groups,
        #[arg(long)]
        json: bool,
    },
    /// Journeys between random pairs of analysed tracks against a naive baseline: ends, repeats,
    /// how steadily the path moves from A to B, the largest step
    Journeys {
        #[arg(long, default_value_t = 200)]
        pairs: usize,
        /// Tracks per journey, both ends included
        #[arg(long, default_value_t = 12)]
        length: usize,
        /// Which random pairs (choose on one seed, report on another)
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Same-group precision of default playlists on a labelled library (--data-dir), per rule
    /// (caps, floor), on a tuning and a held-out half of the groups
    Playlists {
        #[command(flatten)]
        groups: Groups,
        /// Folder the relative paths are under [default: the labels file's folder]
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// How well the library map (--data-dir) keeps neighbours: neighbour preservation@10 and
    /// same-group precision@5 on map coordinates, against PCA-2D and random points
    Map {
        /// TSV with `path` and `group` columns (e.g. the shared corpus's real_manifest.tsv)
        #[arg(long, value_name = "FILE")]
        labels: PathBuf,
        /// Folder the relative paths are under [default: the labels file's folder]
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The map's layout, placement and read times on synthetic analysed libraries (temp dirs)
    MapSpeed {
        /// Library sizes to measure
        #[arg(long, value_delimiter = ',', default_values_t = vec![10_000, 100_000])]
        tracks: Vec<usize>,
        /// New tracks placed after the layout
        #[arg(long, default_value_t = 100)]
        place: usize,
        /// Keep the libraries here (one size: this dir; several: a dir per size), e.g. to
        /// open the app on a 100,000-track map
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Backups of the library in --data-dir: database and backup sizes, the time of a backup,
    /// of its check and of a restore (into a temp dir); `--repeat`: that many backups in a row
    Backup {
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        #[arg(long)]
        json: bool,
    },
    /// Fill the library in --data-dir with synthetic tracks (to time the app's cold start)
    Seed {
        #[arg(long, default_value_t = 100_000)]
        tracks: i64,
        /// Also give every pending track made-up analysis results (features, tags)
        #[arg(long)]
        analysed: bool,
    },
}

impl Args {
    /// Only `seed` works on the user's library; the others make their own in a temp dir.
    pub fn needs_library(&self) -> bool {
        matches!(
            self.what,
            What::Seed { .. }
                | What::Index {
                    like_library: true,
                    ..
                }
                | What::Playlists { .. }
                | What::Journeys { .. }
                | What::Describe { .. }
                | What::Ramps { .. }
                | What::Quality { .. }
                | What::Blocks { .. }
                | What::Placement { .. }
                | What::Timbre { .. }
                | What::Weights { .. }
                | What::Radio { .. }
                | What::Map { .. }
                | What::Backup { .. }
        )
    }
}

/// The benchmarks that make their own scratch library or need none.
pub async fn run(args: &Args) -> Result<()> {
    let scratch = tempfile::tempdir().context("creating a temp dir")?;
    match &args.what {
        What::Scan {
            files,
            workers,
            json,
        } => library::scan(scratch.path(), *files, workers, *json).await,
        What::Table { tracks, json } => library::table(scratch.path(), *tracks, *json).await,
        What::Decode { files, rate, json } => audio::decode(files, *rate, *json),
        What::Tempo {
            manifest,
            levels,
            json,
        } => tempo::run(manifest, levels.as_deref(), *json),
        What::TempoFit { files, l2, without } => tempo_fit::run(&tempo_fit::Fit {
            files,
            l2: *l2,
            without,
        }),
        What::Analyze {
            files,
            list,
            tsv,
            json,
        } => audio::analyze(&paths(files, list.as_deref())?, tsv.as_deref(), *json),
        What::Index {
            tracks,
            queries,
            code_bytes,
            ivf_flat_max,
            json,
            ..
        } => index::run(
            scratch.path(),
            tracks,
            *queries,
            *code_bytes,
            *ivf_flat_max,
            None,
            *json,
        ),
        What::Playlist {
            tracks,
            requests,
            json,
        } => playlist::run(scratch.path(), *tracks, *requests, *json).await,
        What::Musicnn {
            files,
            list,
            patches,
            no_curve,
            json,
        } => {
            let paths = paths(files, list.as_deref())?;
            let counts = if *no_curve {
                Vec::new()
            } else {
                patches.clone()
            };
            let json = *json;
            tokio::task::spawn_blocking(move || musicnn::run(&paths, &counts, json)).await?
        }
        What::Preview {
            files,
            list,
            seconds,
            json,
        } => {
            let paths = paths(files, list.as_deref())?;
            let (seconds, json) = (*seconds, *json);
            tokio::task::spawn_blocking(move || preview::run(&paths, seconds, json)).await?
        }
        What::MapSpeed {
            tracks,
            place,
            keep,
            json,
        } => map::speed(scratch.path(), tracks, *place, keep.as_deref(), *json).await,
        What::Seed { .. }
        | What::Playlists { .. }
        | What::Journeys { .. }
        | What::Describe { .. }
        | What::Ramps { .. }
        | What::Quality { .. }
        | What::Blocks { .. }
        | What::Placement { .. }
        | What::Timbre { .. }
        | What::Weights { .. }
        | What::Radio { .. }
        | What::Map { .. }
        | What::Backup { .. } => Ok(()),
    }
}

/// The benchmarks that work on the user's library (`seed`, `playlists`).
pub async fn run_in_library(library: &Library, args: Args) -> Result<()> {
    match args.what {
        What::Seed { tracks, analysed } => {
            library.seed_synthetic_tracks(tracks).await?;
            if analysed {
                library.store().seed_synthetic_analysis(8, 1).await?;
            }
            println!(
                "added {tracks} synthetic tracks to {}",
                library.data_dir().display()
            );
            Ok(())
        }
        What::Playlists { groups, root, json } => {
            playlists::run(
                library,
                &groups.labels,
                root.as_deref(),
                groups.min_group,
                json,
            )
            .await
        }
        What::Map { labels, root, json } => {
            map::quality(library, &labels, root.as_deref(), json).await
        }
        What::Backup { repeat, json } => backup::run(library, repeat, json).await,
        What::Journeys {
            pairs,
            length,
            seed,
            json,
        } => journeys::run(library, pairs, length, seed, json).await,
        What::Describe { json } => describe::run(library, json).await,
        What::Index {
            tracks,
            queries,
            code_bytes,
            ivf_flat_max,
            like_library: true,
            json,
        } => {
            library.index_ready().await?;
            let (_, basis) = library.index_vectors().await?;
            let scratch = tempfile::tempdir()?;
            index::run(
                scratch.path(),
                &tracks,
                queries,
                code_bytes,
                ivf_flat_max,
                Some(&basis),
                json,
            )
        }
        What::Ramps { groups, json } => {
            ramps::run(library, &groups.labels, groups.min_group, json).await
        }
        What::Quality { groups, json } => {
            quality::run(library, &groups.labels, groups.min_group, json).await
        }
        What::Blocks {
            groups,
            patches,
            int8,
            json,
        } => {
            let arithmetic = if int8 {
                Arithmetic::Int8
            } else {
                Arithmetic::Exact
            };
            blocks::run(
                library,
                &groups.labels,
                groups.min_group,
                (patches, arithmetic),
                json,
            )
            .await
        }
        What::Placement {
            groups,
            candidates,
            patches,
            json,
        } => {
            placement::run(
                library,
                &groups.labels,
                groups.min_group,
                candidates,
                patches,
                json,
            )
            .await
        }
        What::Timbre { groups, json } => {
            timbre::run(library, &groups.labels, groups.min_group, json).await
        }
        What::Weights { groups, json } => {
            weights::run(library, &groups.labels, groups.min_group, json).await
        }
        What::Radio {
            labels,
            picks,
            seeds,
            json,
        } => radio::run(library, &labels, picks, seeds, json).await,
        _ => run(&args).await,
    }
}

/// The files a benchmark reads: those given, then one path per non-empty line of `list`.
fn paths(files: &[PathBuf], list: Option<&Path>) -> Result<Vec<PathBuf>> {
    let mut paths = files.to_vec();
    if let Some(list) = list {
        let text =
            std::fs::read_to_string(list).with_context(|| format!("reading {}", list.display()))?;
        paths.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(PathBuf::from),
        );
    }
    Ok(paths)
}

/// Prints a benchmark's result as JSON (for `--json`).
fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// CPU time of the calling thread, seconds: steadier than wall time on a shared machine.
fn thread_cpu_s() -> f64 {
    cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of every thread of this process, seconds (for code that spreads work on threads).
fn process_cpu_s() -> f64 {
    cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn cpu_seconds(clock: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer we own.
    if unsafe { libc::clock_gettime(clock, &mut ts) } == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

/// The process's peak resident memory (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn current_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    let i = ((sorted_ms.len() - 1) as f64 * p).round() as usize;
    sorted_ms[i.min(sorted_ms.len() - 1)]
}

/// Spearman's rank correlation of two series (ties share their mean rank; 0 below three
/// values).
pub(super) fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| -> Vec<f64> {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|i, j| v[*i].total_cmp(&v[*j]));
        let mut r = vec![0.0; v.len()];
        // Ties share their mean rank.
        let mut k = 0;
        while k < order.len() {
            let mut end = k;
            while end + 1 < order.len() && v[order[end + 1]] == v[order[k]] {
                end += 1;
            }
            for &i in &order[k..=end] {
                r[i] = (k + end) as f64 / 2.0;
            }
            k = end + 1;
        }
        r
    };
    let n = a.len();
    if n < 3 {
        return 0.0;
    }
    let (ra, rb) = (rank(a), rank(b));
    let mean = (n - 1) as f64 / 2.0;
    let cov: f64 = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| (x - mean) * (y - mean))
        .sum();
    let var = |r: &[f64]| r.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    cov / (var(&ra) * var(&rb)).sqrt().max(1e-12)
}

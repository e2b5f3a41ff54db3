//! The `segue` command line: the same engine as the desktop app, for terminals and scripts.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use segue::library::probe::human_duration;
use segue::{
    AnalysisProgress, AnalysisSummary, AnalyzeOptions, CancellationToken, Library, PauseSwitch,
    ScanOptions, ScanPhase, ScanProgress, ScanSummary,
};

#[derive(Parser)]
#[command(
    name = "segue",
    version,
    about = "Segue: playlists that sound right, from your own music"
)]
struct Cli {
    /// Where the library database lives [default: $SEGUE_DATA_DIR, else ~/.local/share/segue]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage library folders
    Folder {
        #[command(subcommand)]
        action: FolderAction,
    },
    /// Scan the library folders and wait until done
    Scan {
        /// Files read at once [default: 2 × cores]
        #[arg(long)]
        workers: Option<usize>,
        /// Only scan: do not analyse new and changed tracks afterwards
        #[arg(long)]
        no_analyze: bool,
        /// Tracks analysed at once [default: cores]
        #[arg(long)]
        analysis_workers: Option<usize>,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
    /// Analyse tracks not analysed yet (new, changed, or by an older version of Segue)
    Analyze {
        /// Tracks analysed at once [default: cores]
        #[arg(long)]
        workers: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Everything stored about one track: tags, file, and every analysed feature
    Show {
        /// Track id (as `segue tracks` lists it) or the file's path
        track: String,
        #[arg(long)]
        json: bool,
    },
    /// Tracks that sound like a track of the library, or like any audio file
    Similar {
        /// Track id, a library track's path, or any audio file (analysed on the fly)
        #[arg(required_unless_present = "batch", conflicts_with = "batch")]
        track: Option<String>,
        /// Answer for every id or path in this file (one per line) in one batch
        #[arg(long, value_name = "FILE")]
        batch: Option<PathBuf>,
        /// How many tracks to list
        #[arg(short = 'n', long, default_value_t = 10)]
        count: usize,
        #[arg(long)]
        json: bool,
    },
    /// Make a playlist of tracks that sound like the seed track(s)
    Playlist {
        /// Seed tracks: ids or paths of library tracks ("more like these")
        #[arg(required = true)]
        seeds: Vec<String>,
        /// How many tracks
        #[arg(short = 'n', long, default_value_t = 20)]
        count: usize,
        #[arg(long, value_enum, default_value_t = OrderArg::Similarity)]
        order: OrderArg,
        /// At most K tracks per artist (0: no limit)
        #[arg(long, default_value_t = 2, value_name = "K")]
        max_per_artist: usize,
        /// At most K tracks per album (0: no limit)
        #[arg(long, default_value_t = 2, value_name = "K")]
        max_per_album: usize,
        /// Only tracks between A and B BPM, e.g. 110-130
        #[arg(long, value_name = "A-B", conflicts_with = "bpm_tolerance")]
        bpm_range: Option<String>,
        /// Only tracks within ± P % of the seed's tempo (or its half or double)
        #[arg(long, value_name = "P")]
        bpm_tolerance: Option<f64>,
        /// Only keys that mix with the seed's (Camelot: same, ±1, relative)
        #[arg(long)]
        key_compatible: bool,
        /// Only tracks with this tag (genre); repeatable
        #[arg(long, value_name = "TAG")]
        include: Vec<String>,
        /// No tracks with this tag; repeatable
        #[arg(long, value_name = "TAG")]
        avoid: Vec<String>,
        /// Lean away from this track ("not like this"); repeatable
        #[arg(long = "not", value_name = "SEED")]
        not_like: Vec<String>,
        /// Shortest and longest track, in seconds
        #[arg(long, value_name = "SECONDS")]
        min_duration: Option<f64>,
        #[arg(long, value_name = "SECONDS")]
        max_duration: Option<f64>,
        /// Only tracks under this folder; repeatable
        #[arg(long, value_name = "PATH")]
        folder: Vec<PathBuf>,
        /// Also write it to FILE.m3u8 or FILE.xspf
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        /// Also save it in the library under this name
        #[arg(long, value_name = "NAME")]
        save: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Saved playlists: list, show, rename, export, delete
    Playlists {
        #[command(subcommand)]
        action: Option<PlaylistsAction>,
    },
    /// Play tracks (or any audio files) through the sound device, one after the other; exits
    /// when done
    Play {
        /// Track ids, library tracks' paths, or any audio files
        tracks: Vec<String>,
        /// Start this many seconds in
        #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
        from: f64,
        /// Play this many seconds [default: to the end]
        #[arg(long, value_name = "N")]
        seconds: Option<f64>,
        /// Output device (as --list-devices names it) [default: the system's default]
        #[arg(long)]
        device: Option<String>,
        /// Volume, 0 to 1
        #[arg(long, default_value_t = 1.0)]
        volume: f32,
        /// List the output devices and exit
        #[arg(long)]
        list_devices: bool,
        /// Print the player's state at the end as JSON
        #[arg(long)]
        json: bool,
    },
    /// The similarity index: statistics, rebuild
    Index {
        #[command(subcommand)]
        action: IndexAction,
    },
    /// List tracks
    Tracks {
        /// Only tracks whose title, artist, album, genre or path contain every word
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List files that could not be read, and why
    Failures {
        #[arg(long)]
        json: bool,
    },
    /// Library statistics
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Synthesise the demo library, add it and scan it
    Demo {
        #[arg(long)]
        json: bool,
    },
    /// MusiCNN genre/mood tags of any audio file: the per-patch taggram, the mean tags and
    /// the 200-d embedding, as the original `musicnn` computes them
    Musicnn {
        file: PathBuf,
        /// Which model: msd (50 Million-Song-Dataset tags) or mtt (50 MagnaTagATune tags)
        #[arg(long, value_enum, default_value_t = ModelArg::Msd)]
        model: ModelArg,
        /// Analyse at most N patches spread over the file [default: every patch]
        #[arg(long, value_name = "N")]
        patches: Option<usize>,
        /// Print JSON: {labels, taggram, tags, embedding}
        #[arg(long)]
        json: bool,
    },
    /// Measure performance and print figures (never pass/fail)
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModelArg {
    Msd,
    Mtt,
}

impl From<ModelArg> for segue::musicnn::Model {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::Msd => segue::musicnn::Model::Msd,
            ModelArg::Mtt => segue::musicnn::Model::Mtt,
        }
    }
}

#[derive(Subcommand)]
enum BenchWhat {
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
        #[arg(long)]
        json: bool,
    },
    /// Fill the library in --data-dir with synthetic tracks (to time the app's cold start)
    Seed {
        #[arg(long, default_value_t = 100_000)]
        tracks: i64,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OrderArg {
    /// Most similar first
    Similarity,
    /// Each step close to the last, staying near the seed
    Flow,
    /// Camelot-compatible keys, small tempo steps
    Harmonic,
}

#[derive(Subcommand)]
enum PlaylistsAction {
    /// List saved playlists (the default)
    List {
        #[arg(long)]
        json: bool,
    },
    /// A saved playlist's tracks, with reasons
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    Rename {
        id: i64,
        name: String,
    },
    /// Write it to FILE.m3u8 or FILE.xspf
    Export {
        id: i64,
        file: PathBuf,
    },
    Delete {
        id: i64,
    },
}

#[derive(Subcommand)]
enum IndexAction {
    /// Type, size, parameters, memory and last build of the similarity index
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the index from the stored features (no re-analysis) and wait for it
    Rebuild {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum FolderAction {
    /// Add a folder (does not scan; run `segue scan`)
    Add { path: PathBuf },
    /// Remove a folder (by id or path) and its tracks; files are not touched
    Rm { folder: String },
    /// List folders
    Ls {
        #[arg(long)]
        json: bool,
    },
}

fn main() -> Result<()> {
    // `segue tracks | head` should end quietly, like any Unix tool, not panic on EPIPE.
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEGUE_LOG")
                .unwrap_or_else(|_| format!("warn,{}", segue::QUIET_DECODERS).into()),
        )
        .with_writer(std::io::stderr)
        .init();
    segue::panics::quiet_decoder_panics();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    if let Command::Musicnn {
        file,
        model,
        patches,
        json,
    } = &cli.command
    {
        return musicnn(file, (*model).into(), *patches, *json);
    }
    if let Command::Bench { what } = &cli.command {
        if !matches!(what, BenchWhat::Seed { .. }) {
            return bench(what).await;
        }
    }
    let data_dir = cli.data_dir.unwrap_or_else(segue::paths::default_data_dir);
    let library = Library::open(&data_dir)
        .await
        .with_context(|| format!("opening the library in {}", data_dir.display()))?;
    let result = command(&library, &data_dir, cli.command).await;
    // A scan or analysis may have started an index build: let it finish and save, so the next
    // command does not build again.
    library.wait_index_idle().await;
    result
}

async fn command(
    library: &Arc<Library>,
    data_dir: &std::path::Path,
    command: Command,
) -> Result<()> {
    let library = library.clone();
    let data_dir = data_dir.to_path_buf();
    match command {
        Command::Folder { action } => folder(&library, action).await,
        Command::Scan {
            workers,
            no_analyze,
            analysis_workers,
            json,
        } => {
            let mut options = ScanOptions::default();
            if let Some(w) = workers {
                options.workers = w.max(1);
            }
            let cancel = cancel_on_ctrl_c();
            let summary = scan_with_progress(&library, &options, &cancel).await?;
            let analysis = if no_analyze || cancel.is_cancelled() {
                None
            } else {
                Some(analyze_with_progress(&library, analysis_workers, &cancel).await?)
            };
            print_summary(&summary, analysis.as_ref(), json)
        }
        Command::Analyze { workers, json } => {
            let cancel = cancel_on_ctrl_c();
            let summary = analyze_with_progress(&library, workers, &cancel).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                print_analysis(&summary);
            }
            Ok(())
        }
        Command::Musicnn {
            file,
            model,
            patches,
            json,
        } => musicnn(&file, model.into(), patches, json),
        Command::Show { track, json } => show(&library, &track, json).await,
        Command::Similar {
            track,
            batch,
            count,
            json,
        } => similar(&library, track.as_deref(), batch.as_deref(), count, json).await,
        Command::Playlist {
            seeds,
            count,
            order,
            max_per_artist,
            max_per_album,
            bpm_range,
            bpm_tolerance,
            key_compatible,
            include,
            avoid,
            not_like,
            min_duration,
            max_duration,
            folder,
            export,
            save,
            json,
        } => {
            let mut request = segue::playlist::PlaylistRequest {
                length: count,
                order: match order {
                    OrderArg::Similarity => segue::playlist::Order::Similarity,
                    OrderArg::Flow => segue::playlist::Order::Flow,
                    OrderArg::Harmonic => segue::playlist::Order::Harmonic,
                },
                max_per_artist,
                max_per_album,
                key_compatible,
                include_tags: include,
                avoid_tags: avoid,
                min_duration_s: min_duration,
                max_duration_s: max_duration,
                ..Default::default()
            };
            for seed in &seeds {
                request.seeds.push(library_track(&library, seed).await?);
            }
            for seed in &not_like {
                request
                    .avoid_like
                    .push(library_track(&library, seed).await?);
            }
            for f in &folder {
                let path = std::fs::canonicalize(f).with_context(|| format!("{}", f.display()))?;
                request.folders.push(path.to_string_lossy().into_owned());
            }
            if let Some(range) = bpm_range {
                let (a, b) = range
                    .split_once('-')
                    .and_then(|(a, b)| {
                        Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?))
                    })
                    .with_context(|| {
                        format!("--bpm-range {range}: write it as A-B, e.g. 110-130")
                    })?;
                request.tempo = Some(segue::playlist::TempoRange::Absolute {
                    min: a.min(b),
                    max: a.max(b),
                });
            }
            if let Some(percent) = bpm_tolerance {
                request.tempo = Some(segue::playlist::TempoRange::Tolerance { percent });
            }
            library.index_ready().await?;
            let playlist = library.make_playlist(&request).await?;
            if let Some(why) = &playlist.shortfall {
                eprintln!("{why}");
            }
            let ids: Vec<i64> = playlist.entries.iter().map(|e| e.track.id).collect();
            if let Some(name) = &save {
                let saved = library.save_playlist(name, Some(&request), &ids).await?;
                eprintln!("saved as playlist {} ({})", saved.id, saved.name);
            }
            if let Some(file) = &export {
                let name = save.clone().unwrap_or_else(|| "Segue playlist".to_string());
                segue::playlist::export::write(&playlist.entries, &name, file)?;
                eprintln!("wrote {}", file.display());
            }
            print_entries(&playlist.entries, json)
        }
        Command::Playlists { action } => {
            match action.unwrap_or(PlaylistsAction::List { json: false }) {
                PlaylistsAction::List { json } => {
                    let all = library.saved_playlists().await?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&all)?);
                    } else {
                        for p in &all {
                            println!(
                                "{:>5}  {:<40}  {:>3} tracks  {:>8}  {}",
                                p.id,
                                clip(&p.name, 40),
                                p.track_count,
                                p.duration_s.map(human_duration).unwrap_or_default(),
                                p.updated_at
                            );
                        }
                        eprintln!("{} playlists", all.len());
                    }
                }
                PlaylistsAction::Show { id, json } => {
                    let detail = library.saved_playlist(id).await?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&detail)?);
                    } else {
                        println!(
                            "{} ({} tracks)",
                            detail.playlist.name, detail.playlist.track_count
                        );
                        print_entries(&detail.entries, false)?;
                    }
                }
                PlaylistsAction::Rename { id, name } => {
                    let p = library.rename_playlist(id, &name).await?;
                    println!("renamed playlist {} to {}", p.id, p.name);
                }
                PlaylistsAction::Export { id, file } => {
                    library.export_playlist(id, &file).await?;
                    println!("wrote {}", file.display());
                }
                PlaylistsAction::Delete { id } => {
                    library.delete_playlist(id).await?;
                    println!("deleted playlist {id}");
                }
            }
            Ok(())
        }
        Command::Play {
            tracks,
            from,
            seconds,
            device,
            volume,
            list_devices,
            json,
        } => {
            if list_devices {
                for name in segue::audio::preview::output_devices() {
                    println!("{name}");
                }
                return Ok(());
            }
            if tracks.is_empty() {
                bail!("give a track id or path (or --list-devices)");
            }
            let mut paths = Vec::with_capacity(tracks.len());
            for arg in &tracks {
                paths.push(match track_id(&library, arg).await? {
                    Some(id) => PathBuf::from(
                        library
                            .track(id)
                            .await?
                            .with_context(|| format!("no track with id {id}"))?
                            .path,
                    ),
                    None => PathBuf::from(arg),
                });
            }
            let state = tokio::task::spawn_blocking(move || {
                play(&paths, from, seconds, device.as_deref(), volume)
            })
            .await
            .context("player thread")??;
            if json {
                println!("{}", serde_json::to_string_pretty(&state)?);
            }
            if state.status == "error" {
                bail!("{}", state.error.unwrap_or_default());
            }
            Ok(())
        }
        Command::Index { action } => match action {
            IndexAction::Stats { json } => {
                library.index_ready().await?;
                print_index_stats(&library.index_stats()?, json)
            }
            IndexAction::Rebuild { json } => {
                let stats = library.rebuild_index().await?;
                print_index_stats(&stats, json)
            }
        },
        Command::Tracks { search, json } => {
            let tracks = library.tracks(search.as_deref()).await?;
            if json {
                // Each track with its MusiCNN tags: label → probability (both models).
                #[derive(serde::Serialize)]
                struct WithTags<'a> {
                    #[serde(flatten)]
                    row: &'a segue::store::TrackRow,
                    tags: Option<std::collections::BTreeMap<String, f32>>,
                }
                let ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
                let tags: std::collections::HashMap<i64, std::collections::BTreeMap<String, f32>> =
                    library
                        .store()
                        .features_of_many(&ids, segue::analysis::ANALYSIS_VERSION)
                        .await?
                        .into_iter()
                        .filter_map(|(id, f)| {
                            let t = f.tags?;
                            Some((
                                id,
                                t.ranked()
                                    .into_iter()
                                    .map(|(l, p)| (l.to_lowercase(), p))
                                    .collect(),
                            ))
                        })
                        .collect();
                let out: Vec<WithTags> = tracks
                    .iter()
                    .map(|row| WithTags {
                        row,
                        tags: tags.get(&row.id).cloned(),
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for t in &tracks {
                    let key = match (&t.key, &t.scale) {
                        (Some(k), Some(s)) if s == "minor" => format!("{k}m"),
                        (Some(k), _) => k.clone(),
                        _ => "—".to_string(),
                    };
                    println!(
                        "{:>6}  {:<32}  {:<24}  {:<24}  {:>7}  {:>5}  {:<4} {}",
                        t.id,
                        clip(&shown_title(&t.title, &t.path), 32),
                        clip(t.artist.as_deref().unwrap_or("—"), 24),
                        clip(t.album.as_deref().unwrap_or("—"), 24),
                        t.duration_s.map(human_duration).unwrap_or_default(),
                        t.bpm.map_or("—".to_string(), |b| format!("{b:.0}")),
                        key,
                        t.format
                    );
                }
                eprintln!("{} tracks", tracks.len());
            }
            Ok(())
        }
        Command::Failures { json } => {
            let failures = library.failures().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&failures)?);
            } else {
                for f in &failures {
                    println!("{}\n    {}: {}", f.path, f.stage, f.reason);
                }
                eprintln!("{} failures", failures.len());
            }
            Ok(())
        }
        Command::Stats { json } => {
            let stats = library.stats().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!("folders   {}", stats.folders);
                println!("tracks    {}", stats.tracks);
                println!("failures  {}", stats.failures);
                println!("duration  {}", human_duration(stats.total_duration_s));
                println!("size      {:.1} MB", stats.total_bytes as f64 / 1e6);
                for (format, n) in &stats.formats {
                    println!("  {format:<12} {n}");
                }
            }
            Ok(())
        }
        Command::Demo { json } => {
            let folder = library.create_demo().await?;
            eprintln!("demo library written to {}", folder.path.display());
            let cancel = cancel_on_ctrl_c();
            let summary = scan_with_progress(&library, &ScanOptions::default(), &cancel).await?;
            let analysis = analyze_with_progress(&library, None, &cancel).await?;
            print_summary(&summary, Some(&analysis), json)
        }
        Command::Bench { what } => {
            if let BenchWhat::Seed { tracks } = what {
                library.store().seed_synthetic_tracks(tracks).await?;
                println!("added {tracks} synthetic tracks to {}", data_dir.display());
            }
            Ok(())
        }
    }
}

async fn bench(what: &BenchWhat) -> Result<()> {
    let scratch = tempfile::tempdir().context("creating a temp dir")?;
    match what {
        BenchWhat::Scan {
            files,
            workers,
            json,
        } => {
            let dir = scratch.path().join("music");
            let generate_s = segue::bench::generate(&dir, *files).await?;
            if !json {
                println!("generated {files} tagged FLAC/WAV files in {generate_s:.1} s (page cache warm from here on)");
            }
            let mut results = Vec::new();
            for (i, &w) in workers.iter().enumerate() {
                let data = scratch.path().join(format!("data-{i}"));
                let mut r = segue::bench::scan(&dir, &data, *files, w).await?;
                r.generate_s = generate_s;
                if !json {
                    println!(
                        "scan bench: {} files, {} workers: first scan {:.2} s = {:.0} files/s; no-change rescan {:.3} s; first table page {:.1} ms",
                        r.files, r.workers, r.first_scan_s, r.first_scan_files_per_s, r.rescan_s, r.table_first_page_ms
                    );
                }
                results.push(r);
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            }
        }
        BenchWhat::Table { tracks, json } => {
            let r = segue::bench::table(scratch.path(), *tracks).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "table bench: {} tracks: open {:.1} ms, overview {:.1} ms, first page {:.1} ms, sorted by artist {:.1} ms, last page {:.1} ms, search {:.1} ms",
                    r.tracks, r.open_ms, r.overview_ms, r.first_page_ms, r.sorted_page_ms, r.deep_page_ms, r.search_ms
                );
            }
        }
        BenchWhat::Decode { files, rate, json } => {
            let r = segue::bench::decode(files, *rate);
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "decode bench: {} files ({} failed), {:.1} s of audio in {:.2} s = {:.0}x realtime on one thread, peak memory {}",
                    r.files,
                    r.failed,
                    r.audio_s,
                    r.wall_s,
                    r.realtime_factor,
                    r.peak_rss_mb.map_or("unknown".to_string(), |m| format!("{m:.0} MB"))
                );
            }
        }
        BenchWhat::Analyze {
            files,
            list,
            tsv,
            json,
        } => {
            let paths = bench_paths(files, list.as_deref())?;
            let r = segue::bench::analyze(&paths);
            if let Some(tsv) = tsv {
                let mut out = String::from(
                    "path\tbpm\tkey\tscale\tseconds\tduration_s\tbpm_confidence\tkey_strength\tloudness_lufs\terror\n",
                );
                let opt = |v: Option<String>| v.unwrap_or_default();
                for f in &r.results {
                    out.push_str(&format!(
                        "{}\t{}\t{}\t{}\t{:.4}\t{:.2}\t{:.3}\t{:.3}\t{}\t{}\n",
                        f.path,
                        opt(f.bpm.map(|b| format!("{b:.2}"))),
                        opt(f.key.clone()),
                        opt(f.scale.clone()),
                        f.seconds,
                        f.duration_s,
                        f.bpm_confidence,
                        f.key_strength,
                        opt(f.loudness_lufs.map(|l| format!("{l:.2}"))),
                        opt(f.error.clone()),
                    ));
                }
                std::fs::write(tsv, out).with_context(|| format!("writing {}", tsv.display()))?;
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "analysis bench: {} files ({} failed), {:.0} s of audio; one thread, CPU time:\n  \
                     decode only           {:>8.2} s  {:>6.0}x realtime\n  \
                     decode+mono+resample  {:>8.2} s  {:>6.0}x realtime\n  \
                     whole analysis        {:>8.2} s  {:>6.0}x realtime\n  \
                     analysis / decode = {:.2}, analysis / (decode+resample) = {:.2}, peak memory {}",
                    r.files,
                    r.failed,
                    r.audio_s,
                    r.decode_cpu_s,
                    r.decode_realtime,
                    r.decode_resample_cpu_s,
                    r.audio_s / r.decode_resample_cpu_s.max(1e-9),
                    r.analysis_cpu_s,
                    r.analysis_realtime,
                    r.analysis_over_decode,
                    r.analysis_over_decode_resample,
                    r.peak_rss_mb.map_or("unknown".to_string(), |m| format!("{m:.0} MB"))
                );
            }
        }
        BenchWhat::Index {
            tracks,
            queries,
            code_bytes,
            ivf_flat_max,
            json,
        } => {
            let mut policy = segue::index::IndexPolicy::default();
            if let Some(bytes) = code_bytes {
                policy.code_bytes = *bytes;
            }
            if let Some(max) = ivf_flat_max {
                policy.ivf_flat_max = *max;
            }
            let mut all = Vec::new();
            for &n in tracks {
                let r = segue::bench::index(n, *queries, &policy)?;
                if !*json {
                    println!(
                        "index bench: {} tracks, d={}: {} (nprobe {}), built in {:.2} s, {} B/track, {:.1} MB (RSS +{:.0} MB); one query p50 {:.3} ms p99 {:.3} ms on 1 thread, p50 {:.3} ms p99 {:.3} ms on all; batch {:.0} q/s; recall@10 {:.3} ({} queries; tuning saw {})",
                        r.tracks, r.dimension, r.index, r.nprobe, r.build_s, r.bytes_per_track, r.memory_mb,
                        r.rss_growth_mb, r.p50_ms, r.p99_ms, r.p50_all_threads_ms, r.p99_all_threads_ms,
                        r.batch_qps, r.recall_at_10, r.recall_queries,
                        r.tuned_recall.map_or("-".to_string(), |x| format!("{x:.3}"))
                    );
                }
                all.push(r);
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            }
        }
        BenchWhat::Playlist {
            tracks,
            requests,
            json,
        } => {
            let r = segue::bench::playlist(scratch.path(), *tracks, *requests).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "playlist bench: {} tracks ({}; set up in {:.1} s, index built in {:.1} s), {} requests of 20 tracks: p50 {:.2} ms p99 {:.2} ms; with ±8 % tempo and compatible keys: p50 {:.2} ms p99 {:.2} ms (mean length {:.1})",
                    r.tracks, r.index, r.setup_s, r.index_build_s, r.requests, r.plain_p50_ms, r.plain_p99_ms,
                    r.constrained_p50_ms, r.constrained_p99_ms, r.constrained_mean_length
                );
            }
        }
        BenchWhat::Musicnn {
            files,
            list,
            patches,
            json,
        } => {
            let paths = bench_paths(files, list.as_deref())?;
            let counts = patches.clone();
            let r = tokio::task::spawn_blocking(move || segue::bench::musicnn(&paths, &counts))
                .await??;
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "musicnn bench, one thread: one patch through one model p50 {:.1} ms, p90 {:.1} ms; front end (resample 44.1k + mel) {:.1} ms per patch",
                    r.patch_ms_p50, r.patch_ms_p90, r.frontend_ms_per_patch
                );
                println!(
                    "patches  mean|Δp|  top-5 agree  embedding cos  ms/track ({} files)",
                    r.files
                );
                for p in &r.curve {
                    println!(
                        "{:>7}  {:>8.4}  {:>11.3}  {:>13.4}  {:>8.0}",
                        p.patches,
                        p.mean_abs_error,
                        p.top5_agreement,
                        p.embedding_cosine,
                        p.ms_per_track
                    );
                }
                println!(
                    "whole analysis: {:.1} s CPU without tags, {:.1} s with tags ({} patches): x{:.2}; {:.0}x and {:.0}x realtime",
                    r.analysis_cpu_s,
                    r.analysis_with_tags_cpu_s,
                    r.default_patches,
                    r.analysis_with_tags_cpu_s / r.analysis_cpu_s.max(1e-9),
                    r.audio_s / r.analysis_cpu_s.max(1e-9),
                    r.audio_s / r.analysis_with_tags_cpu_s.max(1e-9),
                );
            }
        }
        BenchWhat::Preview {
            files,
            list,
            seconds,
            json,
        } => {
            let paths = bench_paths(files, list.as_deref())?;
            let seconds = *seconds;
            let r = tokio::task::spawn_blocking(move || segue::bench::preview(&paths, seconds))
                .await??;
            if *json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "preview bench: play to first sample p50 {:.1} ms, max {:.1} ms ({} files); CPU while playing {:.2} % of one core; underruns {} idle, {} in {:.0} s with {} threads analysing ({} late device periods)",
                    r.latency_p50_ms, r.latency_max_ms, r.files, r.cpu_percent_of_one_core, r.underruns_idle,
                    r.underruns_loaded, r.loaded_seconds, r.load_threads, r.late_periods
                );
            }
        }
        BenchWhat::Seed { .. } => {}
    }
    Ok(())
}

async fn folder(library: &Library, action: FolderAction) -> Result<()> {
    match action {
        FolderAction::Add { path } => {
            let folder = library.add_folder(&path).await?;
            println!("added folder {} ({})", folder.id, folder.path.display());
            eprintln!("run `segue scan` to read its files");
        }
        FolderAction::Rm { folder } => {
            let folders = library.folders().await?;
            let id = match folder.parse::<i64>() {
                Ok(id) => id,
                Err(_) => {
                    let path =
                        std::fs::canonicalize(&folder).unwrap_or_else(|_| PathBuf::from(&folder));
                    match folders.iter().find(|f| f.path == path) {
                        Some(f) => f.id,
                        None => bail!("no library folder {folder}"),
                    }
                }
            };
            let removed = library.remove_folder(id).await?;
            println!("removed folder {} ({})", removed.id, removed.path.display());
        }
        FolderAction::Ls { json } => {
            let folders = library.folders().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&folders)?);
            } else {
                for f in &folders {
                    let missing = if f.exists { "" } else { "  (missing)" };
                    println!(
                        "{:>4}  {:>7} tracks  {}{missing}",
                        f.id,
                        f.track_count,
                        f.path.display()
                    );
                }
            }
        }
    }
    Ok(())
}

/// Runs a scan with an indicatif bar on stderr when it is a terminal; Ctrl-C cancels cleanly.
fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    cancel
}

async fn analyze_with_progress(
    library: &Arc<Library>,
    workers: Option<usize>,
    cancel: &CancellationToken,
) -> Result<AnalysisSummary> {
    let mut options = AnalyzeOptions::default();
    if let Some(w) = workers {
        options.workers = w.max(1);
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} analysing [{bar:30}] {pos}/{len} tracks  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let bar_for_progress = bar.clone();
    let on_progress = Arc::new(move |p: &AnalysisProgress| {
        if let Some(bar) = &bar_for_progress {
            bar.set_length(p.total);
            bar.set_position(p.done + p.failed);
            bar.set_message(format!("{:.0} audio-h/h", p.audio_hours_per_hour));
        }
    });
    let summary = library
        .analyze(&options, on_progress, cancel, &PauseSwitch::new())
        .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary)
}

fn print_analysis(summary: &AnalysisSummary) {
    println!(
        "Analysis: {} tracks analysed ({:.1} h of audio), {} failed in {:.1} s ({:.0}x realtime)",
        summary.analyzed,
        summary.audio_s / 3600.0,
        summary.failed,
        summary.elapsed_s,
        summary.audio_s / summary.elapsed_s.max(1e-3)
    );
    if summary.failed > 0 {
        println!("run `segue failures` to see why tracks could not be analysed");
    }
}

fn print_index_stats(stats: &segue::similarity::IndexStats, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(stats)?);
        return Ok(());
    }
    println!(
        "{} index ({:?}): {} tracks, dimension {}, layout {}",
        stats.index_type, stats.state, stats.count, stats.dimension, stats.layout
    );
    if stats.nlist > 0 {
        println!(
            "  {} cells, {} visited per query{}",
            stats.nlist,
            stats.nprobe,
            stats.measured_recall.map_or(String::new(), |r| format!(
                ", recall@10 {r:.3} measured at build"
            ))
        );
    }
    println!(
        "  {:.1} MB in memory; built {} in {} ms",
        stats.bytes_in_memory as f64 / 1e6,
        stats.built_at.as_deref().unwrap_or("never"),
        stats.build_ms.unwrap_or(0)
    );
    if let Some(w) = &stats.warning {
        println!("  warning: {w}");
    }
    Ok(())
}

/// Plays the files one after the other (each from `from` for `seconds`, or to its end),
/// showing the position on a terminal.
fn play(
    paths: &[PathBuf],
    from: f64,
    seconds: Option<f64>,
    device: Option<&str>,
    volume: f32,
) -> Result<segue::audio::preview::PlayerState> {
    let player = segue::audio::preview::Player::new(device)?;
    player.set_volume(volume);
    let queue = paths
        .iter()
        .map(|path| segue::audio::preview::QueueItem {
            path: path.clone(),
            from_s: from,
            seconds,
        })
        .collect();
    let before = player.state().preview;
    player.play_queue(queue, 0)?;
    player.state_after(before, Duration::from_secs(2));
    let tty = std::io::stderr().is_terminal();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let state = player.state();
        if tty {
            eprint!(
                "\r{} {}/{} {:>7.1} s  ",
                state.status,
                state.queue_index + 1,
                state.queue_len,
                state.position_s
            );
        }
        if matches!(state.status.as_str(), "finished" | "error" | "idle") {
            if tty {
                eprintln!();
            }
            return Ok(state);
        }
    }
}

/// A track's title, or its file name when it has none (as the app shows it).
fn shown_title(title: &Option<String>, path: &str) -> String {
    title.clone().unwrap_or_else(|| {
        std::path::Path::new(path)
            .file_stem()
            .map_or_else(|| "—".to_string(), |s| s.to_string_lossy().into_owned())
    })
}

/// A library track given by id or path.
async fn library_track(library: &Library, arg: &str) -> Result<i64> {
    let id = track_id(library, arg)
        .await?
        .with_context(|| format!("{arg} is not a track in the library"))?;
    if library.track(id).await?.is_none() {
        bail!("no track with id {id}");
    }
    Ok(id)
}

/// Playlist tracks: JSON `[{id, path, title, artist, bpm, key, camelot, score, reasons…}]`, or
/// a table.
fn print_entries(entries: &[segue::playlist::PlaylistEntry], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(entries)?);
        return Ok(());
    }
    for (i, e) in entries.iter().enumerate() {
        println!(
            "{:>3}. {:>5.1}%  {:<30}  {:<20}  {:>5}  {:<4}  {}",
            i + 1,
            e.score.max(0.0) * 100.0,
            clip(&shown_title(&e.track.title, &e.track.path), 30),
            clip(e.track.artist.as_deref().unwrap_or("—"), 20),
            e.track.bpm.map_or("—".to_string(), |b| format!("{b:.0}")),
            e.track.camelot.as_deref().unwrap_or("—"),
            e.reasons.join(" · ")
        );
    }
    Ok(())
}

/// A track argument: an id, a library track's path, or (`None`) a file outside the library.
async fn track_id(library: &Library, arg: &str) -> Result<Option<i64>> {
    if let Ok(id) = arg.parse::<i64>() {
        return Ok(Some(id));
    }
    let path = PathBuf::from(arg);
    if let Some(id) = library.track_id_by_path(&path).await? {
        return Ok(Some(id));
    }
    if !path.exists() {
        bail!("{arg}: no such track or file");
    }
    Ok(None)
}

async fn similar_for(
    library: &Library,
    arg: &str,
    count: usize,
) -> Result<Vec<segue::SimilarTrack>> {
    match track_id(library, arg).await? {
        Some(id) => {
            if library.track(id).await?.is_none() {
                bail!("no track with id {id}");
            }
            library
                .similar(id, count)
                .await?
                .with_context(|| format!("track {arg} is not analysed yet (run `segue analyze`)"))
        }
        None => Ok(library
            .similar_to_file(std::path::Path::new(arg), count)
            .await?),
    }
}

async fn similar(
    library: &Library,
    track: Option<&str>,
    batch: Option<&std::path::Path>,
    count: usize,
    json: bool,
) -> Result<()> {
    library.index_ready().await?;
    if let Some(file) = batch {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let queries: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        // Library tracks go to the index in one batch; outside files are analysed one by one.
        let mut ids = Vec::with_capacity(queries.len());
        for q in &queries {
            ids.push(track_id(library, q).await?);
        }
        let known: Vec<i64> = ids.iter().flatten().copied().collect();
        let mut answers = library.similar_batch(&known, count).await?.into_iter();
        let mut out = Vec::with_capacity(queries.len());
        for (q, id) in queries.iter().zip(&ids) {
            let results = match id {
                Some(id) => answers
                    .next()
                    .flatten()
                    .with_context(|| format!("track {id} ({q}) is not analysed yet"))?,
                None => {
                    library
                        .similar_to_file(std::path::Path::new(q), count)
                        .await?
                }
            };
            out.push(serde_json::json!({ "query": q, "results": results }));
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            for entry in &out {
                println!("{}", entry["query"].as_str().unwrap_or_default());
                for r in entry["results"].as_array().into_iter().flatten() {
                    println!(
                        "  {:>5.3}  {:>6}  {}",
                        r["score"].as_f64().unwrap_or_default(),
                        r["id"],
                        r["path"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        return Ok(());
    }
    let arg = track.context("give a track or --batch FILE")?;
    let results = similar_for(library, arg, count).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(());
    }
    for r in &results {
        let key = match (&r.track.key, &r.track.scale) {
            (Some(k), Some(s)) if s == "minor" => format!("{k}m"),
            (Some(k), _) => k.clone(),
            _ => "—".to_string(),
        };
        println!(
            "{:>5.1}%  {:>6}  {:<32}  {:<24}  {:>5}  {:<4}",
            r.score.max(0.0) * 100.0,
            r.track.id,
            clip(&shown_title(&r.track.title, &r.track.path), 32),
            clip(r.track.artist.as_deref().unwrap_or("—"), 24),
            r.track.bpm.map_or("—".to_string(), |b| format!("{b:.0}")),
            key
        );
    }
    eprintln!("{} similar tracks", results.len());
    Ok(())
}

/// The files a benchmark reads: those given, then one path per non-empty line of `list`.
fn bench_paths(files: &[PathBuf], list: Option<&std::path::Path>) -> Result<Vec<PathBuf>> {
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

/// `segue musicnn`: needs no library, only the weights.
fn musicnn(
    file: &std::path::Path,
    model: segue::musicnn::Model,
    patches: Option<usize>,
    json: bool,
) -> Result<()> {
    use segue::musicnn::{model_dir, net::Network, tagger::file_taggram, HOW_TO_ENABLE};
    let network =
        Network::load(&model_dir(model)).map_err(|e| anyhow::anyhow!("{e}\n{HOW_TO_ENABLE}"))?;
    let result = file_taggram(&network, model, file, patches)
        .with_context(|| format!("{}", file.display()))?;
    if json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            labels: &'a [&'static str],
            taggram: &'a [Vec<f32>],
            tags: &'a serde_json::Map<String, serde_json::Value>,
            embedding: &'a [f32],
        }
        println!(
            "{}",
            serde_json::to_string(&Out {
                labels: &result.labels,
                taggram: &result.taggram,
                tags: &result.tags,
                embedding: &result.embedding,
            })?
        );
        return Ok(());
    }
    let mut ranked: Vec<(&str, f64)> = result
        .tags
        .iter()
        .map(|(l, p)| (l.as_str(), p.as_f64().unwrap_or(0.0)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!(
        "{} — {} patches of 3 s, model {}",
        file.display(),
        result.taggram.len(),
        model.dir_name()
    );
    println!("\ntop tags (mean over patches):");
    for (label, p) in ranked.iter().take(10) {
        let bar = "█".repeat((p * 40.0).round() as usize);
        println!("  {label:<18} {p:>6.3}  {bar}");
    }
    println!("\ntaggram (patch start, then its 3 likeliest tags):");
    for (row, start) in result.taggram.iter().zip(&result.patch_starts_s) {
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
        let top: Vec<String> = order
            .iter()
            .take(3)
            .map(|&i| format!("{} {:.2}", result.labels[i], row[i]))
            .collect();
        println!("  {:>7}  {}", human_duration(*start), top.join(", "));
    }
    let norm = result.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    println!(
        "\nembedding: {} values, norm {norm:.2} (--json prints them)",
        result.embedding.len()
    );
    Ok(())
}

async fn show(library: &Library, track: &str, json: bool) -> Result<()> {
    let id = match track.parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            let path = PathBuf::from(track);
            library
                .track_id_by_path(&path)
                .await?
                .with_context(|| format!("{track} is not a track in the library"))?
        }
    };
    let detail = library
        .track_detail(id)
        .await?
        .with_context(|| format!("no track with id {id}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(());
    }
    let t = &detail.track;
    println!("{}", t.path);
    println!(
        "  {} — {} ({})",
        t.artist.as_deref().unwrap_or("unknown artist"),
        t.title.as_deref().unwrap_or("untitled"),
        t.album.as_deref().unwrap_or("no album")
    );
    println!(
        "  {} · {} · status {}",
        t.format,
        t.duration_s.map(human_duration).unwrap_or_default(),
        t.status
    );
    let Some(f) = &detail.features else {
        println!("  not analysed");
        return Ok(());
    };
    match f.tempo {
        Some(tempo) => println!(
            "  tempo     {:.1} BPM (confidence {:.2})",
            tempo.bpm, tempo.confidence
        ),
        None => println!("  tempo     none"),
    }
    match f.key {
        Some(key) => println!(
            "  key       {} ({}), strength {:.2}, tuning {:+.0} cents",
            key.name(),
            key.camelot(),
            key.strength,
            f.tuning_cents
        ),
        None => println!("  key       none"),
    }
    let db = |v: Option<f64>, unit: &str| v.map_or("—".to_string(), |v| format!("{v:.1} {unit}"));
    println!(
        "  loudness  {} integrated, range {}, peak {}",
        db(f.loudness.integrated_lufs, "LUFS"),
        db(f.loudness.range_lu, "LU"),
        db(f.loudness.peak_dbfs, "dBFS")
    );
    println!(
        "  timbre    brightness {:.0} Hz, noisiness {:.2}, {:.1} onsets/s",
        f.timbre.centroid_hz.mean, f.timbre.flatness.mean, f.onset_rate
    );
    Ok(())
}

async fn scan_with_progress(
    library: &Arc<Library>,
    options: &ScanOptions,
    cancel: &CancellationToken,
) -> Result<ScanSummary> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:12} [{bar:30}] {pos}/{len} files  {per_sec}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(bar)
    } else {
        None
    };
    let bar_for_progress = bar.clone();
    let on_progress = Arc::new(move |p: &ScanProgress| {
        if let Some(bar) = &bar_for_progress {
            bar.set_length(p.found);
            bar.set_position(p.done + p.failed + p.unchanged);
            bar.set_message(match p.phase {
                ScanPhase::Walking => "finding",
                ScanPhase::Reading => "reading",
                ScanPhase::Removing => "tidying",
                _ => "",
            });
        }
    });
    let summary = library.scan(None, options, on_progress, cancel).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary)
}

/// `segue scan --json`: the scan's fields, plus the analysis run's when there was one.
#[derive(serde::Serialize)]
struct ScanReport<'a> {
    #[serde(flatten)]
    scan: &'a ScanSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<&'a AnalysisSummary>,
}

fn print_summary(
    summary: &ScanSummary,
    analysis: Option<&AnalysisSummary>,
    json: bool,
) -> Result<()> {
    if json {
        let report = ScanReport {
            scan: summary,
            analysis,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: {} files found, {} added, {} updated, {} moved, {} removed, {} unchanged, {} failed{} in {:.2} s",
            if summary.cancelled { "Scan cancelled" } else { "Scan done" },
            summary.found,
            summary.added,
            summary.updated,
            summary.moved,
            summary.removed,
            summary.unchanged,
            summary.failed,
            if summary.warnings > 0 {
                format!(", {} with warnings", summary.warnings)
            } else {
                String::new()
            },
            summary.elapsed_s
        );
        if summary.failed > 0 {
            println!("run `segue failures` to see why files could not be read");
        }
        if let Some(analysis) = analysis {
            print_analysis(analysis);
        }
    }
    Ok(())
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

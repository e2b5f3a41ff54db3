//! `segue playlist` (make one from seeds, with every rule of the engine's request as a flag),
//! `segue journey` (from one track to another, with the same rules) and `segue playlists` (the
//! saved ones).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Subcommand;
use segue::ingest::probe::human_duration;
use segue::playlist::{Order, PlaylistRequest, Ramp, SortBy, TempoRange};
use segue::Library;

use crate::print::{self, clip};
use crate::resolve;

/// The engine's defaults, so the flags' defaults are declared once.
fn defaults() -> PlaylistRequest {
    PlaylistRequest::default()
}

#[derive(clap::Args)]
pub struct MakeArgs {
    /// Seed tracks: ids or paths of library tracks ("more like these")
    #[arg(required_unless_present = "like_file")]
    seeds: Vec<String>,
    /// An audio file outside the library to start from (analysed now; beside or instead of
    /// seed tracks)
    #[arg(long, value_name = "PATH")]
    like_file: Option<std::path::PathBuf>,
    /// How many tracks
    #[arg(short = 'n', long, default_value_t = defaults().length)]
    count: usize,
    #[arg(long, value_enum, default_value_t = OrderArg::Similarity)]
    order: OrderArg,
    /// Tempo or energy following a shape (the order then follows it)
    #[arg(long, value_parser = PossibleValuesParser::new(Ramp::ALL.map(Ramp::name)).try_map(|s| named(&Ramp::ALL, Ramp::name, &s)))]
    ramp: Option<Ramp>,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
pub struct JourneyArgs {
    /// Where the journey starts: a library track's id or path
    from: String,
    /// Where it ends
    to: String,
    /// How many tracks, both ends included
    #[arg(short = 'n', long, default_value_t = defaults().length)]
    count: usize,
    #[command(flatten)]
    rules: RuleArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The rules every generated list keeps (the engine's `PlaylistRequest`, but for the seeds,
/// length and order).
#[derive(clap::Args)]
struct RuleArgs {
    /// At most K tracks per artist (0: no limit)
    #[arg(long, default_value_t = defaults().max_per_artist, value_name = "K")]
    max_per_artist: usize,
    /// At most K tracks per album (0: no limit)
    #[arg(long, default_value_t = defaults().max_per_album, value_name = "K")]
    max_per_album: usize,
    /// Keep to the caps even when the list comes out short (by default they give way to a
    /// clearly better match)
    #[arg(long)]
    strict_caps: bool,
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
}

/// Where a generated list goes besides the terminal.
#[derive(clap::Args)]
struct OutputArgs {
    /// Also write it to FILE.m3u8, FILE.xspf or FILE.edl (mpv)
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    /// Also save it in the library under this name
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    #[arg(long)]
    json: bool,
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

impl From<OrderArg> for Order {
    fn from(order: OrderArg) -> Self {
        match order {
            OrderArg::Similarity => Order::Similarity,
            OrderArg::Flow => Order::Flow,
            OrderArg::Harmonic => Order::Harmonic,
        }
    }
}

#[derive(clap::Args)]
pub struct SavedArgs {
    #[command(subcommand)]
    action: Option<SavedAction>,
}

impl MakeArgs {
    /// Making a playlist only reads, unless it is saved in the library.
    pub fn only_reads(&self) -> bool {
        self.output.save.is_none()
    }
}

impl JourneyArgs {
    /// As a playlist: only reads unless saved.
    pub fn only_reads(&self) -> bool {
        self.output.save.is_none()
    }
}

impl SavedArgs {
    /// Listing, showing and exporting saved playlists only read.
    pub fn only_reads(&self) -> bool {
        matches!(
            self.action,
            None | Some(
                SavedAction::List { .. } | SavedAction::Show { .. } | SavedAction::Export { .. }
            )
        )
    }
}

#[derive(Subcommand)]
enum SavedAction {
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
    /// Write it to FILE.m3u8, FILE.xspf or FILE.edl (mpv)
    Export {
        id: i64,
        file: PathBuf,
    },
    Delete {
        id: i64,
    },
    /// Save M3U8 files as playlists (e.g. the ones kept after a lost database), with the
    /// library's tracks they name
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Re-order it: by tempo, energy or brightness (rising), key (a walk round the Camelot
    /// wheel) or flow (each track next to the one most like it)
    Sort {
        id: i64,
        #[arg(long, value_parser = PossibleValuesParser::new(SortBy::ALL.map(SortBy::name)).try_map(|s| named(&SortBy::ALL, SortBy::name, &s)))]
        by: SortBy,
        #[arg(long)]
        json: bool,
    },
}

/// The value of `all` the engine calls `name` (the flag's possible values are those names).
fn named<T: Copy>(all: &[T], name_of: fn(T) -> &'static str, name: &str) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|v| name_of(*v) == name)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|v| name_of(*v)).collect();
            format!("one of: {}", names.join(", "))
        })
}

/// `base` with the rules of these flags (tracks and folders resolved against the library).
async fn with_rules(
    library: &Library,
    rules: &RuleArgs,
    base: PlaylistRequest,
) -> Result<PlaylistRequest> {
    let mut request = PlaylistRequest {
        max_per_artist: rules.max_per_artist,
        max_per_album: rules.max_per_album,
        strict_caps: rules.strict_caps,
        key_compatible: rules.key_compatible,
        include_tags: rules.include.clone(),
        avoid_tags: rules.avoid.clone(),
        min_duration_s: rules.min_duration,
        max_duration_s: rules.max_duration,
        ..base
    };
    for seed in &rules.not_like {
        request
            .avoid_like
            .push(resolve::library_track(library, seed).await?);
    }
    for folder in &rules.folder {
        request.folders.push(resolve::folder_path(folder)?);
    }
    if let Some(range) = &rules.bpm_range {
        let (a, b) = range
            .split_once('-')
            .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)))
            .with_context(|| format!("--bpm-range {range}: write it as A-B, e.g. 110-130"))?;
        request.tempo = Some(TempoRange::Absolute {
            min: a.min(b),
            max: a.max(b),
        });
    }
    if let Some(percent) = rules.bpm_tolerance {
        request.tempo = Some(TempoRange::Tolerance { percent });
    }
    Ok(request)
}

pub async fn make(library: &Library, args: MakeArgs) -> Result<()> {
    let mut seeds = Vec::new();
    for seed in &args.seeds {
        seeds.push(resolve::library_track(library, seed).await?);
    }
    let seed_file = match &args.like_file {
        Some(path) => Some(
            std::path::absolute(path)
                .with_context(|| format!("--like-file {}", path.display()))?
                .to_string_lossy()
                .into_owned(),
        ),
        None => None,
    };
    let base = PlaylistRequest {
        seeds,
        seed_file,
        length: args.count,
        order: args.order.into(),
        ramp: args.ramp,
        ..defaults()
    };
    let request = with_rules(library, &args.rules, base).await?;
    deliver(library, &request, &args.output).await
}

pub async fn journey(library: &Library, args: JourneyArgs) -> Result<()> {
    let base = PlaylistRequest {
        seeds: vec![resolve::library_track(library, &args.from).await?],
        journey_to: Some(resolve::library_track(library, &args.to).await?),
        length: args.count,
        ..defaults()
    };
    let request = with_rules(library, &args.rules, base).await?;
    deliver(library, &request, &args.output).await
}

/// Makes the list, says why it is short or what it loosened, saves and exports it as asked,
/// and prints it.
async fn deliver(library: &Library, request: &PlaylistRequest, output: &OutputArgs) -> Result<()> {
    library.index_ready().await?;
    let playlist = library.make_playlist(request).await?;
    for note in &playlist.notes {
        eprintln!("{note}");
    }
    if let Some(why) = &playlist.shortfall {
        eprintln!("{why}");
    }
    let ids: Vec<i64> = playlist.entries.iter().map(|e| e.track.id).collect();
    if let Some(name) = &output.save {
        let saved = library.save_playlist(name, Some(request), &ids).await?;
        eprintln!("saved as playlist {} ({})", saved.id, saved.name);
    }
    if let Some(file) = &output.export {
        let name = output.save.as_deref().unwrap_or("Segue playlist");
        segue::playlist::export::write(&playlist.entries, name, file)?;
        eprintln!("wrote {}", file.display());
    }
    print::entries(&playlist.entries, output.json)
}

pub async fn saved(library: &Library, args: SavedArgs) -> Result<()> {
    match args.action.unwrap_or(SavedAction::List { json: false }) {
        SavedAction::List { json } => {
            let all = library.saved_playlists().await?;
            if json {
                return print::json(&all);
            }
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
        SavedAction::Show { id, json } => {
            let detail = library.saved_playlist(id).await?;
            if json {
                return print::json(&detail);
            }
            println!(
                "{} ({} tracks)",
                detail.playlist.name, detail.playlist.track_count
            );
            print::entries(&detail.entries, false)?;
        }
        SavedAction::Rename { id, name } => {
            let p = library.rename_playlist(id, &name).await?;
            println!("renamed playlist {} to {}", p.id, p.name);
        }
        SavedAction::Export { id, file } => {
            library.export_playlist(id, &file).await?;
            println!("wrote {}", file.display());
        }
        SavedAction::Delete { id } => {
            library.delete_playlist(id).await?;
            println!("deleted playlist {id}");
        }
        SavedAction::Sort { id, by, json } => {
            library.sort_saved_playlist(id, by).await?;
            let detail = library.saved_playlist(id).await?;
            if json {
                return print::json(&detail);
            }
            eprintln!("sorted playlist {id} by {}", by.name());
            print::entries(&detail.entries, false)?;
        }
        SavedAction::Import { files } => {
            for file in files {
                let (p, missing) = library
                    .import_playlist(&file)
                    .await
                    .with_context(|| format!("importing {}", file.display()))?;
                println!(
                    "saved {} as playlist {} ({} tracks)",
                    file.display(),
                    p.id,
                    p.track_count
                );
                for m in missing {
                    eprintln!("  not in the library: {}", m.display());
                }
            }
        }
    }
    Ok(())
}

//! The `segue` command line: the same engine as the desktop app, for terminals and scripts.
//!
//! One module per command group; `resolve` turns track/folder arguments into library ids,
//! `print` holds the table and JSON output shared by the groups, `progress` the bars and
//! Ctrl-C. `bench` is the measuring harness (`segue bench …`), kept out of the engine.

mod bench;
mod describe;
mod doctor;
mod folder;
mod generate;
mod map;
mod musicnn;
mod play;
mod playlist;
mod print;
mod progress;
mod radio;
mod resolve;
mod scan;
mod similar;
mod tracks;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use segue::Library;

// A plain message on a CPU this build cannot run on, not an illegal instruction.
segue::refuse_unsupported_cpu_before_main!("segue", graphical: false);

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
    Folder(folder::Args),
    /// Scan the library folders and wait until done
    Scan(scan::ScanArgs),
    /// Analyse tracks not analysed yet (new, changed, or by an older version of Segue)
    Analyze(scan::AnalyzeArgs),
    /// Everything stored about one track: tags, file, and every analysed feature
    Show(tracks::ShowArgs),
    /// Tracks that sound like a track of the library, or like any audio file
    Similar(similar::Args),
    /// A radio on seed tracks: its next picks, never a track twice, drifting slowly (--play:
    /// through the sound device until stopped)
    Radio(radio::Args),
    /// Tracks whose genre and mood tags fit a description in words ("calm piano", "no vocals")
    Describe(describe::Args),
    /// Make a playlist of tracks that sound like the seed track(s)
    Playlist(playlist::MakeArgs),
    /// A journey from one track to another: the tracks between, in even steps, each saying what
    /// changes
    Journey(playlist::JourneyArgs),
    /// Saved playlists: list, show, rename, export, delete, import
    Playlists(playlist::SavedArgs),
    /// Play tracks (or any audio files) through the sound device, one after the other; exits
    /// when done
    Play(play::Args),
    /// The library map: every placed track's point (x, y), where neighbours sound alike
    Map(map::Args),
    /// The similarity index: statistics, rebuild
    Index(similar::IndexArgs),
    /// List tracks
    Tracks(tracks::ListArgs),
    /// List files that could not be read, and why
    Failures(tracks::FailuresArgs),
    /// Library statistics
    Stats(tracks::StatsArgs),
    /// Synthesise the demo library, add it and scan it
    Demo(scan::DemoArgs),
    /// MusiCNN genre/mood tags of any audio file: the per-patch taggram, the mean tags and
    /// the 200-d embedding, as the original `musicnn` computes them
    Musicnn(musicnn::Args),
    /// Check the database, its backups, the index and the playlists' files; `--repair`
    /// restores a damaged database from the newest good backup
    Doctor(doctor::Args),
    /// Measure performance and print figures (never pass/fail)
    Bench(bench::Args),
    /// Shell completions and man pages, derived from these definitions (for packaging)
    #[command(hide = true)]
    Generate(generate::Args),
}

impl Command {
    /// Whether the command only reads the library (nothing in the data dir changes), so it may
    /// run while another process holds it.
    fn only_reads(&self) -> bool {
        match self {
            Command::Show(_) | Command::Similar(_) | Command::Tracks(_) => true,
            Command::Describe(_) => true,
            Command::Radio(args) => !args.plays(),
            Command::Failures(_) | Command::Stats(_) => true,
            Command::Playlist(args) => args.only_reads(),
            Command::Journey(args) => args.only_reads(),
            Command::Playlists(args) => args.only_reads(),
            Command::Map(args) => args.only_reads(),
            Command::Index(args) => args.only_reads(),
            Command::Folder(_) | Command::Scan(_) | Command::Analyze(_) | Command::Demo(_) => false,
            Command::Play(_) | Command::Doctor(_) | Command::Bench(_) => false,
            Command::Musicnn(_) | Command::Generate(_) => false,
        }
    }
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
    // Commands that need no library.
    match &cli.command {
        Command::Musicnn(args) => return musicnn::run(args),
        Command::Generate(args) => return generate::run(args),
        Command::Bench(args) if !args.needs_library() => return bench::run(args).await,
        _ => {}
    }
    let data_dir = cli.data_dir.unwrap_or_else(segue::paths::default_data_dir);
    // The doctor looks at the files as they are: opening the library would restore them.
    if let Command::Doctor(args) = cli.command {
        return doctor::run(&data_dir, args).await;
    }
    // Reading commands may run beside the app (or a scan): as a guest of its library.
    let opened = if cli.command.only_reads() {
        Library::open_to_read(&data_dir).await
    } else {
        Library::open(&data_dir).await
    };
    let library =
        opened.with_context(|| format!("opening the library in {}", data_dir.display()))?;
    if let Some(recovery) = library.recovery() {
        eprintln!("{}", recovery.message);
    }
    let result = command(&library, cli.command).await;
    // A scan or analysis may have started an index build: let it finish and save, so the next
    // command does not build again. The same for a backup waiting out its throttle.
    library.wait_index_idle().await;
    library.wait_map_idle().await;
    library.close().await;
    result
}

async fn command(library: &std::sync::Arc<Library>, command: Command) -> Result<()> {
    match command {
        Command::Folder(args) => folder::run(library, args).await,
        Command::Scan(args) => scan::scan(library, args).await,
        Command::Analyze(args) => scan::analyze(library, args).await,
        Command::Demo(args) => scan::demo(library, args).await,
        Command::Show(args) => tracks::show(library, args).await,
        Command::Tracks(args) => tracks::list(library, args).await,
        Command::Failures(args) => tracks::failures(library, args).await,
        Command::Stats(args) => tracks::stats(library, args).await,
        Command::Similar(args) => similar::run(library, args).await,
        Command::Index(args) => similar::index(library, args).await,
        Command::Map(args) => map::run(library, args).await,
        Command::Playlist(args) => playlist::make(library, args).await,
        Command::Journey(args) => playlist::journey(library, args).await,
        Command::Describe(args) => describe::run(library, args).await,
        Command::Radio(args) => radio::run(library, args).await,
        Command::Playlists(args) => playlist::saved(library, args).await,
        Command::Play(args) => play::run(library, args).await,
        Command::Bench(args) => bench::run_in_library(library, args).await,
        Command::Musicnn(args) => musicnn::run(&args),
        Command::Doctor(_) | Command::Generate(_) => Ok(()),
    }
}

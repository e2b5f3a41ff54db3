//! `segue scan`, `segue analyze` and `segue demo`: the library's one scan-then-analyse
//! sequence (`Library::scan_and_analyze`, as the app's background jobs run it), with progress.

use anyhow::Result;
use segue::{AnalysisSummary, AnalyzeOptions, Library, PauseSwitch, ScanOptions, UpdateSummary};

use crate::print;
use crate::progress::{cancel_on_ctrl_c, Bars};

#[derive(clap::Args)]
pub struct ScanArgs {
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
}

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Tracks analysed at once [default: cores]
    #[arg(long)]
    workers: Option<usize>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    #[arg(long)]
    json: bool,
}

fn analyze_options(workers: Option<usize>) -> AnalyzeOptions {
    let mut options = AnalyzeOptions::default();
    if let Some(w) = workers {
        options.workers = w.max(1);
    }
    options
}

pub async fn scan(library: &Library, args: ScanArgs) -> Result<()> {
    let mut options = ScanOptions::default();
    if let Some(w) = args.workers {
        options.workers = w.max(1);
    }
    let analysis = (!args.no_analyze).then(|| analyze_options(args.analysis_workers));
    let summary = update(library, &options, analysis.as_ref()).await?;
    print_summary(&summary, args.json)
}

pub async fn analyze(library: &Library, args: AnalyzeArgs) -> Result<()> {
    let cancel = cancel_on_ctrl_c();
    let mut bars = Bars::new();
    let summary = library
        .analyze(
            &analyze_options(args.workers),
            bars.analysis(),
            &cancel,
            &PauseSwitch::new(),
        )
        .await?;
    drop(bars);
    if args.json {
        return print::json(&summary);
    }
    print_analysis(&summary);
    Ok(())
}

pub async fn demo(library: &Library, args: DemoArgs) -> Result<()> {
    let folder = library.create_demo().await?;
    eprintln!("demo library written to {}", folder.path.display());
    let summary = update(
        library,
        &ScanOptions::default(),
        Some(&AnalyzeOptions::default()),
    )
    .await?;
    print_summary(&summary, args.json)
}

/// Scans every folder, then analyses what is new or changed, with progress; Ctrl-C cancels.
async fn update(
    library: &Library,
    scan: &ScanOptions,
    analyze: Option<&AnalyzeOptions>,
) -> Result<UpdateSummary> {
    let cancel = cancel_on_ctrl_c();
    let mut bars = Bars::new();
    let (on_scan, on_analysis) = (bars.scan(), bars.analysis_later());
    Ok(library
        .scan_and_analyze(None, scan, analyze, on_scan, on_analysis, &cancel)
        .await?)
}

fn print_summary(report: &UpdateSummary, json: bool) -> Result<()> {
    if json {
        return print::json(report);
    }
    let summary = &report.scan;
    println!(
        "{}: {} files found, {} added, {} updated, {} moved, {} removed, {} unchanged, {} failed{}{} in {:.2} s",
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
        if summary.ignored > 0 {
            format!(", {} not audio", summary.ignored)
        } else {
            String::new()
        },
        summary.elapsed_s
    );
    if summary.failed > 0 {
        println!("run `segue failures` to see why files could not be read");
    }
    if let Some(analysis) = &report.analysis {
        print_analysis(analysis);
    }
    Ok(())
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
    if summary.missing > 0 {
        println!(
            "{} tracks were not there (a drive unplugged?): they stay as they were and are \
             analysed when back",
            summary.missing
        );
    }
}

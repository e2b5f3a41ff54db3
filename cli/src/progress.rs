//! Progress bars on stderr (only when it is a terminal) and Ctrl-C as a clean cancel.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use segue::{AnalysisProgress, CancellationToken, ScanPhase, ScanProgress};

/// A token cancelled by Ctrl-C: the scan or analysis stops cleanly, what it stored stays.
pub fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    cancel
}

/// A bar on stderr when it is a terminal, `None` otherwise (scripts, pipes, tests).
fn terminal_bar(template: &str) -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    })
}

/// The bar of a scan and then of the analysis run after it: one line on stderr, cleared when
/// dropped.
pub struct Bars {
    current: Arc<Mutex<Option<ProgressBar>>>,
}

const SCAN_BAR: &str = "{spinner} {msg:12} [{bar:30}] {pos}/{len} files  {per_sec}  eta {eta}";
const ANALYSIS_BAR: &str = "{spinner} analysing [{bar:30}] {pos}/{len} tracks  {msg}  eta {eta}";

impl Bars {
    pub fn new() -> Self {
        Bars {
            current: Arc::new(Mutex::new(None)),
        }
    }

    /// Shows the scan's bar now and returns what feeds it.
    pub fn scan(&mut self) -> segue::ProgressFn {
        let bar = terminal_bar(SCAN_BAR);
        self.replace(bar.clone());
        Arc::new(move |p: &ScanProgress| {
            if let Some(bar) = &bar {
                bar.set_length(p.found);
                bar.set_position(p.done + p.failed + p.unchanged + p.ignored);
                bar.set_message(match p.phase {
                    ScanPhase::Walking => "finding",
                    ScanPhase::Reading => "reading",
                    ScanPhase::Removing => "tidying",
                    _ => "",
                });
            }
        })
    }

    /// Shows the analysis bar now and returns what feeds it.
    pub fn analysis(&mut self) -> segue::AnalysisProgressFn {
        self.replace(terminal_bar(ANALYSIS_BAR));
        self.feed_analysis(true)
    }

    /// What feeds the analysis bar, which replaces the scan's at its first report.
    pub fn analysis_later(&mut self) -> segue::AnalysisProgressFn {
        self.feed_analysis(false)
    }

    fn feed_analysis(&self, shown: bool) -> segue::AnalysisProgressFn {
        let current = self.current.clone();
        let shown = AtomicBool::new(shown);
        Arc::new(move |p: &AnalysisProgress| {
            let Ok(mut slot) = current.lock() else { return };
            if !shown.swap(true, Ordering::Relaxed) {
                if let Some(old) = slot.take() {
                    old.finish_and_clear();
                }
                *slot = terminal_bar(ANALYSIS_BAR);
            }
            if let Some(bar) = slot.as_ref() {
                bar.set_length(p.total);
                bar.set_position(p.done + p.failed);
                bar.set_message(format!("{:.0} audio-h/h", p.audio_hours_per_hour));
            }
        })
    }

    fn replace(&mut self, bar: Option<ProgressBar>) {
        if let Ok(mut slot) = self.current.lock() {
            if let Some(old) = std::mem::replace(&mut *slot, bar) {
                old.finish_and_clear();
            }
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.replace(None);
    }
}

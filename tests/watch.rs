//! While the app runs, files added, changed or removed in a library folder are picked up by
//! the watcher and applied like a rescan would.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use segue::library::jobs::{BackgroundScanner, JobEvent};
use segue::ScanOptions;
use tokio::sync::mpsc;

async fn next_finished(rx: &mut mpsc::UnboundedReceiver<JobEvent>) -> segue::ScanSummary {
    let wait = async {
        while let Some(event) = rx.recv().await {
            match event {
                JobEvent::Finished(summary) => return summary,
                JobEvent::Failed(e) => panic!("scan failed: {e}"),
                _ => {}
            }
        }
        panic!("scanner stopped");
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .expect("a scan should follow the change within seconds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_applies_adds_edits_and_deletes() {
    let (_root, music, data) = temp_dirs();
    write_audio(&music.join("a.wav"), Fmt::Wav, 1.0, 440.0);
    let library = library_with(&music, &data).await;
    let folder = library.folders().await.expect("folders").remove(0);

    let (tx, mut rx) = mpsc::unbounded_channel();
    let on_event = Arc::new(move |e: JobEvent| {
        let _ = tx.send(e);
    });
    let (scanner, runner) = BackgroundScanner::new(
        library.clone(),
        ScanOptions::default(),
        on_event,
        true,
        None,
    );
    tokio::spawn(runner);
    scanner.watch(folder.id, &folder.path);
    scanner.scan_all();
    assert_eq!(next_finished(&mut rx).await.added, 1);

    // Add (in a new subfolder).
    write_tagged(
        &music.join("new/b.flac"),
        Fmt::Flac,
        1.0,
        &tags("B", "Artist", "Album"),
    );
    let mut added = 0;
    while added == 0 {
        added = next_finished(&mut rx).await.added;
    }
    assert_eq!(library.stats().await.expect("stats").tracks, 2);

    // Edit.
    segue::audio::encode::write_tags(
        &music.join("new/b.flac"),
        &tags("B (edit)", "Artist", "Album"),
    )
    .expect("tags");
    let mut updated = 0;
    while updated == 0 {
        updated = next_finished(&mut rx).await.updated;
    }
    let mut titles: Vec<_> = library
        .tracks(None)
        .await
        .expect("tracks")
        .into_iter()
        .filter_map(|t| t.title)
        .collect();
    titles.sort();
    // The untagged a.wav is titled by its file name.
    assert_eq!(titles, ["B (edit)", "a"]);

    // Delete.
    std::fs::remove_file(music.join("a.wav")).expect("rm");
    let mut removed = 0;
    while removed == 0 {
        removed = next_finished(&mut rx).await.removed;
    }
    assert_eq!(library.stats().await.expect("stats").tracks, 1);
}

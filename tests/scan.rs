//! Engine integration tests: a generated library on disk, the real SQLite database, real
//! decoding by symphonia and tag reading by lofty.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::*;
use segue::{SortKey, TrackQuery, TrackRow};

async fn by_path(library: &segue::Library) -> HashMap<String, TrackRow> {
    library
        .tracks(None)
        .await
        .expect("tracks")
        .into_iter()
        .map(|t| (t.path.clone(), t))
        .collect()
}

fn key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn every_good_file_is_indexed_with_its_tags_and_duration() {
    let (_root, music, data) = temp_dirs();
    let mut expected: Vec<(PathBuf, Fmt, f32, Option<segue::metadata::Tags>)> = Vec::new();
    for (i, fmt) in [Fmt::Wav, Fmt::Flac, Fmt::Mp3, Fmt::Ogg]
        .into_iter()
        .enumerate()
    {
        let seconds = 3.0 + i as f32;
        let tagged = music.join(format!(
            "Artist {i}/Album — ünïcødé/0{i} tagged song.{}",
            fmt.ext()
        ));
        let t = tags(
            &format!("Song {i} ♫"),
            &format!("Artist {i}"),
            "Album — ünïcødé",
        );
        write_tagged(&tagged, fmt, seconds, &t);
        expected.push((tagged, fmt, seconds, Some(t)));
        let untagged = music.join(format!(
            "loose/deeper/still deeper/untagged {i}.{}",
            fmt.ext()
        ));
        write_audio(&untagged, fmt, seconds, 330.0);
        expected.push((untagged, fmt, seconds, None));
    }
    // A name that is not valid UTF-8, and one with no extension (found by content).
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let raw = music.join(std::ffi::OsStr::from_bytes(b"caf\xe9_latin1_\xff.wav"));
        write_audio(&raw, Fmt::Wav, 2.0, 440.0);
        expected.push((raw, Fmt::Wav, 2.0, None));
    }
    let no_ext = music.join("flac without extension");
    write_audio(&no_ext, Fmt::Flac, 2.0, 440.0);
    expected.push((no_ext, Fmt::Flac, 2.0, None));
    // Non-audio files next to the music are ignored, not failures; hidden files are skipped.
    std::fs::write(music.join("cover.jpg"), b"\xff\xd8\xff\xe0 not really").expect("write");
    std::fs::write(music.join("notes.txt"), b"liner notes").expect("write");
    std::fs::write(music.join("README"), b"an extensionless text file").expect("write");
    write_audio(&music.join(".hidden/secret.wav"), Fmt::Wav, 1.0, 440.0);
    write_audio(&music.join(".dotfile.wav"), Fmt::Wav, 1.0, 440.0);

    let library = library_with(&music, &data).await;
    let summary = scan(&library).await;
    assert_eq!(summary.added as usize, expected.len(), "{summary:?}");
    assert_eq!(summary.failed, 0, "{:?}", library.failures().await);

    let tracks = by_path(&library).await;
    assert_eq!(
        tracks.len(),
        expected.len(),
        "{:?}",
        tracks.keys().collect::<Vec<_>>()
    );
    for (path, fmt, seconds, tags) in &expected {
        let track = tracks
            .get(&key(path))
            .unwrap_or_else(|| panic!("{} missing from the library", path.display()));
        let duration = track.duration_s.expect("duration");
        // MP3 and Vorbis encoders pad a little; the container says so, within a frame or two.
        let tolerance = if matches!(fmt, Fmt::Mp3 | Fmt::Ogg) {
            0.1
        } else {
            0.01
        };
        assert!(
            (duration - f64::from(*seconds)).abs() <= tolerance,
            "{}: duration {duration} vs {seconds}",
            path.display()
        );
        let format = match fmt {
            Fmt::Wav => "WAV",
            Fmt::Flac => "FLAC",
            Fmt::Mp3 => "MP3",
            Fmt::Ogg => "Ogg Vorbis",
        };
        assert_eq!(track.format, format, "{}", path.display());
        assert_eq!(track.sample_rate, Some(i64::from(RATE)));
        assert_eq!(track.channels, Some(1));
        assert_eq!(track.status, "pending");
        match tags {
            Some(t) => {
                assert_eq!(track.title, t.title, "{}", path.display());
                assert_eq!(track.artist, t.artist);
                assert_eq!(track.album, t.album);
                assert_eq!(track.genre, t.genre);
                assert_eq!(track.track_no, t.track_no);
                assert_eq!(track.year, t.year, "{}", path.display());
            }
            // Untagged: titled by the file's name (the metadata fallbacks).
            None => assert_eq!(
                track.title.as_deref(),
                path.file_stem().map(|s| s.to_string_lossy()).as_deref(),
                "{}",
                path.display()
            ),
        }
    }

    // Search, sort and paging as the UI uses them.
    let page = library
        .track_page(&TrackQuery {
            search: Some("ünïcødé artist".into()),
            sort: SortKey::Artist,
            desc: true,
            offset: 0,
            limit: 3,
            ..Default::default()
        })
        .await
        .expect("page");
    assert_eq!(page.total, 4);
    assert_eq!(page.rows.len(), 3);
    let artists: Vec<_> = page.rows.iter().filter_map(|r| r.artist.clone()).collect();
    assert_eq!(artists, ["Artist 3", "Artist 2", "Artist 1"]);
    let none = library
        .track_page(&TrackQuery {
            search: Some("100%_match".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("page");
    assert_eq!(none.total, 0);
}

#[tokio::test]
async fn rescans_apply_exactly_what_changed() {
    let (_root, music, data) = temp_dirs();
    for i in 0..6 {
        write_tagged(
            &music.join(format!("album/{i:02}.flac")),
            Fmt::Flac,
            2.0 + i as f32 * 0.25,
            &tags(&format!("Track {i}"), "Band", "Album"),
        );
    }
    let library = library_with(&music, &data).await;
    let first = scan(&library).await;
    assert_eq!(first.added, 6);

    // No change: nothing is read again.
    let again = scan(&library).await;
    assert_eq!(again.unchanged, 6, "{again:?}");
    assert!(again.is_no_op(), "{again:?}");

    let before = by_path(&library).await;
    let moved_from = music.join("album/02.flac");
    let moved_to = music.join("elsewhere/renamed.flac");
    let moved_id = before[&key(&moved_from)].id;
    let edited = music.join("album/03.flac");
    let edited_id = before[&key(&edited)].id;

    // Edit one (new tags), delete one, move one, add one.
    segue::audio::encode::write_tags(&edited, &tags("Track 3 (remastered)", "Band", "Album"))
        .expect("edit tags");
    std::fs::remove_file(music.join("album/04.flac")).expect("delete");
    std::fs::create_dir_all(music.join("elsewhere")).expect("mkdir");
    std::fs::rename(&moved_from, &moved_to).expect("move");
    write_tagged(
        &music.join("album/06.flac"),
        Fmt::Flac,
        1.5,
        &tags("New", "Band", "Album"),
    );

    let changes = scan(&library).await;
    assert_eq!(
        (
            changes.added,
            changes.updated,
            changes.moved,
            changes.removed,
            changes.unchanged
        ),
        (1, 1, 1, 1, 3),
        "{changes:?}"
    );
    let after = by_path(&library).await;
    assert_eq!(after.len(), 6);
    assert!(!after.contains_key(&key(&music.join("album/04.flac"))));
    assert_eq!(
        after[&key(&moved_to)].id,
        moved_id,
        "a moved file keeps its track id"
    );
    assert_eq!(after[&key(&edited)].id, edited_id);
    assert_eq!(
        after[&key(&edited)].title.as_deref(),
        Some("Track 3 (remastered)")
    );
    assert_eq!(
        after[&key(&music.join("album/06.flac"))].title.as_deref(),
        Some("New")
    );

    // And that settles: the next scan is a no-op again.
    assert!(scan(&library).await.is_no_op());
}

#[tokio::test]
async fn a_missing_folder_keeps_its_tracks() {
    let (_root, music, data) = temp_dirs();
    write_audio(&music.join("a.wav"), Fmt::Wav, 1.0, 440.0);
    let library = library_with(&music, &data).await;
    assert_eq!(scan(&library).await.added, 1);
    let aside = music.with_file_name("unplugged");
    std::fs::rename(&music, &aside).expect("rename");
    let summary = scan(&library).await;
    assert_eq!(summary.removed, 0);
    assert_eq!(library.stats().await.expect("stats").tracks, 1);
    assert!(!library.folders().await.expect("folders")[0].exists);
}

#[tokio::test]
async fn nested_folders_are_not_added_twice() {
    let (_root, music, data) = temp_dirs();
    write_audio(&music.join("inner/a.wav"), Fmt::Wav, 1.0, 440.0);
    let library = segue::Library::open(&data).await.expect("open");
    let inner = library
        .add_folder(&music.join("inner"))
        .await
        .expect("add inner");
    scan(&library).await;
    let track_id = library.tracks(None).await.expect("tracks")[0].id;
    // Adding the inner folder again, or anything inside it, is refused or a no-op.
    assert_eq!(
        library
            .add_folder(&music.join("inner"))
            .await
            .expect("same")
            .id,
        inner.id
    );
    // Adding the parent takes the inner folder's tracks over, keeping their ids.
    let outer = library.add_folder(&music).await.expect("add outer");
    let folders = library.folders().await.expect("folders");
    assert_eq!(folders.len(), 1);
    assert_eq!(folders[0].id, outer.id);
    assert_eq!(folders[0].track_count, 1);
    assert!(scan(&library).await.is_no_op());
    assert_eq!(library.tracks(None).await.expect("tracks")[0].id, track_id);
    assert!(library.add_folder(&music.join("inner")).await.is_err());
}

#[tokio::test]
async fn cover_art_is_noticed() {
    use lofty::config::WriteOptions;
    use lofty::file::TaggedFileExt;
    use lofty::picture::{MimeType, Picture, PictureType};
    use lofty::tag::TagExt;

    let (_root, music, data) = temp_dirs();
    let with_cover = music.join("with cover.flac");
    write_tagged(&with_cover, Fmt::Flac, 1.0, &tags("Covered", "A", "B"));
    let mut file = lofty::read_from_path(&with_cover).expect("read tags");
    let tag = file.primary_tag_mut().expect("tag");
    tag.push_picture(Picture::new_unchecked(
        PictureType::CoverFront,
        Some(MimeType::Png),
        None,
        b"\x89PNG\r\n\x1a\n not a real image, but a picture block all the same".to_vec(),
    ));
    tag.save_to_path(&with_cover, WriteOptions::default())
        .expect("save");
    write_tagged(
        &music.join("bare.flac"),
        Fmt::Flac,
        1.0,
        &tags("Bare", "A", "B"),
    );

    let library = library_with(&music, &data).await;
    scan(&library).await;
    let tracks = by_path(&library).await;
    assert!(tracks[&key(&with_cover)].has_cover);
    assert!(!tracks[&key(&music.join("bare.flac"))].has_cover);
}

#[tokio::test]
async fn a_cancelled_scan_keeps_its_work_and_the_next_one_finishes() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    let (_root, music, data) = temp_dirs();
    for i in 0..1_500 {
        write_audio(
            &music.join(format!("{:02}/{i:04}.wav", i % 30)),
            Fmt::Wav,
            0.05,
            200.0 + i as f32,
        );
    }
    let library = library_with(&music, &data).await;
    let cancel = segue::CancellationToken::new();
    let seen = Arc::new(AtomicU64::new(0));
    let (token, counter) = (cancel.clone(), seen.clone());
    // Cancel as soon as reading is under way.
    let on_progress = Arc::new(move |p: &segue::ScanProgress| {
        counter.store(p.done, Ordering::SeqCst);
        if p.done >= 100 {
            token.cancel();
        }
    });
    let options = segue::ScanOptions {
        workers: 1,
        batch_size: 50,
    };
    let summary = library
        .scan(None, &options, on_progress, &cancel)
        .await
        .expect("scan");
    assert!(summary.cancelled, "{summary:?}");
    assert!(summary.added < 1_500, "{summary:?}");
    let kept = library.stats().await.expect("stats").tracks;
    assert_eq!(
        kept as u64, summary.added,
        "what was read before the cancel is stored"
    );

    let rest = scan(&library).await;
    assert!(!rest.cancelled);
    assert_eq!(rest.unchanged, summary.added);
    assert_eq!(rest.added + rest.unchanged, 1_500);
    assert_eq!(library.stats().await.expect("stats").tracks, 1_500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_fall_back_to_other_tags_the_folder_and_the_file_name() {
    let (_root, music, data) = temp_dirs();
    // No ARTIST or ALBUM, but a COMPOSER: the artist is the composer, the album its folder
    // (the generic "music" folder names the one above).
    let composed = music.join("Widelands/music/Hypatia.ogg");
    let mut t = tags("Hypatia's theme", "x", "x");
    t.artist = None;
    t.album = None;
    t.album_artist = None;
    t.composer = Some("Ada Composer".into());
    write_tagged(&composed, Fmt::Ogg, 1.0, &t);
    // Junk for a title.
    let junk = music.join("Loose/intro.flac");
    let mut t = tags("Unknown", "Unknown Artist", "Good Album");
    t.album_artist = Some("Album Artist".into());
    write_tagged(&junk, Fmt::Flac, 1.0, &t);
    let library = library_with(&music, &data).await;
    scan(&library).await;
    let tracks = by_path(&library).await;
    let hypatia = &tracks[&key(&composed)];
    assert_eq!(hypatia.artist.as_deref(), Some("Ada Composer"));
    assert_eq!(hypatia.album.as_deref(), Some("Widelands"));
    assert_eq!(hypatia.title.as_deref(), Some("Hypatia's theme"));
    let intro = &tracks[&key(&junk)];
    assert_eq!(intro.title.as_deref(), Some("intro"));
    assert_eq!(intro.artist.as_deref(), Some("Album Artist"));
    assert_eq!(intro.album.as_deref(), Some("Good Album"));

    // A library read before the fallbacks: its names are brought up to date once, on open.
    let db = data.join(segue::DATABASE_FILE);
    drop(library);
    {
        let store = segue::Store::open(&db).await.expect("store");
        sqlx::query("UPDATE tracks SET title = NULL, album = NULL")
            .execute(store.pool())
            .await
            .expect("old names");
        sqlx::query("UPDATE counters SET value = 0 WHERE name = 'names_version'")
            .execute(store.pool())
            .await
            .expect("old version");
    }
    let library = segue::Library::open(&data).await.expect("reopen");
    let tracks = by_path(&library).await;
    assert_eq!(tracks[&key(&junk)].title.as_deref(), Some("intro"));
    assert_eq!(tracks[&key(&junk)].album.as_deref(), Some("Loose"));
    assert_eq!(tracks[&key(&composed)].title.as_deref(), Some("Hypatia"));
}

//! Upgrades: a library made by every earlier schema version (migrations 0001 … 0010, replayed
//! on a fresh file, then filled with that version's SQL: folders, tracks, features, saved
//! playlists, counters) opens with the current code with every row and playlist intact, and
//! nothing analysed again that need not be.

mod common;

use std::borrow::Cow;
use std::path::Path;

use segue::analysis::ANALYSIS_VERSION;
use segue::musicnn::tagger::TAGS_VERSION;
use segue::{Library, DATABASE_FILE};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::Row;

/// The newest migration the current code has.
const CURRENT: i64 = 16;

/// Representative features JSON, as the current analysis stores it (from a synthetic run).
async fn feature_json() -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = Library::open(dir.path()).await.expect("open");
    library.seed_synthetic_tracks(3).await.expect("seed");
    library
        .store()
        .seed_synthetic_analysis(2, 1)
        .await
        .expect("analysis");
    let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM features ORDER BY track_id")
        .fetch_all(library.store().pool())
        .await
        .expect("data");
    library.close().await;
    rows
}

/// A database at schema `version`, filled as that version would have.
async fn old_library(data: &Path, version: i64, data_json: &[String]) {
    std::fs::create_dir_all(data).expect("mkdir");
    let options = SqliteConnectOptions::new()
        .filename(data.join(DATABASE_FILE))
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("create");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut migrator = sqlx::migrate::Migrator::new(dir).await.expect("migrations");
    assert_eq!(
        migrator.iter().map(|m| m.version).max(),
        Some(CURRENT),
        "a new migration: add its version's fixture here"
    );
    migrator.migrations = Cow::Owned(
        migrator
            .iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect(),
    );
    migrator.run(&pool).await.expect("old migrations");
    let exec = |sql: &str| {
        let pool = pool.clone();
        let sql = sql.to_string();
        async move {
            sqlx::query(&sql).execute(&pool).await.expect(&sql);
        }
    };
    exec("INSERT INTO folders (id, path, path_bytes, added_at) VALUES (1, '/music', CAST('/music' AS BLOB), '2025-01-01T00:00:00.000Z')").await;
    let status = if version >= 2 { "analyzed" } else { "pending" };
    for i in 1..=3 {
        exec(&format!(
            "INSERT INTO tracks (id, folder_id, path, path_bytes, size, mtime_ns, partial_hash,
                title, artist, album, album_artist, track_no, disc_no, year, genre, has_cover,
                format, codec, duration_s, sample_rate, channels, bitrate_kbps, status, added_at, updated_at)
             VALUES ({i}, 1, '/music/{i}.flac', CAST('/music/{i}.flac' AS BLOB), {size}, {i}, {i},
                'Song {i}', 'Miles Quartet', 'Blue Rooms', 'Miles Quartet', {i}, 1, 2020, 'Jazz', 0,
                'FLAC', 'flac', 180.5, 44100, 2, 900, '{status}', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
            size = 1000 + i
        ))
        .await;
    }
    if version >= 2 {
        for (i, data) in (1..=3).zip(data_json) {
            let data = data.replace('\'', "''");
            let (extra_cols, extra_vals) = match version {
                2 => (String::new(), String::new()),
                3..=5 => (", seq".to_string(), format!(", {i}")),
                _ => (
                    ", seq, tags_version, tag_labels".to_string(),
                    format!(", {i}, {TAGS_VERSION}, ',jazz,'"),
                ),
            };
            exec(&format!(
                "INSERT INTO features (track_id, version, analyzed_at, audio_s, bpm, bpm_confidence,
                    key_tonic, key_scale, key_strength, camelot, loudness_lufs, data{extra_cols})
                 VALUES ({i}, {ANALYSIS_VERSION}, '2025-01-02T00:00:00.000Z', 180.5, 120.0, 0.8,
                    0, 'major', 0.7, '8B', -14.0, '{data}'{extra_vals})"
            ))
            .await;
        }
        if version >= 3 {
            exec("UPDATE counters SET value = 3 WHERE name = 'features_seq'").await;
        }
    }
    if version >= 4 {
        exec("INSERT INTO playlists (id, name, request, created_at, updated_at) VALUES (1, 'Old mix', NULL, '2025-01-03T00:00:00.000Z', '2025-01-03T00:00:00.000Z')").await;
        exec("INSERT INTO playlists (id, name, request, created_at, updated_at) VALUES (2, 'Two', '{\"seeds\":[2]}', '2025-01-03T00:00:00.000Z', '2025-01-03T00:00:00.000Z')").await;
        for (pos, track) in [3, 1, 2].iter().enumerate() {
            exec(&format!(
                "INSERT INTO playlist_tracks (playlist_id, position, track_id) VALUES (1, {pos}, {track})"
            ))
            .await;
        }
        exec("INSERT INTO playlist_tracks (playlist_id, position, track_id) VALUES (2, 0, 2)")
            .await;
    }
    pool.close().await;
}

#[tokio::test]
async fn every_earlier_schema_opens_with_everything_intact() {
    let data_json = feature_json().await;
    assert_eq!(data_json.len(), 3);
    for version in 1..CURRENT {
        let root = tempfile::tempdir().expect("tempdir");
        let data = root.path().join("data");
        old_library(&data, version, &data_json).await;
        let library = Library::open(&data).await.expect("open an old library");
        assert!(
            library.recovery().is_none(),
            "v{version}: nothing to restore"
        );
        let pool = library.store().pool();
        let applied: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(pool)
            .await
            .expect("migrations");
        assert_eq!(applied, CURRENT, "v{version}");
        let folders = library.folders().await.expect("folders");
        assert_eq!(folders.len(), 1, "v{version}");
        assert_eq!(folders[0].path, Path::new("/music"));
        let tracks = sqlx::query("SELECT id, path, title, artist, album, duration_s, status, size FROM tracks ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("tracks");
        assert_eq!(tracks.len(), 3, "v{version}");
        for (i, t) in (1..=3).zip(&tracks) {
            assert_eq!(t.get::<i64, _>("id"), i);
            assert_eq!(t.get::<String, _>("path"), format!("/music/{i}.flac"));
            assert_eq!(
                t.get::<Option<String>, _>("title"),
                Some(format!("Song {i}"))
            );
            assert_eq!(
                t.get::<Option<String>, _>("artist").as_deref(),
                Some("Miles Quartet")
            );
            assert_eq!(
                t.get::<Option<String>, _>("album").as_deref(),
                Some("Blue Rooms")
            );
            assert_eq!(t.get::<Option<f64>, _>("duration_s"), Some(180.5));
            assert_eq!(t.get::<i64, _>("size"), 1000 + i);
        }
        let counts = library
            .store()
            .analysis_counts(ANALYSIS_VERSION, None)
            .await
            .expect("counts");
        if version >= 2 {
            // Analysed stays analysed: the features are kept, none is pending.
            let features: Vec<(i64, i64, String)> =
                sqlx::query("SELECT track_id, version, data FROM features ORDER BY track_id")
                    .fetch_all(pool)
                    .await
                    .expect("features")
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
            assert_eq!(features.len(), 3, "v{version}");
            for ((id, v, data), expected) in features.iter().zip(&data_json) {
                assert_eq!(
                    (*v, data),
                    (ANALYSIS_VERSION, expected),
                    "v{version} track {id}"
                );
            }
            assert_eq!((counts.pending, counts.analyzed), (0, 3), "v{version}");
            // Passages (migration 0016) come with the next tagging; until then there are none
            // and the tracks match by their vectors.
            let passages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passages")
                .fetch_one(pool)
                .await
                .expect("passages");
            assert_eq!(passages, 0, "v{version}");
            // The table's tempo and key orders read the tracks' copies (migration 0015).
            let copies: Vec<(Option<f64>, Option<String>)> =
                sqlx::query_as("SELECT order_bpm, order_camelot FROM tracks ORDER BY id")
                    .fetch_all(pool)
                    .await
                    .expect("copies");
            assert_eq!(
                copies,
                vec![(Some(120.0), Some("8B".to_string())); 3],
                "v{version}"
            );
            let detail = library.track_detail(1).await.expect("detail");
            assert!(
                detail.is_some_and(|d| d.features.is_some()),
                "v{version}: features read"
            );
            if version >= 6 {
                let tagged = library
                    .store()
                    .analysis_counts(ANALYSIS_VERSION, Some(TAGS_VERSION))
                    .await
                    .expect("counts");
                assert_eq!(tagged.pending, 0, "v{version}: tagged stays tagged");
                // The tag vocabulary (migration 0009) counts what was tagged before it.
                let (tags, tagged) = library
                    .store()
                    .tag_counts(TAGS_VERSION)
                    .await
                    .expect("tag counts");
                assert_eq!(tagged, 3, "v{version}");
                assert_eq!(
                    tags.iter()
                        .map(|t| (t.label.as_str(), t.tracks))
                        .collect::<Vec<_>>(),
                    [("jazz", 3)],
                    "v{version}"
                );
            }
            // The change counter is at or past every row's seq (the index syncs from it).
            let (seq, max): (i64, i64) = (
                library.store().features_seq().await.expect("seq"),
                sqlx::query_scalar("SELECT MAX(seq) FROM features")
                    .fetch_one(pool)
                    .await
                    .expect("max"),
            );
            assert!(
                seq >= max && max > 0,
                "v{version}: counter {seq}, rows {max}"
            );
        } else {
            assert_eq!(counts.pending, 3, "v{version}");
        }
        // Search (migration 0011's index, built from the rows already there) and the table's
        // pages find the old tracks.
        let page = library
            .track_page(&segue::TrackQuery {
                search: Some("quartet song".into()),
                limit: 10,
                ..segue::TrackQuery::default()
            })
            .await
            .expect("search");
        assert_eq!(page.total, 3, "v{version}");
        let page = library
            .track_page(&segue::TrackQuery {
                search: Some("2.flac".into()),
                limit: 10,
                ..segue::TrackQuery::default()
            })
            .await
            .expect("search");
        assert_eq!(
            page.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            [2],
            "v{version}"
        );
        // Old tracks are whole files (migration 0012's CUE columns are empty).
        assert!(page.rows.iter().all(|r| r.span.is_none()), "v{version}");
        let playlists = library.saved_playlists().await.expect("playlists");
        if version >= 4 {
            let mut by_id: Vec<(i64, String, Vec<i64>)> = Vec::new();
            for p in &playlists {
                let (_, ids) = library
                    .store()
                    .playlist_contents(p.id)
                    .await
                    .expect("contents");
                by_id.push((p.id, p.name.clone(), ids));
            }
            by_id.sort();
            assert_eq!(
                by_id,
                [
                    (1, "Old mix".to_string(), vec![3, 1, 2]),
                    (2, "Two".to_string(), vec![2])
                ],
                "v{version}"
            );
            let detail = library.saved_playlist(2).await.expect("detail");
            assert_eq!(detail.request.map(|r| r.seeds), Some(vec![2]), "v{version}");
        } else {
            assert!(playlists.is_empty());
        }
        library.close().await;
    }
}

//! Constraints, orders, reasons and swaps on hand-made candidates with known features.

use super::*;

pub(super) fn row(id: i64, artist: &str, album: &str, title: &str) -> TrackRow {
    TrackRow {
        id,
        path: format!("/music/{artist}/{album}/{title}.flac"),
        span: None,
        title: Some(title.into()),
        artist: Some(artist.into()),
        album: Some(album.into()),
        album_artist: None,
        track_no: None,
        disc_no: None,
        year: None,
        genre: None,
        duration_s: Some(200.0 + id as f64 * 5.0),
        format: "flac".into(),
        codec: None,
        sample_rate: None,
        channels: None,
        bitrate_kbps: None,
        has_cover: false,
        status: crate::store::TrackStatus::Analyzed,
        size: 1,
        bpm: Some(120.0),
        bpm_confidence: Some(0.9),
        key: Some("C".into()),
        scale: Some("major".into()),
        key_strength: Some(0.8),
        camelot: Some("8B".into()),
        loudness_lufs: Some(-12.0),
        chips: Vec::new(),
    }
}

/// A unit vector at `angle` radians in the first two dimensions (64 in all).
pub(super) fn vector(angle: f32) -> Vec<f32> {
    let mut v = vec![0.0; 64];
    v[0] = angle.cos();
    v[1] = angle.sin();
    v
}

fn cand(row: TrackRow, angle: f32) -> Candidate {
    let v = vector(angle);
    Candidate {
        score: v[0], // similarity to the seed at angle 0
        vector: v,
        row,
        passages: None,
    }
}

fn seed() -> Candidate {
    cand(row(1, "Seed Artist", "Seed Album", "Seed Song"), 0.0)
}

/// Ten tracks by ten artists, each a bit further from the seed.
fn spread() -> Vec<Candidate> {
    (0..10)
        .map(|i| {
            cand(
                row(
                    100 + i,
                    &format!("Artist {i}"),
                    &format!("Album {i}"),
                    &format!("Song {i}"),
                ),
                0.05 * (i + 1) as f32,
            )
        })
        .collect()
}

fn make(request: &PlaylistRequest, candidates: &[Candidate]) -> Playlist {
    let seeds = [seed()];
    let excluded: HashSet<i64> = request
        .seeds
        .iter()
        .chain(&request.avoid_like)
        .copied()
        .collect();
    assemble(
        request,
        &seeds,
        &seeds[0].vector,
        candidates,
        excluded,
        Judge::new(None),
    )
}

fn ids(p: &Playlist) -> Vec<i64> {
    p.entries.iter().map(|e| e.track.id).collect()
}

fn request(length: usize) -> PlaylistRequest {
    PlaylistRequest {
        seeds: vec![1],
        length,
        ..PlaylistRequest::default()
    }
}

#[test]
fn by_similarity_and_never_the_seed() {
    let mut candidates = spread();
    candidates.push(seed());
    let p = make(&request(5), &candidates);
    assert_eq!(ids(&p), vec![100, 101, 102, 103, 104]);
    assert!(p.shortfall.is_none());
    assert_eq!(
        p.rejected,
        vec![Rejection {
            rule: "a seed".into(),
            count: 1
        }]
    );
}

#[test]
fn fewer_tracks_than_asked_says_why_and_never_pads() {
    let mut r = request(8);
    r.tempo = Some(TempoRange::Absolute {
        min: 100.0,
        max: 130.0,
    });
    let mut candidates = spread();
    for c in candidates.iter_mut().skip(3) {
        c.row.bpm = Some(150.0);
    }
    let p = make(&r, &candidates);
    assert_eq!(ids(&p), vec![100, 101, 102]);
    let why = p.shortfall.expect("shortfall");
    assert!(
        why.contains("Only 3 of 8") && why.contains("Any tempo"),
        "{why}"
    );
    assert!(p
        .rejected
        .iter()
        .any(|r| r.rule == "outside the tempo range" && r.count == 7));
    let lengthen = p.lengthen.expect("dropping the tempo rule lengthens it");
    assert_eq!((lengthen.label.as_str(), lengthen.tracks), ("Any tempo", 5));
}

#[test]
fn artist_and_album_caps_and_the_seed_counts() {
    let mut candidates = spread();
    for c in candidates.iter_mut().take(4) {
        c.row.artist = Some("Same Band".into());
        c.row.album = Some(format!("Album of {}", c.row.id));
    }
    candidates[5].row.artist = Some("Seed Artist".into());
    candidates[6].row.artist = Some("Seed Artist".into());
    let mut r = request(6);
    r.max_per_artist = 2;
    r.max_per_album = 0;
    let p = make(&r, &candidates);
    // Two of Same Band; one more of Seed Artist (the seed holds the other place).
    assert_eq!(ids(&p), vec![100, 101, 104, 105, 107, 108]);
    let mut r = request(6);
    r.max_per_artist = 0;
    r.max_per_album = 1;
    for c in candidates.iter_mut().take(3) {
        c.row.album = Some("One Album".into());
        c.row.album_artist = Some("Same Band".into());
    }
    let p = make(&r, &candidates);
    assert_eq!(ids(&p)[..3], [100, 103, 104]);
}

#[test]
fn one_copy_of_a_song() {
    let mut candidates = spread();
    // The same song re-released: title variant, same artist.
    candidates[2].row.title = Some("Song 0 (Remastered 2011)".into());
    candidates[2].row.artist = Some("Artist 0".into());
    // The same recording in two files under other tags: identical vector and duration.
    candidates[4].vector = candidates[3].vector.clone();
    candidates[4].row.duration_s = candidates[3].row.duration_s.map(|d| d + 0.5);
    // And a copy of the seed itself.
    candidates[6].row.title = Some("seed song".into());
    candidates[6].row.artist = Some("Seed Artist".into());
    let p = make(&request(10), &candidates);
    assert_eq!(ids(&p), vec![100, 101, 103, 105, 107, 108, 109]);
    assert!(p
        .rejected
        .iter()
        .any(|r| r.rule == "another copy of a song already in" && r.count == 3));
}

#[test]
fn tempo_tolerance_is_half_and_double_time_aware() {
    let mut candidates = spread();
    let bpms = [
        126.0, 240.0, 60.0, 130.0, 90.0, 175.0, 118.0, 61.5, 100.0, 245.0,
    ];
    for (c, bpm) in candidates.iter_mut().zip(bpms) {
        c.row.bpm = Some(bpm);
    }
    let mut r = request(10);
    r.tempo = Some(TempoRange::Tolerance { percent: 6.0 });
    let p = make(&r, &candidates);
    // Seed at 120: 126 (+5 %), 240 (double), 60 (half), 118, 61.5 (half +2.5 %), 245 (double +2 %).
    assert_eq!(ids(&p), vec![100, 101, 102, 106, 107, 109]);
}

#[test]
fn key_compatible_keeps_camelot_neighbours() {
    let keys = ["8B", "9B", "7B", "8A", "9A", "10B", "3A", "2B", "12B", "8B"];
    let mut candidates = spread();
    for (c, k) in candidates.iter_mut().zip(keys) {
        c.row.camelot = Some(k.into());
    }
    let mut r = request(10);
    r.key_compatible = true;
    let p = make(&r, &candidates);
    assert_eq!(ids(&p), vec![100, 101, 102, 103, 109]);
    assert_eq!(key_relation("12B", "1B"), Some("adjacent key"));
    assert_eq!(key_relation("8A", "8B"), Some("relative key"));
    assert_eq!(key_relation("9A", "8B"), None);
}

#[test]
fn duration_tags_and_folders() {
    let mut candidates = spread();
    candidates[0].row.genre = Some("Jazz; Soul".into());
    candidates[1].row.genre = Some("rock".into());
    candidates[2].row.genre = Some("Jazz".into());
    let mut r = request(10);
    r.include_tags = vec!["jazz".into()];
    assert_eq!(ids(&make(&r, &candidates)), vec![100, 102]);
    let mut r = request(10);
    r.avoid_tags = vec!["Soul".into(), "rock".into()];
    assert_eq!(ids(&make(&r, &candidates)).len(), 8);
    let mut r = request(10);
    r.min_duration_s = Some(720.0); // 200 + id·5: ids ≥ 104
    r.max_duration_s = Some(740.0); // ids ≤ 108
    assert_eq!(ids(&make(&r, &candidates)), vec![104, 105, 106, 107, 108]);
    let mut r = request(10);
    r.folders = vec!["/music/Artist 3".into()];
    assert_eq!(ids(&make(&r, &candidates)), vec![103]);
}

#[test]
fn not_like_tracks_never_appear() {
    let mut r = request(10);
    r.avoid_like = vec![102, 105];
    let p = make(&r, &spread());
    assert!(!ids(&p).contains(&102) && !ids(&p).contains(&105));
}

#[test]
fn flow_steps_to_neighbours_without_drifting() {
    // Two directions from the seed: tracks at +angles and at −angles, interleaved in score.
    let angles = [0.10, -0.12, 0.20, -0.22, 0.30, -0.32];
    let candidates: Vec<Candidate> = angles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            cand(
                row(
                    200 + i as i64,
                    &format!("A{i}"),
                    &format!("B{i}"),
                    &format!("S{i}"),
                ),
                *a,
            )
        })
        .collect();
    let mut r = request(6);
    let by_score = ids(&make(&r, &candidates));
    assert_eq!(by_score, vec![200, 201, 202, 203, 204, 205]);
    r.order = Order::Flow;
    let flow = ids(&make(&r, &candidates));
    // Flow walks one side out, then comes back near the seed to the other, instead of
    // zig-zagging across the seed at every step.
    let side = |id: i64| angles[(id - 200) as usize] > 0.0;
    let switches = flow.windows(2).filter(|w| side(w[0]) != side(w[1])).count();
    assert!(switches <= 2, "{flow:?}");
    let zigzag = by_score
        .windows(2)
        .filter(|w| side(w[0]) != side(w[1]))
        .count();
    assert!(switches < zigzag);
    assert_eq!(flow.len(), 6);
}

#[test]
fn harmonic_steps_around_the_wheel_with_small_tempo_changes() {
    let keys = ["9A", "9B", "3A", "8A"];
    let bpms = [126.0, 122.0, 90.0, 121.0];
    let candidates: Vec<Candidate> = (0..4)
        .map(|i| {
            let mut c = cand(
                row(
                    300 + i,
                    &format!("A{i}"),
                    &format!("B{i}"),
                    &format!("S{i}"),
                ),
                0.05 * (i + 1) as f32,
            );
            c.row.camelot = Some(keys[i as usize].into());
            c.row.bpm = Some(bpms[i as usize]);
            c
        })
        .collect();
    let mut r = request(4);
    r.order = Order::Harmonic;
    let p = make(&r, &candidates);
    // From the seed (8B, 120): 8A (relative, 121), then 9B? no: from 8A, 9B is not a neighbour;
    // the path goes 8B → 8A or 9B (both one step) → … and the clash (3A) comes last.
    let order = ids(&p);
    assert_eq!(*order.last().expect("last"), 302, "{order:?}");
    for w in order[..3].windows(2) {
        let a = candidates.iter().find(|c| c.row.id == w[0]).expect("a");
        let b = candidates.iter().find(|c| c.row.id == w[1]).expect("b");
        assert!(
            key_relation(
                a.row.camelot.as_deref().expect("k"),
                b.row.camelot.as_deref().expect("k")
            )
            .is_some(),
            "{order:?}"
        );
    }
}

#[test]
fn reasons_lead_with_what_is_shared_and_name_tempo_only_when_notable() {
    let s = seed();
    let mut c = cand(row(5, "X", "Y", "Z"), 0.1);
    c.row.bpm = Some(123.0);
    c.row.camelot = Some("9B".into());
    // Both vectors live in the rhythm block's first values: the match is rhythmic.
    let r = reasons(Some(&s), &c, None);
    assert_eq!(r, ["similar rhythm", "adjacent key", "tempo +2 %"], "{r:?}");
    // A tempo far off says nothing; double time does.
    c.row.bpm = Some(170.0);
    assert!(!reasons(Some(&s), &c, None)
        .iter()
        .any(|x| x.contains("tempo") || x.contains("BPM")));
    c.row.bpm = Some(240.0);
    c.row.camelot = Some("8B".into());
    let r = reasons(Some(&s), &c, None);
    assert!(r.contains(&"same key".to_string()) && r.contains(&"double time".to_string()));
    // Tags heard in both lead.
    let mut s = seed();
    s.row.chips = vec!["ambient".into(), "piano".into(), "sad".into()];
    c.row.chips = vec!["piano".into(), "electronic".into(), "ambient".into()];
    // (likeliest first for the track itself)
    assert_eq!(reasons(Some(&s), &c, None)[0], "both piano and ambient");
    // A key too weak to name is not named.
    c.row.key_strength = Some(0.1);
    assert!(!reasons(Some(&s), &c, None).contains(&"same key".to_string()));
}

#[test]
fn every_reason_list_has_at_least_one_reason() {
    let s = seed();
    let mut c = cand(row(5, "X", "Y", "Z"), 1.2);
    c.row.bpm = Some(77.0);
    c.row.camelot = Some("3A".into());
    assert!(!reasons(Some(&s), &c, None).is_empty());
}

/// A calibration where, of the pairs of `spread()` and the seed, cosines above `floor` count as
/// alike: a library sample whose pair similarities are spread evenly over [-1, 1].
fn calibration_with_floor_near(floor_cos: f32) -> Calibration {
    // Pairs of unit vectors in a plane at angles 0 … π, evenly: cosines spread over [-1, 1].
    let vectors: Vec<Vec<f32>> = (0..200)
        .map(|i| {
            let a = i as f32 / 199.0 * std::f32::consts::PI;
            let mut v = vec![0.0; 64];
            v[0] = a.cos();
            v[1] = a.sin();
            v
        })
        .collect();
    let c = Calibration::from_vectors(&vectors, Thresholds::default()).expect("calibration");
    // Find the cosine at the floor and shift the thresholds so it lands at `floor_cos`.
    let floor_match = c.match_of(floor_cos);
    Calibration::from_vectors(
        &vectors,
        Thresholds {
            floor: floor_match,
            close: floor_match + (1.0 - floor_match) / 2.0,
            very_close: floor_match + (1.0 - floor_match) * 0.9,
        },
    )
    .expect("calibration")
}

#[test]
fn no_filler_below_the_floor_and_the_shortfall_says_so() {
    let candidates = spread();
    let r = request(10);
    let seeds = [seed()];
    // spread(): candidate i at angle 0.05·(i+1): cosines 0.999 … 0.878. Floor at cos 0.95.
    let cal = calibration_with_floor_near(0.95);
    let p = assemble(
        &r,
        &seeds,
        &seeds[0].vector,
        &candidates,
        HashSet::from([1]),
        Judge::new(Some(&cal)),
    );
    assert!(
        p.entries.iter().all(|e| e.score >= 0.95 - 1e-3),
        "{:?}",
        p.entries
    );
    assert!(p.entries.len() < 10 && !p.entries.is_empty());
    assert!(p
        .entries
        .iter()
        .all(|e| e.closeness.is_some_and(|c| c >= Closeness::Related)));
    let why = p.shortfall.expect("short");
    assert!(why.contains("sound like"), "{why}");
    assert!(p.rejected.iter().any(|x| x.rule == BELOW_FLOOR));
    assert!(
        p.lengthen.is_none(),
        "no rule to drop: the music is the limit"
    );
}

#[test]
fn caps_loosen_before_the_list_falls_short_of_tracks_that_sound_alike() {
    // Ten close tracks, all by one artist: the cap of 2 would leave 1 (the seed holds a place).
    let mut candidates = spread();
    for c in &mut candidates {
        c.row.artist = Some("Seed Artist".into());
    }
    let r = request(6);
    let p = make(&r, &candidates);
    assert_eq!(p.entries.len(), 6, "{:?}", p.shortfall);
    assert!(
        p.notes.iter().any(|n| n.contains("per artist")),
        "{:?}",
        p.notes
    );
    // With enough other artists the cap holds.
    let p = make(&r, &spread());
    assert!(p.notes.is_empty());
}

#[test]
fn artist_and_album_caps_that_both_give_way_are_one_note() {
    let mut candidates = spread();
    for c in &mut candidates {
        c.row.artist = Some("Seed Artist".into());
        c.row.album = Some("Seed Album".into());
    }
    let p = make(&request(6), &candidates);
    assert_eq!(p.entries.len(), 6, "{:?}", p.shortfall);
    let [note] = p.notes.as_slice() else {
        panic!("one note: {:?}", p.notes)
    };
    let allowed = |per: &str| {
        note.split(" and ")
            .find_map(|part| {
                let words: Vec<&str> = part.split_whitespace().collect();
                let at = words.iter().position(|w| w.trim_end_matches('.') == per)?;
                words.get(at.checked_sub(2)?)?.parse::<usize>().ok()
            })
            .unwrap_or_else(|| panic!("{per} in {note:?}"))
    };
    assert!(allowed("artist") > 2 && allowed("album") > 2, "{note}");
    assert!(note.ends_with("to keep it sounding alike."), "{note}");
}

#[test]
fn strict_caps_hold_and_the_shortfall_offers_to_let_them_give_way() {
    let mut candidates = spread();
    for c in &mut candidates {
        c.row.artist = Some("Seed Artist".into());
    }
    let mut r = request(6);
    r.strict_caps = true;
    let p = make(&r, &candidates);
    // The seed holds one of its artist's two places.
    assert_eq!(p.entries.len(), 1, "{:?}", p.entries);
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    let lengthen = p.lengthen.expect("the caps keep it short");
    assert_eq!(lengthen.label, "Limits may give way");
    assert!(!lengthen.request.strict_caps);
    assert_eq!(lengthen.tracks, 5);
}

#[test]
fn tracks_without_an_artist_share_a_group_per_folder() {
    let mut candidates = spread();
    for (i, c) in candidates.iter_mut().enumerate() {
        c.row.artist = None;
        c.row.album = None;
        // Five in one folder, five in another.
        c.row.path = format!("/music/{}/t{i}.flac", if i < 5 { "a" } else { "b" });
    }
    let mut r = request(4);
    r.max_per_album = 0;
    let p = make(&r, &candidates);
    let per_folder = |f: &str| {
        p.entries
            .iter()
            .filter(|e| e.track.path.contains(f))
            .count()
    };
    assert_eq!((per_folder("/a/"), per_folder("/b/")), (2, 2));
}

#[test]
fn a_rule_that_keeps_the_list_short_is_offered_as_the_change() {
    let candidates = spread();
    let mut r = request(8);
    r.key_compatible = true;
    let mut keyed = candidates.clone();
    for (i, c) in keyed.iter_mut().enumerate() {
        c.row.camelot = Some(if i % 2 == 0 { "8B" } else { "3A" }.into());
    }
    let p = make(&r, &keyed);
    let l = p.lengthen.expect("a change");
    assert_eq!(l.label, "Any key");
    assert!(!l.request.key_compatible);
    assert_eq!(l.tracks, 3);
}

#[test]
fn swap_takes_the_best_unused_candidate_that_fits() {
    let candidates = spread();
    let r = request(4);
    let seeds = [seed()];
    let current = [100, 101, 102, 103];
    let ctx = |r| {
        let judge = Judge {
            calibration: None,
            relax_caps: true,
            cap_margin: None,
        };
        Context::new(r, &seeds, HashSet::from([1]), judge)
    };
    let limits = Limits {
        per_artist: r.max_per_artist,
        per_album: r.max_per_album,
    };
    let next = swap_candidate(&ctx(&r), limits, &candidates, &current, 1).expect("one");
    assert_eq!(next.row.id, 104);
    // With the artist cap, a candidate by an artist already in twice is passed over.
    let mut capped = spread();
    capped[4].row.artist = Some("Artist 0".into());
    capped[0].row.artist = Some("Artist 0".into());
    capped[2].row.artist = Some("Artist 0".into());
    let next = swap_candidate(&ctx(&r), limits, &capped, &current, 1).expect("one");
    assert_eq!(next.row.id, 105);
    // Nothing left: None, not a violator.
    let none = swap_candidate(&ctx(&r), limits, &candidates[..4], &current, 1);
    assert!(none.is_none());
}

#[test]
fn a_cap_gives_way_when_only_much_worse_tracks_could_take_the_place() {
    // Three tracks by the seed's artist lead, then seven by others, far less alike.
    let mut candidates = spread();
    for c in candidates.iter_mut().take(3) {
        c.row.artist = Some("Seed Artist".into());
    }
    for (i, c) in candidates.iter_mut().enumerate().skip(3) {
        let v = vector(1.0 + 0.05 * i as f32);
        c.score = v[0];
        c.vector = v;
    }
    let seeds = [seed()];
    let cal = calibration_with_floor_near(0.0);
    let made = |margin| {
        assemble(
            &request(6),
            &seeds,
            &seeds[0].vector,
            &candidates,
            HashSet::from([1]),
            Judge {
                calibration: Some(&cal),
                relax_caps: true,
                cap_margin: margin,
            },
        )
    };
    // Strict: the seed holds one of its artist's two places, so one of the three gets in.
    let strict = made(None);
    assert_eq!(
        strict
            .entries
            .iter()
            .filter(|e| e.track.artist.as_deref() == Some("Seed Artist"))
            .count(),
        1
    );
    // With a margin, the others are far less alike: the cap gives way, and says so.
    let giving = made(Some(0.002));
    assert_eq!(
        giving
            .entries
            .iter()
            .filter(|e| e.track.artist.as_deref() == Some("Seed Artist"))
            .count(),
        3
    );
    assert!(
        giving.notes.iter().any(|n| n.contains("per artist")),
        "{:?}",
        giving.notes
    );
    // Among near-equals the cap holds: the same three, but the others just as alike.
    let mut close = candidates.clone();
    for (i, c) in close.iter_mut().enumerate().skip(3) {
        let v = vector(0.05 * (i as f32 - 2.5));
        c.score = v[0];
        c.vector = v;
    }
    let near = assemble(
        &request(6),
        &seeds,
        &seeds[0].vector,
        &close,
        HashSet::from([1]),
        Judge {
            calibration: Some(&cal),
            relax_caps: true,
            cap_margin: Some(0.5),
        },
    );
    assert_eq!(
        near.entries
            .iter()
            .filter(|e| e.track.artist.as_deref() == Some("Seed Artist"))
            .count(),
        1
    );
}

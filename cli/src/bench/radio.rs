//! `segue bench radio --labels FILE`: radios on labelled seeds (the shared corpus: one
//! soundtrack per group). For each seed, 200 picks: repeats, breaks of the artist cap, and how
//! similar the picks stay to the seed as the radio goes on (the curves: cosine to the seed, and
//! the share from its own soundtrack). The cap counts an
//! untagged track as its folder's (as the radio does): a break is a pick the cap could not
//! avoid among the candidates. Then the steering test:
//! the first three picks from the seed's own soundtrack are skipped; the next 20 picks are
//! compared with the same radio left alone over the same stretch. Nothing is tuned on data.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Result};
use segue::index::dot;
use segue::playlist::radio::{artist_key, Feedback, ARTIST_CAP, ARTIST_WINDOW};
use segue::Library;
use serde::Serialize;

use super::labels::Labelled;
use super::print_json;

const SKIPS: usize = 3;
const AFTER: usize = 20;

#[derive(Debug, Default, Serialize)]
struct Figures {
    seeds: usize,
    picks_per_seed: usize,
    repeats: usize,
    cap_breaks: usize,
    /// The same over the first 50 picks of each radio.
    cap_breaks_first_50: usize,
    /// Mean cosine to the seed over picks 1–10, 11–20, … (one value per ten picks).
    similarity_curve: Vec<f64>,
    /// Share of picks 1–10 from the seed's own soundtrack, per ten picks as the curve (the
    /// artist cap bounds it: a soundtrack is mostly one composer's).
    same_soundtrack_curve: Vec<f64>,
    steering_seeds: usize,
    /// Mean tracks of the skipped soundtrack among the 20 picks after the third skip…
    after_skips: f64,
    /// …and among the same 20 picks of the radio left alone.
    without_skips: f64,
}

pub async fn run(
    library: &Library,
    labels_file: &Path,
    picks: usize,
    seeds_wanted: usize,
    json: bool,
) -> Result<()> {
    let labelled = Labelled::read(library, labels_file, 11).await?;
    let group_of = &labelled.group_of;
    let artist_of: HashMap<i64, String> = library
        .tracks(None)
        .await?
        .iter()
        .map(|t| (t.id, artist_key(t)))
        .collect();
    let candidates = labelled.seeds();
    if candidates.is_empty() {
        bail!("no group has 11 labelled tracks in this library");
    }
    let step = (candidates.len() / seeds_wanted.max(1)).max(1);
    let seeds: Vec<i64> = candidates
        .iter()
        .step_by(step)
        .take(seeds_wanted)
        .copied()
        .collect();
    let (ids, flat) = library.index_vectors().await?;
    let dim = flat.len() / ids.len().max(1);
    let vector: HashMap<i64, &[f32]> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, &flat[i * dim..(i + 1) * dim]))
        .collect();

    let mut f = Figures {
        seeds: seeds.len(),
        picks_per_seed: picks,
        ..Figures::default()
    };
    let mut curve = vec![(0.0, 0usize); picks.div_ceil(10)];
    let mut same_curve = curve.clone();
    for &seed in &seeds {
        let mut radio = library.start_radio(&[seed], &[]).await?;
        let mut list = Vec::new();
        while list.len() < picks {
            match library.radio_next(&mut radio).await? {
                Some(p) => list.push(p.track.id),
                None => break,
            }
        }
        let mut seen = std::collections::HashSet::new();
        f.repeats += list.iter().filter(|id| !seen.insert(**id)).count();
        for (at, window) in list.windows(ARTIST_WINDOW).enumerate() {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for id in window {
                *counts.entry(artist_of[id].as_str()).or_default() += 1;
            }
            if counts.into_values().any(|n| n > ARTIST_CAP) {
                f.cap_breaks += 1;
                if at + ARTIST_WINDOW <= 50 {
                    f.cap_breaks_first_50 += 1;
                }
            }
        }
        for (i, id) in list.iter().enumerate() {
            let c = &mut curve[i / 10];
            c.0 += f64::from(dot(vector[id], vector[&seed]));
            c.1 += 1;
            let s = &mut same_curve[i / 10];
            s.0 += f64::from(u8::from(group_of.get(id) == group_of.get(&seed)));
            s.1 += 1;
        }

        // Steering: skip the first three picks from the seed's soundtrack.
        let group = &group_of[&seed];
        let mut steered = library.start_radio(&[seed], &[]).await?;
        let mut skipped = 0;
        let mut at = 0;
        while skipped < SKIPS && at < picks {
            let Some(p) = library.radio_next(&mut steered).await? else {
                break;
            };
            at += 1;
            if group_of.get(&p.track.id) == Some(group) {
                library
                    .radio_feedback(&mut steered, p.track.id, Feedback::Skipped)
                    .await?;
                skipped += 1;
            }
        }
        if skipped < SKIPS {
            continue;
        }
        let mut after = 0;
        for _ in 0..AFTER {
            if let Some(p) = library.radio_next(&mut steered).await? {
                after += usize::from(group_of.get(&p.track.id) == Some(group));
            }
        }
        let alone = list
            .iter()
            .skip(at)
            .take(AFTER)
            .filter(|id| group_of.get(id) == Some(group))
            .count();
        f.steering_seeds += 1;
        f.after_skips += after as f64;
        f.without_skips += alone as f64;
    }
    let means = |curve: Vec<(f64, usize)>| -> Vec<f64> {
        curve
            .into_iter()
            .map(|(sum, n)| if n == 0 { 0.0 } else { sum / n as f64 })
            .collect()
    };
    f.similarity_curve = means(curve);
    f.same_soundtrack_curve = means(same_curve);
    let n = f.steering_seeds.max(1) as f64;
    f.after_skips /= n;
    f.without_skips /= n;
    if json {
        return print_json(&f);
    }
    println!(
        "radio bench: {} seeds × {picks} picks: {} repeats; windows of {ARTIST_WINDOW} with more than {ARTIST_CAP} by one artist: {} of {} ({} in the first 50 picks)",
        f.seeds,
        f.repeats,
        f.cap_breaks,
        f.seeds * (picks + 1).saturating_sub(ARTIST_WINDOW),
        f.cap_breaks_first_50
    );
    let curve: Vec<String> = f
        .similarity_curve
        .iter()
        .map(|s| format!("{s:.2}"))
        .collect();
    println!("similarity to the seed, per ten picks: {}", curve.join(" "));
    let same: Vec<String> = f
        .same_soundtrack_curve
        .iter()
        .map(|s| format!("{s:.3}"))
        .collect();
    println!(
        "share of the seed's own soundtrack, per ten picks: {}",
        same.join(" ")
    );
    println!(
        "steering ({} seeds): tracks of the seed's soundtrack in the {AFTER} picks after {SKIPS} skips of it: {:.2}; the radio left alone: {:.2}",
        f.steering_seeds, f.after_skips, f.without_skips
    );
    Ok(())
}

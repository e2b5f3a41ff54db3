//! `segue bench describe`: for every label the taggers know, asked as a word, how many of the
//! ten tracks `describe` ranks first carry that tag at least twice as likely as the library's
//! mean (out of as many as the library has, up to ten). Also a few synonym and negation
//! queries. Nothing in describe is tuned on data.

use std::collections::HashMap;

use anyhow::Result;
use segue::analysis::READABLE_SINCE;
use segue::describe::{probabilities, vocabulary};
use segue::Library;
use serde::Serialize;

use super::print_json;

#[derive(Debug, Serialize)]
struct Word {
    word: String,
    /// Tracks in the library with the tag at ≥ 2× its mean.
    lifted: usize,
    /// Of the top ten (or fewer when fewer are lifted), how many are.
    hits: usize,
    wanted: usize,
}

pub async fn run(library: &Library, json: bool) -> Result<()> {
    let tagged: Vec<(i64, Vec<(&'static str, f32)>)> = library
        .store()
        .tag_probabilities(READABLE_SINCE)
        .await?
        .into_iter()
        .map(|(id, msd, mtt)| (id, probabilities(msd, mtt)))
        .collect();
    let n = tagged.len().max(1) as f64;
    let mut means: HashMap<&str, f64> = HashMap::new();
    for (_, tags) in &tagged {
        for (label, p) in tags {
            *means.entry(label).or_default() += f64::from(*p) / n;
        }
    }
    let probability: HashMap<i64, HashMap<&str, f32>> = tagged
        .iter()
        .map(|(id, tags)| (*id, tags.iter().copied().collect()))
        .collect();
    let mut words = Vec::new();
    for label in vocabulary() {
        let mean = means.get(label).copied().unwrap_or(0.0);
        let lifted = |id: &i64| {
            probability
                .get(id)
                .and_then(|p| p.get(label))
                .is_some_and(|p| f64::from(*p) >= 2.0 * mean)
        };
        let lifted_count = tagged.iter().filter(|(id, _)| lifted(id)).count();
        let answer = library.describe(label, None, 10).await?;
        if answer.description.understood.is_empty() {
            continue;
        }
        // A label that reads as a negation ("no vocals") asks for something else: skip it.
        if answer.description.understood.iter().any(|u| u.negated) {
            continue;
        }
        let hits = answer.tracks.iter().filter(|t| lifted(&t.track.id)).count();
        words.push(Word {
            word: label.to_string(),
            lifted: lifted_count,
            hits,
            wanted: lifted_count.min(10),
        });
    }
    if json {
        return print_json(&words);
    }
    let asked: Vec<&Word> = words.iter().filter(|w| w.wanted > 0).collect();
    let hits: usize = asked.iter().map(|w| w.hits).sum();
    let wanted: usize = asked.iter().map(|w| w.wanted).sum();
    let perfect = asked.iter().filter(|w| w.hits == w.wanted).count();
    println!(
        "describe bench: {} tagged tracks, {} labels asked as words ({} have tracks at ≥ 2× the mean)",
        tagged.len(),
        words.len(),
        asked.len()
    );
    println!(
        "top-10 precision for tracks at ≥ 2× the library mean: {hits}/{wanted} = {:.3}; labels with every such slot filled: {perfect}/{}",
        hits as f64 / wanted.max(1) as f64,
        asked.len()
    );
    let mut worst: Vec<&&Word> = asked.iter().filter(|w| w.hits < w.wanted).collect();
    worst.sort_by_key(|w| w.hits as i64 - w.wanted as i64);
    for w in worst.iter().take(8) {
        println!(
            "  {:<20} {}/{} (lifted in the library: {})",
            w.word, w.hits, w.wanted, w.lifted
        );
    }
    Ok(())
}

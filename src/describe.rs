//! Asking for music in words: "calm piano", "fast electronic drums", "no vocals", "sad". The
//! words are mapped onto the tags Segue's taggers know (both MusiCNN vocabularies, plus a small
//! table of synonyms: "chill" → chillout, chill, mellow; "vocals" → vocal, vocals, singing,
//! voice…); "no", "not" and "without" negate the word after them. Tracks are ranked by how much
//! more likely than the library's average they are to carry each asked tag (less likely, for a
//! negated one). Words that map onto nothing are reported, never silently dropped.

use serde::{Deserialize, Serialize};

use crate::musicnn::tagger::canonical_label;
use crate::musicnn::Model;

/// Words with a meaning the tags do not have a label for, and the labels that carry it.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("chill", &["chillout", "chill", "mellow"]),
    ("chilled", &["chillout", "chill", "mellow"]),
    ("relaxing", &["chillout", "mellow", "easy listening"]),
    ("relaxed", &["chillout", "mellow", "easy listening"]),
    ("calm", &["mellow", "soft", "quiet", "chillout"]),
    ("peaceful", &["mellow", "soft", "quiet"]),
    ("gentle", &["soft", "mellow"]),
    ("mellow", &["mellow"]),
    ("vocals", &["vocal", "vocals", "singing", "voice"]),
    ("vocal", &["vocal", "vocals", "singing", "voice"]),
    ("voice", &["vocal", "vocals", "singing", "voice"]),
    ("voices", &["vocal", "vocals", "singing", "voice"]),
    ("singing", &["vocal", "vocals", "singing", "voice"]),
    ("singer", &["vocal", "vocals", "singing", "voice"]),
    (
        "female",
        &[
            "female vocalists",
            "female vocalist",
            "female",
            "female vocal",
            "female voice",
            "woman",
        ],
    ),
    (
        "male",
        &["male vocalists", "male", "male vocal", "male voice", "man"],
    ),
    ("drums", &["drums", "beat", "beats"]),
    ("drum", &["drums", "beat", "beats"]),
    ("beat", &["beat", "beats", "drums"]),
    ("beats", &["beat", "beats", "drums"]),
    ("electronic", &["electronic", "electronica", "electro"]),
    ("electro", &["electro", "electronic"]),
    ("edm", &["electronic", "dance", "house", "techno"]),
    ("dance", &["dance", "party", "house"]),
    ("danceable", &["dance", "party"]),
    ("party", &["party", "dance"]),
    ("energetic", &["fast", "loud", "party"]),
    ("upbeat", &["happy", "catchy", "dance"]),
    ("cheerful", &["happy"]),
    ("happy", &["happy"]),
    ("sad", &["sad"]),
    ("melancholic", &["sad"]),
    ("melancholy", &["sad"]),
    ("orchestral", &["classical", "strings", "violin", "cello"]),
    ("orchestra", &["classical", "strings", "violin", "cello"]),
    ("classical", &["classical", "classic"]),
    ("choir", &["choir", "choral"]),
    ("rap", &["hip-hop"]),
    ("hiphop", &["hip-hop"]),
    ("hip hop", &["hip-hop"]),
    ("r&b", &["rnb"]),
    ("rnb", &["rnb"]),
    ("guitars", &["guitar"]),
    ("pianos", &["piano"]),
    ("synths", &["synth"]),
    ("synthesizer", &["synth"]),
    (
        "instrumental",
        &["instrumental", "no vocals", "no vocal", "no voice"],
    ),
    ("quiet", &["quiet", "soft"]),
    ("soft", &["soft", "quiet"]),
    ("loud", &["loud"]),
    ("heavy", &["heavy metal", "metal", "hard rock", "loud"]),
    ("slow", &["slow"]),
    ("fast", &["fast"]),
];

/// Words that only negate the one after them.
const NEGATIONS: &[&str] = &["no", "not", "without", "non"];

/// The longest phrase (in words) looked up at once: "female vocalists", "easy listening".
const LONGEST_PHRASE: usize = 3;

/// One word (or phrase) understood, and the tags it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Understood {
    /// As typed, with its negation: "no vocals", "piano".
    pub words: String,
    /// The tags it stands for (canonical labels, lower case).
    pub tags: Vec<String>,
    /// "no …": tracks that carry these tags rank lower.
    pub negated: bool,
}

/// What a description asks for: what was understood, and the words that were not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Description {
    pub understood: Vec<Understood>,
    pub ignored: Vec<String>,
}

/// Every label of both models, canonical and lower case, each once.
pub fn vocabulary() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = Vec::with_capacity(100);
    for model in [Model::Msd, Model::Mtt] {
        for label in model.labels() {
            let label = canonical_label(label);
            if !all.contains(&label) {
                all.push(label);
            }
        }
    }
    all
}

/// The tags `phrase` stands for: a synonym's, else the label itself.
fn tags_of(phrase: &str, labels: &[&'static str]) -> Option<Vec<String>> {
    if let Some((_, tags)) = SYNONYMS.iter().find(|(word, _)| *word == phrase) {
        return Some(tags.iter().map(|t| t.to_string()).collect());
    }
    labels
        .iter()
        .find(|l| l.eq_ignore_ascii_case(phrase))
        .map(|l| vec![l.to_lowercase()])
}

/// Reads a description: phrases of up to three words are looked up longest first ("no
/// vocals" is a label of its own, but reads as "no" + "vocals": the negation of every vocal
/// tag); "no", "not" and "without" negate what follows.
pub fn parse(text: &str) -> Description {
    let labels = vocabulary();
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '.' | '!' | '?' | '+'))
        .map(|w| {
            w.trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')'))
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Description::default();
    let mut negate: Option<String> = None;
    let mut i = 0;
    while i < words.len() {
        if NEGATIONS.contains(&words[i].as_str()) {
            if let Some(word) = negate.replace(words[i].clone()) {
                out.ignored.push(word); // "no no": the first one negates nothing
            }
            i += 1;
            continue;
        }
        let found = (1..=LONGEST_PHRASE.min(words.len() - i))
            .rev()
            .find_map(|n| {
                let phrase = words[i..i + n].join(" ");
                tags_of(&phrase, &labels).map(|tags| (n, phrase, tags))
            });
        match found {
            Some((n, phrase, tags)) => {
                let negated = negate.take();
                out.understood.push(Understood {
                    words: match &negated {
                        Some(no) => format!("{no} {phrase}"),
                        None => phrase,
                    },
                    tags,
                    negated: negated.is_some(),
                });
                i += n;
            }
            None => {
                out.ignored.extend(negate.take());
                out.ignored.push(words[i].clone());
                i += 1;
            }
        }
    }
    out.ignored.extend(negate);
    out
}

/// Every label's probability for one track: `(label, probability)` as
/// [`crate::musicnn::tagger::TrackTags::ranked`] gives them.
pub type TagProbabilities = Vec<(&'static str, f32)>;

/// The labels' probabilities of one track from its two models' mean outputs (the stored
/// `msd` and `mtt` arrays), the two vocabularies merged.
pub fn probabilities(msd: Vec<f32>, mtt: Vec<f32>) -> TagProbabilities {
    crate::musicnn::tagger::TrackTags {
        version: 0,
        patches: 0,
        msd,
        mtt,
        embedding: Vec::new(),
        passages: None,
    }
    .ranked()
}

/// How strongly a track matches a description: for each understood phrase, the log of how
/// much more likely than the library's mean the track is to carry its likeliest tag
/// (subtracted for a negated phrase). `means` holds the library's mean per label.
pub fn score(description: &Description, track: &TagProbabilities, means: &TagProbabilities) -> f32 {
    let probability = |tags: &[String], of: &TagProbabilities| -> Option<f32> {
        tags.iter()
            .filter_map(|t| of.iter().find(|(l, _)| *l == t).map(|(_, p)| *p))
            .reduce(f32::max)
    };
    description
        .understood
        .iter()
        .filter_map(|u| {
            let p = probability(&u.tags, track)?;
            let mean = probability(&u.tags, means)?;
            // A floor keeps a track the tagger gave 0 from counting as infinitely unlike.
            let lift = ((p + 1e-3) / (mean + 1e-3)).ln();
            Some(if u.negated { -lift } else { lift })
        })
        .sum()
}

/// The asked tags this track carries most clearly, for its reasons: "piano 62 %", "no
/// vocal (3 %)".
pub fn reasons(description: &Description, track: &TagProbabilities) -> Vec<String> {
    description
        .understood
        .iter()
        .filter_map(|u| {
            let (label, p) = u
                .tags
                .iter()
                .filter_map(|t| track.iter().find(|(l, _)| *l == t))
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some(if u.negated {
                format!("no {label} ({:.0} %)", p * 100.0)
            } else {
                format!("{label} {:.0} %", p * 100.0)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(d: &Description) -> Vec<(String, bool)> {
        d.understood
            .iter()
            .map(|u| (u.words.clone(), u.negated))
            .collect()
    }

    #[test]
    fn words_map_onto_tags_with_synonyms_and_phrases() {
        let d = parse("Calm piano, female vocalists and easy listening");
        assert_eq!(
            tags(&d),
            [
                ("calm".to_string(), false),
                ("piano".to_string(), false),
                ("female vocalists".to_string(), false),
                ("easy listening".to_string(), false)
            ]
        );
        assert_eq!(d.ignored, ["and"]);
        assert!(d.understood[0].tags.contains(&"mellow".to_string()));
        assert_eq!(d.understood[1].tags, ["piano"]);
        let hip = parse("hip hop");
        assert_eq!(hip.understood[0].tags, ["hip-hop"]);
    }

    #[test]
    fn no_negates_the_word_after_it_and_unknown_words_are_reported() {
        let d = parse("fast electronic drums, no vocals, zydeco");
        assert_eq!(
            tags(&d),
            [
                ("fast".to_string(), false),
                ("electronic".to_string(), false),
                ("drums".to_string(), false),
                ("no vocals".to_string(), true)
            ]
        );
        assert!(d.understood[3].tags.contains(&"singing".to_string()));
        assert_eq!(d.ignored, ["zydeco"]);
        let dangling = parse("sad not");
        assert_eq!(dangling.ignored, ["not"]);
        assert_eq!(parse("without zydeco").ignored, ["without", "zydeco"]);
    }

    #[test]
    fn every_label_of_both_models_is_understood() {
        for label in vocabulary() {
            let d = parse(label);
            assert!(
                d.ignored.is_empty() || NEGATIONS.contains(&label.split(' ').next().unwrap_or("")),
                "{label}: {d:?}"
            );
        }
        // The synonyms only name labels the taggers have.
        let labels = vocabulary();
        for (word, tags) in SYNONYMS {
            for t in *tags {
                assert!(labels.contains(t), "{word} → {t}: not a label");
            }
        }
    }

    #[test]
    fn tracks_above_the_mean_rank_first_and_negation_turns_it_round() {
        let means: TagProbabilities = vec![("piano", 0.1), ("vocal", 0.3), ("singing", 0.2)];
        let piano: TagProbabilities = vec![("piano", 0.6), ("vocal", 0.05), ("singing", 0.02)];
        let song: TagProbabilities = vec![("piano", 0.1), ("vocal", 0.7), ("singing", 0.6)];
        let ask = parse("piano");
        assert!(score(&ask, &piano, &means) > score(&ask, &song, &means));
        let quiet = parse("no vocals");
        assert!(score(&quiet, &piano, &means) > score(&quiet, &song, &means));
        assert_eq!(
            reasons(&parse("piano no vocals"), &piano),
            ["piano 60 %", "no vocal (5 %)"]
        );
    }
}

//! The MIREX weighted key score (as `mir_eval.key.weighted_score` and the shared corpus's
//! `score.py` compute it): 1 the same key; 0.5 a perfect fifth above in the same mode; 0.3 the
//! relative major or minor; 0.2 the parallel one; 0 anything else or no key.

use segue::analysis::key::Scale;

/// A key as the scores compare it: the tonic's pitch class (0 = C) and the mode.
pub(super) type PitchKey = (u8, Scale);

/// "Eb", "D#", "F" → pitch class; `None` for anything else.
pub(super) fn pitch_class(name: &str) -> Option<u8> {
    let mut chars = name.trim().chars();
    let natural: i32 = match chars.next()?.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let mut pc = natural;
    for c in chars {
        match c {
            '#' | '♯' => pc += 1,
            'b' | '♭' => pc -= 1,
            _ => return None,
        }
    }
    u8::try_from(pc.rem_euclid(12)).ok()
}

/// The score of `estimate` against `truth`.
pub(super) fn score(truth: PitchKey, estimate: Option<PitchKey>) -> f64 {
    let Some((tonic, scale)) = estimate else {
        return 0.0;
    };
    let (true_tonic, true_scale) = truth;
    let above = |semitones: u8| (true_tonic + semitones) % 12;
    if scale == true_scale {
        if tonic == true_tonic {
            1.0
        } else if tonic == above(7) {
            0.5
        } else {
            0.0
        }
    } else if tonic == true_tonic {
        0.2
    } else {
        // The relative key: a minor third below a major tonic, above a minor one.
        let relative = match true_scale {
            Scale::Major => above(9),
            Scale::Minor => above(3),
        };
        if tonic == relative {
            0.3
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Scale::{Major, Minor};

    #[test]
    fn names_with_sharps_and_flats() {
        assert_eq!(pitch_class("C"), Some(0));
        assert_eq!(pitch_class("Eb"), Some(3));
        assert_eq!(pitch_class("D#"), Some(3));
        assert_eq!(pitch_class("Cb"), Some(11));
        assert_eq!(pitch_class("B#"), Some(0));
        assert_eq!(pitch_class("H"), None);
        assert_eq!(pitch_class("Cx"), None);
    }

    #[test]
    fn weights_follow_mir_eval() {
        let c_major = (0, Major);
        assert_eq!(score(c_major, Some((0, Major))), 1.0);
        assert_eq!(
            score(c_major, Some((7, Major))),
            0.5,
            "G major: a fifth above"
        );
        assert_eq!(
            score(c_major, Some((5, Major))),
            0.0,
            "F major: a fifth below"
        );
        assert_eq!(score(c_major, Some((9, Minor))), 0.3, "A minor: relative");
        assert_eq!(score(c_major, Some((0, Minor))), 0.2, "C minor: parallel");
        assert_eq!(score(c_major, Some((2, Major))), 0.0);
        assert_eq!(score(c_major, None), 0.0);
        let a_minor = (9, Minor);
        assert_eq!(
            score(a_minor, Some((4, Minor))),
            0.5,
            "E minor: a fifth above"
        );
        assert_eq!(score(a_minor, Some((0, Major))), 0.3, "C major: relative");
        assert_eq!(score(a_minor, Some((9, Major))), 0.2, "A major: parallel");
        assert_eq!(
            score((10, Minor), Some((1, Major))),
            0.3,
            "Bb minor → Db major"
        );
    }
}

//! Ramps: a playlist whose tempo or energy follows a shape — rising, falling, or up then down
//! ("cool-down") — while its tracks still sound like the seeds. The tracks are the playlist's
//! best matches that have the dimension; the shape is their order. A rise (or fall) opens with
//! the list's [`RAMP_OPENING`] closest matches, in its order, and goes on from where they end: the
//! tracks that would have to come before them (slower, for a tempo rise) are left out, so the
//! first rows are the best matches and the whole list still only rises.

use serde::{Deserialize, Serialize};

use super::profile::Dimension;

/// A rise or a fall opens with this many of the list's closest matches (people judge a list by
/// its first rows; a strict rise would open with its slowest tracks instead, whatever they
/// sound like). Not tuned: five rows, the first screenful of a short list.
pub const RAMP_OPENING: usize = 5;

/// The shape a playlist follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Ramp {
    TempoUp,
    TempoDown,
    EnergyUp,
    EnergyDown,
    /// Energy rising to a peak in the middle, then falling.
    CoolDown,
}

impl Ramp {
    pub const ALL: [Ramp; 5] = [
        Ramp::TempoUp,
        Ramp::TempoDown,
        Ramp::EnergyUp,
        Ramp::EnergyDown,
        Ramp::CoolDown,
    ];

    /// The name the CLI takes and the JSON carries: "tempo-up", "cool-down", …
    pub fn name(self) -> &'static str {
        match self {
            Ramp::TempoUp => "tempo-up",
            Ramp::TempoDown => "tempo-down",
            Ramp::EnergyUp => "energy-up",
            Ramp::EnergyDown => "energy-down",
            Ramp::CoolDown => "cool-down",
        }
    }

    /// The dimension it moves along.
    pub fn dimension(self) -> Dimension {
        match self {
            Ramp::TempoUp | Ramp::TempoDown => Dimension::Tempo,
            Ramp::EnergyUp | Ramp::EnergyDown | Ramp::CoolDown => Dimension::Energy,
        }
    }

    /// For a rise (a fall): the value the tracks after the opening may not go below (above),
    /// given the opening's values; `None` for a shape that turns (cool-down) or no opening.
    pub fn edge(self, opening: &[f64]) -> Option<f64> {
        let values = opening.iter().copied();
        match self {
            Ramp::TempoUp | Ramp::EnergyUp => values.reduce(f64::max),
            Ramp::TempoDown | Ramp::EnergyDown => values.reduce(f64::min),
            Ramp::CoolDown => None,
        }
    }

    /// Whether a track with `value` can come after an opening that ends at `edge`.
    pub fn follows(self, edge: f64, value: f64) -> bool {
        match self {
            Ramp::TempoUp | Ramp::EnergyUp => value >= edge,
            Ramp::TempoDown | Ramp::EnergyDown => value <= edge,
            Ramp::CoolDown => true,
        }
    }

    /// What the tracks left out before an opening are, in words: "slower", "calmer"…
    pub fn left_out(self) -> &'static str {
        match self {
            Ramp::TempoUp => "slower",
            Ramp::TempoDown => "faster",
            Ramp::EnergyUp => "calmer",
            Ramp::EnergyDown | Ramp::CoolDown => "livelier",
        }
    }

    /// The order (indices into `values`) that follows the shape.
    pub fn order(self, values: &[f64]) -> Vec<usize> {
        let mut rising: Vec<usize> = (0..values.len()).collect();
        // Stable: equal values keep the list's order (best match first).
        rising.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
        match self {
            Ramp::TempoUp | Ramp::EnergyUp => rising,
            Ramp::TempoDown | Ramp::EnergyDown => rising.into_iter().rev().collect(),
            Ramp::CoolDown => {
                // Every other value climbs to the peak, the rest come down from it: both
                // halves move in even steps and the peak sits in the middle.
                let up = rising.iter().step_by(2).copied();
                let down: Vec<usize> = rising.iter().skip(1).step_by(2).copied().collect();
                up.chain(down.into_iter().rev()).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let v = [3.0, 1.0, 5.0, 2.0, 4.0];
        let shaped = |r: Ramp| -> Vec<f64> { r.order(&v).into_iter().map(|i| v[i]).collect() };
        assert_eq!(shaped(Ramp::TempoUp), [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(shaped(Ramp::EnergyDown), [5.0, 4.0, 3.0, 2.0, 1.0]);
        assert_eq!(shaped(Ramp::CoolDown), [1.0, 3.0, 5.0, 4.0, 2.0]);
        assert_eq!(Ramp::CoolDown.order(&[]), Vec::<usize>::new());
    }

    #[test]
    fn an_opening_and_what_may_follow_it() {
        let opening = [120.0, 95.0, 131.0];
        assert_eq!(Ramp::TempoUp.edge(&opening), Some(131.0));
        assert_eq!(Ramp::TempoDown.edge(&opening), Some(95.0));
        assert_eq!(Ramp::CoolDown.edge(&opening), None);
        assert_eq!(Ramp::EnergyUp.edge(&[]), None);
        assert!(Ramp::TempoUp.follows(131.0, 131.0) && !Ramp::TempoUp.follows(131.0, 130.9));
        assert!(Ramp::EnergyDown.follows(2.0, 1.5) && !Ramp::EnergyDown.follows(2.0, 2.5));
    }

    #[test]
    fn names_are_the_json_names() {
        for r in Ramp::ALL {
            assert_eq!(
                serde_json::to_string(&r).expect("json"),
                format!("\"{}\"", r.name())
            );
        }
    }
}

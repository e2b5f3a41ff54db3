//! Ramps: a playlist whose tempo or energy follows a shape — rising, falling, or up then down
//! ("cool-down") — while its tracks still sound like the seeds. The tracks are the playlist's
//! best matches that have the dimension; the shape is their order.

use serde::{Deserialize, Serialize};

use super::profile::Dimension;

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
    fn names_are_the_json_names() {
        for r in Ramp::ALL {
            assert_eq!(
                serde_json::to_string(&r).expect("json"),
                format!("\"{}\"", r.name())
            );
        }
    }
}

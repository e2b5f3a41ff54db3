//! Audio analysis: features computed from one streaming decode per track.
//! (Issue 3 in progress: the onset envelope is here; tempo, key, timbre, loudness and the
//! analysis job follow.)

pub mod onset;

/// The analysis sample rate: enough bandwidth for rhythm, key and timbre, half the work of 44.1k.
pub const ANALYSIS_RATE: u32 = 22_050;

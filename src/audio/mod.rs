//! Audio in and out: synthesis of test and demo signals, and writing them to files.
//! (Decoding for analysis and preview playback arrive with their issues.)

pub mod decode;
pub mod encode;
pub mod synth;

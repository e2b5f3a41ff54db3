//! Audio in and out: decoding (one registry of codecs, streaming mono decode), preview playback
//! through cpal, synthesis of test and demo signals, and writing them to files.

pub mod ape;
pub mod codecs;
pub mod decode;
pub mod encode;
pub mod preview;
pub mod synth;

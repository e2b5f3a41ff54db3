//! The containers and decoders Segue uses: every one symphonia enables, plus Opus through
//! libopus (symphonia 0.5 has no Opus decoder; `symphonia-adapter-libopus` bundles libopus)
//! and Monkey's Audio through `ape-decoder` (`audio::ape`).

use std::sync::LazyLock;

use symphonia::core::codecs::CodecRegistry;
use symphonia::core::probe::Probe;

static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_all::<symphonia_adapter_libopus::OpusDecoder>();
    registry.register_all::<super::ape::ApePcmDecoder>();
    registry
});

static FORMATS: LazyLock<Probe> = LazyLock::new(|| {
    let mut probe = Probe::default();
    symphonia::default::register_enabled_formats(&mut probe);
    probe.register_all::<super::ape::ApeReader>();
    probe
});

/// The codec registry to make decoders from (scan probe, analysis, preview).
pub fn codecs() -> &'static CodecRegistry {
    &CODECS
}

/// The probe that recognises containers (scan, analysis, preview).
pub fn formats() -> &'static Probe {
    &FORMATS
}

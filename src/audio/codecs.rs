//! The decoders Segue uses: every codec symphonia enables, plus Opus through libopus
//! (symphonia 0.5 has no Opus decoder; `symphonia-adapter-libopus` bundles libopus).

use std::sync::LazyLock;

use symphonia::core::codecs::CodecRegistry;

static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_all::<symphonia_adapter_libopus::OpusDecoder>();
    registry
});

/// The codec registry to make decoders from (scan probe, analysis, preview).
pub fn codecs() -> &'static CodecRegistry {
    &CODECS
}

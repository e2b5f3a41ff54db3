//! The app↔UI contract: the commands (from src/commands, listed by build.rs), the events and
//! the engine's defaults the UI starts from, exported as TypeScript to ui/src/bindings.ts.
//! A test fails when the committed file is stale; `SEGUE_WRITE_BINDINGS=1 cargo test -p
//! segue-app bindings` rewrites it.

use tauri_specta::{Builder, ErrorHandlingMode};

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(include!(concat!(env!("OUT_DIR"), "/commands.rs")))
        .events(crate::events::all())
        .constant(
            "DEFAULT_PLAYLIST_REQUEST",
            segue::playlist::PlaylistRequest::default(),
        )
        // Where the match's words change (the floor: nothing below it is listed).
        .constant("MATCH_THRESHOLDS", segue::playlist::Thresholds::default())
        // The shapes a playlist can ramp along and what a list can be sorted by, in menu order.
        .constant("RAMPS", segue::playlist::Ramp::ALL)
        .constant("SORTS", segue::playlist::SortBy::ALL)
        // The id a file outside the library stands as (never a stored track's).
        .constant("OUTSIDE_ID", segue::library::OUTSIDE_ID)
        // Key names and the Camelot wheel, as the engine spells them.
        .constant("NOTE_NAMES", segue::analysis::key::NOTE_NAMES)
        .constant("CAMELOT_WHEEL", segue::analysis::key::camelot_wheel())
        // Below this tempo confidence the UI shows a tempo in doubt.
        .constant(
            "TEMPO_DOUBTFUL_BELOW",
            segue::analysis::tempo::DOUBTFUL_BELOW,
        )
        // Failed commands reject with a `CommandError` ({code, message}), as invoke() does.
        .error_handling(ErrorHandlingMode::Throw)
        // One TypeScript type per Rust type: none of ours serialises and deserialises apart.
        .disable_serde_phases()
        // Ids are SQLite rowids and counts of tracks: far below 2^53.
        .dangerously_cast_bigints_to_number()
        // Our floats are finite (a missing value is an Option): `number`, not `number | null`.
        .semantic_types(
            specta_typescript::semantic::Configuration::empty().enable_lossless_floats(),
        )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use specta_typescript::Typescript;

    /// The committed bindings are what the Rust side generates now.
    #[test]
    fn bindings_are_current() {
        let scratch = std::env::temp_dir().join(format!("segue-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("temp dir");
        let exported = scratch.join("bindings.ts");
        super::builder()
            .export(
                Typescript::default().header(
                    "// Generated from the Rust commands and types (src-tauri/src/bindings.rs): do not edit.",
                ),
                &exported,
            )
            .expect("bindings export");
        let generated = std::fs::read_to_string(&exported).expect("exported bindings");
        let _ = std::fs::remove_dir_all(&scratch);
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        if std::env::var_os("SEGUE_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("writing the bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/bindings.ts is stale: run `SEGUE_WRITE_BINDINGS=1 cargo test -p segue-app bindings` and commit it"
        );
    }
}

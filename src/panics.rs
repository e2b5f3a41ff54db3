//! Decoders are third-party code fed hostile files, and some panic on them (symphonia on a WAV
//! with sample rate 0, on seeking in a cut FLAC). The engine runs them inside
//! [`catch_decoder_panic`], which turns a panic into that file's failure; the panic hook from
//! [`quiet_decoder_panics`] keeps exactly those caught panics out of the terminal, while any
//! other panic still prints as usual.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;

thread_local! {
    /// True while this thread runs decoder code whose panics are caught.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic in it becomes `Err` with the panic's message.
pub fn catch_decoder_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let outer = CATCHING.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown error".to_string())
    })
}

/// Installs a panic hook that logs caught decoder panics at debug level instead of printing
/// them (each is reported once, per file, in the failures list) and leaves every other panic
/// to the default hook. For the CLI and the app; tests keep the default hook.
pub fn quiet_decoder_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CATCHING.with(Cell::get) {
            tracing::debug!("decoder panicked (caught, reported per file): {info}");
        } else {
            default(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_the_flag_is_restored() {
        let caught = catch_decoder_panic(|| -> u32 { panic!("bad header") });
        assert_eq!(caught, Err("bad header".to_string()));
        assert_eq!(catch_decoder_panic(|| 7), Ok(7));
        // Nested: the inner catch must not clear the outer one's flag.
        let nested = catch_decoder_panic(|| {
            let _ = catch_decoder_panic(|| -> () { panic!("inner") });
            CATCHING.with(Cell::get)
        });
        assert_eq!(nested, Ok(true));
        assert!(!CATCHING.with(Cell::get));
    }
}

//! The CPU instructions this build relies on. FAISS is compiled with AVX2/FMA/F16C/POPCNT
//! (`.cargo/config.toml`: its distance kernels are several times faster with them), and some of
//! its C++ static constructors already use them: on a CPU without them a binary would die with
//! an illegal instruction before `main`. So each binary runs [`exit_if_unsupported`] earlier
//! still, as a constructor of the highest user priority ([`refuse_unsupported_cpu_before_main!`]:
//! `.init_array.00101`, which the linker puts before the default-priority constructors of the
//! C++ code; the C library is set up by then, unlike in `.preinit_array`, where even the
//! environment is not there yet).

use std::io::Write;

/// The CPU cannot run this build.
#[derive(Debug, thiserror::Error)]
#[error(
    "Segue cannot run on this processor: it lacks the {} instructions (x86-64 processors \
     from Intel since 2013 and AMD since 2015 have them), which Segue's similarity index \
     is built for",
    .missing.iter().map(|f| f.to_uppercase()).collect::<Vec<_>>().join(", ")
)]
pub struct UnsupportedCpu {
    /// The required features this CPU lacks.
    pub missing: Vec<&'static str>,
}

/// Ok when the CPU has every feature the C++ parts are compiled for (the flags in
/// `.cargo/config.toml`).
pub fn check() -> Result<(), UnsupportedCpu> {
    let missing: Vec<&'static str> = required_features()
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(UnsupportedCpu { missing })
    }
}

/// Each required feature and whether this CPU has it.
#[cfg(target_arch = "x86_64")]
fn required_features() -> [(&'static str, bool); 4] {
    [
        ("avx2", std::is_x86_feature_detected!("avx2")),
        ("fma", std::is_x86_feature_detected!("fma")),
        ("f16c", std::is_x86_feature_detected!("f16c")),
        ("popcnt", std::is_x86_feature_detected!("popcnt")),
    ]
}

/// Other architectures build FAISS for their own baseline.
#[cfg(not(target_arch = "x86_64"))]
fn required_features() -> [(&'static str, bool); 0] {
    []
}

/// Says why and exits with status 1 when the CPU cannot run this build; `graphical`: also in
/// a message box (an app started from a menu has no terminal). Runs before `main`: nothing
/// here may need what `main` sets up (logging, the async runtime).
pub fn exit_if_unsupported(program: &str, graphical: bool) {
    let Err(unsupported) = check() else {
        return;
    };
    let message = unsupported.to_string();
    let _ = writeln!(std::io::stderr(), "{program}: {message}");
    if graphical {
        show_message_box(&message);
    }
    std::process::exit(1);
}

/// The window title of the message box (tests look for it).
pub const MESSAGE_BOX_TITLE: &str = "Segue cannot start";

/// A message box through whichever desktop tool is there (the app's own toolkit cannot start:
/// it is in the same binary). Waits until it is dismissed.
fn show_message_box(message: &str) {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return;
    }
    let title = MESSAGE_BOX_TITLE;
    let tools: [(&str, &[&str]); 4] = [
        (
            "zenity",
            &[
                "--error",
                "--no-markup",
                "--title",
                title,
                "--text",
                message,
            ],
        ),
        ("kdialog", &["--title", title, "--error", message]),
        ("xmessage", &["-center", "-title", title, message]),
        ("notify-send", &["--urgency=critical", title, message]),
    ];
    for (tool, args) in tools {
        if std::process::Command::new(tool).args(args).status().is_ok() {
            return;
        }
    }
}

/// Runs [`exit_if_unsupported`] as the executable's first constructor (see the module). Use
/// once, at the top level of a binary's `main.rs` (a library's object may not be linked in).
#[macro_export]
macro_rules! refuse_unsupported_cpu_before_main {
    ($program:literal, graphical: $graphical:literal) => {
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        #[used]
        #[link_section = ".init_array.00101"]
        static REFUSE_UNSUPPORTED_CPU: extern "C" fn() = {
            extern "C" fn refuse() {
                $crate::cpu::exit_if_unsupported($program, $graphical);
            }
            refuse
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_missing_feature_plainly() {
        let message = UnsupportedCpu {
            missing: vec!["avx2", "fma"],
        }
        .to_string();
        assert!(
            message.contains("lacks the AVX2, FMA instructions"),
            "{message}"
        );
    }

    /// The machines this runs on (CI included) have them all.
    #[test]
    fn this_machine_can_run_the_build() {
        assert!(check().is_ok(), "{:?}", check());
    }
}

//! For every file in a list, run back to back (same cache state) and timed in CPU seconds of
//! the whole process (bliss-rs spreads one song's descriptors over threads; the process clock
//! counts them all, and nothing else runs meanwhile): Segue's decode alone, Segue's whole
//! analysis (one thread) without tags and with MusiCNN tags as the scan runs it, bliss-rs's
//! decode + resample alone, and bliss-rs's whole analysis. Prints totals and ratios; files
//! either side cannot decode are left out of the ratios.

use std::path::{Path, PathBuf};

use bliss_audio::decoder::symphonia::SymphoniaDecoder;
use bliss_audio::decoder::Decoder;
use segue::analysis::{analyze_file_with, TagRequest};
use segue::audio::decode::{decode, DecodeOnly};
use segue::musicnn::tagger::{Tagger, DEFAULT_MAX_PATCHES, SCAN_RESAMPLER};

/// CPU time of every thread of this process, seconds.
fn process_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer we own.
    if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = process_cpu_s();
    let out = f();
    (out, process_cpu_s() - t)
}

fn main() -> anyhow::Result<()> {
    let list = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: segue-peers FILE_LIST"))?;
    let paths: Vec<PathBuf> = std::fs::read_to_string(&list)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect();
    let tagger = Tagger::load_default()?;
    let (mut audio_s, mut decode_s, mut segue_s, mut tagged_s, mut bliss_decode_s, mut bliss_s) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut both, mut segue_only) = (0, 0);
    for path in &paths {
        let path: &Path = path;
        let (decoded, t_decode) = timed(|| {
            let mut touch = DecodeOnly::default();
            let r = decode(path, 22_050, None, &mut touch);
            std::hint::black_box(touch.0);
            r
        });
        let (analysed, t_segue) = timed(|| segue::analysis::analyze_file(path));
        // As the scan analyses with tags on: the same decode feeds the analysis and the
        // tagger's patches.
        let (tagged, t_tagged) = timed(|| {
            let request = TagRequest::as_scan(&tagger, DEFAULT_MAX_PATCHES, None);
            analyze_file_with(path, Some(request))
        });
        let (bliss_decoded, t_bliss_decode) =
            timed(|| SymphoniaDecoder::decode(path).map(|s| s.sample_array.len()));
        let (bliss, t_bliss) = timed(|| SymphoniaDecoder::song_from_path(path));
        match (decoded, analysed.and(tagged), bliss_decoded, bliss) {
            (Ok(_), Ok(features), Ok(_), Ok(_)) => {
                both += 1;
                audio_s += features.duration_s;
                decode_s += t_decode;
                segue_s += t_segue;
                tagged_s += t_tagged;
                bliss_decode_s += t_bliss_decode;
                bliss_s += t_bliss;
            }
            (Ok(_), Ok(_), _, Err(e)) => {
                segue_only += 1;
                eprintln!("bliss cannot analyse {}: {e}", path.display());
            }
            _ => eprintln!("skipped {}", path.display()),
        }
    }
    let rt = |s: f64| audio_s / s.max(1e-9);
    println!(
        "{} files analysed by both ({} only by Segue), {:.2} h of audio; CPU time of the process:",
        both,
        segue_only,
        audio_s / 3600.0
    );
    println!(
        "  Segue decode only          {decode_s:>8.2} s  {:>6.0}x realtime",
        rt(decode_s)
    );
    println!(
        "  Segue whole analysis       {segue_s:>8.2} s  {:>6.0}x realtime",
        rt(segue_s)
    );
    println!(
        "  Segue analysis with tags   {tagged_s:>8.2} s  {:>6.0}x realtime",
        rt(tagged_s)
    );
    println!(
        "  bliss decode + resample    {bliss_decode_s:>8.2} s  {:>6.0}x realtime",
        rt(bliss_decode_s)
    );
    println!(
        "  bliss whole analysis       {bliss_s:>8.2} s  {:>6.0}x realtime",
        rt(bliss_s)
    );
    println!(
        "  Segue analysis / Segue decode = {:.2}; bliss analysis / Segue analysis = {:.2} without tags, {:.2} with tags",
        segue_s / decode_s.max(1e-9),
        bliss_s / segue_s.max(1e-9),
        bliss_s / tagged_s.max(1e-9)
    );
    Ok(())
}

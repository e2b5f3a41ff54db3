//! Recognising a file by its content, whatever it is called: the container from its first
//! bytes (MPEG audio only when two frame headers follow each other), the codec a WAV or Ogg
//! header names where symphonia may not know it, a leading ID3v2 tag's size, WAV headers no
//! decoder can use, and what a file that is not audio is instead. Works on the head alone.

/// Containers recognised from their first bytes, whatever the file is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    Flac,
    Ogg,
    Wav,
    Aiff,
    Mp4,
    Caf,
    Matroska,
    /// MPEG audio elementary stream (MP1/2/3), possibly after an ID3v2 tag.
    Mpeg,
    /// Monkey's Audio, possibly after an ID3v2 tag.
    Ape,
}

impl Container {
    pub(super) fn name(self) -> &'static str {
        match self {
            Container::Flac => "FLAC",
            Container::Ogg => "Ogg",
            Container::Wav => "WAV",
            Container::Aiff => "AIFF",
            Container::Mp4 => "MP4",
            Container::Caf => "CAF",
            Container::Matroska => "Matroska",
            Container::Mpeg => "MPEG audio",
            Container::Ape => "Monkey's Audio",
        }
    }
}

/// The codec a WAV `fmt ` chunk or an Ogg stream's first packet names, for containers whose
/// codec symphonia may not know: it then fails without saying which codec it met.
pub(super) fn codec_in_header(container: Container, head: &[u8]) -> Option<&'static str> {
    match container {
        Container::Wav => {
            let at = head.windows(4).position(|w| w == b"fmt ")?;
            let tag = head.get(at + 8..at + 10)?;
            match u16::from_le_bytes([tag[0], tag[1]]) {
                0x0002 => Some("Microsoft ADPCM"),
                0x0011 => Some("IMA ADPCM"),
                0x0031 => Some("GSM 6.10"),
                0x0040 | 0x0045 | 0x0064 => Some("G.726 ADPCM"),
                0x0050 => Some("MPEG audio"),
                0x0055 => Some("MP3"),
                0x0160..=0x0163 => Some("WMA"),
                0x2000 => Some("AC-3"),
                0x00FF | 0x1600 | 0x1610 => Some("AAC"),
                _ => None,
            }
        }
        Container::Ogg => {
            // First page: 27-byte header, segment table, then the first packet.
            let segments = *head.get(26)? as usize;
            let packet = head.get(27 + segments..)?;
            [
                (&b"Speex   "[..], "Speex"),
                (&b"\x80theora"[..], "Theora video"),
                (&b"OpusHead"[..], "Opus"),
                (&b"\x7fFLAC"[..], "FLAC"),
                (&b"\x01vorbis"[..], "Vorbis"),
                (&b"fishead\0"[..], "Skeleton"),
            ]
            .iter()
            .find(|(magic, _)| packet.starts_with(magic))
            .map(|(_, name)| *name)
        }
        _ => None,
    }
}

pub(super) fn sniff_container(head: &[u8]) -> Option<Container> {
    let at = |range: std::ops::Range<usize>| head.get(range).unwrap_or(&[]);
    if at(0..4) == b"fLaC" {
        return Some(Container::Flac);
    }
    if at(0..4) == b"OggS" {
        return Some(Container::Ogg);
    }
    if (at(0..4) == b"RIFF" || at(0..4) == b"RF64") && at(8..12) == b"WAVE" {
        return Some(Container::Wav);
    }
    if at(0..4) == b"FORM" && (at(8..12) == b"AIFF" || at(8..12) == b"AIFC") {
        return Some(Container::Aiff);
    }
    if at(4..8) == b"ftyp" {
        return Some(Container::Mp4);
    }
    if at(0..4) == b"caff" {
        return Some(Container::Caf);
    }
    if at(0..4) == [0x1A, 0x45, 0xDF, 0xA3] {
        return Some(Container::Matroska);
    }
    if at(0..4) == b"MAC " {
        return Some(Container::Ape);
    }
    if let Some(tag) = id3v2_size(head).and_then(|s| usize::try_from(s).ok()) {
        if head.get(tag..tag + 4) == Some(b"MAC ") {
            return Some(Container::Ape);
        }
    }
    if at(0..3) == b"ID3" {
        // FLAC with a (non-standard) leading ID3 tag exists too; symphonia's probe sorts it out.
        return Some(Container::Mpeg);
    }
    if has_mpeg_sync(head) {
        return Some(Container::Mpeg);
    }
    None
}

/// True when the head starts with two consecutive plausible MPEG audio frame headers:
/// one sync word alone is too common in random data.
fn has_mpeg_sync(head: &[u8]) -> bool {
    let Some(len) = mpeg_frame_len(head) else {
        return false;
    };
    head.get(len..).and_then(mpeg_frame_len).is_some()
}

fn mpeg_frame_len(h: &[u8]) -> Option<usize> {
    let h = h.get(..4)?;
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
    let layer = (h[1] >> 1) & 3; // 1: III, 2: II, 3: I
    let bitrate_idx = (h[2] >> 4) as usize;
    let rate_idx = ((h[2] >> 2) & 3) as usize;
    if version == 1 || layer == 0 || bitrate_idx == 0 || bitrate_idx == 15 || rate_idx == 3 {
        return None;
    }
    const RATES: [u32; 3] = [44100, 48000, 32000];
    let mut sample_rate = RATES[rate_idx];
    if version == 2 {
        sample_rate /= 2;
    } else if version == 0 {
        sample_rate /= 4;
    }
    const V1: [[u32; 15]; 3] = [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
    ];
    const V2: [[u32; 15]; 2] = [
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];
    let layer_row = (3 - layer) as usize; // 0: I, 1: II, 2: III
    let kbps = if version == 3 {
        V1[layer_row][bitrate_idx]
    } else {
        V2[usize::from(layer_row != 0)][bitrate_idx]
    };
    let padding = u32::from((h[2] >> 1) & 1);
    let len = if layer_row == 0 {
        (12 * kbps * 1000 / sample_rate + padding) * 4
    } else if layer_row == 2 && version != 3 {
        72 * kbps * 1000 / sample_rate + padding
    } else {
        144 * kbps * 1000 / sample_rate + padding
    };
    (len >= 4).then_some(len as usize)
}

/// Size of a leading ID3v2 tag, header included (syncsafe integer).
pub(super) fn id3v2_size(head: &[u8]) -> Option<u64> {
    if head.get(..3)? != b"ID3" {
        return None;
    }
    let b = head.get(6..10)?;
    let size = b
        .iter()
        .fold(0u64, |acc, &x| (acc << 7) | u64::from(x & 0x7F));
    let footer = if head.get(5)? & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// Checks a RIFF/WAVE `fmt ` chunk for values no decoder can use (symphonia panics on some).
pub(super) fn wav_header_problem(head: &[u8]) -> Option<String> {
    let at = head.windows(4).position(|w| w == b"fmt ")?;
    let fmt = head.get(at + 8..at + 24)?;
    let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
    let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
    if rate == 0 {
        Some("bad header: the sample rate is 0".to_string())
    } else if channels == 0 {
        Some("bad header: 0 channels".to_string())
    } else {
        None
    }
}

pub(super) fn not_audio_reason(head: &[u8]) -> String {
    let what = if head.starts_with(b"\x89PNG") {
        "a PNG image"
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "a JPEG image"
    } else if head.starts_with(b"%PDF") {
        "a PDF document"
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive"
    } else if head.starts_with(b"MThd") {
        "a MIDI file (notes, not audio)"
    } else if !head.is_empty()
        && head
            .iter()
            .take(512)
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        "text"
    } else {
        "no known audio format"
    };
    format!("not audio: the content is {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_containers_by_content() {
        assert_eq!(sniff_container(b"fLaC\0\0\0\x22"), Some(Container::Flac));
        assert_eq!(sniff_container(b"OggS\0\x02"), Some(Container::Ogg));
        assert_eq!(
            sniff_container(b"RIFF\0\0\0\0WAVEfmt "),
            Some(Container::Wav)
        );
        assert_eq!(sniff_container(b"\0\0\0\x20ftypM4A "), Some(Container::Mp4));
        assert_eq!(sniff_container(b"ID3\x04\0"), Some(Container::Mpeg));
        assert_eq!(sniff_container(b"MAC \x96\x0f"), Some(Container::Ape));
        // A tag of 5 bytes, then Monkey's Audio.
        assert_eq!(
            sniff_container(b"ID3\x04\0\0\0\0\0\x05.....MAC \x96\x0f"),
            Some(Container::Ape)
        );
        assert_eq!(sniff_container(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(sniff_container(b"hello"), None);
        assert_eq!(sniff_container(b""), None);
    }

    #[test]
    fn a_lone_sync_word_is_not_mpeg() {
        // 0xFFFB9064 is a valid 128 kbps 44.1 kHz MP3 frame header (417 bytes long).
        let mut two_frames = vec![0u8; 417 + 4];
        two_frames[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        two_frames[417..].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        assert!(has_mpeg_sync(&two_frames));
        let mut one = two_frames.clone();
        one[417] = 0;
        assert!(!has_mpeg_sync(&one));
    }

    #[test]
    fn names_codecs_symphonia_does_not_know() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        wav.extend_from_slice(&0x0031u16.to_le_bytes());
        assert_eq!(codec_in_header(Container::Wav, &wav), Some("GSM 6.10"));
        let mut ogg = b"OggS\0\x02".to_vec();
        ogg.resize(26, 0);
        ogg.push(1); // one segment
        ogg.push(80); // its length
        ogg.extend_from_slice(b"Speex   1.2");
        assert_eq!(codec_in_header(Container::Ogg, &ogg), Some("Speex"));
        assert_eq!(codec_in_header(Container::Flac, b"fLaC"), None);
    }

    #[test]
    fn reads_id3_sizes_without_trusting_them() {
        // Syncsafe 0x0FFFFFFF = 268435455 bytes + 10-byte header.
        assert_eq!(
            id3v2_size(b"ID3\x03\0\0\x7f\x7f\x7f\x7f"),
            Some(268_435_465)
        );
        assert_eq!(id3v2_size(b"ID3\x03\0\0\0\0\x02\x01"), Some(10 + 257));
        assert_eq!(id3v2_size(b"fLaC"), None);
        assert_eq!(id3v2_size(b"ID3"), None);
    }

    #[test]
    fn names_what_is_not_audio() {
        assert!(not_audio_reason(b"\x89PNG\r\n").contains("PNG"));
        assert!(not_audio_reason(b"This is not an Ogg file.\n").contains("text"));
        assert!(not_audio_reason(&[0, 1, 2, 3, 0xfe]).contains("no known audio format"));
    }
}

//! Where an Ogg file's audio really ends. symphonia and lofty take an Ogg stream's length from
//! its last page; in a file cut short that page is partial, so neither knows the length and
//! nothing says the file was cut. The pages at the end of the file do: the granule position of
//! the last complete page is how far the audio decodes, and a stream that ends properly ends
//! on a complete page flagged end-of-stream.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The largest Ogg page: 27-byte header, 255 lacing values, 255 segments of 255 bytes.
const MAX_PAGE: u64 = 27 + 255 + 255 * 255;
/// Header type flag: the last page of a logical stream.
const END_OF_STREAM: u8 = 0x04;

/// What the end of an Ogg file says about its first logical stream (the audio).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct OggEnd {
    /// Granule position of the stream's last complete page that ends a packet (samples for
    /// Vorbis and FLAC, 48 kHz samples for Opus); 0 when only headers are complete.
    pub granule: Option<u64>,
    /// The file ends right after a complete page flagged end-of-stream: not cut short.
    pub complete: bool,
}

/// [`ogg_end`] of the file at `path`; `None` if it cannot be read.
pub(super) fn ogg_end_of(path: &Path) -> Option<OggEnd> {
    let mut file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    ogg_end(&mut file, size).ok()
}

/// Reads the pages at the end of `file` (at most two of the largest pages' worth).
pub(super) fn ogg_end(file: &mut File, size: u64) -> std::io::Result<OggEnd> {
    let mut head = [0u8; 27];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut head)?;
    let serial = page_serial(&head);
    let start = size.saturating_sub(2 * MAX_PAGE);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::with_capacity((size - start) as usize);
    file.take(2 * MAX_PAGE).read_to_end(&mut tail)?;
    Ok(end_of(&tail, serial))
}

fn page_serial(header: &[u8]) -> Option<u32> {
    let b = header.get(14..18)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// One complete, intact page at the start of `bytes`: (length, header type, granule, serial).
fn page_at(bytes: &[u8]) -> Option<(usize, u8, u64, u32)> {
    if bytes.get(..4)? != b"OggS" || *bytes.get(4)? != 0 {
        return None;
    }
    let segments = usize::from(*bytes.get(26)?);
    let table = bytes.get(27..27 + segments)?;
    let len = 27 + segments + table.iter().map(|&s| usize::from(s)).sum::<usize>();
    let page = bytes.get(..len)?;
    let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
    if crc(page) != stored {
        return None;
    }
    let mut granule = [0u8; 8];
    granule.copy_from_slice(&page[6..14]);
    Some((
        len,
        page[5],
        u64::from_le_bytes(granule),
        page_serial(page)?,
    ))
}

/// The end of the stream `serial` (any, if unknown) as the pages in `tail` (the end of the
/// file) show it.
fn end_of(tail: &[u8], serial: Option<u32>) -> OggEnd {
    let mut end = OggEnd {
        granule: None,
        complete: false,
    };
    // The first intact page in the window, then page after page to where they stop.
    let Some(mut at) = (0..tail.len()).find(|&i| page_at(&tail[i..]).is_some()) else {
        return end;
    };
    let mut last_flags = 0;
    while let Some((len, flags, granule, page_serial)) = page_at(&tail[at..]) {
        if serial.is_none_or(|s| s == page_serial) {
            last_flags = flags;
            // u64::MAX (-1): no packet ends on this page.
            if granule != u64::MAX {
                end.granule = Some(granule);
            }
        }
        at += len;
    }
    // Whatever follows an intact end-of-stream page (a stray tag, say) is not audio.
    end.complete = last_flags & END_OF_STREAM != 0;
    end
}

/// The Ogg page checksum: CRC-32, polynomial 0x04C11DB7, not reflected, computed with the
/// checksum field as zeros.
fn crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for (i, &byte) in page.iter().enumerate() {
        let byte = if (22..26).contains(&i) { 0 } else { byte };
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of stream `serial` holding `body`, with its checksum.
    fn page(serial: u32, flags: u8, granule: u64, body: &[u8]) -> Vec<u8> {
        let mut segments = vec![255u8; body.len() / 255];
        segments.push((body.len() % 255) as u8);
        let mut p = b"OggS\0".to_vec();
        p.push(flags);
        p.extend_from_slice(&granule.to_le_bytes());
        p.extend_from_slice(&serial.to_le_bytes());
        p.extend_from_slice(&[0; 8]); // sequence number, checksum
        p.push(segments.len() as u8);
        p.extend_from_slice(&segments);
        p.extend_from_slice(body);
        let sum = crc(&p);
        p[22..26].copy_from_slice(&sum.to_le_bytes());
        p
    }

    fn stream(pages: usize) -> Vec<u8> {
        let mut bytes = page(7, 0x02, 0, b"headers");
        for i in 1..=pages {
            let flags = if i == pages { END_OF_STREAM } else { 0 };
            // "OggS" inside the audio must not be taken for a page.
            bytes.extend(page(
                7,
                flags,
                1000 * i as u64,
                &b"audio OggS\0 ".repeat(300),
            ));
        }
        bytes
    }

    #[test]
    fn a_whole_stream_ends_on_its_last_granule() {
        let bytes = stream(5);
        let end = end_of(&bytes, Some(7));
        assert_eq!(
            end,
            OggEnd {
                granule: Some(5000),
                complete: true
            }
        );
    }

    #[test]
    fn a_cut_stream_ends_on_its_last_complete_page() {
        let bytes = stream(5);
        let page_len = (bytes.len() - page(7, 2, 0, b"headers").len()) / 5;
        // Cut inside page 4, and exactly after page 3 (no end-of-stream flag).
        for (cut, granule) in [
            (bytes.len() - page_len - 100, 3000),
            (bytes.len() - 2 * page_len, 3000),
        ] {
            let end = end_of(&bytes[..cut], Some(7));
            assert_eq!(
                end,
                OggEnd {
                    granule: Some(granule),
                    complete: false
                },
                "cut at {cut}"
            );
        }
        // Only the headers: no audio.
        let headers = page(7, 2, 0, b"headers").len();
        let end = end_of(&bytes[..headers + 40], Some(7));
        assert_eq!(end.granule, Some(0));
        assert!(!end.complete);
    }

    #[test]
    fn pages_of_other_streams_and_damage_do_not_count() {
        let mut bytes = stream(2);
        bytes.extend(page(9, END_OF_STREAM, 99_999, b"another stream"));
        let end = end_of(&bytes, Some(7));
        assert_eq!(end.granule, Some(2000));
        let mut damaged = stream(2);
        let n = damaged.len();
        damaged[n - 10] ^= 0xFF;
        let end = end_of(&damaged, Some(7));
        assert_eq!(
            end,
            OggEnd {
                granule: Some(1000),
                complete: false
            }
        );
        assert_eq!(end_of(b"no pages here", None).granule, None);
    }
}

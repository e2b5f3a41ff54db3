//! Writing generated audio to WAV and FLAC, and tags to any file lofty can write.

use std::path::Path;

use flacenc::component::BitRepr;
use flacenc::error::Verify;
use lofty::config::WriteOptions;
use lofty::file::TaggedFileExt;
use lofty::tag::{Accessor, ItemKey, Tag, TagExt};

use crate::error::{Error, Result};
use crate::metadata::Tags;

fn to_i16(samples: &[f32]) -> impl Iterator<Item = i16> + '_ {
    samples
        .iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
}

/// 16-bit PCM WAV, mono.
pub fn write_wav(path: &Path, rate: u32, samples: &[f32]) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let wav_err = |e: hound::Error| Error::Encode(format!("{}: writing WAV: {e}", path.display()));
    let mut writer = hound::WavWriter::create(path, spec).map_err(wav_err)?;
    for s in to_i16(samples) {
        writer.write_sample(s).map_err(wav_err)?;
    }
    writer.finalize().map_err(wav_err)
}

/// 16-bit FLAC, mono.
pub fn write_flac(path: &Path, rate: u32, samples: &[f32]) -> Result<()> {
    let ints: Vec<i32> = to_i16(samples).map(i32::from).collect();
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, e)| Error::Encode(format!("FLAC encoder config: {e:?}")))?;
    let source = flacenc::source::MemSource::from_samples(&ints, 1, 16, rate as usize);
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|e| Error::Encode(format!("{}: FLAC encoding: {e:?}", path.display())))?;
    // A PADDING block after STREAMINFO leaves room for tags. Without one, lofty (0.22) inserts
    // its VORBIS_COMMENT but leaves STREAMINFO flagged as the last block: a corrupt file.
    let padding = flacenc::component::MetadataBlockData::new_unknown(1, &[0u8; 2048])
        .map_err(|e| Error::Encode(format!("FLAC padding: {e:?}")))?;
    stream.add_metadata_block(padding);
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| Error::Encode(format!("{}: FLAC encoding: {e:?}", path.display())))?;
    let mut bytes = sink.as_slice().to_vec();
    // flacenc records the short last block as STREAMINFO's minimum block size; the spec
    // excludes the last block, and symphonia refuses a fixed-size stream whose minimum differs
    // from its maximum. Bytes 8..10 and 10..12 are min and max block size after "fLaC" and
    // the 4-byte block header.
    if bytes.len() > 12 && &bytes[..4] == b"fLaC" {
        let (max_hi, max_lo) = (bytes[10], bytes[11]);
        bytes[8] = max_hi;
        bytes[9] = max_lo;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Writes `tags` into the file's primary tag (ID3v2, Vorbis comments, RIFF INFO…).
pub fn write_tags(path: &Path, tags: &Tags) -> Result<()> {
    let lofty_err =
        |e: lofty::error::LoftyError| Error::Encode(format!("{}: tags: {e}", path.display()));
    let mut tagged = lofty::read_from_path(path).map_err(lofty_err)?;
    let tag_type = tagged.primary_tag_type();
    if tagged.primary_tag().is_none() {
        tagged.insert_tag(Tag::new(tag_type));
    }
    let Some(tag) = tagged.primary_tag_mut() else {
        return Err(Error::Encode(format!(
            "{}: cannot hold tags",
            path.display()
        )));
    };
    if let Some(v) = &tags.title {
        tag.set_title(v.clone());
    }
    if let Some(v) = &tags.artist {
        tag.set_artist(v.clone());
    }
    if let Some(v) = &tags.album {
        tag.set_album(v.clone());
    }
    if let Some(v) = &tags.genre {
        tag.set_genre(v.clone());
    }
    if let Some(v) = &tags.album_artist {
        tag.insert_text(ItemKey::AlbumArtist, v.clone());
    }
    if let Some(v) = &tags.composer {
        tag.insert_text(ItemKey::Composer, v.clone());
    }
    if let Some(v) = &tags.performer {
        tag.insert_text(ItemKey::Performer, v.clone());
    }
    if let Some(v) = &tags.cue_sheet {
        // FLAC's CUESHEET comment (no key of lofty's own).
        tag.insert_unchecked(lofty::tag::TagItem::new(
            ItemKey::Unknown("CUESHEET".into()),
            lofty::tag::ItemValue::Text(v.clone()),
        ));
    }
    if let Some(v) = tags.track_no {
        tag.set_track(v as u32);
    }
    if let Some(v) = tags.disc_no {
        tag.set_disk(v as u32);
    }
    if let Some(v) = tags.year {
        tag.set_year(v as u32);
    }
    tag.save_to_path(path, WriteOptions::default())
        .map_err(lofty_err)
}

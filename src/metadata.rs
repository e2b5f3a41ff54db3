//! What a file says about itself: its tags (title, artist, album…) and the properties of its
//! stream. The scan reads them (`ingest::probe`), the store keeps them, the encoder writes tags
//! into test and demo files; none of those layers owns them.

/// Tags as read from the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_no: Option<i64>,
    pub disc_no: Option<i64>,
    pub year: Option<i64>,
    pub genre: Option<String>,
    pub has_cover: bool,
}

/// Container, codec and stream properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TechInfo {
    /// Container as found by probing the content ("FLAC", "MP3", "WAV", "Ogg", "MP4", "AIFF"…).
    pub format: String,
    /// Codec of the audio stream ("flac", "mp3", "vorbis", "opus", "pcm_s16le", "aac", "alac"…).
    pub codec: Option<String>,
    pub duration_s: Option<f64>,
    pub sample_rate: Option<i64>,
    pub channels: Option<i64>,
    pub bitrate_kbps: Option<i64>,
}

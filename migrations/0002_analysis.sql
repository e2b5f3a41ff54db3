-- Analysis results: one row per analysed track, replaced when the track is analysed again.
-- The columns the library table sorts and filters by are plain columns; everything else the
-- analysis computed is kept whole as JSON in `data` (see analysis::Features).
CREATE TABLE features (
    track_id        INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    -- analysis::ANALYSIS_VERSION that computed this row; older rows are analysed again.
    version         INTEGER NOT NULL,
    analyzed_at     TEXT    NOT NULL,
    -- Seconds of audio analysed (decoded length, may differ from the header's duration).
    audio_s         REAL    NOT NULL,
    bpm             REAL,
    bpm_confidence  REAL,
    key_tonic       INTEGER,
    key_scale       TEXT,
    key_strength    REAL,
    camelot         TEXT,
    loudness_lufs   REAL,
    data            TEXT    NOT NULL
);
CREATE INDEX features_bpm ON features (bpm);
CREATE INDEX features_camelot ON features (camelot);
CREATE INDEX tracks_status ON tracks (status);

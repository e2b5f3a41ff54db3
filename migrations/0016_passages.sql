-- Passages (src/passages.rs): every analysed patch's MusiCNN penultimate layers, both models,
-- in 8 bits (~3.3 KB per track with 8 patches), which re-rank the index's candidates. Apart
-- from the features' JSON, so that what reads features (index builds, the map) does not read
-- them. Written in the features' transaction; gone with the features.
CREATE TABLE passages (
    track_id INTEGER PRIMARY KEY REFERENCES features(track_id) ON DELETE CASCADE,
    data     BLOB    NOT NULL
);

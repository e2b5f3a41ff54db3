-- What the analysis has left to do, counted without visiting every track (Store::analysis_counts:
-- at a million tracks the LEFT JOIN of every track with its features took ~0.5 s, twice at
-- every start). Each part of the count now reads an index range as long as what it counts:
-- tracks by status (with their durations, for the time still ahead), and features analysed by
-- an older analysis or tagger.
DROP INDEX IF EXISTS tracks_status;
CREATE INDEX tracks_status ON tracks (status, duration_s);
CREATE INDEX features_version ON features (version);
CREATE INDEX features_tags_version ON features (tags_version);

-- An analysed track has its features (save_analysis writes both in one transaction; a failure
-- deletes them with the track marked failed). Kept so by a trigger rather than checked by
-- every count: a track whose features go while it reads "analyzed" is to analyse again.
UPDATE tracks SET status = 'pending'
 WHERE status = 'analyzed' AND NOT EXISTS (SELECT 1 FROM features WHERE track_id = tracks.id);
CREATE TRIGGER features_gone AFTER DELETE ON features
BEGIN
    UPDATE tracks SET status = 'pending' WHERE id = old.track_id AND status = 'analyzed';
END;

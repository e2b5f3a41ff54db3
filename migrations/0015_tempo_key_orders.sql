-- The table sorted by tempo or key at a million analysed tracks: those orders read bpm and
-- camelot from features, a row of ~4 KB per track, so the first page of the BPM order read
-- every one of them (7-23 s). Tracks keep a copy of both, written by triggers on every change
-- of features, and the two orders walk indexes spelled like their ORDER BY
-- (SortKey::order_by), both ways, as the text orders do (0013). The table's tempo and key
-- filters read the copies too: only the tag filter still joins features.
ALTER TABLE tracks ADD COLUMN order_bpm REAL;
ALTER TABLE tracks ADD COLUMN order_camelot TEXT;
UPDATE tracks SET order_bpm = f.bpm, order_camelot = f.camelot
  FROM features f WHERE f.track_id = tracks.id;

CREATE TRIGGER features_order_insert AFTER INSERT ON features
BEGIN
    UPDATE tracks SET order_bpm = new.bpm, order_camelot = new.camelot WHERE id = new.track_id;
END;
CREATE TRIGGER features_order_update AFTER UPDATE OF bpm, camelot ON features
BEGIN
    UPDATE tracks SET order_bpm = new.bpm, order_camelot = new.camelot WHERE id = new.track_id;
END;
CREATE TRIGGER features_order_delete AFTER DELETE ON features
BEGIN
    UPDATE tracks SET order_bpm = NULL, order_camelot = NULL WHERE id = old.track_id;
END;

CREATE INDEX tracks_bpm_order ON tracks(order_bpm IS NULL, order_bpm, title COLLATE NOCASE);
CREATE INDEX tracks_bpm_desc ON tracks(order_bpm IS NULL, order_bpm DESC, title COLLATE NOCASE);
CREATE INDEX tracks_key_order ON tracks(order_camelot IS NULL,
    CAST(substr(order_camelot, 1, length(order_camelot) - 1) AS INTEGER), order_camelot,
    title COLLATE NOCASE);
CREATE INDEX tracks_key_desc ON tracks(order_camelot IS NULL,
    CAST(substr(order_camelot, 1, length(order_camelot) - 1) AS INTEGER) DESC,
    order_camelot DESC, title COLLATE NOCASE);

-- The library table at a million tracks: the app keeps each ordering it shows (all matching
-- ids, in order) in memory and serves any page as a slice of it (src/store/orders.rs). This
-- counter tells it when an ordering went out of date: it moves on every new or removed track
-- and on every change of a column the table sorts or searches by. (Features have their own
-- counter, features_seq.)
INSERT INTO counters (name, value) VALUES ('tracks_seq', 0);

CREATE TRIGGER tracks_seq_insert AFTER INSERT ON tracks
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'tracks_seq';
END;

CREATE TRIGGER tracks_seq_delete AFTER DELETE ON tracks
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'tracks_seq';
END;

CREATE TRIGGER tracks_seq_update AFTER UPDATE OF path, title, artist, album, album_artist,
    genre, track_no, disc_no, duration_s, format ON tracks
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'tracks_seq';
END;

-- The default order (by title, SortKey::Title ascending) exactly as its ORDER BY spells it, so
-- the first page of a fresh start walks an index instead of sorting every track.
CREATE INDEX tracks_title_order ON tracks(title IS NULL, title COLLATE NOCASE, path);

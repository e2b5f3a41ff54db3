-- Every text order of the library table walks an index spelled like its ORDER BY (SortKey::
-- order_by), so the first page of any order at a million tracks is a few index steps instead
-- of a sort of every track, and its whole ordering (src/store/orders.rs) is a covering walk.
-- A descending order is written "x IS NOT NULL DESC, x DESC, …" (the same order as
-- "x IS NULL, x DESC, …": untagged last either way), which these indexes give walked backwards;
-- the ties after the descending terms (disc, track and path, ascending) are sorted per album by
-- SQLite. Each index holds every column its ORDER BY reads, so the planner never prefers the
-- other direction's index and a sort of every track.
--
-- The indexes of migration 0001 on artist and album served no query (no ORDER BY matched them,
-- no filter reads those columns); the new ascending ones take their place.
DROP INDEX IF EXISTS tracks_artist;
DROP INDEX IF EXISTS tracks_album;
CREATE INDEX tracks_artist_order ON tracks(artist IS NULL, artist COLLATE NOCASE,
    album COLLATE NOCASE, disc_no, track_no, path);
CREATE INDEX tracks_artist_desc ON tracks(artist IS NOT NULL, artist COLLATE NOCASE,
    album COLLATE NOCASE, disc_no, track_no, path);
CREATE INDEX tracks_album_order ON tracks(album IS NULL, album COLLATE NOCASE, disc_no,
    track_no, path);
CREATE INDEX tracks_album_desc ON tracks(album IS NOT NULL, album COLLATE NOCASE, disc_no,
    track_no, path);
CREATE INDEX tracks_title_desc ON tracks(title IS NOT NULL, title COLLATE NOCASE, path);
-- Duration: ties by id (in the order's direction), which every index ends with.
CREATE INDEX tracks_duration_order ON tracks(duration_s IS NULL, duration_s);
CREATE INDEX tracks_duration_desc ON tracks(duration_s IS NOT NULL, duration_s);
-- Format: ties by path, both ways.
DROP INDEX IF EXISTS tracks_format;
CREATE INDEX tracks_format ON tracks(format, path);

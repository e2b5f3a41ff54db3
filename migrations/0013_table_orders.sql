-- Every order of the library table walks an index spelled like its ORDER BY (SortKey::order_by),
-- so the first page of any order at a million tracks is a few index steps instead of a sort of
-- every track, and its whole ordering (src/store/orders.rs) is a covering walk.
-- A descending order is written "x IS NOT NULL DESC, x DESC, …" (the same order as
-- "x IS NULL, x DESC, …": untagged last either way), which these indexes give walked backwards.
-- Ties end with the track id, which every index holds already: no path in these indexes, so
-- their size does not grow with the length of paths. Artist and album keep an album's tracks in
-- disc and track order both ways: SQLite sorts those few rows per album.
--
-- The indexes of migration 0001 on artist and album served no query (no ORDER BY matched them,
-- no filter reads those columns); the ascending ones take their place.
DROP INDEX IF EXISTS tracks_artist;
DROP INDEX IF EXISTS tracks_album;
CREATE INDEX tracks_artist_order ON tracks(artist IS NULL, artist COLLATE NOCASE,
    album COLLATE NOCASE, disc_no, track_no);
CREATE INDEX tracks_artist_desc ON tracks(artist IS NOT NULL, artist COLLATE NOCASE,
    album COLLATE NOCASE, disc_no, track_no);
CREATE INDEX tracks_album_order ON tracks(album IS NULL, album COLLATE NOCASE, disc_no,
    track_no);
CREATE INDEX tracks_album_desc ON tracks(album IS NOT NULL, album COLLATE NOCASE, disc_no,
    track_no);
-- Ascending title has its index since 0010 (ties by path).
CREATE INDEX tracks_title_desc ON tracks(title IS NOT NULL, title COLLATE NOCASE);
CREATE INDEX tracks_duration_order ON tracks(duration_s IS NULL, duration_s);
CREATE INDEX tracks_duration_desc ON tracks(duration_s IS NOT NULL, duration_s);

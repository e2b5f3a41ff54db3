-- Search as you type at a million tracks: a trigram full-text index over the columns the
-- table's search looks in (src/store/tracks.rs), kept by triggers. Every word of three
-- characters or more is found through it (any substring, any column, case folded); shorter
-- words still go through LIKE, on the rows the longer ones left.
CREATE VIRTUAL TABLE tracks_search USING fts5(
    title, artist, album, album_artist, genre, path,
    content = 'tracks', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks
BEGIN
    INSERT INTO tracks_search (rowid, title, artist, album, album_artist, genre, path)
        VALUES (new.id, new.title, new.artist, new.album, new.album_artist, new.genre, new.path);
END;

CREATE TRIGGER tracks_search_delete AFTER DELETE ON tracks
BEGIN
    INSERT INTO tracks_search (tracks_search, rowid, title, artist, album, album_artist, genre, path)
        VALUES ('delete', old.id, old.title, old.artist, old.album, old.album_artist, old.genre, old.path);
END;

CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, artist, album, album_artist, genre, path
    ON tracks
BEGIN
    INSERT INTO tracks_search (tracks_search, rowid, title, artist, album, album_artist, genre, path)
        VALUES ('delete', old.id, old.title, old.artist, old.album, old.album_artist, old.genre, old.path);
    INSERT INTO tracks_search (rowid, title, artist, album, album_artist, genre, path)
        VALUES (new.id, new.title, new.artist, new.album, new.album_artist, new.genre, new.path);
END;

INSERT INTO tracks_search (tracks_search) VALUES ('rebuild');

-- Library folders the user added. Paths are stored as given (absolute, as bytes-safe text:
-- non-UTF-8 paths are kept losslessly in `path_bytes`).
CREATE TABLE folders (
    id          INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL,
    path_bytes  BLOB    NOT NULL UNIQUE,
    added_at    TEXT    NOT NULL
);

-- One row per audio file. `path_bytes` is the exact OS path (Unix bytes); `path` is its
-- lossy UTF-8 form for display and search.
CREATE TABLE tracks (
    id            INTEGER PRIMARY KEY,
    folder_id     INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    path          TEXT    NOT NULL,
    path_bytes    BLOB    NOT NULL UNIQUE,
    -- identity: size + mtime decide "unchanged"; size + partial hash recognise moves.
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    partial_hash  INTEGER NOT NULL,
    -- tags
    title         TEXT,
    artist        TEXT,
    album         TEXT,
    album_artist  TEXT,
    track_no      INTEGER,
    disc_no       INTEGER,
    year          INTEGER,
    genre         TEXT,
    has_cover     INTEGER NOT NULL DEFAULT 0,
    -- technical info
    format        TEXT    NOT NULL,
    codec         TEXT,
    duration_s    REAL,
    sample_rate   INTEGER,
    channels      INTEGER,
    bitrate_kbps  INTEGER,
    -- analysis: 'pending' until the analysis stage has run on this content.
    status        TEXT    NOT NULL DEFAULT 'pending',
    added_at      TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX tracks_folder   ON tracks(folder_id);
CREATE INDEX tracks_identity ON tracks(size, partial_hash);
CREATE INDEX tracks_title    ON tracks(title COLLATE NOCASE);
CREATE INDEX tracks_artist   ON tracks(artist COLLATE NOCASE, album COLLATE NOCASE, disc_no, track_no);
CREATE INDEX tracks_album    ON tracks(album COLLATE NOCASE, disc_no, track_no);
CREATE INDEX tracks_duration ON tracks(duration_s);
CREATE INDEX tracks_format   ON tracks(format);
CREATE INDEX tracks_path     ON tracks(path);

-- Files that could not be taken in, with the stage that failed and a plain reason.
-- Cleared when the file later succeeds or disappears.
CREATE TABLE failures (
    id          INTEGER PRIMARY KEY,
    folder_id   INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    path        TEXT    NOT NULL,
    path_bytes  BLOB    NOT NULL,
    stage       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    -- size and mtime of the file when it failed: an unchanged bad file is not re-read.
    size        INTEGER,
    mtime_ns    INTEGER,
    at          TEXT    NOT NULL,
    UNIQUE (path_bytes, stage)
);

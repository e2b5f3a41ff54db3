-- CUE-sheet albums: one audio file and a .cue sheet naming its tracks become one row per track
-- of the sheet (a span of the file). Such a row keeps the audio file's path in `path`, and in
-- `path_bytes` the file's bytes, a NUL (never in a Unix path) and the track number, so the
-- spans of one file are distinct and sort together (src/paths.rs, `track_key`). Plain tracks
-- leave these columns NULL.
ALTER TABLE tracks ADD COLUMN cue_start_s REAL;
-- NULL on a span: to the end of the file.
ALTER TABLE tracks ADD COLUMN cue_end_s REAL;
-- The sheet the span came from, as (size, mtime) folded into one number: a scan reads the file
-- again when its sheet changed, appeared or went away, though the audio did not change.
ALTER TABLE tracks ADD COLUMN cue_stamp INTEGER;

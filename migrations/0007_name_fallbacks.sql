-- Names shown, sorted and grouped fall back to other tags, the folder and the file name
-- (src/metadata.rs). Tracks read before that are brought up to date once, by Store::open,
-- which then sets this counter to the version of the fallbacks it applied.
INSERT INTO counters (name, value) VALUES ('names_version', 0);

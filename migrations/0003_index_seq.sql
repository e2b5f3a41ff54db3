-- A change counter for features, so the similarity index can pick up exactly the rows written
-- since it last looked (new analyses and re-analyses alike) without rereading the table. The
-- counter lives in its own row: it must keep rising when feature rows are deleted.
ALTER TABLE features ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE features SET seq = rowid;
CREATE INDEX features_seq ON features (seq);
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('features_seq', (SELECT COALESCE(MAX(seq), 0) FROM features));

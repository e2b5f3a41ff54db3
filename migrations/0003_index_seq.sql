-- A change counter for features, so the similarity index can pick up exactly the rows that were
-- written since it last looked (new analyses and re-analyses alike) without rereading the table.
ALTER TABLE features ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE features SET seq = rowid;
CREATE INDEX features_seq ON features (seq);

-- The tag filter's vocabulary: how many tracks carry each tag chip, per tagger version, kept
-- up to date by triggers on every features write, so the app never recounts the library (a
-- full read of every track's labels at 1M tracks). The label '' counts the tagged tracks.
-- A row's labels ",a,b," become the JSON array ["","a","b"] (labels are the tagger's fixed,
-- lower-case vocabulary; anything that would not make valid JSON counts as tagged only).
CREATE TABLE tag_counts (
    tags_version  INTEGER NOT NULL,
    label         TEXT    NOT NULL,
    tracks        INTEGER NOT NULL,
    PRIMARY KEY (tags_version, label)
) WITHOUT ROWID;

CREATE TRIGGER tag_counts_insert AFTER INSERT ON features WHEN new.tags_version IS NOT NULL
BEGIN
    INSERT INTO tag_counts (tags_version, label, tracks)
        SELECT new.tags_version, value, 1 FROM json_each(
            CASE WHEN json_valid('["","' || replace(trim(coalesce(new.tag_labels, ''), ','), ',', '","') || '"]')
                  AND trim(coalesce(new.tag_labels, ''), ',') != ''
                 THEN '["","' || replace(trim(new.tag_labels, ','), ',', '","') || '"]'
                 ELSE '[""]' END)
        WHERE true
        ON CONFLICT (tags_version, label) DO UPDATE SET tracks = tracks + 1;
END;

CREATE TRIGGER tag_counts_delete AFTER DELETE ON features WHEN old.tags_version IS NOT NULL
BEGIN
    UPDATE tag_counts SET tracks = tracks - 1
        WHERE tags_version = old.tags_version AND label IN (SELECT value FROM json_each(
            CASE WHEN json_valid('["","' || replace(trim(coalesce(old.tag_labels, ''), ','), ',', '","') || '"]')
                  AND trim(coalesce(old.tag_labels, ''), ',') != ''
                 THEN '["","' || replace(trim(old.tag_labels, ','), ',', '","') || '"]'
                 ELSE '[""]' END));
    DELETE FROM tag_counts WHERE tracks <= 0;
END;

CREATE TRIGGER tag_counts_update_old AFTER UPDATE OF tags_version, tag_labels ON features
    WHEN old.tags_version IS NOT NULL
BEGIN
    UPDATE tag_counts SET tracks = tracks - 1
        WHERE tags_version = old.tags_version AND label IN (SELECT value FROM json_each(
            CASE WHEN json_valid('["","' || replace(trim(coalesce(old.tag_labels, ''), ','), ',', '","') || '"]')
                  AND trim(coalesce(old.tag_labels, ''), ',') != ''
                 THEN '["","' || replace(trim(old.tag_labels, ','), ',', '","') || '"]'
                 ELSE '[""]' END));
    DELETE FROM tag_counts WHERE tracks <= 0;
END;

CREATE TRIGGER tag_counts_update_new AFTER UPDATE OF tags_version, tag_labels ON features
    WHEN new.tags_version IS NOT NULL
BEGIN
    INSERT INTO tag_counts (tags_version, label, tracks)
        SELECT new.tags_version, value, 1 FROM json_each(
            CASE WHEN json_valid('["","' || replace(trim(coalesce(new.tag_labels, ''), ','), ',', '","') || '"]')
                  AND trim(coalesce(new.tag_labels, ''), ',') != ''
                 THEN '["","' || replace(trim(new.tag_labels, ','), ',', '","') || '"]'
                 ELSE '[""]' END)
        WHERE true
        ON CONFLICT (tags_version, label) DO UPDATE SET tracks = tracks + 1;
END;

-- What the library holds already.
INSERT INTO tag_counts (tags_version, label, tracks)
    SELECT features.tags_version, labels.value, COUNT(*)
    FROM features, json_each(
            CASE WHEN json_valid('["","' || replace(trim(coalesce(features.tag_labels, ''), ','), ',', '","') || '"]')
                  AND trim(coalesce(features.tag_labels, ''), ',') != ''
                 THEN '["","' || replace(trim(features.tag_labels, ','), ',', '","') || '"]'
                 ELSE '[""]' END) AS labels
    WHERE features.tags_version IS NOT NULL
    GROUP BY features.tags_version, labels.value;

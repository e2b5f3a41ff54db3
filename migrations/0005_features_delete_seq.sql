-- Deleting features (a track removed from the library) also moves the change counter, so the
-- similarity index can tell "nothing changed" from one read of the counter.
CREATE TRIGGER features_deleted AFTER DELETE ON features
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'features_seq';
END;

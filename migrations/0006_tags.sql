-- MusiCNN tags. The probabilities and the embedding live in features.data (JSON) with the
-- rest of the analysis; these columns are what queries need.
-- tags_version: musicnn::tagger::TAGS_VERSION that tagged the track (NULL: not tagged, e.g.
-- analysed while the weights were missing; a later run with the weights tags it).
ALTER TABLE features ADD COLUMN tags_version INTEGER;
-- The track's tag chips, as ",label,label," for filters (labels are lower case).
ALTER TABLE features ADD COLUMN tag_labels TEXT;

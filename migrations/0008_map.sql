-- The library map: each placed track's point, and the layout the points came from.
-- `placed` is 0 for points the last full layout computed, 1 for tracks placed since from
-- their neighbours (the map grows without moving anyone; a refinement counts them again).
CREATE TABLE map_points (
    track_id  INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    x         REAL    NOT NULL,
    y         REAL    NOT NULL,
    placed    INTEGER NOT NULL DEFAULT 0
);

-- One row: what made the points. `layout_key` names the method, the vector layout and the
-- weights (a map made from other vectors is laid out again).
CREATE TABLE map_layout (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    layout_key  TEXT    NOT NULL,
    laid_out    INTEGER NOT NULL,
    build_ms    INTEGER NOT NULL,
    built_at    TEXT    NOT NULL
);

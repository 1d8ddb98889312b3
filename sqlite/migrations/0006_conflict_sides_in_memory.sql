-- The conflicts of an object are found in memory, not through an index.
--
-- conflict_a and conflict_b indexed each conflict by the object on each of
-- its sides. A new conflict's other side is an object submitted at any time
-- before, so its entry went to a random page of that index: about ten pages
-- written to the WAL (and again at checkpoint) for each accepted submission,
-- and, with the index larger than the writer's cache, read first. Dropping
-- the two took the submission rate of `deconflict bench` from about 660 to
-- 960 a second (2026-11-26, 100,000 operations).
--
-- What they served is now served so:
--   - the open conflicts of an object (the lookup of every write): by the
--     store's list in memory of the open conflicts of each object
--     (sides.go), rebuilt from this table when the store opens;
--   - the conflicts of a party (the API's listing): by the two indexes
--     below, keyed by party alone, to which a new conflict is appended
--     (SQLite orders equal keys by rowid, and a new row takes the largest);
--   - the conflicts of an object in any state (no path of the exchange asks
--     for them): by the party's index, reading that party's conflicts.
DROP INDEX conflict_a;
DROP INDEX conflict_b;
CREATE INDEX conflict_a_party ON conflict (a_party);
CREATE INDEX conflict_b_party ON conflict (b_party);

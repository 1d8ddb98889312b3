-- Writes that touch fewer pages.
--
-- The sweep's index of open conflicts, keyed by the hour of their end and
-- then by id, instead of by end alone. Ends are spread over the next day, so
-- under conflict_open_end each new conflict went to a random page of the
-- index: about nine pages written to the WAL (and again at checkpoint) for
-- each accepted submission. Conflict ids sort in the order conflicts are
-- opened (strategic.newConflictID), so within an hour a new entry goes at
-- the end of that hour's entries: the day's two dozen hours are two dozen
-- pages that every batch shares.
--
-- The sweep (ConflictFilter{State: open, EndedBy}) asks for the range of
-- hours up to EndedBy's as well as for "end" <= EndedBy; "end" is the last
-- column, so that the entries of EndedBy's own hour that end after it are
-- passed over from the index, without reading their rows. The hour is
-- "end" / 3600000 written exactly so (an integer division: "end" is an
-- INTEGER of unix milliseconds), as the query must write it for the planner
-- to match it with the index.
DROP INDEX conflict_open_end;
CREATE INDEX conflict_open_end_hour ON conflict ("end" / 3600000, id, "end") WHERE state = 'open';

-- The indexes of sharing targets served no query: visibility is tested
-- object by object through the tables' primary keys (share.go, visible), and
-- each index cost every write of an operation or zone a page at a random
-- place.
DROP INDEX operation_share_target;
DROP INDEX zone_share_target;

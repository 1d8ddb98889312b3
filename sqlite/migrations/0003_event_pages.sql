-- Events are stored a page at a time: the writer keeps the events of a whole
-- batch in memory and writes, at its end, one row per recipient holding all
-- of that recipient's events of the batch (up to 128 a row), instead of one
-- row per event. A change that opens nine conflicts owes eighteen events;
-- at a few dozen changes a batch, that was hundreds of rows a commit, the
-- largest part of what recording a change cost the single writer.
--
-- A page is keyed by the id of its last event (ids are given once each, to
-- one recipient each, so no two pages share it); the index finds a party's
-- pages in id order. events is a JSON array of the page's events in id
-- order, each {"id", "kind", "time" (unix microseconds), "needs_ack",
-- "origin", "data" (the body as the recipient sees it, verbatim),
-- "ledger_index"}, so that SQLite's JSON functions read it too.
CREATE TABLE event_page (
	last_id  INTEGER PRIMARY KEY,
	party    TEXT NOT NULL,
	first_id INTEGER NOT NULL,
	events   TEXT NOT NULL
) STRICT;
CREATE INDEX event_page_party ON event_page (party, last_id);

-- Each stored event becomes a page of its own. Kinds are constants and
-- origins ids (A-Z a-z 0-9 . _ -), so they need no escaping; data is
-- already JSON and is kept byte for byte.
INSERT INTO event_page (last_id, party, first_id, events)
	SELECT id, party, id, '[{"id":' || id || ',"kind":"' || kind || '","time":' || time ||
		',"needs_ack":' || CASE needs_ack WHEN 0 THEN 'false' ELSE 'true' END ||
		',"origin":"' || origin || '","data":' || data || ',"ledger_index":' || ledger_index || '}]'
	FROM event;
DROP TABLE event;

-- Events keyed by their recipient: a party's stream is one range of the
-- table itself, and storing an event writes one B-tree instead of two (a
-- table and its index on (party, id)), which was a fifth of what recording
-- a change cost the single writer. Ids are still given once each: the writer
-- numbers them on from the last one given, which it keeps in meta
-- (last_event_id, decimal), where AUTOINCREMENT kept it before.
--
-- The acknowledgement and delivery tables no longer declare a foreign key
-- on event (id), which is no longer unique on its own; the journal reads the
-- event, as its party's, before it writes either. SQLite cannot drop a
-- foreign key in place, so all three tables are rebuilt, children first.

CREATE TABLE event_new (
	party        TEXT NOT NULL,
	id           INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	time         INTEGER NOT NULL, -- unix microseconds
	needs_ack    INTEGER NOT NULL,
	origin       TEXT NOT NULL,
	data         TEXT NOT NULL,
	ledger_index INTEGER NOT NULL,
	PRIMARY KEY (party, id)
) STRICT, WITHOUT ROWID;
INSERT INTO event_new (party, id, kind, time, needs_ack, origin, data, ledger_index)
	SELECT party, id, kind, time, needs_ack, origin, data, ledger_index FROM event;
INSERT OR REPLACE INTO meta (key, value) VALUES ('last_event_id', CAST(CAST(max(
	coalesce((SELECT max(id) FROM event), 0),
	coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'event'), 0)) AS TEXT) AS BLOB));

CREATE TABLE event_ack_new (
	event_id     INTEGER NOT NULL,
	party        TEXT NOT NULL,
	at           INTEGER NOT NULL, -- unix microseconds
	ledger_index INTEGER NOT NULL,
	PRIMARY KEY (event_id, party)
) STRICT, WITHOUT ROWID;
INSERT INTO event_ack_new SELECT event_id, party, at, ledger_index FROM event_ack;

-- The first delivery of each event to its recipient (by stream or webhook).
CREATE TABLE event_delivery_new (
	event_id     INTEGER PRIMARY KEY,
	via          TEXT NOT NULL,
	at           INTEGER NOT NULL, -- unix microseconds
	ledger_index INTEGER NOT NULL
) STRICT;
INSERT INTO event_delivery_new SELECT event_id, via, at, ledger_index FROM event_delivery;

DROP TABLE event_ack;
DROP TABLE event_delivery;
DROP TABLE event;
ALTER TABLE event_new RENAME TO event;
ALTER TABLE event_ack_new RENAME TO event_ack;
ALTER TABLE event_delivery_new RENAME TO event_delivery;

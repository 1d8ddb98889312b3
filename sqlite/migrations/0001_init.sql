-- The first schema of the exchange. Column names are the JSON names of the
-- domain types; each object keeps its full JSON in "json" for reads, plus the
-- columns that filters and joins need. Times in filter columns are unix
-- milliseconds (starts floored, ends ceiled, so a filter never misses).

CREATE TABLE party (
	id   TEXT PRIMARY KEY,
	json TEXT NOT NULL -- without "groups": those come from group_member
) STRICT;

-- "group" is an SQL keyword, hence party_group.
CREATE TABLE party_group (
	name TEXT PRIMARY KEY
) STRICT;

CREATE TABLE group_member (
	name  TEXT NOT NULL REFERENCES party_group (name) ON DELETE CASCADE,
	party TEXT NOT NULL REFERENCES party (id),
	PRIMARY KEY (name, party)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_member_party ON group_member (party, name);

CREATE TABLE token (
	prefix     TEXT PRIMARY KEY,
	party      TEXT REFERENCES party (id), -- NULL for the admin token
	hash       BLOB NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	revoked_at TEXT -- kept for the record; a revoked token no longer authenticates
) STRICT;

CREATE TABLE operation (
	party   TEXT NOT NULL REFERENCES party (id),
	id      TEXT NOT NULL,
	version INTEGER NOT NULL,
	state   TEXT NOT NULL,
	start   INTEGER NOT NULL, -- earliest start of its volumes
	"end"   INTEGER NOT NULL, -- latest end of its volumes
	json    TEXT NOT NULL,
	PRIMARY KEY (party, id)
) STRICT;
CREATE INDEX operation_state ON operation (state);

-- share_with of operations and zones: a party id, "group:NAME" or "all".
CREATE TABLE operation_share (
	party  TEXT NOT NULL,
	id     TEXT NOT NULL,
	target TEXT NOT NULL,
	PRIMARY KEY (party, id, target),
	FOREIGN KEY (party, id) REFERENCES operation (party, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX operation_share_target ON operation_share (target);

CREATE TABLE zone (
	party   TEXT NOT NULL REFERENCES party (id),
	id      TEXT NOT NULL,
	version INTEGER NOT NULL,
	kind    TEXT NOT NULL,
	json    TEXT NOT NULL,
	PRIMARY KEY (party, id)
) STRICT;

CREATE TABLE zone_share (
	party  TEXT NOT NULL,
	id     TEXT NOT NULL,
	target TEXT NOT NULL,
	PRIMARY KEY (party, id, target),
	FOREIGN KEY (party, id) REFERENCES zone (party, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX zone_share_target ON zone_share (target);

CREATE TABLE conflict (
	id      TEXT PRIMARY KEY,
	state   TEXT NOT NULL,
	a_kind  TEXT NOT NULL,
	a_party TEXT NOT NULL,
	a_id    TEXT NOT NULL,
	b_kind  TEXT NOT NULL,
	b_party TEXT NOT NULL,
	b_id    TEXT NOT NULL,
	"end"   INTEGER NOT NULL, -- of the window, unix milliseconds
	json    TEXT NOT NULL
) STRICT;
CREATE INDEX conflict_a ON conflict (a_party, a_kind, a_id);
CREATE INDEX conflict_b ON conflict (b_party, b_kind, b_id);
-- For the sweep of ended conflicts. Partial, so that the planner never takes
-- it for a lookup by state alone (that scans every open conflict).
CREATE INDEX conflict_open_end ON conflict ("end") WHERE state = 'open';

-- Every write of an operation or zone, numbered in commit order, so that a
-- search run on a snapshot outside the writer can catch up inside it with
-- what was written since (see change.go). Old rows are pruned.
CREATE TABLE change (
	seq     INTEGER PRIMARY KEY,
	kind    TEXT NOT NULL,
	party   TEXT NOT NULL,
	id      TEXT NOT NULL,
	version INTEGER NOT NULL,
	live    INTEGER NOT NULL
) STRICT;

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

-- Events, one row per recipient party, numbered in commit order
-- (AUTOINCREMENT: an id is never given twice, even after the last row is
-- gone). data is the event's body as that recipient may see it.
CREATE TABLE event (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	party        TEXT NOT NULL,
	kind         TEXT NOT NULL,
	time         INTEGER NOT NULL, -- unix microseconds
	needs_ack    INTEGER NOT NULL,
	origin       TEXT NOT NULL,
	data         TEXT NOT NULL,
	ledger_index INTEGER NOT NULL
) STRICT;
CREATE INDEX event_party ON event (party, id);

CREATE TABLE event_ack (
	event_id     INTEGER NOT NULL REFERENCES event (id),
	party        TEXT NOT NULL,
	at           INTEGER NOT NULL, -- unix microseconds
	ledger_index INTEGER NOT NULL,
	PRIMARY KEY (event_id, party)
) STRICT, WITHOUT ROWID;

-- The first delivery of each event to its recipient (by stream or webhook).
CREATE TABLE event_delivery (
	event_id     INTEGER PRIMARY KEY REFERENCES event (id),
	via          TEXT NOT NULL,
	at           INTEGER NOT NULL, -- unix microseconds
	ledger_index INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook (
	party      TEXT NOT NULL REFERENCES party (id),
	id         TEXT NOT NULL,
	url        TEXT NOT NULL,
	kinds      TEXT NOT NULL, -- JSON array
	secret     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	cursor     INTEGER NOT NULL DEFAULT 0, -- the last event handled
	PRIMARY KEY (party, id)
) STRICT;

-- The ledger (package ledger): every entry's canonical bytes and leaf hash,
-- and the hashes of the tree's perfect subtrees above the leaves. Rows are
-- only ever appended.
CREATE TABLE ledger_entry (
	idx       INTEGER PRIMARY KEY, -- leaf index, from 0
	canonical BLOB NOT NULL,
	audience  TEXT NOT NULL, -- JSON array, as in canonical
	leaf_hash BLOB NOT NULL
) STRICT;

CREATE TABLE ledger_node (
	level INTEGER NOT NULL, -- 4, 8, 12, ...: the others are computed (ledger.go); level 0 is ledger_entry.leaf_hash
	idx   INTEGER NOT NULL,
	hash  BLOB NOT NULL,
	PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

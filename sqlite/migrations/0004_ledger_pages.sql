-- Ledger entries are stored a page at a time, as events are (0003): the
-- writer keeps the entries of a whole batch in memory and writes, at its
-- end, one row holding them all (up to 256 a row) instead of one row per
-- entry; a change that opens nine conflicts has nineteen entries.
--
-- A page is keyed by the leaf index of its first entry and holds entries
-- with consecutive indexes: entries is a JSON array of their canonical bytes
-- (each a JSON object, verbatim), leaf_hashes their RFC 6962 leaf hashes,
-- 32 bytes each, in the same order. An entry's audience is read from its
-- canonical bytes. ledger_node (levels 4, 8, 12, ...) is unchanged; level 0
-- is the pages' leaf hashes.
CREATE TABLE ledger_page (
	first_idx   INTEGER PRIMARY KEY,
	entries     TEXT NOT NULL,
	leaf_hashes BLOB NOT NULL
) STRICT;

-- Each stored entry becomes a page of its own.
INSERT INTO ledger_page (first_idx, entries, leaf_hashes)
	SELECT idx, '[' || CAST(canonical AS TEXT) || ']', leaf_hash FROM ledger_entry;
DROP TABLE ledger_entry;

package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// The writer's load of accepted submissions, at the scale of the issue: a
// store holding fillConflicts open conflicts between fillObjects operations,
// into which each submission writes its operation and conflictsPerTx new
// conflicts, from benchClients goroutines at once.
const (
	fillConflicts  = 500_000
	fillObjects    = 100_000
	conflictsPerTx = 9
	benchClients   = 32
	// fillTag, kept in the fill's meta table, says which fill a file holds:
	// change it whenever what buildConflictFill writes changes, so that a
	// kept file of the old fill is refused rather than measured.
	fillTag = "conflicts-1: 500000 conflicts, 100000 operations, schema 4"
)

// conflictBenchDay is the day over which every conflict's window ends, old
// and new alike, as when conflicts are detected for the next day's flights.
var conflictBenchDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// benchObjectID gives operation j an id that sorts nowhere in particular
// (ids are the clients' choice): j scrambled by a bijection of 32 bits, so
// that new operations land all over the indexes as real ones do.
func benchObjectID(j int) string {
	x := uint32(j)*0x9E3779B1 + 0x7F4A7C15
	x ^= x >> 15
	x *= 0x2C1B3C6D
	x ^= x >> 12
	return fmt.Sprintf("op-%08x", x)
}

// benchObjectRef names operation j, of party p0..p9.
func benchObjectRef(j int) deconflict.ObjectRef {
	return deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: fmt.Sprintf("p%d", j%10), ID: benchObjectID(j), Version: 1}
}

// benchConflictID makes an id as strategic's newConflictID does: the time in
// microseconds, then 64 random bits, so that ids sort in the order made.
func benchConflictID(micros int64, rng *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(micros))
	binary.BigEndian.PutUint64(b[8:], rng.Uint64())
	return "c_" + hex.EncodeToString(b[:])
}

// benchConflict returns an open conflict of a with b whose window ends at a
// random millisecond of conflictBenchDay and lasts up to an hour.
func benchConflict(rng *rand.Rand, id string, a, b deconflict.ObjectRef) deconflict.ConflictRecord {
	end := conflictBenchDay.Add(time.Duration(rng.Int64N(int64(24*time.Hour/time.Millisecond))) * time.Millisecond)
	lon, lat := 35+5*rng.Float64(), 33+4*rng.Float64()
	return deconflict.ConflictRecord{
		ID: id, State: deconflict.ConflictOpen, Policy: deconflict.PolicyAcknowledge, A: a, B: b,
		Window:       deconflict.Window{Start: end.Add(-time.Duration(rng.IntN(60)+1) * time.Minute), End: end},
		MinDistanceM: 1000 * rng.Float64(), Region: [4]float64{lon, lat, lon + 0.1, lat + 0.1},
		OpenedAt: conflictBenchDay.Add(-time.Hour), UpdatedAt: conflictBenchDay.Add(-time.Hour),
	}
}

// benchSubmission returns an operation of an hour over a small square, as a
// submission stores it: what the store writes does not depend on the shape.
func benchSubmission(rng *rand.Rand, ref deconflict.ObjectRef) deconflict.Operation {
	lon, lat := 35+5*rng.Float64(), 33+4*rng.Float64()
	ring := [][2]float64{{lon, lat}, {lon + 0.1, lat}, {lon + 0.1, lat + 0.1}, {lon, lat + 0.1}, {lon, lat}}
	c, _ := json.Marshal([][][2]float64{ring})
	start := conflictBenchDay.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
	end := start.Add(time.Hour)
	return deconflict.Operation{
		Party: ref.Party, ID: ref.ID, Version: 1, State: deconflict.StatePlanned,
		Volumes: []deconflict.Volume{{
			Geometry: deconflict.Geometry{Type: "Polygon", Coordinates: c}, BufferM: 500,
			AltLowerM: 1000, AltUpperM: 2000, Start: &start, End: &end,
		}},
		ShareWith: []string{"all"}, AwareOf: []deconflict.AwareOf{},
		CreatedAt: conflictBenchDay.Add(-time.Hour), UpdatedAt: conflictBenchDay.Add(-time.Hour),
	}
}

// conflictFill returns the path of a database at schema version 4 holding
// the fill. Building it takes about 15 s here; DECONFLICT_BENCH_DB names a
// file to keep it in between runs (it is only ever read: the benchmarks
// write to copies).
func conflictFill(b *testing.B) string {
	path := os.Getenv("DECONFLICT_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "fill.db")
	}
	if _, err := os.Stat(path); err != nil {
		t0 := time.Now()
		buildConflictFill(b, path)
		b.Logf("filled %s in %s", path, time.Since(t0).Round(time.Millisecond))
	}
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var tag string
	if err := db.QueryRow(`SELECT CAST(value AS TEXT) FROM meta WHERE key = 'bench_fill'`).Scan(&tag); err != nil || tag != fillTag {
		b.Fatalf("%s is not this benchmark's fill (%q, %v): delete it to have it built again", path, tag, err)
	}
	return path
}

// buildConflictFill writes the fill at schema version 4, the last with the
// sweep's index by end alone, so that each variant starts from the indexes
// as a store that has run with that schema has them: conflict_open_end (like
// conflict_a and conflict_b) grown by inserts at random places, not packed
// by a CREATE INDEX, which would make its first inserts split every page.
// Rows are written as PutOperation and PutConflicts write them, in large
// transactions without a journal: only the result matters.
func buildConflictFill(b *testing.B, path string) {
	ctx := context.Background()
	tmp := path + ".building"
	os.Remove(tmp)
	db, err := sql.Open("sqlite", dsn(tmp, false, "journal_mode(OFF)", "synchronous(OFF)", "cache_size(-262144)"))
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ms, err := migrations()
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
	for _, m := range ms[:4] {
		exec(m.sql)
	}
	exec(`PRAGMA user_version = 4`)
	exec(`BEGIN`)
	for p := range 10 {
		exec(`INSERT INTO party (id, json) VALUES (?, ?)`, fmt.Sprintf("p%d", p), fmt.Sprintf(`{"id":"p%d"}`, p))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for j := range fillObjects {
		op := benchSubmission(rng, benchObjectRef(j))
		js, err := encode(op)
		if err != nil {
			b.Fatal(err)
		}
		start, end := span(op.Volumes)
		exec(`INSERT INTO operation (party, id, version, state, start, "end", json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			op.Party, op.ID, op.Version, string(op.State), start, end, js)
		exec(`INSERT INTO operation_share (party, id, target) VALUES (?, ?, 'all')`, op.Party, op.ID)
	}
	exec(`COMMIT`)
	// Ids as made over the last fillConflicts/10 ms before now, so that
	// every id made later sorts after them; nine conflicts a submission.
	micros := time.Now().UnixMicro() - fillConflicts*100
	var (
		a    deconflict.ObjectRef
		args []any
	)
	flush := func() {
		n := len(args) / 10
		exec(`INSERT INTO conflict (id, state, a_kind, a_party, a_id, b_kind, b_party, b_id, "end", json) VALUES `+placeholders(n, 10), args...)
		args = args[:0]
	}
	exec(`BEGIN`)
	for i := range fillConflicts {
		if i%conflictsPerTx == 0 {
			a = benchObjectRef(rng.IntN(fillObjects))
		}
		bRef := benchObjectRef(rng.IntN(fillObjects))
		c := benchConflict(rng, benchConflictID(micros+int64(i)*100, rng), a, bRef)
		js, err := encode(c)
		if err != nil {
			b.Fatal(err)
		}
		args = append(args, c.ID, string(c.State), string(c.A.Kind), c.A.Party, c.A.ID, string(c.B.Kind), c.B.Party, c.B.ID,
			cellindex.CeilMilli(c.Window.End), js)
		if len(args) == 10*rowChunk {
			flush()
		}
		if (i+1)%50_000 == 0 {
			if len(args) > 0 {
				flush()
			}
			exec(`COMMIT`)
			exec(`BEGIN`)
		}
	}
	if len(args) > 0 {
		flush()
	}
	exec(`INSERT INTO meta (key, value) VALUES ('bench_fill', CAST(? AS BLOB))`, fillTag)
	exec(`COMMIT`)
	exec(`PRAGMA journal_mode = WAL`) // as the store leaves its files
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
}

// copyFile copies the database file src to dst (the fill has no WAL).
func copyFile(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// conflictVariant is a copy of the fill at the current schema but for one
// migration left out (0: none).
type conflictVariant struct {
	name, path string
	without    int
}

// conflictVariants makes, in dir, copies of the fill at the current schema:
// "index=end" keeps the sweep's index by end alone (every migration after
// schema 4 but 0005 applied by hand), "sides=index" the indexes of
// conflicts by side (all but 0006), and "current" is migrated by Open, as a
// store in service would be.
func conflictVariants(b *testing.B, fill, dir string) []conflictVariant {
	vs := []conflictVariant{{name: "index=end", without: 5}, {name: "sides=index", without: 6}, {name: "current"}}
	ms, err := migrations()
	if err != nil {
		b.Fatal(err)
	}
	for i := range vs {
		v := &vs[i]
		v.path = filepath.Join(dir, v.name+".db")
		copyFile(b, fill, v.path)
		if v.without == 0 {
			t0 := time.Now()
			s, err := Open(v.path)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			b.Logf("migrations after schema 4 on %d conflicts: %s", fillConflicts, time.Since(t0).Round(time.Millisecond))
			continue
		}
		db, err := sql.Open("sqlite", dsn(v.path, false))
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range ms[4:] {
			if m.version == v.without {
				continue
			}
			if _, err := db.Exec(m.sql); err != nil {
				b.Fatalf("%s: %v", m.name, err)
			}
		}
		if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(ms))); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return vs
}

// BenchmarkConflictStore measures what the indexes of conflicts cost the
// writer, on copies of one fill (see conflictFill; 500,000 open conflicts):
// the sweep's index of schema 4 (index=end: by end alone, each new conflict
// on a random page) against that of migration 0005 (by hour of the end and
// id, new conflicts at the ends of two dozen hours); the indexes of
// conflicts by side of schema 5 (sides=index: each new conflict on a random
// page of the other side's) against the lists in memory of migration 0006;
// current has both. Every run works on a fresh copy of its variant, and the
// variants take turns, in conflictRounds rounds, each round starting with
// the next: on a shared machine, a comparison of runs far apart in time
// would measure the load.
//
// submit: transactions as an accepted submission's, through Transact from
// 32 goroutines (group commit as in production): its operation and nine new
// conflicts ending at random in the day. frames/tx is the growth of the WAL
// in pages over the transactions: background checkpoints and the writer's
// restart of the WAL are off, so that every page a commit writes stays in
// the file (a checkpoint writes each distinct page once more); the log
// lines say which B-trees the frames are pages of. submit-ckpt is submit
// with the store's checkpoints as in service, for its tx/s.
//
// sweep: the minute's query of ended open conflicts, one minute into the day (about
// 350 of them), run by the writer.
//
//	DECONFLICT_BENCH_DB=/tmp/conflicts.db go test ./sqlite -run XXX -bench ConflictStore/round -benchtime 2000x
//	DECONFLICT_BENCH_DB=/tmp/conflicts.db go test ./sqlite -run XXX -bench 'ConflictStore/.*/sweep' -benchtime 2000x
func BenchmarkConflictStore(b *testing.B) {
	dir := b.TempDir()
	variants := conflictVariants(b, conflictFill(b), dir)
	work := filepath.Join(dir, "work.db")
	for r := range conflictRounds {
		for i := range variants {
			v := variants[(i+r)%len(variants)]
			for _, ckpt := range []bool{false, true} {
				name := fmt.Sprintf("round=%d/%s/submit", r+1, v.name)
				if ckpt {
					name += "-ckpt"
				}
				b.Run(name, func(b *testing.B) {
					freshCopy(b, v.path, work)
					benchSubmit(b, work, ckpt)
				})
			}
		}
	}
	for _, v := range variants {
		b.Run(v.name+"/sweep", func(b *testing.B) {
			freshCopy(b, v.path, work)
			benchSweep(b, work)
		})
	}
}

// conflictRounds is how many times each variant's submit runs.
const conflictRounds = 3

// freshCopy makes dst a copy of the database src, without a WAL.
func freshCopy(b *testing.B, src, dst string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	copyFile(b, src, dst)
}

// benchSubmit runs b.N submissions' transactions on the store at path
// (checkpoints: the store's background checkpoints on, else off and
// frames/tx reported).
func benchSubmit(b *testing.B, path string, checkpoints bool) {
	o := OpenOptions{CheckpointInterval: 24 * time.Hour}
	if checkpoints {
		o = OpenOptions{}
	}
	s, err := OpenWith(path, o)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}()
	if !checkpoints {
		// restartWAL looks at the WAL at most once a second after the last
		// look: a last look in the future keeps it from truncating the WAL
		// under the count. Set before the first Transact, which orders it
		// before the writer's reads.
		s.walChecked = time.Now().Add(24 * time.Hour)
	}
	var pageSize int64
	if err := s.readDB.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		b.Fatal(err)
	}
	// Submissions are made before the clock starts, ids excepted: those are
	// made in the transaction, as strategic makes them, so that they sort in
	// commit order.
	type submission struct {
		op deconflict.Operation
		cs []deconflict.ConflictRecord
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	subs := make([]submission, b.N)
	for i := range subs {
		ref := benchObjectRef(fillObjects + rng.IntN(1<<30))
		subs[i].op = benchSubmission(rng, ref)
		subs[i].cs = benchNewConflicts(rng, ref)
	}
	walBefore := walFrames(s.path, pageSize)
	DriveTransactions(b, s, benchClients, len(subs), func(ctx context.Context, i int, tx deconflict.Tx) error {
		if err := tx.PutOperation(ctx, subs[i].op); err != nil {
			return err
		}
		setConflictIDs(subs[i].cs, uint64(i))
		return tx.PutConflicts(ctx, subs[i].cs)
	})
	if !checkpoints {
		b.ReportMetric(float64(walFrames(s.path, pageSize)-walBefore)/float64(b.N), "frames/tx")
		if b.N >= 100 {
			logFramesByTree(b, s, pageSize, walBefore)
		}
	}
}

// benchNewConflicts returns the conflicts a submission of a opens: nine,
// each with an operation of the fill, ending at random in the day, their
// ids still to be made.
func benchNewConflicts(rng *rand.Rand, a deconflict.ObjectRef) []deconflict.ConflictRecord {
	cs := make([]deconflict.ConflictRecord, conflictsPerTx)
	for k := range cs {
		cs[k] = benchConflict(rng, "", a, benchObjectRef(rng.IntN(fillObjects)))
	}
	return cs
}

// setConflictIDs gives cs new ids, made now, the random half from seed.
func setConflictIDs(cs []deconflict.ConflictRecord, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 6))
	for k := range cs {
		cs[k].ID = benchConflictID(time.Now().UnixMicro(), rng)
	}
}

// walFrames returns how many frames the WAL of the database at path holds,
// from its size: a 32-byte header, then frames of a 24-byte header and a page.
func walFrames(path string, pageSize int64) int64 {
	fi, err := os.Stat(path + "-wal")
	if err != nil || fi.Size() < 32 {
		return 0
	}
	return (fi.Size() - 32) / (24 + pageSize)
}

// benchSweep runs the sweep's query b.N times in the writer, one minute into
// the day, and checks that it finds what it should (up to 500).
func benchSweep(b *testing.B, path string) {
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	f := deconflict.ConflictFilter{State: deconflict.ConflictOpen, EndedBy: conflictBenchDay.Add(time.Minute), Limit: 500}
	var want int
	if err := s.readDB.QueryRow(`SELECT count(*) FROM conflict WHERE state = 'open' AND "end" <= ?`, f.EndedBy.UnixMilli()).Scan(&want); err != nil {
		b.Fatal(err)
	}
	want = min(want, f.Limit)
	b.ResetTimer()
	for range b.N {
		err := s.Transact(ctx, func(tx deconflict.Tx) error {
			cs, err := tx.Conflicts(ctx, f)
			if err == nil && len(cs) != want {
				err = fmt.Errorf("the sweep found %d conflicts, want %d", len(cs), want)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(want), "found")
}

// logFramesByTree logs, for each B-tree, how many of the WAL's frames after
// the first skip were pages of it, per transaction: where the frames/tx
// come from. A frame is counted under the B-tree its page belongs to now
// (dbstat); a page that is now free is counted as "(free)".
func logFramesByTree(b *testing.B, s *Store, pageSize, skip int64) {
	f, err := os.Open(s.path + "-wal")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	counts := map[uint32]int64{}
	var hdr [4]byte
	n := walFrames(s.path, pageSize)
	for i := skip; i < n; i++ {
		if _, err := f.ReadAt(hdr[:], 32+i*(24+pageSize)); err != nil {
			b.Fatal(err)
		}
		counts[binary.BigEndian.Uint32(hdr[:])]++
	}
	rows, err := s.readDB.Query(`SELECT name, pageno FROM dbstat`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	byTree := map[string]int64{}
	for rows.Next() {
		var name string
		var page uint32
		if err := rows.Scan(&name, &page); err != nil {
			b.Fatal(err)
		}
		if c, ok := counts[page]; ok {
			byTree[name] += c
			delete(counts, page)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	for _, c := range counts {
		byTree["(free)"] += c
	}
	names := slices.SortedFunc(maps.Keys(byTree), func(x, y string) int { return cmp.Compare(byTree[y], byTree[x]) })
	line := ""
	for _, name := range names {
		line += fmt.Sprintf(" %s %.2f", name, float64(byTree[name])/float64(b.N))
	}
	b.Logf("frames/tx by B-tree:%s", line)
}

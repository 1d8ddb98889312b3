// Package sqlite is the embedded store of the exchange: deconflict.Store on
// one SQLite file (pure Go driver modernc.org/sqlite), in WAL mode with
// synchronous=FULL so that a committed write survives kill -9 and power loss.
//
// All writes go through one connection owned by one goroutine that commits
// concurrent transactions in groups (group commit, see Transact); reads outside
// a transaction use a pool of read-only connections that WAL lets run beside
// the writer. It stores and finds what it is given and decides nothing: no
// conflict logic, no validation beyond what keeps the database consistent.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

// OpenOptions tune a store; the zero value gives the defaults.
type OpenOptions struct {
	// ReadConns is the size of the read-only pool (default: 2 × CPUs, at least 4).
	ReadConns int
	// MaxBatch caps how many queued transactions commit together (default 256).
	MaxBatch int
	// BusyTimeout is how long a connection waits for a lock another process
	// holds (default 10 s). Within one process the writer never waits.
	BusyTimeout time.Duration
	// CheckpointInterval is how often the WAL is copied into the database
	// file, in the background (default 250 ms).
	CheckpointInterval time.Duration
}

func (o OpenOptions) withDefaults() OpenOptions {
	if o.ReadConns <= 0 {
		o.ReadConns = max(4, 2*runtime.NumCPU())
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 10 * time.Second
	}
	if o.CheckpointInterval <= 0 {
		o.CheckpointInterval = 250 * time.Millisecond
	}
	return o
}

// Store is deconflict.Store on an SQLite file. It is safe for concurrent use.
type Store struct {
	reader // committed state, through the read pool

	path    string
	opts    OpenOptions
	readDB  *sql.DB
	writeDB *sql.DB
	ckptDB  *sql.DB // one connection for background checkpoints
	wconn   *sql.Conn
	wq      *querier

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan *request
	done   chan struct{} // closed when the writer has drained the queue

	ckptStop, ckptDone chan struct{}
	walChecked         time.Time // when the writer last looked at the WAL's size
	stats              counters
	lastSeq            atomic.Int64 // the last change committed
	changes            changeLog    // the latest committed changes
	// pendingSeq is the last change of the batch being written and
	// batchChanges its changes so far (both the writer's own).
	pendingSeq   int64
	batchChanges []deconflict.ObjectChange
	// ledger is the committed ledger tree; pending, the writer's own, the
	// tree of the batch being written (see ledger.go).
	ledger  atomic.Pointer[ledger.Appender]
	pending *ledger.Appender
	// batchLedger and batchNodes are the entries and stored nodes the batch
	// being written has appended so far, stored when it ends.
	batchLedger []ledgerEntry
	batchNodes  []any
	// lastEvent is the last event id committed; pendingEvent, the last of the
	// batch being written, and batchEvents its events so far, in id order,
	// stored when it ends (all three the writer's own).
	lastEvent, pendingEvent int64
	batchEvents             []deconflict.StoredEvent
	// parties caches committed parties; partiesWritten, the writer's own,
	// says that the batch being written has changed parties or groups.
	parties        partyCache
	partiesWritten bool
	// sides lists the open conflicts of each object (sides.go); closing,
	// the writer's own, the conflicts the batch being written has closed.
	sides   *sides
	closing closing
	// onEvents is given, after each commit, the events it stored.
	onEvents atomic.Pointer[func(events []deconflict.StoredEvent)]
}

var _ deconflict.Store = (*Store)(nil)

// Open opens the database file at path, creating it and its folder if they
// are missing, and brings its schema up to date.
func Open(path string) (*Store, error) { return OpenWith(path, OpenOptions{}) }

// OpenWith is Open with options.
func OpenWith(path string, o OpenOptions) (s *Store, err error) {
	o = o.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	st := &Store{path: abs, opts: o, queue: make(chan *request, o.MaxBatch), done: make(chan struct{}),
		ckptStop: make(chan struct{}), ckptDone: make(chan struct{}), sides: newSides(), closing: closing{}}
	s = st
	defer func() {
		if err != nil {
			st.closeDBs() // s itself is nil by now: "return nil, err" set it
		}
	}()
	ctx := context.Background()
	busy := strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)

	// The writer opens first: it creates the file, switches it to WAL (which
	// is persistent) and migrates, so that readers find a ready database.
	s.writeDB, err = sql.Open("sqlite", dsn(abs, false,
		"busy_timeout("+busy+")", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)",
		"cache_size(-32768)", "temp_store(MEMORY)", "wal_autocheckpoint(0)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.writeDB.SetMaxOpenConns(1)
	s.writeDB.SetConnMaxIdleTime(0)
	if s.wconn, err = s.writeDB.Conn(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	var mode string
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if mode != "wal" {
		return nil, fmt.Errorf("sqlite: open %q: journal mode is %q, want wal", path, mode)
	}
	if err := migrate(ctx, s.wconn); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.wq = newQuerier(s.wconn)

	// Readers map the first 256 MiB of the file: the candidate index is
	// read at random, and mapped pages cost no system call and are shared by
	// all connections (without the map, a search with a warm 64 MiB cache
	// takes half again as long). The map and the small per-connection caches
	// bound what the read pool keeps resident: with 100,000 operations (a
	// 340-380 MB file) a test process searching all day stays near 130 MiB.
	s.readDB, err = sql.Open("sqlite", dsn(abs, true, "busy_timeout("+busy+")", "query_only(1)", "cache_size(-8192)", "mmap_size(67108864)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.readDB.SetMaxOpenConns(o.ReadConns)
	s.readDB.SetMaxIdleConns(o.ReadConns)
	if err := s.readDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.reader = reader{q: newQuerier(s.readDB), store: s}
	var last int64
	if err := s.readDB.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM change`).Scan(&last); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.lastSeq.Store(last)
	if err := s.loadLedger(ctx); err != nil {
		return nil, err
	}
	if err := s.loadLastEvent(ctx); err != nil {
		return nil, err
	}
	if err := s.sides.load(ctx, s.reader.q); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}

	s.ckptDB, err = sql.Open("sqlite", dsn(abs, false, "busy_timeout("+busy+")", "synchronous(FULL)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.ckptDB.SetMaxOpenConns(1)

	go s.write()
	go s.checkpoint()
	return s, nil
}

// dsn builds the driver's data source name: a file: URI (so that any path is
// safe) with the pragmas every new connection runs.
func dsn(path string, readOnly bool, pragmas ...string) string {
	q := url.Values{"_pragma": pragmas}
	if readOnly {
		q.Set("mode", "ro")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Ping reports whether the store can serve: open, and the file readable.
func (s *Store) Ping(ctx context.Context) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return errClosed
	}
	var one int
	if err := s.readDB.QueryRowContext(ctx, "SELECT count(*) FROM meta").Scan(&one); err != nil {
		return deconflict.Errorf(deconflict.EUNAVAILABLE, "database not readable: %v", err)
	}
	return nil
}

var errClosed = deconflict.Errorf(deconflict.EUNAVAILABLE, "the store is closed")

// Close stops taking transactions, commits those already queued, and closes
// the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.done
	close(s.ckptStop)
	<-s.ckptDone
	// Leave a compact file behind: everything in the database, an empty WAL.
	_, err := s.wconn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(err, s.closeDBs())
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.reader.q != nil {
		s.reader.q.close()
	}
	if s.wq != nil {
		s.wq.close()
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
	}
	if s.writeDB != nil {
		errs = append(errs, s.writeDB.Close())
	}
	if s.readDB != nil {
		errs = append(errs, s.readDB.Close())
	}
	if s.ckptDB != nil {
		errs = append(errs, s.ckptDB.Close())
	}
	return errors.Join(errs...)
}

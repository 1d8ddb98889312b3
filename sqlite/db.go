package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/deconflict/deconflict"
)

// preparer is what both the read pool (*sql.DB) and the writer's connection
// (*sql.Conn) offer.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// querier runs SQL through prepared statements kept for its lifetime: the
// same few statements run thousands of times a second, and preparing costs
// more than many of them take to run. Every SQL text it sees comes from this
// package (never from input), so the cache stays small.
type querier struct {
	p     preparer
	mu    sync.Mutex
	stmts map[string]*sql.Stmt

	// A querier made by in runs its parent's statements inside one read
	// transaction: database/sql rebinds them to the transaction's connection,
	// where they are usually prepared already.
	parent *querier
	sqlTx  *sql.Tx
}

// in returns a querier that runs q's statements inside sqlTx.
func (q *querier) in(sqlTx *sql.Tx) *querier { return &querier{parent: q, sqlTx: sqlTx} }

func newQuerier(p preparer) *querier {
	return &querier{p: p, stmts: make(map[string]*sql.Stmt)}
}

func (q *querier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if q.sqlTx != nil {
		if st := q.parent.cached(query); st != nil {
			return q.sqlTx.StmtContext(ctx, st), nil
		}
		// Preparing on the pool could wait for a free connection while this
		// transaction holds one (with every connection held so, forever):
		// prepare on the transaction's own connection now, and for the pool
		// in the background.
		go q.parent.stmt(context.Background(), query) //nolint:errcheck // retried on next use
		return q.sqlTx.PrepareContext(ctx, query)
	}
	if st := q.cached(query); st != nil {
		return st, nil
	}
	// Prepared without the lock: preparing on the pool may wait for a
	// connection, and snapshots holding connections need the lock meanwhile.
	st, err := q.p.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare %q: %w", query, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if have, ok := q.stmts[query]; ok {
		st.Close() // another goroutine prepared it first
		return have, nil
	}
	q.stmts[query] = st
	return st, nil
}

// cached returns the prepared statement of query if there is one.
func (q *querier) cached(query string) *sql.Stmt {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stmts[query]
}

func (q *querier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q *querier) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// scanOne runs a query expected to return at most one row and scans it into
// dest; it returns sql.ErrNoRows when there is none.
func (q *querier) scanOne(ctx context.Context, query string, args []any, dest ...any) error {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// exists reports whether query returns a row.
func (q *querier) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := q.scanOne(ctx, query, args, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (q *querier) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, st := range q.stmts {
		st.Close()
	}
	q.stmts = map[string]*sql.Stmt{}
}

// sqliteCode returns the extended result code of an SQLite error, 0 if err
// is not one.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isConstraint(err error, code int) bool { return sqliteCode(err) == code }

func isForeignKey(err error) bool { return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) }

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

func notFound(format string, args ...any) error {
	return deconflict.Errorf(deconflict.ENOTFOUND, format, args...)
}

// wrap adds what was being done to an error of the database, leaving coded
// errors as they are so that their code reaches the API.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var e *deconflict.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", fmt.Sprintf(format, args...), err)
}

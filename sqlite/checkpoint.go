package sqlite

import (
	"context"
	"time"
)

// checkpoint copies committed WAL frames into the database file every
// OpenOptions.CheckpointInterval, on its own connection. The writer's
// automatic checkpoint is off: done inside a commit, a checkpoint adds its
// page writes and two fsyncs to the latency of every transaction in that
// batch. A PASSIVE checkpoint never blocks the writer or the readers; the
// writer starts the WAL over from its beginning once all of it is copied, so
// the file stays about as large as one interval's writes.
func (s *Store) checkpoint() {
	defer close(s.ckptDone)
	t := time.NewTicker(s.opts.CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ckptStop:
			return
		case <-t.C:
			// A failure here loses nothing (the frames stay in the WAL, which
			// readers and recovery use); the next tick tries again.
			s.ckptDB.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck
		}
	}
}

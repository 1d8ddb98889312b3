package sqlite

import (
	"context"
	"os"
	"time"
)

// maxWALBytes is the size past which a checkpoint waits for the readers and
// starts the WAL over. Under a steady load some snapshot is always open, so
// passive checkpoints alone never let the log restart, and it would grow
// without bound (gigabytes while 100,000 operations load), slowing every
// read that has to look a page up in it.
const maxWALBytes = 64 << 20

// checkpoint copies committed WAL frames into the database file every
// OpenOptions.CheckpointInterval, on its own connection. The writer's
// automatic checkpoint is off: done inside a commit, a checkpoint adds its
// page writes and two fsyncs to the latency of every transaction in that
// batch. A PASSIVE checkpoint never blocks the writer or the readers; when
// the WAL has grown past maxWALBytes all the same, a TRUNCATE checkpoint
// holds the writer back for a moment, waits for readers of the old log to
// finish, and empties it.
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
			mode := "PASSIVE"
			if fi, err := os.Stat(s.path + "-wal"); err == nil && fi.Size() > maxWALBytes {
				mode = "TRUNCATE"
			}
			s.ckptDB.ExecContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")") //nolint:errcheck
		}
	}
}

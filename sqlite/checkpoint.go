package sqlite

import (
	"context"
	"os"
	"time"
)

// checkpoint copies committed WAL frames into the database file every
// OpenOptions.CheckpointInterval, on its own connection. The writer's
// automatic checkpoint is off: done inside a commit, a checkpoint adds its
// page writes and two fsyncs to the latency of every transaction in that
// batch. A PASSIVE checkpoint never blocks the writer or the readers; the
// writer starts the WAL over from its beginning once all of it is copied, so
// the file stays about as large as one interval's writes. (A TRUNCATE
// checkpoint when the WAL grows large was tried and measured: it holds the
// writer lock while it waits for the readers, and under a steady load the
// submission rate fell from about 160 to 15 a second while the WAL grew to
// 1.8 GB. Passive checkpoints kept it under 50 MB in the same load.)
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

// maxWALBytes is the size of WAL past which the writer starts it over.
const maxWALBytes = 64 << 20

// restartWAL runs on the writer goroutine between batches. Under a steady
// load some snapshot is always open, so the WAL, though copied back by the
// passive checkpoints, never gets the moment without readers in which it
// starts over, and grows without bound (measured: 1 GB in 90 s of loading
// operations, the database file itself barely growing). When it has grown
// past maxWALBytes, the writer — which no other writer can then wait on —
// runs a TRUNCATE checkpoint: it copies what is left, waits only for the
// readers of the old log, whose snapshots last milliseconds, and empties the
// file, so that the next commit writes the WAL from its start again. (The
// file's size is how the next check knows: a RESTART checkpoint would leave
// it full size, and every check would checkpoint again.)
func (s *Store) restartWAL() {
	now := time.Now()
	if now.Sub(s.walChecked) < time.Second {
		return
	}
	s.walChecked = now
	if fi, err := os.Stat(s.path + "-wal"); err != nil || fi.Size() < maxWALBytes {
		return
	}
	// A failure loses nothing: the frames stay in the WAL; the next check
	// tries again.
	s.wconn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)") //nolint:errcheck
}

package live

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/tactical"
)

// reload reads every zone and every planned or active operation from one
// snapshot of the store and gives the engine what is in force. Objects whose
// version is unchanged keep their compiled volumes.
func (s *Service) reload(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	var zs []deconflict.Zone
	var ops []deconflict.Operation
	var seq int64
	err := s.cfg.Store.Snapshot(ctx, func(r deconflict.Reader, at int64) error {
		var err error
		seq = at
		if zs, err = r.Zones(ctx, deconflict.ZoneFilter{}); err != nil {
			return err
		}
		for _, st := range []deconflict.OperationState{deconflict.StateActive, deconflict.StatePlanned} {
			o, err := r.Operations(ctx, deconflict.OperationFilter{State: st})
			if err != nil {
				return err
			}
			ops = append(ops, o...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	zones := make(map[objKey]zoneEntry, len(zs))
	for _, z := range zs {
		k := objKey{z.Party, z.ID}
		if e, ok := s.zones[k]; ok && e.version == z.Version {
			zones[k] = e
			continue
		}
		if e, ok := s.compileZone(z); ok {
			zones[k] = e
		}
	}
	opsMap := make(map[objKey]opEntry, len(ops))
	for _, o := range ops {
		k := objKey{o.Party, o.ID}
		if e, ok := s.ops[k]; ok && e.version == o.Version {
			opsMap[k] = e
			continue
		}
		opsMap[k] = opEntryOf(o)
	}
	s.zones, s.ops, s.seq = zones, opsMap, seq
	s.setZones()
	s.setOps(ctx, true)
	return nil
}

// Refresh brings the engine's zones and operations up to date with the
// store: only objects changed since the last refresh are read and
// recompiled, and the engine is given a new set only when what is in force
// changed (a planned operation's window opening or closing counts).
func (s *Service) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	changes, complete, err := s.cfg.Store.ChangesSince(ctx, s.seq)
	if err != nil {
		s.refreshMu.Unlock()
		return err
	}
	if !complete {
		s.refreshMu.Unlock()
		return s.reload(ctx)
	}
	defer s.refreshMu.Unlock()
	zonesChanged := false
	for _, ch := range changes {
		var changed bool
		if changed, err = s.apply(ctx, ch); err != nil {
			break // this change and the rest are read again next time
		}
		zonesChanged = zonesChanged || changed
		s.seq = max(s.seq, ch.Seq)
	}
	if zonesChanged {
		s.setZones()
	}
	s.setOps(ctx, false)
	return err
}

// apply brings one object up to date with a change, reporting whether the
// zones changed.
func (s *Service) apply(ctx context.Context, ch deconflict.ObjectChange) (zonesChanged bool, err error) {
	k := objKey{ch.Party, ch.ID}
	switch ch.Kind {
	case deconflict.KindZone:
		if e, ok := s.zones[k]; ok && ch.Live && e.version >= ch.Version {
			return false, nil
		}
		var z deconflict.Zone
		if ch.Live {
			z, err = s.cfg.Store.Zone(ctx, ch.Party, ch.ID)
			if err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
				return false, err
			}
		}
		if !ch.Live || err != nil {
			_, had := s.zones[k]
			delete(s.zones, k)
			return had, nil
		}
		if e, ok := s.compileZone(z); ok {
			s.zones[k] = e
			return true, nil
		}
	case deconflict.KindOperation:
		if e, ok := s.ops[k]; ok && ch.Live && e.version >= ch.Version {
			return false, nil
		}
		var o deconflict.Operation
		if ch.Live {
			o, err = s.cfg.Store.Operation(ctx, ch.Party, ch.ID)
			if err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
				return false, err
			}
		}
		if !ch.Live || err != nil || !o.State.Live() {
			delete(s.ops, k)
			return false, nil
		}
		s.ops[k] = opEntryOf(o)
	}
	return false, nil
}

func (s *Service) compileZone(z deconflict.Zone) (zoneEntry, bool) {
	vols, err := s.compileVolumes(z.Volumes)
	if err != nil {
		// A stored zone passed the same compilation when it was accepted;
		// one that no longer does (a lower vertex limit) is left out, loudly.
		s.log.Error("live: zone left out of the live picture", "party", z.Party, "id", z.ID, "err", err)
		return zoneEntry{}, false
	}
	m := s.cfg.Settings.ZoneMinima
	if z.Minima != nil {
		m = *z.Minima
	}
	return zoneEntry{version: z.Version, zone: tactical.Zone{Party: z.Party, ID: z.ID, Kind: z.Kind, Volumes: vols, Minima: m}}, true
}

// opEntryOf makes the entry of an operation: its window and state, not its
// volumes, which are read again and compiled only when it comes into force
// (see setOps). Most operations are planned for later, and their volumes,
// kept as stored or compiled, would be most of what the collector scans
// over and over for nothing.
func opEntryOf(o deconflict.Operation) opEntry {
	e := opEntry{version: o.Version, state: o.State,
		op: tactical.Operation{Party: o.Party, ID: o.ID, Callsign: o.Callsign, Aircraft: o.Aircraft}}
	for i, v := range o.Volumes {
		start, end := v.Window()
		if i == 0 || start.Before(e.start) {
			e.start = start
		}
		if i == 0 || end.After(e.end) {
			e.end = end
		}
	}
	return e
}

// compiled returns e with its volumes compiled, read from the store, which
// may hold a newer version by now (the next refresh would bring it anyway).
// It answers leaveOut when the operation no longer belongs in the picture:
// gone, no longer live, or its volumes no longer compile (a stored operation
// passed the same compilation when it was accepted; one that no longer does,
// after a lower vertex limit, is left out, loudly); and retry when the store
// could not be read.
func (s *Service) compiled(ctx context.Context, e opEntry) (opEntry, compileOutcome) {
	if e.op.Volumes != nil {
		return e, compiledOK
	}
	o, err := s.cfg.Store.Operation(ctx, e.op.Party, e.op.ID)
	switch {
	case deconflict.ErrorCode(err) == deconflict.ENOTFOUND:
		return e, leaveOut
	case err != nil:
		s.log.Error("live: reading an operation coming into force", "party", e.op.Party, "id", e.op.ID, "err", err)
		return e, retry
	case !o.State.Live():
		return e, leaveOut
	}
	vols, err := s.compileVolumes(o.Volumes)
	if err != nil {
		s.log.Error("live: operation left out of the live picture", "party", e.op.Party, "id", e.op.ID, "err", err)
		return e, leaveOut
	}
	e = opEntryOf(o)
	e.op.Volumes = vols
	return e, compiledOK
}

// compileOutcome is what compiled made of an entry.
type compileOutcome int

const (
	compiledOK compileOutcome = iota
	leaveOut                  // drop the entry; a new version is tried again
	retry                     // keep it as it is and try at the next refresh
)

// setZones gives the engine the zones, in a stable order.
func (s *Service) setZones() {
	zs := make([]tactical.Zone, 0, len(s.zones))
	for _, e := range s.zones {
		zs = append(zs, e.zone)
	}
	slices.SortFunc(zs, func(a, b tactical.Zone) int {
		return strings.Compare(a.Party+"/"+a.ID, b.Party+"/"+b.ID)
	})
	s.emit(s.engine.SetZones(zs))
}

// setOps gives the engine the operations in force now: the active ones and
// the planned ones whose window holds now (a flight that took off before its
// party marked it active is still watched). Unless force, the engine is
// told only when that set changed.
func (s *Service) setOps(ctx context.Context, force bool) {
	now := s.now()
	var keys []string
	var ops []tactical.Operation
	for k, e := range s.ops {
		if e.state == deconflict.StateActive || e.state == deconflict.StatePlanned && inWindow(now, e.start, e.end) {
			var got compileOutcome
			switch e, got = s.compiled(ctx, e); got {
			case leaveOut:
				delete(s.ops, k)
				continue
			case retry:
				continue
			}
			s.ops[k] = e
			keys = append(keys, fmt.Sprintf("%s/%s@%d", e.op.Party, e.op.ID, e.version))
			ops = append(ops, e.op)
		}
	}
	slices.Sort(keys)
	sig := strings.Join(keys, "\n")
	if !force && sig == s.inForce {
		return
	}
	s.inForce = sig
	slices.SortFunc(ops, func(a, b tactical.Operation) int {
		return strings.Compare(a.Party+"/"+a.ID, b.Party+"/"+b.ID)
	})
	s.emit(s.engine.SetOperations(ops))
}

func inWindow(now, start, end time.Time) bool { return !now.Before(start) && now.Before(end) }

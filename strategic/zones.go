package strategic

import (
	"context"
	"strconv"
	"strings"

	"github.com/deconflict/deconflict"
)

// preparedZone is a zone validated and compiled outside the transaction.
type preparedZone struct {
	zone    deconflict.Zone
	obj     *object
	queries []deconflict.CandidateQuery
}

func (s *Service) prepareZone(z deconflict.Zone) (*preparedZone, error) {
	if z.ShareWith == nil {
		z.ShareWith = []string{}
	}
	lim := s.settings.Limits
	// Validate fills in the kind's default policy, hence the pointer.
	vols, err := validateAll(func() error { return z.Validate(lim) }, z.Volumes, true, lim)
	if err != nil {
		return nil, err
	}
	obj := s.zoneObject(&z, vols)
	covs := coverings(vols, obj.minima.LateralM)
	obj.index = zoneIndex(vols, obj.minima, covs)
	return &preparedZone{
		zone:    z,
		obj:     obj,
		queries: queries(vols, covs, obj.minima, s.settings.TimeBuffer, z.Party),
	}, nil
}

// zoneTombstone is the store Meta key that keeps a deleted zone's last
// version, so that a zone created again under the same id continues from
// it: an aware_of or cache entry naming the old zone's version must never
// match the new zone.
func zoneTombstone(party, id string) string { return "zone_version/" + party + "/" + id }

// PutZone creates or replaces the caller's zone. It is never refused for the
// operations it conflicts with; those conflicts are stored for both sides.
func (s *Service) PutZone(ctx context.Context, caller deconflict.Caller, z deconflict.Zone, ifMatch int64) (deconflict.PutZoneResult, error) {
	if err := requireParty(caller); err != nil {
		return deconflict.PutZoneResult{}, err
	}
	z.Party = caller.Party
	p, err := s.prepareZone(z)
	if err != nil {
		return deconflict.PutZoneResult{}, err
	}
	// Searched outside the writer, caught up inside, as for operations.
	pre, err := s.searchIndex(ctx, p.obj, p.queries, s.now().UTC())
	if err != nil {
		return deconflict.PutZoneResult{}, err
	}
	var res deconflict.PutZoneResult
	var obj *object
	err = s.transact(ctx, func(tx deconflict.Tx) error {
		r, o, err := s.putZoneTx(ctx, tx, p, pre, ifMatch)
		res, obj = r, o
		return err
	})
	if err != nil {
		return deconflict.PutZoneResult{}, err
	}
	s.cache.Add(keyOf(obj.ref), obj)
	return res, nil
}

// putZoneTx writes one prepared zone inside tx; pre is its search outside.
func (s *Service) putZoneTx(ctx context.Context, tx deconflict.Tx, p *preparedZone, pre searched, ifMatch int64) (deconflict.PutZoneResult, *object, error) {
	now := s.now().UTC()
	next := p.zone
	cur, err := tx.Zone(ctx, next.Party, next.ID)
	exists := err == nil
	if err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		return deconflict.PutZoneResult{}, nil, err
	}
	switch {
	case exists && ifMatch != 0 && ifMatch != cur.Version:
		return deconflict.PutZoneResult{}, nil, deconflict.Errorf(deconflict.EPRECONDITION, "zone %q is at version %d, not %d; fetch it and retry", next.ID, cur.Version, ifMatch)
	case !exists && ifMatch != 0:
		return deconflict.PutZoneResult{}, nil, deconflict.Errorf(deconflict.EPRECONDITION, "zone %q does not exist, so If-Match %d cannot match; create it without If-Match", next.ID, ifMatch)
	}
	next.CreatedAt, next.UpdatedAt = now, now
	if exists {
		next.Version, next.CreatedAt = cur.Version+1, cur.CreatedAt
	} else {
		last, err := tx.Meta(ctx, zoneTombstone(next.Party, next.ID))
		switch deconflict.ErrorCode(err) {
		case "":
			v, perr := strconv.ParseInt(string(last), 10, 64)
			if perr != nil {
				return deconflict.PutZoneResult{}, nil, perr
			}
			next.Version = v + 1
		case deconflict.ENOTFOUND:
			next.Version = 1
		default:
			return deconflict.PutZoneResult{}, nil, err
		}
	}
	if err := checkShareTargets(ctx, tx, next.ShareWith); err != nil {
		return deconflict.PutZoneResult{}, nil, err
	}
	obj := p.obj.withVersion(next.Version)
	stored, err := openConflicts(ctx, tx, obj.ref)
	if err != nil {
		return deconflict.PutZoneResult{}, nil, err
	}
	fs, err := s.catchUp(ctx, tx, obj, p.queries, pre, now)
	if err != nil {
		return deconflict.PutZoneResult{}, nil, err
	}
	continueStored(fs, stored)
	if err := tx.PutZone(ctx, next); err != nil {
		return deconflict.PutZoneResult{}, nil, err
	}
	ch := Change{Actor: next.Party, Object: &obj.ref, Stored: next, ShareWith: next.ShareWith}
	if err := writeConflicts(ctx, tx, fs, stored, ReasonChanged, now, &ch); err != nil {
		return deconflict.PutZoneResult{}, nil, err
	}
	if err := s.record(ctx, tx, ch); err != nil {
		return deconflict.PutZoneResult{}, nil, err
	}
	aud := deconflict.Audience{Party: next.Party}
	if len(fs) > 0 {
		if aud, err = audienceOf(ctx, tx, next.Party); err != nil {
			return deconflict.PutZoneResult{}, nil, err
		}
	}
	return deconflict.PutZoneResult{Zone: next, Conflicts: s.views(fs, aud), Created: !exists}, obj, nil
}

// Zone returns a zone the caller may see; one it may not see is ENOTFOUND,
// exactly like one that does not exist.
func (s *Service) Zone(ctx context.Context, caller deconflict.Caller, party, id string) (deconflict.Zone, error) {
	if err := requireParty(caller); err != nil {
		return deconflict.Zone{}, err
	}
	if party == "" {
		party = caller.Party
	}
	notFound := deconflict.Errorf(deconflict.ENOTFOUND, "zone %q of party %q not found", id, party)
	if !deconflict.ValidID(party) || !deconflict.ValidID(id) {
		return deconflict.Zone{}, notFound
	}
	z, err := s.store.Zone(ctx, party, id)
	if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
		return deconflict.Zone{}, notFound
	}
	if err != nil {
		return deconflict.Zone{}, err
	}
	if party != caller.Party {
		aud, err := audienceOf(ctx, s.store, caller.Party)
		if err != nil {
			return deconflict.Zone{}, err
		}
		if !canSee(aud, z.Party, z.ShareWith) {
			return deconflict.Zone{}, notFound
		}
	}
	return z, nil
}

// Zones lists the zones the caller may see, of one kind or ("") all.
func (s *Service) Zones(ctx context.Context, caller deconflict.Caller, kind deconflict.ZoneKind) ([]deconflict.Zone, error) {
	if err := requireParty(caller); err != nil {
		return nil, err
	}
	aud, err := audienceOf(ctx, s.store, caller.Party)
	if err != nil {
		return nil, err
	}
	return s.store.Zones(ctx, deconflict.ZoneFilter{Visible: &aud, Kind: kind})
}

// DeleteZone deletes the caller's zone and closes its conflicts.
func (s *Service) DeleteZone(ctx context.Context, caller deconflict.Caller, id string) error {
	if err := requireParty(caller); err != nil {
		return err
	}
	return s.transact(ctx, func(tx deconflict.Tx) error {
		now := s.now().UTC()
		cur, err := tx.Zone(ctx, caller.Party, id)
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return deconflict.Errorf(deconflict.ENOTFOUND, "zone %q not found", id)
		}
		if err != nil {
			return err
		}
		ref := deconflict.ObjectRef{Kind: deconflict.KindZone, Party: cur.Party, ID: cur.ID, Version: cur.Version}
		stored, err := openConflicts(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := tx.DeleteZone(ctx, cur.Party, cur.ID); err != nil {
			return err
		}
		if err := tx.SetMeta(ctx, zoneTombstone(cur.Party, cur.ID), []byte(strconv.FormatInt(cur.Version, 10))); err != nil {
			return err
		}
		ch := Change{Actor: cur.Party, Object: &ref, Deleted: true, Stored: cur, ShareWith: cur.ShareWith}
		if err := writeConflicts(ctx, tx, nil, stored, ReasonDeleted, now, &ch); err != nil {
			return err
		}
		return s.record(ctx, tx, ch)
	})
}

// ImportZones creates or replaces all of zones in one transaction, or none.
// Faults name the GeoJSON feature they come from.
func (s *Service) ImportZones(ctx context.Context, caller deconflict.Caller, zones []deconflict.Zone) ([]deconflict.Zone, error) {
	if err := requireParty(caller); err != nil {
		return nil, err
	}
	var f deconflict.FieldErrors
	ps := make([]*preparedZone, len(zones))
	first := map[string]int{}
	for i, z := range zones {
		z.Party = caller.Party
		p, err := s.prepareZone(z)
		if err != nil {
			e, ok := err.(*deconflict.Error)
			if !ok {
				return nil, err
			}
			for _, fe := range e.Fields {
				f.Add(featurePath(i, len(z.Volumes), fe.Field), "%s", featureMessage(i, len(z.Volumes), fe.Message))
			}
			continue
		}
		if j, dup := first[z.ID]; dup {
			f.Add(deconflict.Path("features", i, "properties", "id"), "repeats the id %q of features[%d]", z.ID, j)
			continue
		}
		first[z.ID] = i
		ps[i] = p
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	pres := make([]searched, len(ps))
	for i, p := range ps {
		var err error
		if pres[i], err = s.searchIndex(ctx, p.obj, p.queries, s.now().UTC()); err != nil {
			return nil, err
		}
	}
	out := make([]deconflict.Zone, len(ps))
	objs := make([]*object, len(ps))
	err := s.transact(ctx, func(tx deconflict.Tx) error {
		for i, p := range ps {
			res, obj, err := s.putZoneTx(ctx, tx, p, pres[i], 0)
			if err != nil {
				return featureError(i, err)
			}
			out[i], objs[i] = res.Zone, obj
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		s.cache.Add(keyOf(o.ref), o)
	}
	return out, nil
}

// featurePath maps a zone's field path to the GeoJSON feature it came from:
// the geometry of a one-volume zone is the feature's geometry, and every
// other field is one of its properties.
func featurePath(i, nVolumes int, field string) string {
	base := deconflict.Path("features", i)
	if rest, ok := strings.CutPrefix(field, "volumes[0]."); ok && nVolumes == 1 {
		if strings.HasPrefix(rest, "geometry") {
			return base + "." + rest
		}
		return base + ".properties." + rest
	}
	if strings.HasPrefix(field, "volumes") {
		return base + "." + field
	}
	return base + ".properties." + field
}

// featureMessage rewrites the geometry paths a message names (a ring that
// touches itself names the other position) as paths of feature i.
func featureMessage(i, nVolumes int, msg string) string {
	if nVolumes != 1 {
		return msg
	}
	return strings.ReplaceAll(msg, "volumes[0].geometry", deconflict.Path("features", i, "geometry"))
}

// featureError names the feature in a fault found inside the transaction
// (a sharing target that does not exist).
func featureError(i int, err error) error {
	e, ok := err.(*deconflict.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	var f deconflict.FieldErrors
	for _, fe := range e.Fields {
		f.Add(featurePath(i, 1, fe.Field), "%s", fe.Message)
	}
	return f.Err()
}

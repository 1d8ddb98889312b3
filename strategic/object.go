package strategic

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
)

// object is one version of an operation or zone, compiled. It is immutable
// once shared through the cache: a (kind, party, id, version) never names two
// different contents, since versions only grow (zones keep a tombstone of
// their last version when deleted, see zoneTombstone).
type object struct {
	ref       deconflict.ObjectRef
	shareWith []string
	state     deconflict.OperationState // operations only
	policy    deconflict.Policy         // zones only
	minima    deconflict.Minima         // zones only: their own, or the deployment's zone minima
	volumes   []*geo.Volume
	// index holds the object's entries in the candidate index when they were
	// computed with it (nil otherwise; see Service.indexEntries).
	index []deconflict.IndexedVolume
	// serial numbers the compilation the object came from, in this process:
	// it groups an object's candidate pairs (see detect) without comparing
	// names. Copies for another version (withVersion) keep it.
	serial uint64
}

// serials numbers compiled objects (object.serial).
var serials atomic.Uint64

// withVersion returns a copy of o naming version v; the volumes are shared.
func (o *object) withVersion(v int64) *object {
	c := *o
	c.ref.Version = v
	return &c
}

// cacheKey names one compiled version in the cache.
type cacheKey struct {
	kind    deconflict.ObjectKind
	party   string
	id      string
	version int64
}

func keyOf(r deconflict.ObjectRef) cacheKey {
	return cacheKey{kind: r.Kind, party: r.Party, id: r.ID, version: r.Version}
}

// compileVolumes compiles vs, adding each fault to f under volumes[i].
// (A zone volume that leaves out its altitudes arrives here already spanning
// deconflict.MinAltitudeM to MaxAltitudeM: the API decoder fills them in.)
func compileVolumes(f *deconflict.FieldErrors, vs []deconflict.Volume, zone bool, maxVertices int) []*geo.Volume {
	out := make([]*geo.Volume, len(vs))
	for i, v := range vs {
		gv, err := geo.CompileVolume(v, deconflict.Path("volumes", i), maxVertices)
		if err != nil {
			addFaults(f, err)
			continue
		}
		out[i] = gv
	}
	return out
}

// addFaults merges the field faults of err into f, skipping any already
// there (domain validation and geo may both notice one thing).
func addFaults(f *deconflict.FieldErrors, err error) {
	e, ok := err.(*deconflict.Error)
	if !ok || len(e.Fields) == 0 {
		f.Add("volumes", "%s", deconflict.ErrorMessage(err))
		return
	}
	for _, fe := range e.Fields {
		dup := false
		for _, have := range *f {
			if have == fe {
				dup = true
				break
			}
		}
		if !dup {
			*f = append(*f, fe)
		}
	}
}

// validateAll runs the domain validation and compiles the volumes, returning
// one EINVALID error listing every fault. Compiling is skipped when there
// are more volumes than the limit: the request is refused anyway and
// compiling them all would be work for an attacker's benefit.
func validateAll(validate func() error, vs []deconflict.Volume, zone bool, lim deconflict.Limits) ([]*geo.Volume, error) {
	var f deconflict.FieldErrors
	if err := validate(); err != nil {
		e, ok := err.(*deconflict.Error)
		if !ok {
			return nil, err
		}
		f = append(f, e.Fields...)
	}
	if lim.MaxVolumes > 0 && len(vs) > lim.MaxVolumes {
		return nil, f.Err()
	}
	compiled := compileVolumes(&f, vs, zone, lim.MaxVertices)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return compiled, nil
}

// operationObject builds the compiled object of an operation whose volumes
// are already compiled.
func operationObject(op *deconflict.Operation, vols []*geo.Volume) *object {
	return &object{
		serial:    serials.Add(1),
		ref:       deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: op.Party, ID: op.ID, Version: op.Version},
		shareWith: op.ShareWith,
		state:     op.State,
		volumes:   vols,
	}
}

// zoneObject builds the compiled object of a zone whose volumes are already
// compiled, resolving its minima against the deployment's.
func (s *Service) zoneObject(z *deconflict.Zone, vols []*geo.Volume) *object {
	m := s.settings.ZoneMinima
	if z.Minima != nil {
		m = *z.Minima
	}
	return &object{
		serial:    serials.Add(1),
		ref:       deconflict.ObjectRef{Kind: deconflict.KindZone, Party: z.Party, ID: z.ID, Version: z.Version},
		shareWith: z.ShareWith,
		policy:    z.Policy,
		minima:    m,
		volumes:   vols,
	}
}

// load returns the compiled current version of a stored object, from the
// cache when it holds that version. want is the version the index named; a
// reader outside a transaction may find a newer one, which is then used.
// It returns nil when the object is gone.
func (s *Service) load(ctx context.Context, r deconflict.Reader, want deconflict.ObjectRef) (*object, error) {
	if o, ok := s.cache.Get(keyOf(want)); ok {
		return o, nil
	}
	var o *object
	switch want.Kind {
	case deconflict.KindOperation:
		op, err := r.Operation(ctx, want.Party, want.ID)
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if o, ok := s.cache.Get(cacheKey{want.Kind, want.Party, want.ID, op.Version}); ok {
			return o, nil
		}
		if o, err = s.compileOperation(&op, false); err != nil {
			return nil, err
		}
	case deconflict.KindZone:
		z, err := r.Zone(ctx, want.Party, want.ID)
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if o, ok := s.cache.Get(cacheKey{want.Kind, want.Party, want.ID, z.Version}); ok {
			return o, nil
		}
		if o, err = s.compileZone(&z, false); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("strategic: unknown object kind %q", want.Kind)
	}
	s.cache.Add(keyOf(o.ref), o)
	return o, nil
}

// compileOperation compiles a stored operation, with its index entries when
// withIndex is set and it is live.
func (s *Service) compileOperation(op *deconflict.Operation, withIndex bool) (*object, error) {
	ref := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: op.Party, ID: op.ID, Version: op.Version}
	vols, err := compileStored(op.Volumes, false, ref)
	if err != nil {
		return nil, err
	}
	o := operationObject(op, vols)
	if withIndex && op.State.Live() {
		o.index = operationIndex(vols, coverings(vols, s.settings.OperationMinima.LateralM/2))
	}
	return o, nil
}

// compileZone compiles a stored zone, with its index entries when withIndex
// is set.
func (s *Service) compileZone(z *deconflict.Zone, withIndex bool) (*object, error) {
	ref := deconflict.ObjectRef{Kind: deconflict.KindZone, Party: z.Party, ID: z.ID, Version: z.Version}
	vols, err := compileStored(z.Volumes, true, ref)
	if err != nil {
		return nil, err
	}
	o := s.zoneObject(z, vols)
	if withIndex {
		o.index = zoneIndex(vols, o.minima, coverings(vols, o.minima.LateralM))
	}
	return o, nil
}

// compileStored compiles volumes that were valid when stored; a fault now is
// ours (a changed rule or a corrupt store), never the caller's.
func compileStored(vs []deconflict.Volume, zone bool, ref deconflict.ObjectRef) ([]*geo.Volume, error) {
	var f deconflict.FieldErrors
	vols := compileVolumes(&f, vs, zone, 0)
	if len(f) > 0 {
		return nil, fmt.Errorf("strategic: stored %s %s/%s v%d does not compile: %s: %s", ref.Kind, ref.Party, ref.ID, ref.Version, f[0].Field, f[0].Message)
	}
	return vols, nil
}

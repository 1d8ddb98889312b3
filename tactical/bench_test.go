package tactical_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/tactical"
)

// traffic is the benchmark's airspace: n aircraft in a 1,000 km square
// around (35°N, 36°E) at 60–250 m/s, 200 airspace and protected zones
// (polygons and circles of 5 to 40 km), five parties. Each aircraft flies
// straight; its k-th report is at t0 + k seconds.
type traffic struct {
	w     *world
	start []ac
	// Per aircraft, the change of latitude and longitude per second: a
	// rhumb-line step is cheap, and the engine judges each report on its
	// own, so the benchmark does not need exact great circles.
	dlat, dlon []float64
}

const benchHalfM = 500e3

func newTraffic(n int) *traffic {
	w := &world{rng: rand.New(rand.NewPCG(42, 4242))}
	tr := &traffic{w: w}
	sq := region{35, 36, 0}
	for i := range n {
		dy, dx := w.uniform(-benchHalfM, benchHalfM), w.uniform(-benchHalfM, benchHalfM)
		lat := sq.lat + dy/earthR*180/math.Pi
		lon := sq.lon + dx/(earthR*math.Cos(lat*math.Pi/180))*180/math.Pi
		a := ac{id: fmt.Sprintf("%06x", i), party: w.party(), lat: lat, lon: lon, alt: w.uniform(300, 12500),
			gs: w.uniform(60, 250), trk: w.uniform(0, 360), at: t0}
		if w.rng.IntN(5) == 0 {
			a.vs = w.uniform(-10, 10)
		}
		tr.start = append(tr.start, a)
		tr.dlat = append(tr.dlat, a.gs*math.Cos(a.trk*math.Pi/180)/earthR*180/math.Pi)
		tr.dlon = append(tr.dlon, a.gs*math.Sin(a.trk*math.Pi/180)/(earthR*math.Cos(lat*math.Pi/180))*180/math.Pi)
	}
	for i := range 200 {
		dy, dx := w.uniform(-benchHalfM, benchHalfM), w.uniform(-benchHalfM, benchHalfM)
		lat := sq.lat + dy/earthR*180/math.Pi
		lon := sq.lon + dx/(earthR*math.Cos(lat*math.Pi/180))*180/math.Pi
		var z *oZone
		if i%2 == 0 {
			c, maxR := w.starCoords(lat, lon, w.uniform(10e3, 40e3), 6+w.rng.IntN(30))
			z = w.addZone("Polygon", c, lat, lon, maxR, 0)
		} else {
			z = w.addZone("Point", "["+num(lon)+","+num(lat)+"]", lat, lon, 0, w.uniform(5e3, 25e3))
		}
		z.kind = []deconflict.ZoneKind{deconflict.ZoneAirspace, deconflict.ZoneProtected}[i%4/2]
	}
	return tr
}

// report returns aircraft i's k-th report. Every ten minutes of report
// time the aircraft starts again from where it began (a new flight), so
// that the traffic stays in the square however long the benchmark runs.
func (tr *traffic) report(i int, k int64) ac {
	a := tr.start[i]
	kk := float64(k % 600)
	a.lat += tr.dlat[i] * kk
	a.lon += tr.dlon[i] * kk
	a.alt = math.Max(0, math.Min(14000, a.alt+a.vs*kk))
	a.at = t0.Add(time.Duration(k) * time.Second)
	return a
}

// engine returns an engine with the zones and every aircraft's first
// report, and the clock's second, which the benchmark moves.
func (tr *traffic) engine(b testing.TB) (*tactical.Engine, *atomic.Int64) {
	var second atomic.Int64
	clock := func() time.Time { return t0.Add(time.Duration(second.Load()) * time.Second) }
	e := tactical.New(tactical.Config{Now: clock})
	e.SetZones(tr.w.engineZones(b))
	for i := range tr.start {
		a := tr.report(i, 0)
		if _, err := e.Update(a.report(), a.party, ""); err != nil {
			b.Fatal(err)
		}
	}
	return e, &second
}

// BenchmarkUpdate measures Update with every check (separation, zones,
// conformance) on 10,000 aircraft and 200 zones, from GOMAXPROCS goroutines
// at once. Each goroutine reports a share of the aircraft in turn, each
// aircraft once a second of report time, as a feed would: the goroutines
// share nothing but the engine (a shared counter would cost each report a
// cache miss that is the benchmark's, not the engine's).
func BenchmarkUpdate(b *testing.B) {
	tr := newTraffic(10000)
	e, second := tr.engine(b)
	n := len(tr.start)
	procs := runtime.GOMAXPROCS(0)
	var next, alerts atomic.Int64
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		g := int(next.Add(1)-1) % procs
		k, i := int64(1), g
		found := 0
		for pb.Next() {
			a := tr.report(i, k)
			out, err := e.Update(a.report(), a.party, "")
			if err != nil {
				b.Fatal(err)
			}
			found += len(out)
			if i += procs; i >= n {
				i, k = g, k+1
				if k > second.Load() {
					second.Store(k)
				}
			}
		}
		alerts.Add(int64(found))
	})
	b.StopTimer()
	cpu := (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
	// CPU time per update tells the cost on a machine that others share:
	// the rate two dedicated cores would give is 2/cpu.
	b.ReportMetric(cpu/float64(b.N)*1e9, "cpu-ns/update")
	b.ReportMetric(2*float64(b.N)/cpu, "updates/s/2cores")
	b.ReportMetric(float64(alerts.Load())/float64(b.N), "transitions/update")
	b.ReportMetric(float64(len(e.Alerts())), "alerts")
}

// BenchmarkOracleUpdate measures the brute-force oracle on the same traffic:
// one report judged against every other aircraft and every zone.
func BenchmarkOracleUpdate(b *testing.B) {
	tr := newTraffic(10000)
	n := len(tr.start)
	reps := make([]ac, n)
	for i := range reps {
		reps[i] = tr.report(i, 0)
	}
	k := 0
	cpu0 := cpuTime()
	for b.Loop() {
		i := k % n
		k++
		a := tr.report(i, int64(k/n))
		reps[i] = a
		oracleOne(a, reps, tr.w.zones, stdParams)
	}
	cpu := (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
	b.ReportMetric(cpu/float64(b.N)*1e9, "cpu-ns/update")
}

// oracleOne is the oracle's work for one report: a against every other
// aircraft and every zone, with the same prefilter as the full oracle.
func oracleOne(a ac, reps []ac, zones []oZone, p oParams) int {
	found := 0
	φ, λ := a.lat*math.Pi/180, a.lon*math.Pi/180
	ua := [3]float64{math.Cos(φ) * math.Cos(λ), math.Cos(φ) * math.Sin(λ), math.Sin(φ)}
	for _, b := range reps {
		if b.party == a.party {
			continue
		}
		φ, λ := b.lat*math.Pi/180, b.lon*math.Pi/180
		ub := [3]float64{math.Cos(φ) * math.Cos(λ), math.Cos(φ) * math.Sin(λ), math.Sin(φ)}
		if far := ((a.gs+b.gs)*(p.t+p.s) + p.h + 100) / earthR; ua[0]*ub[0]+ua[1]*ub[1]+ua[2]*ub[2] < math.Cos(far) {
			continue
		}
		if ok, _, _ := sepJudge(a, b, p); ok {
			found++
		}
	}
	for zi := range zones {
		if zones[zi].party == a.party {
			continue
		}
		if ok, _ := zoneJudge(a, &zones[zi], 0, 0, 0, p.t); ok {
			found++
		}
	}
	return found
}

// TestMemoryPerAircraft measures the heap the engine holds per tracked
// aircraft with 10,000 of them: at most 2 KiB.
func TestMemoryPerAircraft(t *testing.T) {
	tr := newTraffic(10000)
	zones := tr.w.engineZones(t)
	clock := func() time.Time { return t0 }
	e := tactical.New(tactical.Config{Now: clock})
	e.SetZones(zones)
	reps := make([]deconflict.TrackReport, len(tr.start))
	for i := range reps {
		reps[i] = tr.report(i, 0).report()
	}
	before := heapInUse()
	for i := range reps {
		if _, err := e.Update(reps[i], tr.start[i].party, ""); err != nil {
			t.Fatal(err)
		}
	}
	after := heapInUse()
	per := float64(after-before) / float64(len(reps))
	t.Logf("%.0f bytes per aircraft (%d aircraft, %d alerts in force)", per, len(reps), len(e.Alerts()))
	if per > 2048 {
		t.Errorf("%.0f bytes per aircraft, over 2 KiB", per)
	}
	runtime.KeepAlive(e)
	runtime.KeepAlive(reps)
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/sqlite"
)

var benchDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// benchOperation returns a one-hour operation over a small square somewhere
// in a 5° box: what the store writes does not depend on the shape.
func benchOperation(rng *rand.Rand, party, id string) deconflict.Operation {
	lon, lat := 35+5*rng.Float64(), 33+4*rng.Float64()
	ring := [][2]float64{{lon, lat}, {lon + 0.1, lat}, {lon + 0.1, lat + 0.1}, {lon, lat + 0.1}, {lon, lat}}
	c, _ := json.Marshal([][][2]float64{ring})
	start := benchDay.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
	end := start.Add(time.Hour)
	return deconflict.Operation{
		Party: party, ID: id, Version: 1, State: deconflict.StatePlanned,
		Volumes: []deconflict.Volume{{
			Geometry: deconflict.Geometry{Type: "Polygon", Coordinates: c}, BufferM: 500,
			AltLowerM: 1000, AltUpperM: 2000, Start: &start, End: &end,
		}},
		ShareWith: []string{"all"}, AwareOf: []deconflict.AwareOf{},
		CreatedAt: benchDay, UpdatedAt: benchDay,
	}
}

// createBenchParties creates parties p0..p9.
func createBenchParties(b testing.TB, s *sqlite.Store) {
	ctx := context.Background()
	err := s.Transact(ctx, func(tx deconflict.Tx) error {
		for p := range 10 {
			if err := tx.CreateParty(ctx, deconflict.Party{ID: fmt.Sprintf("p%d", p)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTransact measures small write transactions (one PutOperation
// each) from 1, 32 and 128 concurrent goroutines, each
// committed durably before the next of its goroutine starts: the throughput
// and latency that group commit gives.
func BenchmarkTransact(b *testing.B) {
	for _, clients := range []int{1, 32, 128} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchTransact(b, clients) })
	}
}

func benchTransact(b *testing.B, clients int) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	createBenchParties(b, s)
	// Operations are made before the clock starts: the benchmark is of the store.
	rng := rand.New(rand.NewPCG(7, 8))
	puts := make([]deconflict.Operation, b.N)
	for i := range puts {
		puts[i] = benchOperation(rng, fmt.Sprintf("p%d", i%10), fmt.Sprintf("op-%d", i))
	}
	sqlite.DriveTransactions(b, s, clients, len(puts), func(ctx context.Context, i int, tx deconflict.Tx) error {
		return tx.PutOperation(ctx, puts[i])
	})
}

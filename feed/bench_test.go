package feed_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/feed"
)

// The benchmarks read realistic inputs of benchLines records from memory and
// report records per second on one core (lines/s) alongside ns/op and MB/s.

const benchLines = 20_000

var benchStart = time.Date(2026, 11, 24, 7, 20, 0, 0, time.UTC)

func benchNDJSON() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range benchLines {
		r := deconflict.TrackReport{
			ID: fmt.Sprintf("%06x", rng.IntN(1<<24)), Callsign: fmt.Sprintf("THY%d", rng.IntN(9000)+100),
			Lat: 30 + rng.Float64()*10, Lon: 30 + rng.Float64()*10, AltM: rng.Float64() * 12000,
			GsMps: rng.Float64() * 300, TrackDeg: rng.Float64() * 360, VsMps: rng.Float64()*20 - 10,
			Time: benchStart.Add(time.Duration(i) * time.Millisecond), Party: "tur",
		}
		enc.Encode(r)
	}
	return buf.Bytes()
}

// benchSBS is the traffic of 300 aircraft as a receiver interleaves it:
// per aircraft and second two positions, two velocities, an altitude reply
// and, now and then, identification and all-call replies.
func benchSBS() []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	n := 0
	for tick := 0; n < benchLines; tick++ {
		for a := 0; a < 300 && n < benchLines; a++ {
			hex := fmt.Sprintf("%06X", 0x4B0000+a)
			at := benchStart.Add(time.Duration(tick)*500*time.Millisecond + time.Duration(a)*time.Millisecond)
			ts := at.Format("2006/01/02,15:04:05.000")
			lat, lon := 36+float64(a)/100+float64(tick)*1e-4, 36+float64(a)/100
			switch tick % 4 {
			case 0:
				fmt.Fprintf(&b, "MSG,3,1,1,%s,1,%s,%s,,%d,,,%.5f,%.5f,,,0,0,0,0\n", hex, ts, ts, 30000+rng.IntN(8000), lat, lon)
			case 1:
				fmt.Fprintf(&b, "MSG,4,1,1,%s,1,%s,%s,,,%d,%d,,,%d,,0,0,0,0\n", hex, ts, ts, 380+rng.IntN(100), rng.IntN(360), rng.IntN(4000)-2000)
			case 2:
				fmt.Fprintf(&b, "MSG,5,1,1,%s,1,%s,%s,,%d,,,,,,,0,,0,0\n", hex, ts, ts, 30000+rng.IntN(8000))
			case 3:
				if a%5 == 0 {
					fmt.Fprintf(&b, "MSG,1,1,1,%s,1,%s,%s,THY%d  ,,,,,,,,,,,0\n", hex, ts, ts, a)
				} else {
					fmt.Fprintf(&b, "MSG,8,1,1,%s,1,%s,%s,,,,,,,,,,,,0\n", hex, ts, ts)
				}
			}
			n++
		}
	}
	return []byte(b.String())
}

func benchOpenSkyJSON() []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString(`{"time":1795504801,"states":[`)
	for i := range benchLines {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `["%06x","THY%-5d","Turkey",%d,1795504801,%.4f,%.4f,%.2f,false,%.2f,%.2f,%.2f,null,%.2f,"%04d",false,0]`,
			rng.IntN(1<<24), rng.IntN(9000), 1795504790+rng.IntN(10), 30+rng.Float64()*10, 30+rng.Float64()*10,
			rng.Float64()*12000, rng.Float64()*300, rng.Float64()*360, rng.Float64()*20-10, rng.Float64()*12000, rng.IntN(7777))
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

func benchOpenSkyCSV() []byte {
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	b.WriteString("time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,lastcontact\n")
	for range benchLines - 1 {
		fmt.Fprintf(&b, "1795504810,%06x,%.14f,%.14f,%.14f,%.14f,%.2f,THY%-5d,False,False,False,%04d,%.2f,%.2f,%.7f,%.7f\n",
			rng.IntN(1<<24), 30+rng.Float64()*10, 30+rng.Float64()*10, rng.Float64()*300, rng.Float64()*360, rng.Float64()*20-10,
			rng.IntN(9000), rng.IntN(7777), rng.Float64()*12000, rng.Float64()*12000, 1795504800+rng.Float64()*10, 1795504800+rng.Float64()*10)
	}
	return []byte(b.String())
}

func benchRead(b *testing.B, f feed.Format, data []byte) {
	var lines, reports int64
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd, _ := feed.NewReader(f, bytes.NewReader(data), feed.Options{})
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		s := rd.Stats()
		if s.Malformed > 0 {
			b.Fatalf("benchmark input is malformed: %s", s.LastError)
		}
		lines += s.Lines
		reports += s.Reports
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(lines)/sec, "lines/s")
	b.ReportMetric(float64(reports)/sec, "reports/s")
	b.ReportMetric(sec*1e9/float64(lines), "ns/line")
}

func BenchmarkNDJSON(b *testing.B)      { benchRead(b, feed.NDJSON, benchNDJSON()) }
func BenchmarkSBS(b *testing.B)         { benchRead(b, feed.SBS, benchSBS()) }
func BenchmarkOpenSkyJSON(b *testing.B) { benchRead(b, feed.OpenSkyJSON, benchOpenSkyJSON()) }
func BenchmarkOpenSkyCSV(b *testing.B)  { benchRead(b, feed.OpenSkyCSV, benchOpenSkyCSV()) }

// BenchmarkNDJSONEncodingJSON is the baseline: the same lines decoded with
// encoding/json (DisallowUnknownFields) and validated, without the checks
// for duplicate members and required ones.
func BenchmarkNDJSONEncodingJSON(b *testing.B) {
	data := benchNDJSON()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var lines int64
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		for {
			var r deconflict.TrackReport
			if err := dec.Decode(&r); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			if err := r.Validate(""); err != nil {
				b.Fatal(err)
			}
			lines++
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(lines)/sec, "lines/s")
	b.ReportMetric(sec*1e9/float64(lines), "ns/line")
}

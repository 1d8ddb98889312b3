package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
	"github.com/deconflict/deconflict/feed"
)

func runTracks(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "tracks", args, map[string]func(context.Context, *env, []string) error{
		"replay": tracksReplay,
	})
}

// replayBatch is the most reports one request of a replay carries.
const replayBatch = 1000

// progressEvery bounds how often the progress line is printed.
const progressEvery = 500 * time.Millisecond

// tracksReplay sends a recording to a server in report-time order, paced
// by --speed.
//
// The server judges reports by its own clock and ignores those more than
// its stale timeout (30 s) away from it, so a recording is moved to now:
// the first report is sent at once with the time of sending, and each later
// one when its turn comes, stamped with the time it is sent, so report
// times advance --speed times faster than in the recording. Positions,
// speeds and headings are sent as recorded. With --speed 0 the reports go
// as fast as the server takes them, each stamped with the time of sending.
func tracksReplay(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "tracks replay", "FILE")
	conn := addConn(f, false)
	speed := f.Float("speed", "", 1, "replay speed: N times real time (0: as fast as possible)")
	format := f.String("format", "", "", "input format: ndjson, sbs, opensky-json, opensky-csv (default: detected)")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	if *speed < 0 || *speed != *speed {
		return usagef("--speed %g: want 0 (as fast as possible) or more", *speed)
	}
	var fmtWant feed.Format
	if *format != "" {
		if fmtWant, err = feed.ParseFormat(*format); err != nil {
			return usagef("--format: %v", err)
		}
	}
	cl, err := conn.client(false)
	if err != nil {
		return err
	}
	reports, stats, detected, err := readRecording(pos[0], fmtWant)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "replay: %s: %d reports (%s), %d malformed lines, %d skipped\n",
		pos[0], len(reports), detected, stats.Malformed, stats.Skipped)
	if len(reports) == 0 {
		return errors.New("the recording holds no reports")
	}
	mark, err := lastEventID(ctx, cl)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := replay(ctx, cl, reports, *speed, e.stderr); err != nil {
		return err
	}
	return replaySummary(ctx, e, cl, conn, mark, len(reports), stats, time.Since(start))
}

// readRecording reads every report of a recording and sorts them by time
// (stably: reports of the same time keep their order).
func readRecording(name string, want feed.Format) ([]deconflict.TrackReport, feed.Stats, feed.Format, error) {
	var in io.Reader
	if name == "-" {
		in = os.Stdin
	} else {
		file, err := os.Open(name)
		if err != nil {
			return nil, feed.Stats{}, "", err
		}
		defer file.Close()
		in = file
	}
	var rd feed.Reader
	var err error
	got := want
	if want == "" {
		rd, got, err = feed.Open(in, feed.Options{})
	} else {
		rd, err = feed.NewReader(want, in, feed.Options{})
	}
	if err != nil {
		return nil, feed.Stats{}, "", fmt.Errorf("%s: %w", name, err)
	}
	var out []deconflict.TrackReport
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, rd.Stats(), got, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b deconflict.TrackReport) int { return a.Time.Compare(b.Time) })
	return out, rd.Stats(), got, nil
}

// lastEventID is the id of the caller's newest event, so that the summary
// counts only the alerts of this replay.
func lastEventID(ctx context.Context, cl *client.Client) (int64, error) {
	var last int64
	for {
		evs, err := cl.Events(ctx, last, 0)
		if err != nil {
			return 0, fmt.Errorf("reading your events: %w", err)
		}
		if len(evs) == 0 {
			return last, nil
		}
		last = evs[len(evs)-1].ID
	}
}

// replay sends reports in batches, each when its time comes.
func replay(ctx context.Context, cl *client.Client, reports []deconflict.TrackReport, speed float64, stderr io.Writer) error {
	start := time.Now()
	t0 := reports[0].Time
	due := func(r deconflict.TrackReport) time.Time {
		if speed == 0 {
			return start
		}
		return start.Add(time.Duration(float64(r.Time.Sub(t0)) / speed))
	}
	var lastPrint time.Time
	progress := func(sent int, final bool) {
		now := time.Now()
		if !final && now.Sub(lastPrint) < progressEvery {
			return
		}
		lastPrint = now
		el := now.Sub(start).Seconds()
		rate := 0.0
		if el > 0 {
			rate = float64(sent) / el
		}
		var left time.Duration
		switch {
		case sent == len(reports):
		case speed > 0:
			left = max(due(reports[len(reports)-1]).Sub(now), 0)
		case rate > 0:
			left = time.Duration(float64(len(reports)-sent) / rate * float64(time.Second))
		}
		fmt.Fprintf(stderr, "replay: %d/%d reports (%.0f%%), %.0f reports/s, %s left\n",
			sent, len(reports), 100*float64(sent)/float64(len(reports)), rate, left.Round(time.Second))
	}
	batch := make([]deconflict.TrackReport, 0, replayBatch)
	var stamp time.Time
	for i := 0; i < len(reports); {
		now := time.Now()
		batch = batch[:0]
		for i < len(reports) && len(batch) < replayBatch && !due(reports[i]).After(now) {
			r := reports[i]
			// Stamped with the time of sending, never going back.
			at := now
			if speed > 0 {
				// Behind schedule (a slow server), keep within the
				// server's stale timeout rather than be ignored.
				at = due(r)
				if floor := now.Add(-5 * time.Second); at.Before(floor) {
					at = floor
				}
			}
			if at.Before(stamp) {
				at = stamp
			}
			stamp = at
			r.Time = at.UTC().Truncate(time.Millisecond)
			batch = append(batch, r)
			i++
		}
		if len(batch) == 0 {
			wait := min(due(reports[i]).Sub(now), progressEvery)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			progress(i, false)
			continue
		}
		if _, err := cl.PostTracks(ctx, batch); err != nil {
			return fmt.Errorf("sending reports %d to %d: %w", i-len(batch)+1, i, err)
		}
		progress(i, i == len(reports))
	}
	return nil
}

// replaySummary waits for the server to write the alerts of the last
// reports, then counts the alert events the caller received since mark.
func replaySummary(ctx context.Context, e *env, cl *client.Client, conn *connFlags, mark int64, sent int, stats feed.Stats, took time.Duration) error {
	// The server writes alert events in batches of up to 50 ms.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(500 * time.Millisecond):
	}
	var raised []deconflict.Alert
	counts := map[deconflict.EventKind]int{}
	after := mark
	for {
		evs, err := cl.Events(ctx, after, 0)
		if err != nil {
			return fmt.Errorf("reading your events: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			after = ev.ID
			switch ev.Kind {
			case deconflict.EventAlertRaised, deconflict.EventAlertUpdated, deconflict.EventAlertCleared:
				counts[ev.Kind]++
			default:
				continue
			}
			if ev.Kind == deconflict.EventAlertRaised {
				var a deconflict.Alert
				if err := json.Unmarshal(ev.Data, &a); err == nil {
					raised = append(raised, a)
				}
			}
		}
	}
	active, err := cl.Alerts(ctx)
	if err != nil {
		return fmt.Errorf("reading the alerts in force: %w", err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{
			"reports": sent, "malformed": stats.Malformed, "seconds": took.Seconds(),
			"alerts_raised": orEmptyAlerts(raised), "alerts_updated": counts[deconflict.EventAlertUpdated],
			"alerts_cleared": counts[deconflict.EventAlertCleared], "alerts_active": len(active),
		})
	}
	byKind := map[deconflict.AlertKind]int{}
	for _, a := range raised {
		byKind[a.Kind]++
	}
	var kinds []string
	for k, n := range byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(e.stdout, "replayed %d reports in %s (%d malformed lines skipped)\n", sent, took.Round(time.Millisecond), stats.Malformed)
	detail := ""
	if len(kinds) > 0 {
		detail = " (" + strings.Join(kinds, ", ") + ")"
	}
	fmt.Fprintf(e.stdout, "alerts raised: %d%s, updated: %d, cleared: %d, in force now: %d\n",
		len(raised), detail, counts[deconflict.EventAlertUpdated], counts[deconflict.EventAlertCleared], len(active))
	slices.SortStableFunc(raised, func(a, b deconflict.Alert) int { return cmp.Compare(a.ID, b.ID) })
	for _, a := range raised {
		fmt.Fprintf(e.stdout, "  %s\n", describeAlert(a))
	}
	return nil
}

func orEmptyAlerts(as []deconflict.Alert) []deconflict.Alert {
	if as == nil {
		return []deconflict.Alert{}
	}
	return as
}

// describeAlert is one line: kind, aircraft, zone, when and where.
func describeAlert(a deconflict.Alert) string {
	var who []string
	for _, t := range a.Tracks {
		s := t.Party + "/" + t.ID
		if t.Callsign != "" {
			s += " (" + t.Callsign + ")"
		}
		who = append(who, s)
	}
	line := fmt.Sprintf("%s %s %s", fmtTime(a.RaisedAt), a.Kind, strings.Join(who, " x "))
	if a.Zone != nil {
		line += " zone " + a.Zone.Party + "/" + a.Zone.ID
	}
	if a.State == deconflict.AlertInside {
		line += " inside"
	} else {
		line += fmt.Sprintf(" in %.0f s", a.TimeToS)
	}
	if a.CPA != nil {
		line += fmt.Sprintf(", closest %.0f m and %.0f m vertically", a.CPA.DistanceM, a.CPA.VerticalM)
	}
	return line + fmt.Sprintf(" at %.4f,%.4f", a.Position[0], a.Position[1])
}

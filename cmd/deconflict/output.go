package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

// printJSON writes v indented, in the envelope the API answers with.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// fmtWindow prints a window compactly, dropping the repeated date.
func fmtWindow(w deconflict.Window) string {
	s, e := w.Start.UTC(), w.End.UTC()
	if s.Year() == e.Year() && s.YearDay() == e.YearDay() {
		return s.Format(time.RFC3339) + ".." + e.Format("15:04:05Z")
	}
	return fmtTime(s) + ".." + fmtTime(e)
}

func fmtRegion(r [4]float64) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return "[" + f(r[0]) + "," + f(r[1]) + "," + f(r[2]) + "," + f(r[3]) + "]"
}

func fmtRef(r deconflict.ObjectRef) string {
	return fmt.Sprintf("%s %s/%s v%d", r.Kind, r.Party, r.ID, r.Version)
}

// fmtConflict is one conflict on one line, as the caller sees it.
func fmtConflict(c deconflict.Conflict) string {
	var b strings.Builder
	if c.ID != "" {
		fmt.Fprintf(&b, "%s %s ", c.ID, c.State)
	}
	fmt.Fprintf(&b, "%s with ", c.Policy)
	if c.With != nil {
		b.WriteString(fmtRef(*c.With))
	} else {
		fmt.Fprintf(&b, "a hidden object (ref %s)", c.Ref)
	}
	fmt.Fprintf(&b, " during %s", fmtWindow(c.Window))
	if c.MinDistanceM != nil {
		fmt.Fprintf(&b, ", closest %.0f m", *c.MinDistanceM)
	}
	fmt.Fprintf(&b, ", region %s", fmtRegion(c.Region))
	return b.String()
}

func printConflicts(w io.Writer, cs []deconflict.Conflict) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "no conflicts")
		return
	}
	fmt.Fprintf(w, "%d conflict%s:\n", len(cs), plural(len(cs)))
	for _, c := range cs {
		fmt.Fprintf(w, "  %s\n", fmtConflict(c))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func fmtOperation(o deconflict.Operation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "operation %s/%s version %d, %s, %d volume%s", o.Party, o.ID, o.Version, o.State, len(o.Volumes), plural(len(o.Volumes)))
	if len(o.Volumes) > 0 {
		first, last := volumeSpan(o.Volumes)
		fmt.Fprintf(&b, " from %s to %s", fmtTime(first), fmtTime(last))
	}
	if o.Callsign != "" {
		fmt.Fprintf(&b, ", callsign %s", o.Callsign)
	}
	fmt.Fprintf(&b, ", shared with %s", orDash(o.ShareWith))
	return b.String()
}

func volumeSpan(vs []deconflict.Volume) (first, last time.Time) {
	for i := range vs {
		s, e := vs[i].Window()
		if i == 0 || s.Before(first) {
			first = s
		}
		if i == 0 || e.After(last) {
			last = e
		}
	}
	return first, last
}

func fmtZone(z deconflict.Zone) string {
	name := ""
	if z.Name != "" {
		name = fmt.Sprintf(" %q", z.Name)
	}
	return fmt.Sprintf("zone %s/%s%s version %d, %s, policy %s, %d volume%s, shared with %s",
		z.Party, z.ID, name, z.Version, z.Kind, z.Policy, len(z.Volumes), plural(len(z.Volumes)), orDash(z.ShareWith))
}

// printProblem explains a refusal of the server on w. For a 409 it lists
// each blocking conflict and the exact aware_of entry that acknowledges it.
func printProblem(w io.Writer, p *client.Problem) {
	fmt.Fprintf(w, "refused: %d %s", p.Status, p.Title)
	if p.Detail != "" && p.Detail != p.Title {
		fmt.Fprintf(w, ": %s", p.Detail)
	}
	fmt.Fprintln(w)
	for i, f := range p.Errors {
		if i == 0 && len(p.Errors) == 1 && p.Detail == f.Field+": "+f.Message {
			continue // the detail said it already
		}
		fmt.Fprintf(w, "  %s: %s\n", f.Field, f.Message)
	}
	if len(p.Conflicts) == 0 {
		return
	}
	fmt.Fprintf(w, "%d blocking conflict%s:\n", len(p.Conflicts), plural(len(p.Conflicts)))
	denied := false
	for i, c := range p.Conflicts {
		fmt.Fprintf(w, "  %d. %s: %s\n", i+1, c.Reason, fmtConflict(c.Conflict))
		if c.Reason == deconflict.ReasonDenied {
			fmt.Fprintln(w, "     denied by the zone's policy: no aware_of entry lifts it; move or re-time the volumes")
			denied = true
			continue
		}
		entry, _ := json.Marshal(client.AwareOfConflict(c.Conflict))
		fmt.Fprintf(w, "     add to aware_of: %s\n", entry)
	}
	if aw := p.AwareOf(); len(aw) > 0 {
		all, _ := json.Marshal(aw)
		fmt.Fprintf(w, "to acknowledge them all, add to the operation's \"aware_of\": %s\n", all)
		if denied {
			fmt.Fprintln(w, "(the denied conflicts still block)")
		}
	}
}

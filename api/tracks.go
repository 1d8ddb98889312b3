package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/feed"
)

// LiveService is the live picture behind the track and alert routes
// (package live): it resolves each report's party, feeds the tactical
// engine and answers what a party may see.
type LiveService interface {
	// Report feeds one report; field names it in errors ("" alone).
	Report(ctx context.Context, c deconflict.Caller, r deconflict.TrackReport, field string) error
	// ReportBatch checks every report, then feeds them all, or none.
	ReportBatch(ctx context.Context, c deconflict.Caller, rs []deconflict.TrackReport) (int, error)
	Tracks(ctx context.Context, c deconflict.Caller, bbox *[4]float64) ([]deconflict.TrackReport, error)
	Alerts(ctx context.Context, c deconflict.Caller) ([]deconflict.Alert, error)
	SetSharing(ctx context.Context, c deconflict.Caller, shareWith []string) ([]string, error)
	GetSharing(ctx context.Context, c deconflict.Caller) ([]string, error)
}

// maxStreamErrors bounds the malformed lines a stream's answer lists; the
// count covers them all.
const maxStreamErrors = 100

// mediaNDJSON is the media type of a stream of track reports.
const mediaNDJSON = "application/x-ndjson"

func (s *Server) live() (LiveService, error) {
	if s.cfg.Live == nil {
		return nil, deconflict.Errorf(deconflict.EUNAVAILABLE, "this server does not keep a live picture")
	}
	return s.cfg.Live, nil
}

// tracksBody is POST /v1/tracks.
type tracksBody struct {
	Reports []deconflict.TrackReport `json:"reports"`
}

// maxReports is the most reports one POST /v1/tracks may carry.
const maxReports = 10_000

// decodeTracks decodes a batch of reports and checks each one's fields.
func decodeTracks(data []byte) ([]deconflict.TrackReport, error) {
	var b tracksBody
	if err := decodeStrict(data, "", &b); err != nil {
		return nil, err
	}
	var f deconflict.FieldErrors
	switch {
	case b.Reports == nil:
		f.Add("reports", "is required: a list of track reports")
	case len(b.Reports) > maxReports:
		f.Add("reports", "has %d reports; send at most %d a request", len(b.Reports), maxReports)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	for i := range b.Reports {
		if err := b.Reports[i].Validate(deconflict.Path("reports", i)); err != nil {
			var de *deconflict.Error
			if errors.As(err, &de) {
				f = append(f, de.Fields...)
			}
		}
		if len(f) >= maxFaults {
			break
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return b.Reports, nil
}

// tracksAccepted is the answer of POST /v1/tracks.
type tracksAccepted struct {
	Accepted int `json:"accepted"`
}

func (s *Server) postTracks(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	lv, err := s.live()
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	rs, err := decodeTracks(data)
	if err != nil {
		return err
	}
	n, err := lv.ReportBatch(r.Context(), c, rs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tracksAccepted{Accepted: n})
	return nil
}

// streamFault is one malformed line of a stream.
type streamFault struct {
	Line    int64  `json:"line"`
	Message string `json:"message"`
}

// streamAnswer is the answer of POST /v1/tracks:stream.
type streamAnswer struct {
	Accepted  int64         `json:"accepted"`
	Malformed int64         `json:"malformed"`
	Errors    []streamFault `json:"errors"`
}

// streamTracks is POST /v1/tracks:stream: NDJSON track reports, one a line,
// fed as they arrive for as long as the client sends. A malformed line, or a
// report the caller may not send, is counted and listed, never a reason to
// stop.
func (s *Server) streamTracks(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	lv, err := s.live()
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	if err := checkMediaType(r.Header.Get("Content-Type"), []string{mediaNDJSON}); err != nil {
		return err
	}
	// A stream lasts as long as the client sends: no read or write
	// deadline (the answer is written when it ends).
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})  //nolint:errcheck // not every connection has one
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // not every connection has one
	ans := streamAnswer{Errors: []streamFault{}}
	note := func(line int64, msg string) {
		ans.Malformed++
		if len(ans.Errors) < maxStreamErrors {
			ans.Errors = append(ans.Errors, streamFault{Line: line, Message: msg})
		}
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	rd := feed.NewNDJSONReader(body, feed.Options{OnMalformed: func(le *feed.LineError) error {
		note(le.Line, le.Error())
		return nil
	}})
	for {
		rep, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return deconflict.Invalid("the stream could not be read after " + itoa(rd.Stats().Lines) + " lines: " + err.Error())
		}
		err = lv.Report(r.Context(), c, rep, "")
		switch deconflict.ErrorCode(err) {
		case "":
			ans.Accepted++
		case deconflict.EINVALID, deconflict.EFORBIDDEN:
			line := rd.Stats().Lines
			note(line, "line "+itoa(line)+": "+lineReason(err))
		default:
			return err
		}
	}
	writeJSON(w, http.StatusOK, ans)
	return nil
}

// lineReason lists the fields at fault of a refused report, or its message.
func lineReason(err error) string {
	var de *deconflict.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return deconflict.ErrorMessage(err)
	}
	out := ""
	for i, f := range de.Fields {
		if i > 0 {
			out += "; "
		}
		out += f.Field + ": " + f.Message
	}
	return out
}

func (s *Server) getTracks(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	lv, err := s.live()
	if err != nil {
		return err
	}
	q, err := query(r, "bbox")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	var bbox *[4]float64
	if q.Has("bbox") {
		bbox = parseBBox(q.Get("bbox"), &f)
	}
	if err := f.Err(); err != nil {
		return err
	}
	ts, err := lv.Tracks(r.Context(), c, bbox)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tracks": orEmpty(ts)})
	return nil
}

func (s *Server) getAlerts(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	lv, err := s.live()
	if err != nil {
		return err
	}
	q, err := query(r, "active")
	if err != nil {
		return err
	}
	if q.Has("active") && q.Get("active") != "true" {
		return deconflict.Invalid("only the alerts in force are kept here; past alerts are in your events (GET /v1/events)",
			deconflict.FieldError{Field: "active", Message: "must be true (got " + quote(q.Get("active")) + ")"})
	}
	as, err := lv.Alerts(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": orEmpty(as)})
	return nil
}

// sharingBody is PUT /v1/tracks/sharing and its answer.
type sharingBody struct {
	ShareWith []string `json:"share_with"`
}

func (s *Server) putTrackSharing(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	lv, err := s.live()
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	var b sharingBody
	if err := decodeStrict(data, "", &b); err != nil {
		return err
	}
	if b.ShareWith == nil {
		return deconflict.Invalid("share_with is required", deconflict.FieldError{Field: "share_with",
			Message: "is required: party ids, group:NAME or all ([] shares with nobody)"})
	}
	out, err := lv.SetSharing(r.Context(), c, b.ShareWith)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sharingBody{ShareWith: orEmpty(out)})
	return nil
}

func (s *Server) getTrackSharing(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	lv, err := s.live()
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	out, err := lv.GetSharing(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sharingBody{ShareWith: orEmpty(out)})
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

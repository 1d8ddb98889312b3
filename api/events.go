package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
)

// HeartbeatInterval is how often an idle event stream sends a comment line,
// so that proxies and load balancers do not close it.
var HeartbeatInterval = 15 * time.Second

// streamPage is how many events a stream reads from the store at a time:
// what a slow client costs the server is this page, never a backlog.
const streamPage = 100

// parseInt64 reads a non-negative integer parameter.
func parseInt64(raw, name string, f *deconflict.FieldErrors) int64 {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		f.Add(name, "must be a whole number of at least 0 (got %q)", clip(raw))
		return 0
	}
	return n
}

// events is GET /v1/events: the caller's events after ?after= (or the
// Last-Event-ID header) as Server-Sent Events when the client accepts
// text/event-stream, else one page as JSON.
func (s *Server) events(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "after", "limit")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	var after int64
	if q.Has("after") {
		after = parseInt64(q.Get("after"), "after", &f)
	}
	if h := r.Header.Get("Last-Event-ID"); h != "" {
		after = parseInt64(strings.TrimSpace(h), "Last-Event-ID", &f)
	}
	limit := int64(0)
	if q.Has("limit") {
		limit = parseInt64(q.Get("limit"), "limit", &f)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		evs, err := s.cfg.Events.Events(r.Context(), c, after, int(limit))
		if err != nil {
			return err
		}
		if err := s.delivered(r, c, evs, "poll"); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"events": evs})
		return nil
	}
	return s.stream(w, r, c, after)
}

// stream writes the caller's events as they commit, from after on, until
// the client goes. Each event is read from the store, so a reconnecting
// client that sends Last-Event-ID misses nothing and is sent nothing twice.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, c deconflict.Caller, after int64) error {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	// A stream lasts as long as the client stays: no write deadline.
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // not every writer has one
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": deconflict event stream\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	beat := time.NewTicker(HeartbeatInterval)
	defer beat.Stop()
	for {
		// Wait is taken before the read: an event that commits in between
		// wakes the wait.
		wake := s.cfg.Events.Wait(c)
		evs, err := s.cfg.Events.Events(ctx, c, after, streamPage)
		if err != nil {
			if ctx.Err() == nil { // else the client has gone: nothing to report
				s.log.Warn("event stream read", "party", c.Party, "err", err)
			}
			return nil
		}
		if len(evs) > 0 {
			for _, e := range evs {
				data, err := json.Marshal(e)
				if err != nil {
					return nil
				}
				if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Kind, data); err != nil {
					return nil
				}
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
			if err := s.delivered(r, c, evs, "stream"); err != nil && ctx.Err() == nil {
				s.log.Warn("record delivery", "party", c.Party, "err", err)
			}
			after = evs[len(evs)-1].ID
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}

// delivered records the first delivery of the events that need an
// acknowledgement (the others are not proved delivered).
func (s *Server) delivered(r *http.Request, c deconflict.Caller, evs []deconflict.Event, via string) error {
	var ids []int64
	for _, e := range evs {
		if e.NeedsAck {
			ids = append(ids, e.ID)
		}
	}
	return s.cfg.Events.Delivered(r.Context(), c, ids, via)
}

// pathEventID reads the {id} of an event route.
func pathEventID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, deconflict.Errorf(deconflict.ENOTFOUND, "event %q not found: event ids are whole numbers from 1", clip(raw))
	}
	return id, nil
}

func (s *Server) ackEvent(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	id, err := pathEventID(r)
	if err != nil {
		return err
	}
	a, err := s.cfg.Events.Ack(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ack": a})
	return nil
}

// messageBody is POST /v1/messages.
type messageBody struct {
	To       []string `json:"to"`
	Text     string   `json:"text"`
	NeedsAck *bool    `json:"needs_ack"`
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	var b messageBody
	if err := decodeStrict(data, "", &b); err != nil {
		return err
	}
	m := deconflict.NewMessage{To: b.To, Text: b.Text, NeedsAck: true}
	if b.NeedsAck != nil {
		m.NeedsAck = *b.NeedsAck
	}
	sent, err := s.cfg.Events.SendMessage(r.Context(), c, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"sent": sent})
	return nil
}

// webhookBody is PUT /v1/webhooks/{id}.
type webhookBody struct {
	URL    string                 `json:"url"`
	Kinds  []deconflict.EventKind `json:"kinds"`
	Secret string                 `json:"secret"`
}

func (s *Server) putWebhook(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	var b webhookBody
	if err := decodeStrict(data, "", &b); err != nil {
		return err
	}
	wh, created, err := s.cfg.Events.PutWebhook(r.Context(), c, deconflict.Webhook{ID: id, URL: b.URL, Kinds: b.Kinds, Secret: b.Secret})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"webhook": wh})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	wh, st, err := s.cfg.Events.Webhook(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": wh, "status": st})
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	whs, err := s.cfg.Events.Webhooks(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": whs})
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Events.DeleteWebhook(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

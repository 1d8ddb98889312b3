package journal

import (
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

// eventBody returns e exactly as json.Marshal writes it, given that e.Data
// is itself the output of json.Marshal, as every event the journal writes
// has (the kind's body: a conflict, an alert, a message, an ack). It copies
// Data where json.Marshal would check and compact it again, and needs no
// reflection: the journal encodes every event it records, inside the
// single writer, to hash it. The tests hold it to json.Marshal.
func eventBody(e deconflict.Event) []byte {
	b := make([]byte, 0, 96+len(e.Kind)+len(e.Data))
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"kind":"`...)
	b = append(b, e.Kind...) // a constant of a-z and dots: nothing to escape
	b = append(b, `","time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","needs_ack":`...)
	b = strconv.AppendBool(b, e.NeedsAck)
	b = append(b, `,"data":`...)
	b = append(b, e.Data...)
	return append(b, '}')
}

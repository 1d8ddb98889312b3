package feed

import (
	"bufio"
	"errors"
	"io"
)

// lineReader hands out lines of at most max bytes. A longer line is read
// through to its end in buffer-sized pieces and reported as too long, so a
// line without end costs no more memory than a short one.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int64 // number of the line last returned
	done error // io.EOF or a read error, once met
}

func newLineReader(r io.Reader, max int) *lineReader {
	// Room for the line and its "\r\n": bufio returns the same reader when r
	// already is one this large (as Open makes it), so nothing is lost.
	return &lineReader{br: bufio.NewReaderSize(r, max+2), max: max}
}

// next returns the next line without its line end. The slice is valid until
// the next call. tooLong reports a line over the bound (line is then nil).
// err is io.EOF after the last line, or the read error.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	if l.done != nil {
		return nil, false, l.done
	}
	b, err := l.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = l.br.ReadSlice('\n')
		}
		l.line++
		if err != nil {
			l.done = err
		}
		return nil, true, nil
	}
	if err != nil {
		l.done = err
		if len(b) == 0 {
			return nil, false, err
		}
	}
	l.line++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if l.line == 1 {
		b = trimBOM(b)
	}
	if len(b) > l.max {
		return nil, true, nil
	}
	return b, false, nil
}

// fatal is the read error that ends a stream, nil for a clean end.
func fatal(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

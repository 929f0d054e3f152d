package jpegscale

import (
	"errors"
	"io"
)

// inputSize is the size of the read buffer.
const inputSize = 32 << 10

// input is a buffered reader that lets the entropy decoder look at the
// buffered bytes directly.
type input struct {
	r        io.Reader
	buf      []byte
	pos, end int
	// err is the first error r returned; io.EOF at the end of the data.
	err error
}

// fill makes at least n (at most len(buf)) bytes available from pos and
// reports whether it could.
func (in *input) fill(n int) bool {
	if in.end-in.pos >= n {
		return true
	}
	if in.pos > 0 {
		in.end = copy(in.buf, in.buf[in.pos:in.end])
		in.pos = 0
	}
	for empty := 0; in.end < n && in.err == nil; {
		m, err := in.r.Read(in.buf[in.end:])
		in.end += m
		in.err = err
		if m > 0 {
			empty = 0
		} else if empty++; empty == 100 {
			in.err = io.ErrNoProgress
		}
	}
	return in.end >= n
}

// failure is the error for data that end before a read could be met.
func (in *input) failure() error {
	if in.err == nil || errors.Is(in.err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return in.err
}

func (in *input) readByte() (byte, error) {
	if !in.fill(1) {
		return 0, in.failure()
	}
	b := in.buf[in.pos]
	in.pos++
	return b, nil
}

func (in *input) readFull(p []byte) error {
	for len(p) > 0 {
		if !in.fill(1) {
			return in.failure()
		}
		n := copy(p, in.buf[in.pos:in.end])
		in.pos += n
		p = p[n:]
	}
	return nil
}

func (in *input) discard(n int) error {
	for n > 0 {
		if !in.fill(1) {
			return in.failure()
		}
		m := min(n, in.end-in.pos)
		in.pos += m
		n -= m
	}
	return nil
}

// nextMarker returns the code of the next marker. Bytes before it that
// are not a marker are skipped, as libjpeg and image/jpeg do (some
// writers leave some after a scan).
func (in *input) nextMarker() (byte, error) {
	for {
		b, err := in.readByte()
		if err != nil {
			return 0, err
		}
		if b != 0xff {
			continue
		}
		for b == 0xff { // fill bytes
			if b, err = in.readByte(); err != nil {
				return 0, err
			}
		}
		if b != 0 { // 0xFF00 is a stuffed byte, not a marker.
			return b, nil
		}
	}
}

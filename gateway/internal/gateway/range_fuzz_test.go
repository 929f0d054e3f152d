package gateway

import (
	"fmt"
	"testing"
)

// FuzzParseRange: any Range header either is refused or yields one range
// that selects bytes as HTTP says, and that reads back the same when
// written out again.
func FuzzParseRange(f *testing.F) {
	for _, seed := range []string{
		"bytes=0-99", "bytes=100-", "bytes=-500", "bytes=-0", "bytes= 1 - 2 ", "bytes=5-4",
		"bytes=0-1,2-3", "items=0-1", "bytes=99999999999999999999-", "bytes=-", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		br, ok := parseRange(header)
		if !ok {
			return
		}
		var again string
		switch {
		case br.first == -1:
			if br.last < 0 {
				t.Fatalf("%q: suffix range with a negative length %d", header, br.last)
			}
			again = fmt.Sprintf("bytes=-%d", br.last)
		case br.first < 0:
			t.Fatalf("%q: negative first byte %d", header, br.first)
		case br.last == -1:
			again = fmt.Sprintf("bytes=%d-", br.first)
		case br.last < br.first:
			t.Fatalf("%q: last byte %d before first %d", header, br.last, br.first)
		default:
			again = fmt.Sprintf("bytes=%d-%d", br.first, br.last)
		}
		if got, ok := parseRange(again); !ok || got != br {
			t.Fatalf("%q parsed as %+v, written out as %q, which parses as %+v, %v", header, br, again, got, ok)
		}
		span, selects := br.request()
		if span.length < 0 || (br.first >= 0 && span.offset != br.first) || (br.first == -1 && selects && span.offset >= 0) {
			t.Fatalf("%q: range %+v asks for span %+v", header, br, span)
		}
	})
}

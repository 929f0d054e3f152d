package gateway

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A capped body reads no further than one byte past its limit, however
// much the client sends.
func TestCappedBodyReadsNoFurther(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int
		wantErr  error
		wantRead int
	}{
		{"under the limit", 1000, nil, 1000},
		{"at the limit", 1024, nil, 1024},
		{"over the limit", 20 << 20, errBodyTooLarge, 1025},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &countingReader{r: strings.NewReader(strings.Repeat("x", tc.size))}
			info := &requestInfo{}
			body := &cappedBody{body: io.NopCloser(src), left: 1024, info: info}
			got, err := io.ReadAll(body)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ReadAll: %v, want %v", err, tc.wantErr)
			}
			if src.n != tc.wantRead || len(got) > 1024 {
				t.Errorf("read %d bytes from the client and passed on %d; want %d and at most 1024", src.n, len(got), tc.wantRead)
			}
			if info.bodyTooLarge != (tc.wantErr != nil) {
				t.Errorf("bodyTooLarge = %v", info.bodyTooLarge)
			}
		})
	}
}

package service

import (
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// FuzzDecodePageToken: any token is refused with the field's error or
// stands for a cursor whose own token stands for it again.
func FuzzDecodePageToken(f *testing.F) {
	f.Add(encodePageToken(store.Cursor{CreateTime: time.Unix(1_700_000_000, 5), ID: "abc"}))
	for _, seed := range []string{"", "bm90IGEgdG9rZW4", "MC5h", "LTEuYQ", "!!"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := decodePageToken(token)
		if err != nil || token == "" {
			return
		}
		again, err := decodePageToken(encodePageToken(c))
		if err != nil || !again.CreateTime.Equal(c.CreateTime) || again.ID != c.ID {
			t.Fatalf("%q is %+v, whose own token is %+v, %v", token, c, again, err)
		}
	})
}

package store

import (
	"errors"
	"testing"
	"time"
)

// FuzzDecodePageToken: any token is ErrInvalidPageToken or stands for a
// cursor whose own token stands for it again.
func FuzzDecodePageToken(f *testing.F) {
	f.Add(EncodePageToken(Cursor{CreatedAt: time.Unix(1_700_000_000, 5), UserID: "u1"}))
	for _, seed := range []string{"", "bm90IGEgdG9rZW4", "MTph", "OjE", "!!"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := DecodePageToken(token)
		if err != nil {
			if !errors.Is(err, ErrInvalidPageToken) {
				t.Fatalf("%q: %v, want ErrInvalidPageToken", token, err)
			}
			return
		}
		again, err := DecodePageToken(EncodePageToken(c))
		if err != nil || !again.CreatedAt.Equal(c.CreatedAt) || again.UserID != c.UserID {
			t.Fatalf("%q is %+v, whose own token is %+v, %v", token, c, again, err)
		}
	})
}

package inbox

import (
	"errors"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// testEvent is an event whose notification id seeds the token tests.
var testEvent = activity.Event{Kind: activity.Like, ActorID: "a", RecipientID: "r", ImageID: "i"}

// FuzzDecodePageToken: any token is errInvalidPageToken or stands for a
// position whose own token stands for it again.
func FuzzDecodePageToken(f *testing.F) {
	f.Add(encodePageToken(store.NotificationCursor{EventTime: time.Unix(1_700_000_000, 5), ID: notificationID(testEvent)}))
	for _, seed := range []string{"", "bm90IGEgdG9rZW4", "AQAAAAAAAAAAAAAAAGE", "!!"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := decodePageToken(token)
		if err != nil {
			if !errors.Is(err, errInvalidPageToken) {
				t.Fatalf("%q: %v, want errInvalidPageToken", token, err)
			}
			return
		}
		if token == "" {
			return
		}
		again, err := decodePageToken(encodePageToken(c))
		if err != nil || !again.EventTime.Equal(c.EventTime) || again.ID != c.ID {
			t.Fatalf("%q is %+v, whose own token is %+v, %v", token, c, again, err)
		}
	})
}

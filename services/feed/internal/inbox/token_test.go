package inbox

import (
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

func TestPageTokenRoundTrip(t *testing.T) {
	t.Parallel()
	id := notificationID(testEvent)
	tests := []struct {
		name string
		c    store.NotificationCursor
	}{
		{"nanoseconds", store.NotificationCursor{EventTime: time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC), ID: id}},
		{"before 1970", store.NotificationCursor{EventTime: time.Date(1960, 1, 1, 0, 0, 0, 1, time.UTC), ID: id}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodePageToken(encodePageToken(tc.c))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !got.EventTime.Equal(tc.c.EventTime) || got.ID != tc.c.ID {
				t.Errorf("got %+v, want %+v", got, tc.c)
			}
		})
	}
}

func TestDecodePageTokenRefuses(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		token string
	}{
		{"not base64", "!!"},
		{"too short", "AQ"},
		{"an id too short", encodePageToken(store.NotificationCursor{EventTime: at, ID: "abc"})},
		{"an id of other characters", encodePageToken(store.NotificationCursor{EventTime: at, ID: strings.Repeat("A", notificationIDLen)})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := decodePageToken(tc.token); err != errInvalidPageToken {
				t.Errorf("got %v, want errInvalidPageToken", err)
			}
		})
	}
}

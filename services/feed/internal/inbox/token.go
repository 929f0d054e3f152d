package inbox

import (
	"encoding/base64"
	"encoding/binary"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// A page token is the inbox position the next page starts strictly
// before, opaque to clients: base64url without padding of
//
//	version (1 byte, 1) | event time seconds (8 bytes, big endian) |
//	event time nanos (4 bytes, big endian) | notification id (24 bytes)
//
// (event time, notification id) is the inbox's total order, so the next
// page starts strictly after the last notification looked at, whatever
// arrived or went in between.
const (
	tokenVersion   = 1
	tokenHeaderLen = 1 + 8 + 4
)

// errInvalidPageToken reports a page token this service did not make.
var errInvalidPageToken = errors.New("invalid page token")

// encodePageToken returns the token of the position c.
func encodePageToken(c store.NotificationCursor) string {
	ts := timestamppb.New(c.EventTime)
	b := make([]byte, tokenHeaderLen, tokenHeaderLen+len(c.ID))
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(ts.GetSeconds()))
	binary.BigEndian.PutUint32(b[9:13], uint32(ts.GetNanos()))
	b = append(b, c.ID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken returns the position a token stands for, the zero
// cursor (the newest) for the empty token, or errInvalidPageToken.
func decodePageToken(token string) (store.NotificationCursor, error) {
	if token == "" {
		return store.NotificationCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenHeaderLen+notificationIDLen || b[0] != tokenVersion {
		return store.NotificationCursor{}, errInvalidPageToken
	}
	ts := &timestamppb.Timestamp{
		Seconds: int64(binary.BigEndian.Uint64(b[1:9])),
		Nanos:   int32(binary.BigEndian.Uint32(b[9:13])),
	}
	if ts.CheckValid() != nil {
		return store.NotificationCursor{}, errInvalidPageToken
	}
	id := string(b[tokenHeaderLen:])
	for _, c := range []byte(id) {
		if !isIDByte(c) {
			return store.NotificationCursor{}, errInvalidPageToken
		}
	}
	return store.NotificationCursor{EventTime: ts.AsTime(), ID: id}, nil
}

// isIDByte reports whether c may appear in a notification id: lower-case
// base32.
func isIDByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '2' <= c && c <= '7'
}

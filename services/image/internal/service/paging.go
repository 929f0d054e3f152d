package service

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pageSize returns the page size a request asks for: 0 means the default,
// more than the maximum means the maximum.
func pageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, &fieldError{"page_size", "must not be negative"}
	case n == 0:
		return defaultPageSize, nil
	}
	return min(int(n), maxPageSize), nil
}

// encodePageToken returns the opaque token of the page after c:
// base64url("<created_ts nanoseconds>.<image_id>").
func encodePageToken(c store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreateTime.UnixNano(), 10) + "." + c.ID))
}

// decodePageToken returns the cursor of token; the zero Cursor for "".
func decodePageToken(token string) (store.Cursor, error) {
	if token == "" {
		return store.Cursor{}, nil
	}
	invalid := &fieldError{"page_token", "invalid"}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return store.Cursor{}, invalid
	}
	nanos, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil || id == "" || n <= 0 {
		return store.Cursor{}, invalid
	}
	return store.Cursor{CreateTime: time.Unix(0, n).UTC(), ID: id}, nil
}

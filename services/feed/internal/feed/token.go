package feed

import (
	"encoding/base64"
	"encoding/binary"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// A page token is the position of the last photo of a page, opaque to
// clients: base64url without padding of
//
//	version (1 byte, 1) | create_time seconds (8 bytes, big endian) |
//	create_time nanos (4 bytes, big endian) | image_id (1-64 bytes)
//
// (create_time, image_id) is the timeline's total order, so the next page
// starts strictly after it whatever was posted or deleted in between.
const (
	tokenVersion    = 1
	tokenHeaderLen  = 1 + 8 + 4
	maxTokenImageID = 64
)

// errInvalidPageToken reports a page token this service did not make.
var errInvalidPageToken = errors.New("invalid page token")

// encodePageToken returns the token of the position just after img.
func encodePageToken(img *imagev1.Image) string {
	ts := img.GetCreateTime()
	b := make([]byte, tokenHeaderLen, tokenHeaderLen+len(img.GetImageId()))
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(ts.GetSeconds()))
	binary.BigEndian.PutUint32(b[9:13], uint32(ts.GetNanos()))
	b = append(b, img.GetImageId()...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken returns the position a token stands for, store.Top for
// the empty token (the first page), or errInvalidPageToken.
func decodePageToken(token string) (store.Position, error) {
	if token == "" {
		return store.Top, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= tokenHeaderLen || len(b) > tokenHeaderLen+maxTokenImageID || b[0] != tokenVersion {
		return store.Position{}, errInvalidPageToken
	}
	ts := &timestamppb.Timestamp{
		Seconds: int64(binary.BigEndian.Uint64(b[1:9])),
		Nanos:   int32(binary.BigEndian.Uint32(b[9:13])),
	}
	if ts.CheckValid() != nil {
		return store.Position{}, errInvalidPageToken
	}
	id := string(b[tokenHeaderLen:])
	for _, c := range []byte(id) {
		if !isIDByte(c) {
			return store.Position{}, errInvalidPageToken
		}
	}
	return store.Position{CreatedAt: ts.AsTime(), ImageID: id}, nil
}

// isIDByte reports whether c may appear in an image id: ids are URL-safe.
func isIDByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

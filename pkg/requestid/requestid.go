// Package requestid carries a request id through a chain of gRPC calls.
//
// The id travels in the metadata key "x-request-id". A server takes it from
// the incoming metadata (or makes a new one), puts it on the context with
// WithID, and AppendOutgoing copies it to the calls it makes.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"google.golang.org/grpc/metadata"
)

// MetadataKey is the gRPC metadata key that carries the request id.
const MetadataKey = "x-request-id"

// Header is the HTTP header that carries the request id.
const Header = "X-Request-Id"

// maxLen bounds the length of an id accepted from a peer.
const maxLen = 128

// New returns a fresh random id: 16 random bytes as 32 hex digits.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error.
	return hex.EncodeToString(b[:])
}

// FromIncoming returns the request id of the incoming metadata of ctx. An id
// that is empty, longer than 128 bytes or holds characters other than ASCII
// letters, digits and "-_.:" is ignored, so peers cannot inject arbitrary text
// into logs.
func FromIncoming(ctx context.Context) (string, bool) {
	values := metadata.ValueFromIncomingContext(ctx, MetadataKey)
	if len(values) == 0 || !valid(values[0]) {
		return "", false
	}
	return values[0], true
}

// FromHeader returns the request id of an HTTP request's headers, when it
// is valid as FromIncoming says.
func FromHeader(h http.Header) (string, bool) {
	id := h.Get(Header)
	return id, valid(id)
}

func valid(id string) bool {
	if id == "" || len(id) > maxLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

type contextKey struct{}

// WithID returns a copy of ctx carrying id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, contextKey{}, id)
}

// FromContext returns the request id carried by ctx.
func FromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(contextKey{}).(string)
	return id, ok && id != ""
}

// AppendOutgoing returns ctx with the request id it carries added to the
// outgoing metadata, unless ctx carries none or the outgoing metadata has an
// id already.
func AppendOutgoing(ctx context.Context) context.Context {
	id, ok := FromContext(ctx)
	if !ok {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(MetadataKey)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, id)
}

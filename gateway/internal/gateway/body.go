package gateway

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultMaxJSONBytes bounds a JSON request body when Config.MaxJSONBytes is
// zero.
const DefaultMaxJSONBytes = 64 << 10

// errBodyTooLarge is what a capped body's Read returns past its limit.
var errBodyTooLarge = errors.New("request body too large")

// isUploadRoute reports whether r is one of the multipart uploads, which
// read their bodies themselves, under FOTOGAL_MAX_UPLOAD_BYTES.
func isUploadRoute(r *http.Request) bool {
	return (r.Method == http.MethodPost && r.URL.Path == uploadImageRoute.pattern) ||
		(r.Method == http.MethodPut && r.URL.Path == setAvatarRoute.pattern)
}

// checkJSONBody refuses, before anything reads it, a body that a JSON route
// must not take: one that is not application/json (415: a page of another
// site cannot send JSON without a preflight), or one whose declared length
// is over the limit (413). A body of unknown length is capped instead, so
// that the gateway reads no further than the limit.
func (g *Gateway) checkJSONBody(r *http.Request) error {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	if r.ContentLength == 0 || isUploadRoute(r) {
		return nil
	}
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
		return &runtime.HTTPStatusError{
			HTTPStatus: http.StatusUnsupportedMediaType,
			Err:        status.Error(codes.InvalidArgument, "the request body must be application/json"),
		}
	}
	if r.ContentLength > g.cfg.MaxJSONBytes {
		return g.bodyTooLarge()
	}
	r.Body = &cappedBody{body: r.Body, left: g.cfg.MaxJSONBytes, info: requestInfoFrom(r.Context())}
	return nil
}

// bodyTooLarge is the answer to a JSON body over the limit.
func (g *Gateway) bodyTooLarge() error {
	return &runtime.HTTPStatusError{
		HTTPStatus: http.StatusRequestEntityTooLarge,
		Err:        status.Error(codes.InvalidArgument, "request body too large: at most "+formatBytes(g.cfg.MaxJSONBytes)),
	}
}

// cappedBody reads a request body up to a limit, and fails past it,
// noting in the request's info that it did.
type cappedBody struct {
	body io.ReadCloser
	left int64
	info *requestInfo
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	// One byte more than the limit tells a body at it from one over it.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		b.info.bodyTooLarge = true
		return n + int(b.left), errBodyTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.body.Close() }

package gateway

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"
	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// registerContentRoutes adds the routes of image bytes, which grpc-gateway
// cannot generate, to the mux: they share its metadata, errors and
// middleware.
func (g *Gateway) registerContentRoutes() error {
	images := g.serveContent(imageContentRoute)
	if g.imageContent != nil {
		images = g.contentProxy(g.imageContent)
	}
	routes := []struct {
		method, pattern string
		handler         runtime.HandlerFunc
	}{
		{http.MethodPost, uploadImageRoute.pattern, g.serveUpload(uploadImageRoute)},
		{http.MethodPut, setAvatarRoute.pattern, g.serveUpload(setAvatarRoute)},
		{http.MethodGet, imageContentRoute.pattern, images},
		{http.MethodGet, avatarContentRoute.pattern, g.serveContent(avatarContentRoute)},
	}
	for _, r := range routes {
		if err := g.mux.HandlePath(r.method, r.pattern, r.handler); err != nil {
			return err
		}
	}
	return nil
}

// contentMessage is one message of a content stream: a ContentInfo first,
// then chunks.
type contentMessage interface {
	GetInfo() *imagev1.ContentInfo
	GetChunk() []byte
}

// recvContent receives the next message of a content stream.
type recvContent func() (contentMessage, error)

// byteSpan is a span of an object's bytes; length 0 runs to the end.
type byteSpan struct {
	offset, length int64
}

// contentRoute is a route that streams an object's bytes from the image
// service.
type contentRoute struct {
	// rpc is the full name of the streaming method.
	rpc string
	// pattern is the HTTP path pattern.
	pattern string
	// cacheControl is the response's Cache-Control.
	cacheControl string
	// ranges says the RPC serves byte ranges.
	ranges bool
	// open checks the request and starts the stream of span.
	open func(ctx context.Context, c imagev1.ImageServiceClient, r *http.Request, pathParams map[string]string, span byteSpan) (recvContent, error)
}

var (
	imageContentRoute = contentRoute{
		rpc:     imagev1.ImageService_GetImageContent_FullMethodName,
		pattern: "/v1/images/{image_id}/content",
		// A variant's bytes never change; access to them may, so the
		// browser alone keeps them, and not for long.
		cacheControl: "private, max-age=3600",
		ranges:       true,
		open: func(ctx context.Context, c imagev1.ImageServiceClient, r *http.Request, pathParams map[string]string, span byteSpan) (recvContent, error) {
			size, err := imageSize(r.URL.Query().Get("size"))
			if err != nil {
				return nil, err
			}
			s, err := c.GetImageContent(ctx, &imagev1.GetImageContentRequest{
				ImageId:     pathParams["image_id"],
				Size:        size,
				Offset:      span.offset,
				Length:      span.length,
				IfNoneMatch: r.Header.Get("If-None-Match"),
			})
			if err != nil {
				return nil, err
			}
			return func() (contentMessage, error) { return s.Recv() }, nil
		},
	}
	avatarContentRoute = contentRoute{
		rpc:     imagev1.ImageService_GetAvatar_FullMethodName,
		pattern: "/v1/users/{username}/avatar",
		// The avatar behind this address changes: revalidate every time.
		cacheControl: "private, no-cache",
		open: func(ctx context.Context, c imagev1.ImageServiceClient, r *http.Request, pathParams map[string]string, _ byteSpan) (recvContent, error) {
			s, err := c.GetAvatar(ctx, &imagev1.GetAvatarRequest{
				Username:    pathParams["username"],
				IfNoneMatch: r.Header.Get("If-None-Match"),
			})
			if err != nil {
				return nil, err
			}
			return func() (contentMessage, error) { return s.Recv() }, nil
		},
	}
)

// imageSize parses the size query parameter; empty means display.
func imageSize(q string) (imagev1.ImageSize, error) {
	switch q {
	case "", "display":
		return imagev1.ImageSize_IMAGE_SIZE_DISPLAY, nil
	case "thumb":
		return imagev1.ImageSize_IMAGE_SIZE_THUMB, nil
	case "original":
		return imagev1.ImageSize_IMAGE_SIZE_ORIGINAL, nil
	}
	return 0, grpcerr.InvalidArgument("size", "must be thumb, display or original")
}

// serveContent streams an object's bytes to the client as they arrive, with
// conditional requests (If-None-Match → 304) and, where the route allows,
// one byte range (Range → 206, or 416 when it lies past the end).
func (g *Gateway) serveContent(route contentRoute) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, pathParams map[string]string) {
		ctx, err := runtime.AnnotateContext(r.Context(), g.mux, r, route.rpc, runtime.WithHTTPPathPattern(route.pattern))
		if err != nil {
			g.writeError(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", route.cacheControl)

		span, partial := byteSpan{}, false
		if rng, ok := parseRange(r.Header.Get("Range")); ok && route.ranges {
			span, partial = rng.request()
			if !partial {
				g.rangeNotSatisfiable(ctx, w, r, route, pathParams)
				return
			}
		}

		streamCtx, cancelStream := context.WithCancel(ctx)
		defer cancelStream()
		recv, info, err := g.openContent(streamCtx, route, r, pathParams, span)
		if status.Code(err) == codes.OutOfRange {
			g.rangeNotSatisfiable(ctx, w, r, route, pathParams)
			return
		}
		if err != nil {
			g.writeError(w, r, err)
			return
		}
		if info.GetNotModified() {
			writeNotModified(w, info)
			return
		}
		// A range of another version of the object than the client holds is
		// no use to it: the whole object instead.
		if ifRange := r.Header.Get("If-Range"); partial && ifRange != "" && ifRange != info.GetEtag() {
			cancelStream()
			wholeCtx, cancelWhole := context.WithCancel(ctx)
			defer cancelWhole()
			if recv, info, err = g.openContent(wholeCtx, route, r, pathParams, byteSpan{}); err != nil {
				g.writeError(w, r, err)
				return
			}
			partial = false
		}
		setContentHeaders(h, info, route.ranges)
		code := http.StatusOK
		if partial {
			code = http.StatusPartialContent
			h.Set("Content-Range", "bytes "+strconv.FormatInt(info.GetOffset(), 10)+"-"+
				strconv.FormatInt(info.GetOffset()+info.GetLength()-1, 10)+"/"+strconv.FormatInt(info.GetTotalSize(), 10))
		}
		w.WriteHeader(code)
		if err := copyChunks(w, recv); err != nil {
			// The status is sent: the short body (Content-Length is set)
			// makes the server close the connection, and the client see
			// the cut.
			logging.FromContext(ctx).Warn("content stream cut", zap.Error(err))
		}
	}
}

// openContent starts the stream of span of the object route serves for r
// and receives its ContentInfo.
func (g *Gateway) openContent(ctx context.Context, route contentRoute, r *http.Request, pathParams map[string]string, span byteSpan) (recvContent, *imagev1.ContentInfo, error) {
	recv, err := route.open(ctx, g.image, r, pathParams, span)
	if err != nil {
		return nil, nil, err
	}
	info, err := firstInfo(recv)
	return recv, info, err
}

// rangeNotSatisfiable answers 416 with the object's size, which it asks
// for (the first byte only): this is the one answer that needs the size
// before the bytes.
func (g *Gateway) rangeNotSatisfiable(ctx context.Context, w http.ResponseWriter, r *http.Request, route contentRoute, pathParams map[string]string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, info, err := g.openContent(ctx, route, r, pathParams, byteSpan{length: 1})
	if err != nil && status.Code(err) != codes.OutOfRange {
		g.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(info.GetTotalSize(), 10))
	g.writeError(w, r, &runtime.HTTPStatusError{
		HTTPStatus: http.StatusRequestedRangeNotSatisfiable,
		Err:        status.Error(codes.OutOfRange, "range not satisfiable"),
	})
}

// firstInfo receives the ContentInfo that opens a content stream.
func firstInfo(recv recvContent) (*imagev1.ContentInfo, error) {
	msg, err := recv()
	if err != nil {
		return nil, err
	}
	if info := msg.GetInfo(); info != nil {
		return info, nil
	}
	return nil, status.Error(codes.Internal, "content stream did not start with its description")
}

func setContentHeaders(h http.Header, info *imagev1.ContentInfo, ranges bool) {
	contentType := info.GetContentType()
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(info.GetLength(), 10))
	setValidators(h, info)
	if ranges {
		h.Set("Accept-Ranges", "bytes")
	} else {
		h.Set("Accept-Ranges", "none")
	}
}

func setValidators(h http.Header, info *imagev1.ContentInfo) {
	if etag := info.GetEtag(); etag != "" {
		h.Set("ETag", etag)
	}
	if info.GetModifyTime() != nil {
		h.Set("Last-Modified", info.GetModifyTime().AsTime().UTC().Format(http.TimeFormat))
	}
}

func writeNotModified(w http.ResponseWriter, info *imagev1.ContentInfo) {
	setValidators(w.Header(), info)
	w.WriteHeader(http.StatusNotModified)
}

// copyChunks writes the chunks of a content stream to w until it ends.
func copyChunks(w io.Writer, recv recvContent) error {
	for {
		msg, err := recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := w.Write(msg.GetChunk()); err != nil {
			return err
		}
	}
}

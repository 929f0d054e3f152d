package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/fotogal/fotogal/pkg/grpcerr"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

const (
	// chunkSize is the size of the chunks a file is sent upstream in.
	chunkSize = 64 << 10
	// multipartOverhead bounds what an upload's body may hold besides the
	// file: boundaries, part headers, the caption.
	multipartOverhead = 1 << 20
	// maxCaptionBytes bounds the caption part: 2,200 characters of at most
	// 4 bytes each (the image service checks the characters).
	maxCaptionBytes = 4 * 2200
)

// errFileTooLarge says an uploaded file is over Config.MaxUploadBytes.
var errFileTooLarge = errors.New("file too large")

// uploadRoute is a route that streams a multipart upload to the image
// service.
type uploadRoute struct {
	// rpc is the full name of the streaming method.
	rpc string
	// pattern is the HTTP path pattern.
	pattern string
	// withCaption says the form may hold a caption part.
	withCaption bool
	// open starts the upload stream.
	open func(ctx context.Context, c imagev1.ImageServiceClient) (uploadStream, error)
}

// uploadStream is the client side of an upload: one metadata message, first
// or last, and the file's chunks.
type uploadStream interface {
	sendMetadata(*imagev1.UploadMetadata) error
	sendChunk([]byte) error
	closeAndRecv() (proto.Message, error)
}

var (
	uploadImageRoute = uploadRoute{
		rpc:         imagev1.ImageService_UploadImage_FullMethodName,
		pattern:     "/v1/images",
		withCaption: true,
		open: func(ctx context.Context, c imagev1.ImageServiceClient) (uploadStream, error) {
			s, err := c.UploadImage(ctx)
			return imageUpload{s}, err
		},
	}
	setAvatarRoute = uploadRoute{
		rpc:     imagev1.ImageService_SetAvatar_FullMethodName,
		pattern: "/v1/me/avatar",
		open: func(ctx context.Context, c imagev1.ImageServiceClient) (uploadStream, error) {
			s, err := c.SetAvatar(ctx)
			return avatarUpload{s}, err
		},
	}
)

// serveUpload streams the file of a multipart form to route's RPC as it
// arrives, never holding more than a chunk, and answers with the RPC's
// response as JSON. A file over the limit cancels the stream, so that the
// service stores nothing, and gets 413.
func (g *Gateway) serveUpload(route uploadRoute) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		body := http.MaxBytesReader(w, r.Body, g.cfg.MaxUploadBytes+multipartOverhead)
		r.Body = body
		ctx, err := runtime.AnnotateContext(ctx, g.mux, r, route.rpc, runtime.WithHTTPPathPattern(route.pattern))
		if err != nil {
			g.writeError(w, r, err)
			return
		}
		resp, err := g.upload(ctx, r, route)
		if err != nil {
			cancel()
			// Read what the client still sends (bounded by MaxBytesReader),
			// so that it gets to read the answer instead of a reset.
			_, _ = io.Copy(io.Discard, body)
			g.writeError(w, r, g.uploadError(err))
			return
		}
		g.forward(ctx, w, r, resp)
	}
}

// upload reads r's parts in order and streams them to route's RPC: the
// metadata goes first when the caption came before the file (or the route
// takes none), else last.
func (g *Gateway) upload(ctx context.Context, r *http.Request, route uploadRoute) (proto.Message, error) {
	form, err := r.MultipartReader()
	if err != nil {
		return nil, grpcerr.InvalidArgument("body", "must be multipart/form-data")
	}
	stream, err := route.open(ctx, g.image)
	if err != nil {
		return nil, err
	}
	var (
		meta                            imagev1.UploadMetadata
		captionSeen, fileSeen, metaSent bool
	)
	for {
		part, err := form.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError(err)
		}
		switch part.FormName() {
		case "caption":
			if !route.withCaption {
				continue
			}
			if captionSeen {
				return nil, grpcerr.InvalidArgument("caption", "must be sent once")
			}
			captionSeen = true
			if meta.Caption, err = readCaption(part); err != nil {
				return nil, err
			}
		case "file":
			if fileSeen {
				return nil, grpcerr.InvalidArgument("file", "must be sent once")
			}
			fileSeen = true
			// A name is kept for what it says, not refused for its bytes.
			meta.Filename = strings.ToValidUTF8(part.FileName(), "\uFFFD")
			if captionSeen || !route.withCaption {
				if err := stream.sendMetadata(&meta); err != nil {
					return nil, streamError(stream, err)
				}
				metaSent = true
			}
			if err := g.sendFile(stream, part); err != nil {
				return nil, err
			}
		}
	}
	if !fileSeen {
		return nil, grpcerr.InvalidArgument("file", "missing")
	}
	if !metaSent {
		if err := stream.sendMetadata(&meta); err != nil {
			return nil, streamError(stream, err)
		}
	}
	return stream.closeAndRecv()
}

// sendFile sends part in chunks of chunkSize, failing with errFileTooLarge
// before the first byte over the limit goes out.
func (g *Gateway) sendFile(stream uploadStream, part io.Reader) error {
	buf := make([]byte, chunkSize)
	var size int64
	for {
		n, err := fill(part, buf)
		if n > 0 {
			if size += int64(n); size > g.cfg.MaxUploadBytes {
				return errFileTooLarge
			}
			if err := stream.sendChunk(buf[:n]); err != nil {
				return streamError(stream, err)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
	}
}

// fill reads into buf until it is full or r ends; it returns io.EOF only at
// the end of r.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func readCaption(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxCaptionBytes+1))
	if err != nil {
		return "", bodyError(err)
	}
	if len(b) > maxCaptionBytes {
		return "", grpcerr.InvalidArgument("caption", "too long")
	}
	if !utf8.Valid(b) {
		return "", grpcerr.InvalidArgument("caption", "must be UTF-8 text")
	}
	return string(b), nil
}

// bodyError is the error for a request body that could not be read.
func bodyError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	return grpcerr.InvalidArgument("body", "malformed multipart form")
}

// streamError returns the status that ended stream when a send failed with
// io.EOF (the service ended the call early), else err.
func streamError(stream uploadStream, err error) error {
	if err == io.EOF {
		_, err = stream.closeAndRecv()
	}
	return err
}

// uploadError maps an upload's failure to what the client gets: a file or
// body too large, or a ResourceExhausted answer about the file, is 413. A
// ResourceExhausted answer that says when to retry is throttling, and stays
// 429 with Retry-After.
func (g *Gateway) uploadError(err error) error {
	_, bodyTooLarge := errors.AsType[*http.MaxBytesError](err)
	switch {
	case bodyTooLarge, errors.Is(err, errFileTooLarge):
		msg := "file too large: at most " + formatBytes(g.cfg.MaxUploadBytes)
		return &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge, Err: status.Error(codes.ResourceExhausted, msg)}
	case status.Code(err) == codes.ResourceExhausted:
		if _, throttled := retryAfterSeconds(status.Convert(err)); throttled {
			return err
		}
		return &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestEntityTooLarge, Err: err}
	}
	return err
}

// formatBytes writes n in the largest binary unit that divides it.
func formatBytes(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// imageUpload is the stream of UploadImage.
type imageUpload struct {
	grpc.ClientStreamingClient[imagev1.UploadImageRequest, imagev1.UploadImageResponse]
}

func (s imageUpload) sendMetadata(m *imagev1.UploadMetadata) error {
	return s.Send(&imagev1.UploadImageRequest{Data: &imagev1.UploadImageRequest_Metadata{Metadata: m}})
}

func (s imageUpload) sendChunk(b []byte) error {
	return s.Send(&imagev1.UploadImageRequest{Data: &imagev1.UploadImageRequest_Chunk{Chunk: b}})
}

func (s imageUpload) closeAndRecv() (proto.Message, error) {
	resp, err := s.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// avatarUpload is the stream of SetAvatar.
type avatarUpload struct {
	grpc.ClientStreamingClient[imagev1.SetAvatarRequest, imagev1.SetAvatarResponse]
}

func (s avatarUpload) sendMetadata(m *imagev1.UploadMetadata) error {
	return s.Send(&imagev1.SetAvatarRequest{Data: &imagev1.SetAvatarRequest_Metadata{Metadata: m}})
}

func (s avatarUpload) sendChunk(b []byte) error {
	return s.Send(&imagev1.SetAvatarRequest{Data: &imagev1.SetAvatarRequest_Chunk{Chunk: b}})
}

func (s avatarUpload) closeAndRecv() (proto.Message, error) {
	resp, err := s.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

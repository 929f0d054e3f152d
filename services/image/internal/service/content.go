package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fotogal/fotogal/pkg/authn"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// chunkSize is the size of the chunks of a content stream.
const chunkSize = 64 << 10

// GetImageContent streams a variant of a photo the caller may see.
func (s *Server) GetImageContent(req *imagev1.GetImageContentRequest, stream imagev1.ImageService_GetImageContentServer) error {
	ctx := stream.Context()
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return err
	}
	img, err := s.visiblePhoto(ctx, caller.UserID, req.GetImageId())
	if err != nil {
		return toStatus(ctx, err)
	}
	variant := img.Display
	switch req.GetSize() {
	case imagev1.ImageSize_IMAGE_SIZE_THUMB:
		variant = img.Thumb
	case imagev1.ImageSize_IMAGE_SIZE_ORIGINAL:
		variant = img.Original
	}
	err = s.sendContent(ctx, variant, img.CreateTime, contentRange{req.GetOffset(), req.GetLength(), req.GetIfNoneMatch()},
		func(info *imagev1.ContentInfo) error {
			return stream.Send(&imagev1.GetImageContentResponse{Data: &imagev1.GetImageContentResponse_Info{Info: info}})
		},
		func(chunk []byte) error {
			return stream.Send(&imagev1.GetImageContentResponse{Data: &imagev1.GetImageContentResponse_Chunk{Chunk: chunk}})
		})
	return toStatus(ctx, err)
}

// contentRange is the part of an object a client asks for.
type contentRange struct {
	offset, length int64
	ifNoneMatch    string
}

// sendContent sends a ContentInfo and then the requested bytes of v, read
// from the bucket chunk by chunk; only the ContentInfo when the client's
// entity tag matches.
func (s *Server) sendContent(ctx context.Context, v store.Variant, written time.Time, want contentRange,
	sendInfo func(*imagev1.ContentInfo) error, sendChunk func([]byte) error) error {
	info := &imagev1.ContentInfo{
		ContentType: v.ContentType,
		TotalSize:   v.Size,
		Etag:        etag(v),
		ModifyTime:  timestamppb.New(written),
	}
	if etagMatches(want.ifNoneMatch, info.Etag) {
		info.NotModified = true
		return sendInfo(info)
	}
	offset, length := want.offset, want.length
	if length < 0 {
		return &fieldError{"length", "must not be negative"}
	}
	if offset < 0 { // The last -offset bytes.
		if v.Size == 0 {
			return errOutOfRange
		}
		offset, length = max(v.Size+offset, 0), 0
	}
	if offset > 0 && offset >= v.Size {
		return errOutOfRange
	}
	if length == 0 || length > v.Size-offset {
		length = v.Size - offset
	}
	info.Offset, info.Length = offset, length

	r, _, err := s.bucket.Open(ctx, v.Object)
	if err != nil {
		return fmt.Errorf("open content: %w", err)
	}
	defer r.Close()
	if _, err := r.Seek(info.Offset, io.SeekStart); err != nil {
		return fmt.Errorf("seek content: %w", err)
	}
	if err := sendInfo(info); err != nil {
		return err
	}
	body := io.LimitReader(r, info.Length)
	for {
		// A fresh buffer each time: a sent message must not change.
		chunk := make([]byte, chunkSize)
		n, err := io.ReadFull(body, chunk)
		if n > 0 {
			if err := sendChunk(chunk[:n]); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read content: %w", err)
		}
	}
}

// etag returns the strong entity tag of a variant: the first 128 bits of
// its SHA-256, quoted.
func etag(v store.Variant) string {
	return `"` + v.SHA256[:min(32, len(v.SHA256))] + `"`
}

// etagMatches reports whether an If-None-Match value (a list of entity
// tags, or "*") matches tag, by the weak comparison HTTP uses for it.
func etagMatches(ifNoneMatch, tag string) bool {
	for candidate := range strings.SplitSeq(ifNoneMatch, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == tag {
			return true
		}
	}
	return false
}

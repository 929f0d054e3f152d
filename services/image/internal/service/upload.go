package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/imaging"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// maxFilename bounds the client's file name kept, in bytes.
const maxFilename = 255

// UploadImage spools the upload, renders it and records the new photo.
func (s *Server) UploadImage(stream imagev1.ImageService_UploadImageServer) error {
	ctx := stream.Context()
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return err
	}
	// Counted before a byte is received: a refused upload costs nothing.
	if err := s.countUpload(ctx, caller.UserID); err != nil {
		return err
	}
	img, err := s.upload(ctx, caller.UserID, false, func() (uploadMessage, error) { return stream.Recv() })
	if err != nil {
		return toStatus(ctx, err)
	}
	s.recordCaptionMentions(ctx, img, "")
	s.indexTags(ctx, img, "")
	out, err := s.decorate(ctx, caller.UserID, []store.Image{img})
	if err != nil {
		return toStatus(ctx, err)
	}
	return stream.SendAndClose(&imagev1.UploadImageResponse{Image: out[0]})
}

// uploadMessage is a message of an upload stream (UploadImageRequest,
// SetAvatarRequest).
type uploadMessage interface {
	GetMetadata() *imagev1.UploadMetadata
	GetChunk() []byte
}

// upload receives an upload stream and stores the image it carries.
func (s *Server) upload(ctx context.Context, ownerID string, isProfile bool, recv func() (uploadMessage, error)) (store.Image, error) {
	file, size, meta, err := s.receive(recv, isProfile)
	if file != nil {
		defer func() {
			file.Close()
			os.Remove(file.Name())
		}()
	}
	if err != nil {
		return store.Image{}, err
	}
	return s.ingest(ctx, ownerID, isProfile, meta, file, size)
}

// receive spools an upload stream's chunks to a temporary file, which the
// caller closes and removes (also on error, when it is not nil). The
// metadata message may come first or last.
func (s *Server) receive(recv func() (uploadMessage, error), isProfile bool) (*os.File, int64, *imagev1.UploadMetadata, error) {
	file, err := os.CreateTemp(s.cfg.SpoolDir, "upload-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("create spool file: %w", err)
	}
	var (
		meta            *imagev1.UploadMetadata
		size            int64
		metaAfterChunks bool
	)
	for {
		msg, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return file, 0, nil, err
		}
		if m := msg.GetMetadata(); m != nil {
			if meta != nil {
				return file, 0, nil, &fieldError{"metadata", "must be sent once"}
			}
			if !isProfile {
				if err := checkLength("caption", m.GetCaption(), maxCaption); err != nil {
					return file, 0, nil, err
				}
			}
			meta, metaAfterChunks = m, size > 0
			continue
		}
		if metaAfterChunks {
			return file, 0, nil, &fieldError{"metadata", "must come before or after all the chunks"}
		}
		chunk := msg.GetChunk()
		if size+int64(len(chunk)) > s.cfg.MaxUploadBytes {
			return file, 0, nil, &tooLargeError{limit: s.cfg.MaxUploadBytes}
		}
		if _, err := file.Write(chunk); err != nil {
			return file, 0, nil, fmt.Errorf("spool upload: %w", err)
		}
		size += int64(len(chunk))
	}
	if meta == nil {
		meta = &imagev1.UploadMetadata{}
	}
	return file, size, meta, nil
}

// ingest checks and renders the spooled file, writes its renditions to the
// bucket, then records the image. On failure it removes what it wrote.
func (s *Server) ingest(ctx context.Context, ownerID string, isProfile bool, meta *imagev1.UploadMetadata, file *os.File, size int64) (store.Image, error) {
	info, err := imaging.Inspect(file, size, s.cfg.Limits)
	if err != nil {
		return store.Image{}, err
	}
	releasePixels, err := s.acquirePixels(ctx, info.Footprint())
	if err != nil {
		return store.Image{}, err
	}
	defer releasePixels()
	release, err := s.acquire(ctx)
	if err != nil {
		return store.Image{}, err
	}
	defer release()
	res, err := imaging.Render(file, size, info)
	if err != nil {
		return store.Image{}, err
	}

	img := store.Image{
		ID:               newID(),
		OwnerID:          ownerID,
		IsProfile:        isProfile,
		OriginalFilename: clientFilename(meta.GetFilename()),
	}
	if !isProfile {
		img.Caption = meta.GetCaption()
	}
	if err := s.putRenditions(ctx, &img, res); err != nil {
		return store.Image{}, err
	}
	img.CreateTime = now()
	img.UpdateTime = img.CreateTime
	if err := s.store.CreateImage(ctx, img); err != nil {
		s.deleteObjects(ctx, img.Original.Object, img.Display.Object, img.Thumb.Object)
		return store.Image{}, fmt.Errorf("create image: %w", err)
	}
	return img, nil
}

// putRenditions encodes the renditions of img into the bucket, all three
// at once (the original, re-encoded when it is turned, takes longest), and
// records them in img. On failure it removes what it wrote.
func (s *Server) putRenditions(ctx context.Context, img *store.Image, res imaging.Result) error {
	renditions := []struct {
		name      string
		rendition imaging.Rendition
		variant   *store.Variant
	}{
		{"original", res.Original, &img.Original},
		{"display", res.Display, &img.Display},
		{"thumb", res.Thumb, &img.Thumb},
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(renditions))
	names := make([]string, len(renditions))
	var wg sync.WaitGroup
	for i, r := range renditions {
		names[i] = objectName(img.ID, r.name, r.rendition.Format)
		wg.Go(func() {
			obj, err := s.put(ctx, names[i], r.rendition.Encode)
			if err != nil {
				errs[i] = err
				cancel() // The image fails whole: the others need not finish.
				return
			}
			*r.variant = store.Variant{
				Object:      names[i],
				ContentType: r.rendition.Format.ContentType(),
				Size:        obj.Size,
				Width:       r.rendition.Width,
				Height:      r.rendition.Height,
				SHA256:      obj.SHA256,
			}
		})
	}
	wg.Wait()
	var written []string
	var failure error
	for i, err := range errs {
		switch {
		case err == nil:
			written = append(written, names[i])
		case failure == nil || errors.Is(failure, context.Canceled):
			failure = err // The first cause, rather than a cancellation it caused.
		}
	}
	if failure != nil {
		s.deleteObjects(ctx, written...)
		return failure
	}
	return nil
}

// put streams what encode writes into the bucket object name.
func (s *Server) put(ctx context.Context, name string, encode func(io.Writer) error) (bucket.ObjectInfo, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(encode(pw))
	}()
	obj, err := s.bucket.Put(ctx, name, pr)
	pr.CloseWithError(io.ErrClosedPipe) // Stops the encoder if Put gave up early.
	<-done
	if err != nil {
		return bucket.ObjectInfo{}, fmt.Errorf("write %s: %w", name, err)
	}
	return obj, nil
}

// deleteObjects removes objects, best effort: what it fails to remove is
// left to the sweeper. It runs even when ctx is cancelled.
func (s *Server) deleteObjects(ctx context.Context, names ...string) {
	ctx = context.WithoutCancel(ctx)
	for _, name := range names {
		if err := s.bucket.Delete(ctx, name); err != nil {
			logging.FromContext(ctx).Warn("delete object; the sweeper will retry", zap.String("object", name), zap.Error(err))
		}
	}
}

// clientFilename returns the last element of a client's file name, at
// most maxFilename bytes of valid UTF-8.
func clientFilename(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	for len(name) > maxFilename {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return name
}

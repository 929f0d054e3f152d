// Package service implements the image service's gRPC API: the public
// ImageService (uploads, variants, access-controlled downloads, captions,
// reactions, comments, avatars) and the ImageInternalService the feed and
// the user service call, which includes the activity log of likes,
// comments and mentions that the feed turns into notifications, and the
// image service's part of deleting an account.
//
// An upload is spooled to a temporary file (never held whole in memory),
// identified from its content, checked, rendered in a bounded pool of
// workers within a budget of decoded pixels (so that memory is bounded by
// the pixels in flight, not by the number of uploads), written to the
// bucket and then recorded in the store; when the
// row cannot be written the objects are removed, and when the process dies
// in between, the sweeper reclaims them. Deletion goes the other way: the
// row first, then the objects.
package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"

	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/imaging"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// Config is what the service needs to know beyond its ports.
type Config struct {
	// MaxUploadBytes bounds the size of an uploaded file.
	MaxUploadBytes int64
	// Limits bound the dimensions of an uploaded image.
	Limits imaging.Limits
	// Workers bounds how many images are decoded and rendered at once.
	Workers int
	// PixelBudget bounds the decoded pixels held at once, as
	// imaging.Info.Footprint counts them (4 bytes each); 0 means
	// DefaultPixelBudget. An image larger than the budget waits until it
	// can run alone.
	PixelBudget int64
	// SpoolDir is the directory of the temporary files uploads are spooled
	// to.
	SpoolDir string
	// ContentAccessTTL is how long the content route keeps an access
	// decision, and browsers a variant; zero means DefaultContentAccessTTL.
	ContentAccessTTL time.Duration
	// MaxUploadsPerHour bounds the photos one account may upload in an
	// hour (uploadlimit.go); zero means DefaultMaxUploadsPerHour.
	MaxUploadsPerHour int
	// ExploreRefresh is how often a replica ranks the explore candidates
	// anew (explore.go); zero means DefaultExploreRefresh.
	ExploreRefresh time.Duration
}

// DefaultPixelBudget is the pixel budget when Config.PixelBudget is 0:
// two 13.5-megapixel camera photos at once, or one turned, in about
// 110 MiB of decoded pixels; and room for the largest image the default
// limits accept (50 megapixels) alone.
const DefaultPixelBudget = 28_000_000

// Server implements imagev1.ImageServiceServer.
type Server struct {
	imagev1.UnimplementedImageServiceServer

	cfg     Config
	store   store.Store
	bucket  bucket.Bucket
	users   Users
	workers chan struct{}
	// pixels is the pixel budget, pixelBudget its size and pixelsInFlight
	// what is taken of it.
	pixels         *semaphore.Weighted
	pixelBudget    int64
	pixelsInFlight atomic.Int64
	// contentAccess answers CanView for the content route.
	contentAccess *contentAccess
	// explore ranks the explore grid's photos.
	explore *explorer
}

// New returns a Server.
func New(cfg Config, st store.Store, b bucket.Bucket, users Users) *Server {
	if cfg.ContentAccessTTL <= 0 {
		cfg.ContentAccessTTL = DefaultContentAccessTTL
	}
	s := &Server{
		cfg:     cfg,
		store:   st,
		bucket:  b,
		users:   upstreamUsers{users},
		workers: make(chan struct{}, max(1, cfg.Workers)),
		explore: newExplorer(st, cfg.ExploreRefresh),
	}
	s.pixelBudget = cfg.PixelBudget
	if s.pixelBudget <= 0 {
		s.pixelBudget = DefaultPixelBudget
	}
	s.pixels = semaphore.NewWeighted(s.pixelBudget)
	s.contentAccess = newContentAccess(exactPhotos{st, s.users}, cfg.ContentAccessTTL)
	return s
}

// Register registers the public and the internal service on g.
func (s *Server) Register(g *grpc.Server) {
	imagev1.RegisterImageServiceServer(g, s)
	imagev1.RegisterImageInternalServiceServer(g, &InternalServer{s: s})
}

// acquire waits for a free worker and returns the function that frees it.
func (s *Server) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.workers <- struct{}{}:
		return func() { <-s.workers }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquirePixels waits until n decoded pixels fit in the budget (all of it
// when n is larger) and returns the function that gives them back.
func (s *Server) acquirePixels(ctx context.Context, n int64) (release func(), err error) {
	n = min(n, s.pixelBudget)
	if err := s.pixels.Acquire(ctx, n); err != nil {
		return nil, err
	}
	s.pixelsInFlight.Add(n)
	return func() {
		s.pixelsInFlight.Add(-n)
		s.pixels.Release(n)
	}, nil
}

// Collectors returns the service's metrics: the decoded pixels that
// uploads being rendered hold now (as imaging.Info.Footprint counts them)
// and the budget they stay within.
func (s *Server) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fotogal_image_pixels_in_flight",
			Help: "Decoded pixels held by uploads being rendered, 4 bytes each.",
		}, func() float64 { return float64(s.pixelsInFlight.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fotogal_image_pixel_budget",
			Help: "The most decoded pixels uploads being rendered may hold at once.",
		}, func() float64 { return float64(s.pixelBudget) }),
	}
}

// idEncoding writes IDs in lower-case base32 without padding: URL-safe and
// case-insensitive.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns a random image ID: 128 random bits in 26 characters.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // Never fails (crypto/rand).
	return strings.ToLower(idEncoding.EncodeToString(b))
}

// objectName returns the bucket object name of an image's rendition:
// img/<image id>/<rendition>.<ext>. The sweeper reads the image ID back
// from it.
func objectName(imageID, rendition string, f imaging.Format) string {
	return fmt.Sprintf("img/%s/%s.%s", imageID, rendition, f.Ext())
}

// imageIDOf returns the image ID of an object name made by objectName.
func imageIDOf(name string) (string, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != "img" || parts[1] == "" {
		return "", false
	}
	return parts[1], true
}

func now() time.Time { return time.Now().UTC() }

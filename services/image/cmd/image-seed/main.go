// Command image-seed fills the image service's store and bucket with photos
// for load tests, without decoding any image: every photo is a valid 1×1
// PNG of a few bytes, the same bytes for all three variants. It writes
// through the service's own store.Store and bucket.Bucket (never SQL) into
// FOTOGAL_DATA_DIR/image.db and FOTOGAL_DATA_DIR/bucket while the image
// service is stopped.
//
// Whose photos and how many come from the manifest user-seed leaves,
// FOTOGAL_DATA_DIR/seed.json. Photo n of the owner listed i-th is dated
// n×400 ms + i µs before the start: distinct times, two or three photos of
// an owner within one second, and the photos of all owners interleaved.
//
// By default all photos share one bucket object (-objects=shared), so that
// seeding a million photos does not write a million files; deleting one of
// them through the service then removes the bytes of all. -objects=image
// writes one object per photo instead.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/bucket/fs"
	"github.com/fotogal/fotogal/services/image/internal/store"
	"github.com/fotogal/fotogal/services/image/internal/store/sqlite"
)

// manifest is the part of user-seed's seed.json this command reads.
type manifest struct {
	Posters []struct {
		UserID string `json:"userId"`
		Photos int    `json:"photos"`
	} `json:"posters"`
}

// photoSpacing separates an owner's consecutive photos.
const photoSpacing = 400 * time.Millisecond

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image-seed:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string) error {
	flags := flag.NewFlagSet("image-seed", flag.ContinueOnError)
	dataDir := os.Getenv("FOTOGAL_DATA_DIR")
	if dataDir == "" {
		dataDir = "./var"
	}
	flags.StringVar(&dataDir, "data-dir", dataDir, "data directory of the services (default $FOTOGAL_DATA_DIR or ./var)")
	objects := flags.String("objects", "shared", "bucket objects: shared (one for all photos) or image (one per photo)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *objects != "shared" && *objects != "image" {
		return fmt.Errorf("-objects: %q is not shared or image", *objects)
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, "seed.json"))
	if err != nil {
		return fmt.Errorf("read manifest (run user-seed first): %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("decode manifest: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dataDir, "image.db"))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	bkt, err := fs.New(filepath.Join(dataDir, "bucket"))
	if err != nil {
		return fmt.Errorf("open bucket: %w", err)
	}
	s, err := newSeeder(bkt, st, *objects == "shared")
	if err != nil {
		return err
	}

	start := time.Now()
	base := start.UTC().Add(-time.Minute)
	total := 0
	for i, p := range m.Posters {
		for n := range p.Photos {
			at := base.Add(-time.Duration(n)*photoSpacing - time.Duration(i)*time.Microsecond)
			if err := s.photo(ctx, p.UserID, at); err != nil {
				return err
			}
			total++
		}
	}
	fmt.Fprintf(os.Stderr, "image-seed: %d photos of %d owners in %v\n", total, len(m.Posters), time.Since(start).Round(time.Millisecond))
	return nil
}

// seeder writes photos.
type seeder struct {
	bucket bucket.Bucket
	store  store.Store
	png    []byte
	sha    string
	// shared is the one object all photos use, or empty for one each.
	shared string
}

func newSeeder(bkt bucket.Bucket, st store.Store, shared bool) (*seeder, error) {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 0xd0, G: 0x60, B: 0x30, A: 0xff})
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	s := &seeder{bucket: bkt, store: st, png: buf.Bytes(), sha: hex.EncodeToString(sum[:])}
	if shared {
		s.shared = "seed/1x1.png"
		if _, err := bkt.Put(context.Background(), s.shared, bytes.NewReader(s.png)); err != nil {
			return nil, fmt.Errorf("put %s: %w", s.shared, err)
		}
	}
	return s, nil
}

// photo creates one photo of owner posted at.
func (s *seeder) photo(ctx context.Context, owner string, at time.Time) error {
	id := newID()
	object := s.shared
	if object == "" {
		object = "img/" + id + "/original.png"
		if _, err := s.bucket.Put(ctx, object, bytes.NewReader(s.png)); err != nil {
			return fmt.Errorf("put %s: %w", object, err)
		}
	}
	v := store.Variant{Object: object, ContentType: "image/png", Size: int64(len(s.png)), Width: 1, Height: 1, SHA256: s.sha}
	err := s.store.CreateImage(ctx, store.Image{
		ID:               id,
		OwnerID:          owner,
		Caption:          "Seeded photo " + id[:6],
		OriginalFilename: "seed.png",
		Original:         v,
		Display:          v,
		Thumb:            v,
		CreateTime:       at,
		UpdateTime:       at,
	})
	if err != nil {
		return fmt.Errorf("create image: %w", err)
	}
	return nil
}

// newID returns a random, URL-safe image id: 16 random bytes in base64url
// without padding.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return base64.RawURLEncoding.EncodeToString(b)
}

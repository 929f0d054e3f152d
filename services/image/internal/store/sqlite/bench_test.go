package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
	"github.com/fotogal/fotogal/services/image/internal/store/storetest"
)

// The benchmark's data set: benchOwners people with benchPhotos photos
// each, posted at random times over a year.
const (
	benchOwners = 5000
	benchPhotos = 1000
)

// benchStore opens the benchmark's database, loading it the first time: it
// is kept in the temporary directory between runs, as loading 5 million
// rows takes minutes.
func benchStore(b *testing.B) *Store {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("fotogal-image-bench-%dx%d.db", benchOwners, benchPhotos))
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM fotogal_ntable_images`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == benchOwners*benchPhotos {
		return s
	}
	b.Logf("loading %d×%d photos into %s", benchOwners, benchPhotos, path)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM fotogal_ntable_images; PRAGMA cache_size = -1000000`); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Now()
	year := int64(365 * 24 * time.Hour)
	for owner := range benchOwners {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO fotogal_ntable_images (`+columns+`)
			VALUES (?, ?, 0, 'a caption', 'IMG.JPG', ?, 'image/jpeg', 3000000, 4000, 3000, ?,
				?, 'image/jpeg', 200000, 1080, 810, ?, ?, 'image/jpeg', 20000, 320, 320, ?, ?, ?, 1)`)
		if err != nil {
			b.Fatal(err)
		}
		for range benchPhotos {
			id := fmt.Sprintf("%016x%010x", rng.Uint64(), rng.Uint64()>>24)
			sha := fmt.Sprintf("%016x", rng.Uint64())
			ts := start.Add(-time.Duration(rng.Int64N(year))).UnixNano()
			prefix := "img/" + id + "/"
			if _, err := stmt.ExecContext(ctx, id, fmt.Sprintf("owner%05d", owner),
				prefix+"original.jpg", sha, prefix+"display.jpg", sha, prefix+"thumb.jpg", sha, ts, ts); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded in %v", time.Since(start))
	return s
}

// BenchmarkListOwnersImages measures a feed page (20 photos) merged across
// many owners of 1,000 photos each, first page and a page deep in the past.
func BenchmarkListOwnersImages(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for _, owners := range []int{10, 100, 1000, 5000} {
		ids := make([]string, owners)
		for i := range ids {
			ids[i] = fmt.Sprintf("owner%05d", i)
		}
		for _, page := range []struct {
			name   string
			before store.Cursor
		}{
			{"newest", store.Cursor{}},
			{"half a year back", store.Cursor{CreateTime: time.Now().Add(-183 * 24 * time.Hour), ID: "~"}},
		} {
			b.Run(fmt.Sprintf("owners=%d/%s", owners, page.name), func(b *testing.B) {
				for b.Loop() {
					imgs, err := s.ListOwnersImages(ctx, ids, page.before, 20)
					if err != nil {
						b.Fatal(err)
					}
					if len(imgs) != 20 {
						b.Fatalf("%d photos, want 20", len(imgs))
					}
				}
			})
		}
	}
}

// benchComments is how many comments the comment benchmarks' photo has.
const benchComments = 10000

// commentBenchStore returns a new store with one photo of benchComments
// comments, a second apart, and the photo's id.
func commentBenchStore(b *testing.B) (*Store, string) {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "image.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	img := storetest.NewImage("owner", time.Now())
	if err := s.CreateImage(ctx, img); err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-benchComments * time.Second)
	for i := range benchComments {
		at := start.Add(time.Duration(i) * time.Second)
		c := store.Comment{ImageID: img.ID, ID: store.NewCommentID(at), AuthorID: fmt.Sprintf("user%05d", i), Text: "what a view! #travel", CreateTime: at}
		if err := s.AddComment(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	return s, img.ID
}

// BenchmarkListComments measures the first page (20 comments) of a photo
// with benchComments comments, in both orders.
func BenchmarkListComments(b *testing.B) {
	s, imageID := commentBenchStore(b)
	ctx := context.Background()
	for _, newestFirst := range []bool{false, true} {
		b.Run(fmt.Sprintf("newestFirst=%v", newestFirst), func(b *testing.B) {
			q := store.CommentQuery{ImageID: imageID, NewestFirst: newestFirst, Limit: 20}
			for b.Loop() {
				page, err := s.ListComments(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(page) != 20 {
					b.Fatalf("%d comments, want 20", len(page))
				}
			}
		})
	}
}

// BenchmarkAddComment measures adding a comment to a photo with
// benchComments comments: one transaction that checks the photo, inserts
// the comment and updates the count.
func BenchmarkAddComment(b *testing.B) {
	s, imageID := commentBenchStore(b)
	ctx := context.Background()
	for b.Loop() {
		now := time.Now()
		c := store.Comment{ImageID: imageID, ID: store.NewCommentID(now), AuthorID: "someone", Text: "another one", CreateTime: now}
		if err := s.AddComment(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

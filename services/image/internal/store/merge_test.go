package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// memScanner is a store.OwnerScanner over slices, counting its calls and
// the rows it returns.
type memScanner struct {
	photos     map[string][]store.Image // owner → newest first
	heads      int
	nexts      int
	rowsServed int
}

func (m *memScanner) after(owner string, before store.Cursor) []store.Key {
	var out []store.Key
	for _, img := range m.photos[owner] {
		if before.IsZero() || store.Newer(store.Image{CreateTime: before.CreateTime, ID: before.ID}, img) {
			out = append(out, store.Key{OwnerID: img.OwnerID, CreateTime: img.CreateTime, ID: img.ID})
		}
	}
	return out
}

func (m *memScanner) Heads(_ context.Context, owners []string, before store.Cursor) ([]store.Key, error) {
	m.heads++
	var out []store.Key
	for _, o := range owners {
		if rest := m.after(o, before); len(rest) > 0 {
			out = append(out, rest[0])
		}
	}
	m.rowsServed += len(out)
	return out, nil
}

func (m *memScanner) Next(_ context.Context, owner string, before store.Cursor, limit int) ([]store.Key, error) {
	m.nexts++
	rest := m.after(owner, before)
	rest = rest[:min(limit, len(rest))]
	m.rowsServed += len(rest)
	return rest, nil
}

func TestMergeReadsLazily(t *testing.T) {
	const owners, perOwner = 200, 300
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	scan := &memScanner{photos: map[string][]store.Image{}}
	var ids []string
	var all []store.Image
	for o := range owners {
		owner := fmt.Sprintf("owner%03d", o)
		ids = append(ids, owner)
		for p := perOwner - 1; p >= 0; p-- {
			// Interleaved times, with ties between owners.
			img := store.Image{ID: fmt.Sprintf("%s-%03d", owner, p), OwnerID: owner, CreateTime: base.Add(time.Duration(p*owners/2+o/2) * time.Second)}
			scan.photos[owner] = append(scan.photos[owner], img)
			all = append(all, img)
		}
	}
	slices.SortFunc(all, func(a, b store.Image) int {
		if store.Newer(a, b) {
			return -1
		}
		return 1
	})

	tests := []struct {
		name   string
		before store.Cursor
		limit  int
		start  int // index in all of the first expected photo
	}{
		{"first page", store.Cursor{}, 20, 0},
		{"deep page", store.CursorOf(all[999]), 100, 1000},
		{"one", store.Cursor{}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scan.heads, scan.nexts, scan.rowsServed = 0, 0, 0
			got, err := store.Merge(context.Background(), scan, append(ids, ids[0]), tc.before, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			want := all[tc.start : tc.start+tc.limit]
			if !slices.EqualFunc(got, want, func(a store.Key, b store.Image) bool { return a.ID == b.ID }) {
				t.Fatalf("merged %d photos, not the %d newest", len(got), tc.limit)
			}
			// One Heads call, at most one Next per photo of the page, and
			// at most twice the page's rows beyond the heads.
			if scan.heads != 1 || scan.nexts > tc.limit || scan.rowsServed > owners+2*tc.limit {
				t.Errorf("%d Heads, %d Next calls, %d rows read for a page of %d across %d owners",
					scan.heads, scan.nexts, scan.rowsServed, tc.limit, owners)
			}
		})
	}
}

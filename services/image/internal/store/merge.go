package store

import (
	"container/heap"
	"context"
	"time"
)

// Key locates a photo in its owner's index: what Merge orders by. Adapters
// read keys from the index alone and fetch the rows of the merged page
// only.
type Key struct {
	OwnerID    string
	CreateTime time.Time
	ID         string
}

// Cursor returns the position of k, for reading after it.
func (k Key) Cursor() Cursor { return Cursor{CreateTime: k.CreateTime, ID: k.ID} }

// newer reports whether a comes before b in newest-first order.
func (a Key) newer(b Key) bool {
	if !a.CreateTime.Equal(b.CreateTime) {
		return a.CreateTime.After(b.CreateTime)
	}
	return a.ID > b.ID
}

// OwnerScanner reads each owner's photo keys newest first. Adapters
// implement it over their per-owner index, (user_id, is_profile,
// created_ts, image_id), and hand it to Merge.
type OwnerScanner interface {
	// Heads returns, for each of ownerIDs that has one, the key of the
	// owner's newest photo strictly before before.
	Heads(ctx context.Context, ownerIDs []string, before Cursor) ([]Key, error)
	// Next returns the keys of up to limit photos of ownerID strictly
	// before before, newest first.
	Next(ctx context.Context, ownerID string, before Cursor, limit int) ([]Key, error)
}

// maxRefill bounds how many photos Merge reads at once from an owner whose
// buffered photos are used up. It reads 1 the first time, then doubles: an
// owner who dominates the page costs few reads, and owners interleaved in
// time cost no more rows than twice those they contribute.
const maxRefill = 32

// Merge returns the keys of the newest limit photos of ownerIDs strictly
// before before, newest first: a k-way merge with a heap keyed by each owner's next photo.
// It reads every owner's newest photo once (Heads), then only from the
// owners whose photos make the page, a few rows at a time (see maxRefill),
// so its cost grows with the number of owners and the page, not with how
// many photos they have.
func Merge(ctx context.Context, scan OwnerScanner, ownerIDs []string, before Cursor, limit int) ([]Key, error) {
	ownerIDs = unique(ownerIDs)
	if limit <= 0 || len(ownerIDs) == 0 {
		return nil, nil
	}
	heads, err := scan.Heads(ctx, ownerIDs, before)
	if err != nil {
		return nil, err
	}
	h := make(ownerHeap, 0, len(heads))
	for _, k := range heads {
		h = append(h, &ownerRun{buffered: []Key{k}, refill: 1})
	}
	heap.Init(&h)
	out := make([]Key, 0, min(limit, len(heads)))
	for len(h) > 0 && len(out) < limit {
		run := h[0]
		k := run.buffered[0]
		out = append(out, k)
		run.buffered = run.buffered[1:]
		if len(run.buffered) == 0 && !run.exhausted && len(out) < limit {
			want := min(limit-len(out), run.refill)
			next, err := scan.Next(ctx, k.OwnerID, k.Cursor(), want)
			if err != nil {
				return nil, err
			}
			run.buffered, run.exhausted = next, len(next) < want
			run.refill = min(2*run.refill, maxRefill)
		}
		if len(run.buffered) == 0 {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return out, nil
}

// ownerRun is one owner's photo keys read but not yet merged, newest first.
type ownerRun struct {
	buffered  []Key
	exhausted bool
	refill    int // how many to read next time
}

// ownerHeap orders runs by their next photo, newest on top.
type ownerHeap []*ownerRun

func (h ownerHeap) Len() int { return len(h) }
func (h ownerHeap) Less(i, j int) bool {
	return h[i].buffered[0].newer(h[j].buffered[0])
}
func (h ownerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ownerHeap) Push(x any)   { *h = append(*h, x.(*ownerRun)) }
func (h *ownerHeap) Pop() any {
	old := *h
	run := old[len(old)-1]
	*h = old[:len(old)-1]
	return run
}

// Newer reports whether a comes before b in newest-first order: a later
// creation time, or the same time and a greater image ID.
func Newer(a, b Image) bool {
	return Key{CreateTime: a.CreateTime, ID: a.ID}.newer(Key{CreateTime: b.CreateTime, ID: b.ID})
}

// InKeyOrder returns the images among imgs in the order of keys, leaving out
// those keys name but imgs lacks (deleted since), for adapters that fetch
// the rows of Merge's keys in no particular order.
func InKeyOrder(keys []Key, imgs []Image) []Image {
	byID := make(map[string]Image, len(imgs))
	for _, img := range imgs {
		byID[img.ID] = img
	}
	out := make([]Image, 0, len(keys))
	for _, k := range keys {
		if img, ok := byID[k.ID]; ok {
			out = append(out, img)
		}
	}
	return out
}

// unique returns ids without repetitions, in their first order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

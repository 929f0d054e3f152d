package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

func runTags(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("TagsRoundTrip", func(t *testing.T) { testTagsRoundTrip(t, newStore(t)) })
	t.Run("TagsNewestFirst", func(t *testing.T) { testTagsNewestFirst(t, newStore(t)) })
	t.Run("TagsPaging", func(t *testing.T) { testTagsPaging(t, newStore(t)) })
	t.Run("TagsIsolated", func(t *testing.T) { testTagsIsolated(t, newStore(t)) })
	t.Run("TagsDeleteExactly", func(t *testing.T) { testTagsDeleteExactly(t, newStore(t)) })
	t.Run("TagsIdempotent", func(t *testing.T) { testTagsIdempotent(t, newStore(t)) })
	t.Run("TagsLongestKey", func(t *testing.T) { testTagsLongestKey(t, newStore(t)) })
}

// tagRow returns the row of a photo numbered n of owner under tag, created
// at t.
func tagRow(tag, owner string, n int, t time.Time) store.TagRow {
	return store.TagRow{Tag: tag, CreateTime: t.UTC(), ImageID: fmt.Sprintf("tagged%08d", n), OwnerID: owner}
}

func mustPutTags(t *testing.T, s store.Store, rows ...store.TagRow) {
	t.Helper()
	if err := s.PutTags(context.Background(), rows); err != nil {
		t.Fatalf("PutTags(%d rows): %v", len(rows), err)
	}
}

func mustDeleteTags(t *testing.T, s store.Store, rows ...store.TagRow) {
	t.Helper()
	if err := s.DeleteTags(context.Background(), rows); err != nil {
		t.Fatalf("DeleteTags(%d rows): %v", len(rows), err)
	}
}

// allTagged pages through tag's rows in pages of pageSize and returns
// them with the size of each page.
func allTagged(t *testing.T, s store.Store, tag string, pageSize int) (rows []store.TagRow, pages []int) {
	t.Helper()
	var c store.Cursor
	for range 1000 {
		page, err := s.ListTagged(context.Background(), tag, c, pageSize)
		if err != nil {
			t.Fatalf("ListTagged(%q, %v, %d): %v", tag, c, pageSize, err)
		}
		rows = append(rows, page...)
		pages = append(pages, len(page))
		if len(page) < pageSize {
			return rows, pages
		}
		c = page[len(page)-1].Cursor()
	}
	t.Fatalf("the rows of %q never end", tag)
	return nil, nil
}

// tagNewestFirst sorts rows in the order ListTagged returns them.
func tagNewestFirst(rows []store.TagRow) []store.TagRow {
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b store.TagRow) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(b.ImageID, a.ImageID)
	})
	return out
}

func testTagsRoundTrip(t *testing.T, s store.Store) {
	want := tagRow("cafe", "alice", 1, base.Add(123456789*time.Nanosecond))
	mustPutTags(t, s, want)
	got, _ := allTagged(t, s, "cafe", 10)
	if len(got) != 1 || got[0] != want {
		t.Errorf("ListTagged = %+v, want %+v", got, want)
	}
	if got, err := s.ListTagged(context.Background(), "cafe", store.CursorOf(store.Image{ID: want.ImageID, CreateTime: want.CreateTime}), 10); err != nil || len(got) != 0 {
		t.Errorf("ListTagged before the only row = %+v, %v; want nothing", got, err)
	}
	if got, err := s.ListTagged(context.Background(), "cafe", store.Cursor{}, 0); err != nil || len(got) != 0 {
		t.Errorf("ListTagged(limit 0) = %+v, %v; want nothing", got, err)
	}
}

// testTagsNewestFirst lists rows put in no particular order newest first,
// the rows of one instant by image id, descending.
func testTagsNewestFirst(t *testing.T, s store.Store) {
	var rows []store.TagRow
	for i, n := range []int{5, 2, 7, 1, 3, 6, 4} {
		// Rows 1 and 2, 3 and 4, 5 and 6 share an instant.
		rows = append(rows, tagRow("sunset", fmt.Sprint("owner", i%3), n, base.Add(time.Duration((n+1)/2)*time.Second)))
	}
	mustPutTags(t, s, rows...)
	got, _ := allTagged(t, s, "sunset", 100)
	if want := tagNewestFirst(rows); !slices.Equal(got, want) {
		t.Errorf("ListTagged = %+v,\nwant %+v", got, want)
	}
	if got[0].ImageID != "tagged00000007" || got[1].ImageID != "tagged00000006" || got[2].ImageID != "tagged00000005" {
		t.Errorf("newest rows %v, want 7, 6 (same instant as 5) then 5", got[:3])
	}
}

// testTagsPaging pages through 45 rows in pages of 20: 20, 20 and 5, none
// repeated or skipped.
func testTagsPaging(t *testing.T, s store.Store) {
	var rows []store.TagRow
	for i := range 45 {
		rows = append(rows, tagRow("paging", "alice", i, base.Add(time.Duration(i/3)*time.Minute)))
	}
	mustPutTags(t, s, rows...)
	got, pages := allTagged(t, s, "paging", 20)
	if want := tagNewestFirst(rows); !slices.Equal(got, want) {
		t.Errorf("paged %d rows, want the %d put, newest first", len(got), len(want))
	}
	if !slices.Equal(pages, []int{20, 20, 5}) {
		t.Errorf("pages of %v rows, want [20 20 5]", pages)
	}
}

// testTagsIsolated keeps each tag's rows to itself, however alike the tags.
func testTagsIsolated(t *testing.T, s store.Store) {
	at := base
	rows := map[string][]store.TagRow{}
	for i, tag := range []string{"cafe", "cafes", "caf", "cafe_", "Cafe"} {
		for j := range 3 {
			r := tagRow(tag, "alice", 10*i+j, at.Add(time.Duration(j)*time.Second))
			rows[tag] = append(rows[tag], r)
		}
		// One photo carries every tag.
		rows[tag] = append(rows[tag], tagRow(tag, "bob", 99, at.Add(time.Hour)))
	}
	for _, r := range rows {
		mustPutTags(t, s, r...)
	}
	for tag, want := range rows {
		if got, _ := allTagged(t, s, tag, 100); !slices.Equal(got, tagNewestFirst(want)) {
			t.Errorf("ListTagged(%q) = %+v, want %+v", tag, got, tagNewestFirst(want))
		}
	}
	if got, _ := allTagged(t, s, "ca", 100); len(got) != 0 {
		t.Errorf("ListTagged(a tag never put) = %+v, want nothing", got)
	}
}

// testTagsDeleteExactly deletes the rows named and no other: not the same
// photo's under another tag, not another photo's of the same instant.
func testTagsDeleteExactly(t *testing.T, s store.Store) {
	keep := []store.TagRow{
		tagRow("beach", "alice", 1, base),
		tagRow("beach", "alice", 3, base.Add(time.Second)),
		tagRow("sea", "alice", 2, base),
	}
	gone := []store.TagRow{
		tagRow("beach", "alice", 2, base),
		tagRow("beach", "bob", 4, base.Add(2*time.Second)),
	}
	mustPutTags(t, s, append(slices.Clone(keep), gone...)...)
	mustDeleteTags(t, s, gone...)
	if got, _ := allTagged(t, s, "beach", 100); !slices.Equal(got, tagNewestFirst(keep[:2])) {
		t.Errorf("beach after the delete = %+v, want %+v", got, tagNewestFirst(keep[:2]))
	}
	if got, _ := allTagged(t, s, "sea", 100); !slices.Equal(got, keep[2:]) {
		t.Errorf("sea after the delete = %+v, want %+v", got, keep[2:])
	}
}

// testTagsIdempotent puts and deletes rows twice: the second time changes
// nothing and is no error; a row put again is left as it was.
func testTagsIdempotent(t *testing.T, s store.Store) {
	a, b := tagRow("again", "alice", 1, base), tagRow("again", "alice", 2, base.Add(time.Second))
	mustPutTags(t, s, a, b)
	mustPutTags(t, s, a, b)
	changed := a
	changed.OwnerID = "mallory"
	mustPutTags(t, s, changed)
	if got, _ := allTagged(t, s, "again", 100); !slices.Equal(got, []store.TagRow{b, a}) {
		t.Errorf("after putting twice: %+v, want %+v once each, as first put", got, []store.TagRow{b, a})
	}
	mustDeleteTags(t, s, a)
	mustDeleteTags(t, s, a)
	mustDeleteTags(t, s, tagRow("never", "alice", 3, base))
	mustPutTags(t, s)
	mustDeleteTags(t, s)
	if got, _ := allTagged(t, s, "again", 100); !slices.Equal(got, []store.TagRow{b}) {
		t.Errorf("after deleting twice: %+v, want %+v", got, []store.TagRow{b})
	}
}

// testTagsLongestKey keeps a key of store.MaxTagKeyBytes of two-byte
// letters with an image id of 26 bytes, the longest FotoGal makes, and
// refuses a key longer than TagKey returns.
func testTagsLongestKey(t *testing.T, s store.Store) {
	ctx := context.Background()
	longest := store.TagKey(strings.Repeat("я", 40))
	if len(longest) != store.MaxTagKeyBytes {
		t.Fatalf("TagKey of 40 Cyrillic letters has %d bytes, want %d", len(longest), store.MaxTagKeyBytes)
	}
	r := store.TagRow{Tag: longest, CreateTime: base, ImageID: strings.Repeat("z", 26), OwnerID: strings.Repeat("o", 26)}
	mustPutTags(t, s, r)
	if got, _ := allTagged(t, s, longest, 10); !slices.Equal(got, []store.TagRow{r}) {
		t.Errorf("ListTagged(longest key) = %+v, want %+v", got, []store.TagRow{r})
	}
	tooLong := longest + "a"
	if err := s.PutTags(ctx, []store.TagRow{{Tag: tooLong, CreateTime: base, ImageID: "x", OwnerID: "alice"}}); err == nil {
		t.Errorf("PutTags(key of %d bytes) = nil, want an error", len(tooLong))
	}
	if err := s.PutTags(ctx, []store.TagRow{{Tag: "", CreateTime: base, ImageID: "x", OwnerID: "alice"}}); err == nil {
		t.Error("PutTags(empty key) = nil, want an error")
	}
	if got, err := s.ListTagged(ctx, tooLong, store.Cursor{}, 10); err != nil || len(got) != 0 {
		t.Errorf("ListTagged(key of %d bytes) = %+v, %v; want nothing", len(tooLong), got, err)
	}
	mustDeleteTags(t, s, r)
	if got, _ := allTagged(t, s, longest, 10); len(got) != 0 {
		t.Errorf("ListTagged(longest key) after the delete = %+v, want nothing", got)
	}
}

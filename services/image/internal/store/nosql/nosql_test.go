package nosql_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/services/image/internal/store"
	"github.com/fotogal/fotogal/services/image/internal/store/nosql"
	"github.com/fotogal/fotogal/services/image/internal/store/storetest"
)

const (
	imagesTable    = "fotogal_ntable_images"
	reactionsTable = "fotogal_ntable_reactions"
	commentsTable  = "fotogal_ntable_comments"
)

var base = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)

func open(t *testing.T, c *nosqlclient.Client) *nosql.Store {
	t.Helper()
	s, err := nosql.Open(context.Background(), c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		c, _ := nosqltest.New(t)
		return open(t, c)
	})
}

func TestSchemaMatchesDoc(t *testing.T) {
	nosqltest.CheckSchemaMatchesDoc(t, func(c *nosqlclient.Client) { open(t, c) })
}

func TestSecondOpenChangesNothing(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	first := open(t, c)
	img := storetest.NewImage("alice", base)
	if err := first.CreateImage(ctx, img); err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	if err := first.React(ctx, img.ID, "bob", store.Like); err != nil {
		t.Fatalf("React: %v", err)
	}
	comment := store.Comment{ImageID: img.ID, ID: store.NewCommentID(base), AuthorID: "bob", Text: "lovely", CreateTime: base}
	if err := first.AddComment(ctx, comment); err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	second := nosqltest.Reopen(t, f, []string{imagesTable, reactionsTable, commentsTable}, func(c *nosqlclient.Client) *nosql.Store { return open(t, c) })

	got, err := second.GetImage(ctx, img.ID)
	if err != nil {
		t.Fatalf("GetImage after the second Open: %v", err)
	}
	if got != img {
		t.Errorf("image after the second Open = %+v, want %+v", got, img)
	}
	r, err := second.Reactions(ctx, []string{img.ID}, "bob")
	if err != nil {
		t.Fatalf("Reactions after the second Open: %v", err)
	}
	if want := (store.Reactions{Likes: 1, Mine: store.Like}); r[img.ID] != want {
		t.Errorf("reactions after the second Open = %+v, want %+v", r[img.ID], want)
	}
	if got, err := second.GetComment(ctx, img.ID, comment.ID); err != nil || got != comment {
		t.Errorf("comment after the second Open = %+v, %v; want %+v", got, err, comment)
	}
}

// longestID returns an id of 26 bytes, the length of the ids FotoGal makes
// (lower-case base32 of 128 bits), unique by n.
func longestID(prefix string, n int) string {
	id := fmt.Sprintf("%s%d", prefix, n)
	return id + strings.Repeat("z", 26-len(id))
}

func TestLongestCaption(t *testing.T) {
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	// 2,200 characters of four bytes each: 8,800 bytes.
	caption := strings.Repeat("\U0001F4F7", 2200)
	img := storetest.NewImage("alice", base)
	img.Caption = caption
	if err := s.CreateImage(ctx, img); err != nil {
		t.Fatalf("CreateImage with a caption of %d bytes: %v", len(caption), err)
	}
	updated, err := s.UpdateImage(ctx, img.ID, func(i *store.Image) error {
		i.Caption = strings.Repeat("\U0001F600", 2200)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateImage with the longest caption: %v", err)
	}
	got, err := s.GetImage(ctx, img.ID)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if got != updated || got.Caption != strings.Repeat("\U0001F600", 2200) {
		t.Errorf("caption read back: %d bytes, want the 8,800 written", len(got.Caption))
	}
}

// TestLongestIDs drives every path of the store with an image id and an
// owner id of the longest length it keeps, so that each key and index key
// it writes or reads is checked by the fake's limits; one byte more is
// refused by CreateImage and answered as missing by the reads.
func TestLongestIDs(t *testing.T) {
	ctx := context.Background()
	c, _ := nosqltest.New(t)
	s := open(t, c)
	owner, viewer := longestID("owner", 0), longestID("viewer", 0)
	photo := storetest.NewImage(owner, base)
	photo.ID = longestID("photo", 0)
	avatar := storetest.NewImage(owner, base.Add(time.Second))
	avatar.ID, avatar.IsProfile = longestID("avatar", 0), true
	for _, img := range []store.Image{photo, avatar} {
		if err := s.CreateImage(ctx, img); err != nil {
			t.Fatalf("CreateImage(%s): %v", img.ID, err)
		}
	}
	comment := store.Comment{ImageID: photo.ID, ID: store.NewCommentID(base), AuthorID: viewer, Text: "longest", CreateTime: base}
	other := store.Comment{ImageID: photo.ID, ID: store.NewCommentID(base.Add(time.Second)), AuthorID: viewer, Text: "later", CreateTime: base.Add(time.Second)}

	steps := []struct {
		name string
		do   func() error
	}{
		{"GetImage", func() error { _, err := s.GetImage(ctx, photo.ID); return err }},
		{"BatchGetImages", func() error { _, err := s.BatchGetImages(ctx, []string{photo.ID, avatar.ID}); return err }},
		{"UpdateImage", func() error {
			_, err := s.UpdateImage(ctx, photo.ID, func(i *store.Image) error { i.Caption = "longest"; return nil })
			return err
		}},
		{"ListImages", func() error { return wantImages(s.ListImages(ctx, owner, store.Cursor{}, 10))(photo.ID) }},
		{"ListOwnersImages", func() error {
			return wantImages(s.ListOwnersImages(ctx, []string{owner, viewer}, store.Cursor{}, 10))(photo.ID)
		}},
		{"ListImagesAfter", func() error {
			keys, err := s.ListImagesAfter(ctx, store.Cursor{}, 10)
			if err == nil && (len(keys) != 1 || keys[0].ID != photo.ID || keys[0].OwnerID != owner) {
				err = fmt.Errorf("keys %+v, want the photo's", keys)
			}
			return err
		}},
		{"CountImages", func() error {
			counts, err := s.CountImages(ctx, []string{owner})
			if err == nil && counts[owner] != 1 {
				err = fmt.Errorf("counts %v, want 1", counts)
			}
			return err
		}},
		{"ListAvatars", func() error { return wantImages(s.ListAvatars(ctx, owner, store.Cursor{}, 10))(avatar.ID) }},
		{"LatestAvatar", func() error {
			got, err := s.LatestAvatar(ctx, owner)
			if err == nil && got.ID != avatar.ID {
				err = fmt.Errorf("avatar %s, want %s", got.ID, avatar.ID)
			}
			return err
		}},
		{"React", func() error { return s.React(ctx, photo.ID, viewer, store.Like) }},
		{"React again", func() error { return s.React(ctx, photo.ID, viewer, store.Dislike) }},
		{"Reactions", func() error {
			r, err := s.Reactions(ctx, []string{photo.ID}, viewer)
			if want := (store.Reactions{Dislikes: 1, Mine: store.Dislike}); err == nil && r[photo.ID] != want {
				err = fmt.Errorf("reactions %+v, want %+v", r[photo.ID], want)
			}
			return err
		}},
		{"Unreact", func() error { return s.Unreact(ctx, photo.ID, viewer, store.Dislike) }},
		{"AddComment", func() error { return s.AddComment(ctx, comment) }},
		{"GetComment", func() error { _, err := s.GetComment(ctx, photo.ID, comment.ID); return err }},
		{"ListComments", func() error {
			for _, q := range []store.CommentQuery{
				{ImageID: photo.ID, Limit: 10},
				{ImageID: photo.ID, NewestFirst: true, Limit: 10},
				{ImageID: photo.ID, After: other.ID, NewestFirst: true, Limit: 10},
			} {
				got, err := s.ListComments(ctx, q)
				if err != nil {
					return err
				}
				if len(got) != 1 || got[0] != comment {
					return fmt.Errorf("ListComments(%+v) = %+v, want the comment", q, got)
				}
			}
			return nil
		}},
		{"SetCommentsDisabled", func() error { return s.SetCommentsDisabled(ctx, photo.ID, true) }},
		{"CommentStates", func() error {
			states, err := s.CommentStates(ctx, []string{photo.ID})
			if want := (store.CommentState{Count: 1, Disabled: true}); err == nil && states[photo.ID] != want {
				err = fmt.Errorf("states %+v, want %+v", states[photo.ID], want)
			}
			return err
		}},
		{"SetCommentsDisabled(false)", func() error { return s.SetCommentsDisabled(ctx, photo.ID, false) }},
		{"DeleteComment", func() error { _, err := s.DeleteComment(ctx, photo.ID, comment.ID); return err }},
		{"AddComment before the delete", func() error { return s.AddComment(ctx, other) }},
		{"React before the delete", func() error { return s.React(ctx, photo.ID, viewer, store.Like) }},
		{"DeleteImage", func() error { _, err := s.DeleteImage(ctx, photo.ID); return err }},
		{"DeleteImage again", func() error {
			if _, err := s.DeleteImage(ctx, photo.ID); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("got %v, want ErrNotFound", err)
			}
			return nil
		}},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Errorf("%s with ids of 26 bytes: %v", step.name, err)
		}
	}

	t.Run("one byte more", func(t *testing.T) {
		tooLong := photo.ID + "z"
		img := storetest.NewImageWithID(tooLong)
		if err := s.CreateImage(ctx, img); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateImage(id of 27 bytes) = %v, want an error that is not a conflict", err)
		}
		img = storetest.NewImage(owner+"z", base)
		if err := s.CreateImage(ctx, img); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateImage(owner id of 27 bytes) = %v, want an error that is not a conflict", err)
		}
		if _, err := s.GetImage(ctx, tooLong); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetImage(id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if _, err := s.UpdateImage(ctx, tooLong, func(*store.Image) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateImage(id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if _, err := s.DeleteImage(ctx, tooLong); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteImage(id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if got, err := s.BatchGetImages(ctx, []string{tooLong, avatar.ID}); err != nil || len(got) != 1 {
			t.Errorf("BatchGetImages(id of 27 bytes, avatar) = %d images, %v; want the avatar", len(got), err)
		}
		if err := s.React(ctx, tooLong, viewer, store.Like); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("React(image id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if err := s.React(ctx, avatar.ID, viewer+"z", store.Like); err == nil {
			t.Error("React(user id of 27 bytes) = nil, want an error")
		}
		if err := s.Unreact(ctx, tooLong, viewer+"z", store.Like); err != nil {
			t.Errorf("Unreact(ids of 27 bytes) = %v, want nil: there is no such reaction", err)
		}
		if r, err := s.Reactions(ctx, []string{tooLong}, viewer+"z"); err != nil || r[tooLong] != (store.Reactions{}) {
			t.Errorf("Reactions(ids of 27 bytes) = %v, %v; want none", r, err)
		}
		longComment := store.Comment{ImageID: avatar.ID, ID: comment.ID + "z", AuthorID: viewer, Text: "too long", CreateTime: base}
		longAuthor := store.Comment{ImageID: avatar.ID, ID: comment.ID, AuthorID: viewer + "z", Text: "too long", CreateTime: base}
		for _, c := range []store.Comment{{ImageID: tooLong, ID: comment.ID, AuthorID: viewer, Text: "too long", CreateTime: base}, longComment, longAuthor} {
			if err := s.AddComment(ctx, c); err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
				t.Errorf("AddComment(%+v) = %v, want an error that is neither a conflict nor not found", c, err)
			}
		}
		if _, err := s.GetComment(ctx, tooLong, comment.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetComment(image id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if _, err := s.DeleteComment(ctx, avatar.ID, longComment.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteComment(comment id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if got, err := s.ListComments(ctx, store.CommentQuery{ImageID: tooLong, Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("ListComments(image id of 27 bytes) = %v, %v; want none", got, err)
		}
		if err := s.SetCommentsDisabled(ctx, tooLong, true); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetCommentsDisabled(image id of 27 bytes) = %v, want ErrNotFound", err)
		}
		if got, err := s.CommentStates(ctx, []string{tooLong}); err != nil || got[tooLong] != (store.CommentState{}) {
			t.Errorf("CommentStates(image id of 27 bytes) = %v, %v; want none", got, err)
		}
	})
}

// wantImages checks a list's answer against the ids it should hold.
func wantImages(imgs []store.Image, err error) func(ids ...string) error {
	return func(ids ...string) error {
		if err != nil {
			return err
		}
		got := make([]string, len(imgs))
		for i, img := range imgs {
			got[i] = img.ID
		}
		if !slices.Equal(got, ids) {
			return fmt.Errorf("listed %v, want %v", got, ids)
		}
		return nil
	}
}

// TestInterruptedDelete stops DeleteImage between its two steps (the image
// row deleted, the reactions not) and checks what the store shows then,
// and that a retry removes the rest.
func TestInterruptedDelete(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	s := open(t, c)
	img := storetest.NewImage("alice", base)
	if err := s.CreateImage(ctx, img); err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	for i, user := range []string{"bob", "carol", "dave"} {
		if err := s.React(ctx, img.ID, user, store.Like); err != nil {
			t.Fatalf("React(%s): %v", user, err)
		}
		at := base.Add(time.Duration(i) * time.Second)
		if err := s.AddComment(ctx, store.Comment{ImageID: img.ID, ID: store.NewCommentID(at), AuthorID: user, Text: "hi", CreateTime: at}); err != nil {
			t.Fatalf("AddComment(%s): %v", user, err)
		}
	}

	clearFault := f.InjectFault(ocifake.Fault{Op: ocifake.OpMultiDelete, Table: reactionsTable, Code: nosqlerr.IllegalArgument, Times: 1})
	_, err := s.DeleteImage(ctx, img.ID)
	clearFault()
	if err == nil {
		t.Fatal("DeleteImage with its second step failing = nil, want an error")
	}

	if _, err := s.GetImage(ctx, img.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetImage after the interrupted delete = %v, want ErrNotFound", err)
	}
	if imgs, err := s.ListImages(ctx, "alice", store.Cursor{}, 10); err != nil || len(imgs) != 0 {
		t.Errorf("ListImages after the interrupted delete = %d images, %v; want none", len(imgs), err)
	}
	if err := s.React(ctx, img.ID, "erin", store.Like); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("React after the interrupted delete = %v, want ErrNotFound", err)
	}
	if err := s.Unreact(ctx, img.ID, "bob", store.Like); err != nil {
		t.Errorf("Unreact after the interrupted delete = %v, want nil", err)
	}
	if err := s.AddComment(ctx, store.Comment{ImageID: img.ID, ID: store.NewCommentID(base), AuthorID: "erin", Text: "hi", CreateTime: base}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddComment after the interrupted delete = %v, want ErrNotFound", err)
	}
	if err := s.SetCommentsDisabled(ctx, img.ID, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetCommentsDisabled after the interrupted delete = %v, want ErrNotFound", err)
	}

	if _, err := s.DeleteImage(ctx, img.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteImage retried = %v, want ErrNotFound", err)
	}
	for _, table := range []string{reactionsTable, commentsTable} {
		if rows := f.Rows(table); len(rows) != 0 {
			t.Errorf("%s rows after the retried delete: %v, want none", table, rows)
		}
	}
}

// TestReactDuringDelete races reactions against the deletion of their
// images: whatever the interleaving, no reaction row outlives its image,
// and each React answers nil or ErrNotFound.
func TestReactDuringDelete(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	s := open(t, c)
	const images, people = 10, 5
	var wg sync.WaitGroup
	for i := range images {
		img := storetest.NewImage("alice", base)
		if err := s.CreateImage(ctx, img); err != nil {
			t.Fatalf("CreateImage: %v", err)
		}
		for p := range people {
			wg.Go(func() {
				err := s.React(ctx, img.ID, fmt.Sprintf("person%d", p), store.Like)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("React: %v", err)
				}
			})
		}
		wg.Go(func() {
			if _, err := s.DeleteImage(ctx, img.ID); err != nil {
				t.Errorf("DeleteImage(%d): %v", i, err)
			}
		})
	}
	wg.Wait()
	if rows := f.Rows(reactionsTable); len(rows) != 0 {
		t.Errorf("reaction rows after every image was deleted: %v, want none", rows)
	}
}

// TestCommentDuringDelete races comments and their state against the
// deletion of their images: whatever the interleaving, no comment row
// outlives its image, and each write answers nil, ErrNotFound or (a
// comment after comments were turned off) ErrCommentsDisabled.
func TestCommentDuringDelete(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	s := open(t, c)
	const images, people = 10, 5
	var wg sync.WaitGroup
	for i := range images {
		img := storetest.NewImage("alice", base)
		if err := s.CreateImage(ctx, img); err != nil {
			t.Fatalf("CreateImage: %v", err)
		}
		for p := range people {
			wg.Go(func() {
				at := base.Add(time.Duration(p) * time.Second)
				err := s.AddComment(ctx, store.Comment{ImageID: img.ID, ID: store.NewCommentID(at), AuthorID: fmt.Sprintf("person%d", p), Text: "hi", CreateTime: at})
				if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrCommentsDisabled) {
					t.Errorf("AddComment: %v", err)
				}
			})
		}
		wg.Go(func() {
			if err := s.SetCommentsDisabled(ctx, img.ID, true); err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SetCommentsDisabled: %v", err)
			}
		})
		wg.Go(func() {
			if _, err := s.DeleteImage(ctx, img.ID); err != nil {
				t.Errorf("DeleteImage(%d): %v", i, err)
			}
		})
	}
	wg.Wait()
	if rows := f.Rows(commentsTable); len(rows) != 0 {
		t.Errorf("comment rows after every image was deleted: %v, want none", rows)
	}
}

// TestCommentCountMatchesRows checks the stored rows after concurrent
// comments and deletions: the state row, under "#state", counts the
// comment rows of its image.
func TestCommentCountMatchesRows(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	s := open(t, c)
	img := storetest.NewImage("alice", base)
	if err := s.CreateImage(ctx, img); err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	var wg sync.WaitGroup
	for p := range 30 {
		wg.Go(func() {
			at := base.Add(time.Duration(p) * time.Second)
			comment := store.Comment{ImageID: img.ID, ID: store.NewCommentID(at), AuthorID: fmt.Sprintf("person%02d", p), Text: "hi", CreateTime: at}
			if err := s.AddComment(ctx, comment); err != nil {
				t.Errorf("AddComment: %v", err)
				return
			}
			if p%3 == 0 {
				if _, err := s.DeleteComment(ctx, img.ID, comment.ID); err != nil {
					t.Errorf("DeleteComment: %v", err)
				}
			}
		})
	}
	wg.Wait()
	var comments int64
	var state map[string]any
	for _, row := range f.Rows(commentsTable) {
		if row["comment_id"] == "#state" {
			state = row
			continue
		}
		comments++
	}
	if comments != 20 || state == nil || state["comment_count"] != comments || state["comments_disabled"] != false {
		t.Errorf("%d comment rows and the state row %v; want 20 rows and a state row counting them, comments on", comments, state)
	}
}

// TestCountsMatchRows checks the stored rows after concurrent reactions:
// each counts row equals the person rows of its image.
func TestCountsMatchRows(t *testing.T) {
	ctx := context.Background()
	c, f := nosqltest.New(t)
	s := open(t, c)
	a, b := storetest.NewImage("alice", base), storetest.NewImage("alice", base)
	for _, img := range []store.Image{a, b} {
		if err := s.CreateImage(ctx, img); err != nil {
			t.Fatalf("CreateImage: %v", err)
		}
	}
	var wg sync.WaitGroup
	for p := range 30 {
		wg.Go(func() {
			user := fmt.Sprintf("person%02d", p)
			steps := []func() error{
				func() error { return s.React(ctx, a.ID, user, store.Like) },
				func() error { return s.React(ctx, b.ID, user, store.Dislike) },
			}
			if p%3 == 0 {
				steps = append(steps, func() error { return s.React(ctx, a.ID, user, store.Dislike) })
			}
			if p%5 == 0 {
				steps = append(steps, func() error { return s.Unreact(ctx, b.ID, user, store.Dislike) })
			}
			for _, step := range steps {
				if err := step(); err != nil {
					t.Errorf("%s: %v", user, err)
				}
			}
		})
	}
	wg.Wait()

	type tally struct{ likes, dislikes int64 }
	counted := map[string]tally{}
	stored := map[string]tally{}
	for _, row := range f.Rows(reactionsTable) {
		id := row["image_id"].(string)
		if row["user_id"] == "#counts" {
			stored[id] = tally{row["likes"].(int64), row["dislikes"].(int64)}
			continue
		}
		n := counted[id]
		switch row["kind"] {
		case int32(store.Like):
			n.likes++
		case int32(store.Dislike):
			n.dislikes++
		}
		counted[id] = n
	}
	want := map[string]tally{a.ID: {20, 10}, b.ID: {0, 24}}
	for _, id := range []string{a.ID, b.ID} {
		if counted[id] != want[id] || stored[id] != want[id] {
			t.Errorf("image %s: person rows %+v, counts row %+v, want both %+v", id, counted[id], stored[id], want[id])
		}
	}
}

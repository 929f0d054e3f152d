package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// runMine runs the cases of a person's own comments and reactions.
func runMine(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"CommentsByAuthor", testCommentsByAuthor},
		{"CommentsByAuthorAcrossInserts", testCommentsByAuthorAcrossInserts},
		{"ReactionsByUser", testReactionsByUser},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// authorComments lists every comment of author in pages of pageSize,
// checking each page's length.
func authorComments(t *testing.T, s store.Store, author string, pageSize int) []store.Comment {
	t.Helper()
	var all []store.Comment
	var before store.Cursor
	for range 1000 {
		page, err := s.ListCommentsByAuthor(context.Background(), author, before, pageSize)
		if err != nil {
			t.Fatalf("ListCommentsByAuthor(%s, %+v, %d): %v", author, before, pageSize, err)
		}
		if len(page) > pageSize {
			t.Fatalf("ListCommentsByAuthor(%s): page of %d, want at most %d", author, len(page), pageSize)
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
		before = page[len(page)-1].AuthorCursor()
	}
	t.Fatalf("ListCommentsByAuthor(%s) does not end", author)
	return nil
}

// userReactions lists every reaction of user in pages of pageSize,
// checking each page's length.
func userReactions(t *testing.T, s store.Store, user string, pageSize int) []store.UserReaction {
	t.Helper()
	var all []store.UserReaction
	var before store.Cursor
	for range 1000 {
		page, err := s.ListReactionsByUser(context.Background(), user, before, pageSize)
		if err != nil {
			t.Fatalf("ListReactionsByUser(%s, %+v, %d): %v", user, before, pageSize, err)
		}
		if len(page) > pageSize {
			t.Fatalf("ListReactionsByUser(%s): page of %d, want at most %d", user, len(page), pageSize)
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
		before = page[len(page)-1].Cursor()
	}
	t.Fatalf("ListReactionsByUser(%s) does not end", user)
	return nil
}

// authorNewestFirst sorts comments in the order ListCommentsByAuthor
// returns them.
func authorNewestFirst(comments []store.Comment) []store.Comment {
	out := slices.Clone(comments)
	slices.SortFunc(out, func(a, b store.Comment) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		switch {
		case a.ID > b.ID:
			return -1
		case a.ID < b.ID:
			return 1
		}
		return 0
	})
	return out
}

func testCommentsByAuthor(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b, c := NewImage("alice", base), NewImage("bob", base), NewImage("writer", base)
	mustCreate(t, s, a, b, c)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	write := func(img store.Image, author string, ms int) store.Comment {
		cm := store.Comment{ImageID: img.ID, ID: store.NewCommentID(at(ms)), AuthorID: author, Text: "from " + author, CreateTime: at(ms)}
		mustAddComment(t, s, cm)
		return cm
	}
	// The writer's comments across three photos, two of them at one
	// instant, among another author's; every photo has a state row, one
	// with its comments turned off afterwards.
	mine := []store.Comment{
		write(a, "writer", 1), write(b, "writer", 2), write(a, "writer", 3),
		write(c, "writer", 4), write(a, "writer", 5), write(b, "writer", 5),
	}
	theirs := []store.Comment{write(a, "other", 2), write(b, "other", 6)}
	if err := s.SetCommentsDisabled(ctx, c.ID, true); err != nil {
		t.Fatalf("SetCommentsDisabled: %v", err)
	}

	want := authorNewestFirst(mine)
	for _, size := range []int{1, 2, 4, 100} {
		if got := authorComments(t, s, "writer", size); !slices.Equal(got, want) {
			t.Errorf("writer's comments in pages of %d = %v, want %v", size, commentIDs(got), commentIDs(want))
		}
	}
	if got, want := authorComments(t, s, "other", 10), authorNewestFirst(theirs); !slices.Equal(got, want) {
		t.Errorf("other's comments = %v, want %v", commentIDs(got), commentIDs(want))
	}
	if got := authorComments(t, s, "nobody", 10); len(got) != 0 {
		t.Errorf("nobody's comments = %v, want none", got)
	}
	if got, err := s.ListCommentsByAuthor(ctx, "writer", store.Cursor{}, 0); err != nil || len(got) != 0 {
		t.Errorf("ListCommentsByAuthor(limit 0) = %v, %v; want nothing", got, err)
	}

	// A deleted comment, and the comments of a deleted photo, are gone.
	if _, err := s.DeleteComment(ctx, mine[0].ImageID, mine[0].ID); err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	if _, err := s.DeleteImage(ctx, b.ID); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	want = authorNewestFirst([]store.Comment{mine[2], mine[3], mine[4]})
	if got := authorComments(t, s, "writer", 2); !slices.Equal(got, want) {
		t.Errorf("after the deletes, writer's comments = %v, want %v", commentIDs(got), commentIDs(want))
	}
}

func testCommentsByAuthorAcrossInserts(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	var old []store.Comment
	for i := range 5 {
		at := base.Add(time.Duration(i) * time.Second)
		cm := store.Comment{ImageID: img.ID, ID: store.NewCommentID(at), AuthorID: "writer", Text: "old", CreateTime: at}
		mustAddComment(t, s, cm)
		old = append(old, cm)
	}
	first, err := s.ListCommentsByAuthor(ctx, "writer", store.Cursor{}, 2)
	if err != nil {
		t.Fatalf("ListCommentsByAuthor: %v", err)
	}
	if len(first) != 2 {
		t.Fatalf("first page of 2 holds %d comments", len(first))
	}
	// A newer comment, and one at the instant of the last one listed,
	// arrive between the pages.
	later := base.Add(time.Hour)
	mustAddComment(t, s, store.Comment{ImageID: img.ID, ID: store.NewCommentID(later), AuthorID: "writer", Text: "new", CreateTime: later})
	tie := first[len(first)-1]
	tieID := store.NewCommentID(tie.CreateTime)
	mustAddComment(t, s, store.Comment{ImageID: img.ID, ID: tieID, AuthorID: "writer", Text: "tie", CreateTime: tie.CreateTime})
	var rest []store.Comment
	before := tie.AuthorCursor()
	for {
		page, err := s.ListCommentsByAuthor(ctx, "writer", before, 2)
		if err != nil {
			t.Fatalf("ListCommentsByAuthor: %v", err)
		}
		rest = append(rest, page...)
		if len(page) < 2 {
			break
		}
		before = page[len(page)-1].AuthorCursor()
	}
	var got []string
	for _, cm := range append(first, rest...) {
		if cm.ID != tieID {
			got = append(got, cm.ID)
		}
	}
	if want := commentIDs(authorNewestFirst(old)); !slices.Equal(got, want) {
		t.Errorf("paged across inserts: %v, want every old comment once, newest first: %v", got, want)
	}
}

func testReactionsByUser(t *testing.T, s store.Store) {
	ctx := context.Background()
	imgs := []store.Image{NewImage("alice", base), NewImage("bob", base), NewImage("alice", base), NewImage("carol", base)}
	mustCreate(t, s, imgs...)
	// react sets user's reaction and returns when it may be dated: between
	// the times before and after the call.
	react := func(img store.Image, user string, kind store.Kind) (from, to time.Time) {
		t.Helper()
		from = time.Now()
		if err := s.React(ctx, img.ID, user, kind); err != nil {
			t.Fatalf("React(%s, %s): %v", img.ID, user, err)
		}
		return from, time.Now()
	}
	type when struct{ from, to time.Time }
	dated := map[string]when{}
	for _, r := range []struct {
		img  store.Image
		kind store.Kind
	}{{imgs[0], store.Like}, {imgs[1], store.Dislike}, {imgs[2], store.Like}, {imgs[3], store.Like}} {
		from, to := react(r.img, "fan", r.kind)
		dated[r.img.ID] = when{from, to}
		react(r.img, "critic", store.Dislike)
	}
	// Taking one back removes it; turning a dislike into a like moves it
	// to the front, dated anew.
	if err := s.Unreact(ctx, imgs[3].ID, "fan", store.Like); err != nil {
		t.Fatalf("Unreact: %v", err)
	}
	time.Sleep(2 * time.Millisecond)
	from, to := react(imgs[1], "fan", store.Like)
	dated[imgs[1].ID] = when{from, to}

	type kindOf struct {
		image string
		kind  store.Kind
	}
	all := userReactions(t, s, "fan", 100)
	var got []kindOf
	for i, r := range all {
		got = append(got, kindOf{r.ImageID, r.Kind})
		if r.UserID != "fan" {
			t.Errorf("reaction %d is %s's, want fan's", i, r.UserID)
		}
		if d := dated[r.ImageID]; r.CreateTime.Before(d.from) || r.CreateTime.After(d.to) {
			t.Errorf("reaction to %s dated %v, want between %v and %v", r.ImageID, r.CreateTime, d.from, d.to)
		}
		if i > 0 && !newerReaction(all[i-1], r) {
			t.Errorf("reaction %d (%v) is not older than the one before it (%v)", i, r, all[i-1])
		}
	}
	want := []kindOf{{imgs[1].ID, store.Like}, {imgs[2].ID, store.Like}, {imgs[0].ID, store.Like}}
	if !slices.Equal(got, want) {
		t.Errorf("fan's reactions = %v, want %v", got, want)
	}
	if paged := userReactions(t, s, "fan", 1); !slices.Equal(paged, all) {
		t.Errorf("fan's reactions one at a time = %v, want %v", paged, all)
	}
	if got := userReactions(t, s, "critic", 10); len(got) != len(imgs) {
		t.Errorf("critic's reactions = %v, want one per photo", got)
	}
	// No person's id lists the rows an adapter keeps beside the
	// reactions (the counts), nor does an unknown person's.
	for _, user := range []string{"nobody", "#counts", ""} {
		if got := userReactions(t, s, user, 10); len(got) != 0 {
			t.Errorf("%q's reactions = %v, want none", user, got)
		}
	}
	if _, err := s.DeleteImage(ctx, imgs[2].ID); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	got = nil
	for _, r := range userReactions(t, s, "fan", 10) {
		got = append(got, kindOf{r.ImageID, r.Kind})
	}
	if want := []kindOf{{imgs[1].ID, store.Like}, {imgs[0].ID, store.Like}}; !slices.Equal(got, want) {
		t.Errorf("after deleting a photo, fan's reactions = %v, want %v", got, want)
	}
}

// newerReaction reports whether a comes before b in newest-first order.
func newerReaction(a, b store.UserReaction) bool {
	if !a.CreateTime.Equal(b.CreateTime) {
		return a.CreateTime.After(b.CreateTime)
	}
	return a.ImageID > b.ImageID
}

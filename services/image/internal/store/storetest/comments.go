package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fotogal/fotogal/services/image/internal/store"
)

// runComments runs the cases of comments and their per-photo state.
func runComments(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"CommentRoundTrip", testCommentRoundTrip},
		{"CommentPaging", testCommentPaging},
		{"CommentPagingAcrossInserts", testCommentPagingAcrossInserts},
		{"CommentListsHoldCommentsOnly", testCommentListsHoldCommentsOnly},
		{"ConcurrentComments", testConcurrentComments},
		{"CommentErrors", testCommentErrors},
		{"CommentsDisabled", testCommentsDisabled},
		{"DeleteImageDeletesComments", testDeleteImageDeletesComments},
		{"CommentStates", testCommentStates},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// commentAuthor numbers the authors of newComment.
var commentAuthor atomic.Int64

// newComment returns a comment on imageID written at t, with a fresh id
// and author and a text that names them.
func newComment(imageID string, t time.Time) store.Comment {
	author := fmt.Sprintf("author%04d", commentAuthor.Add(1))
	return store.Comment{
		ImageID:    imageID,
		ID:         store.NewCommentID(t),
		AuthorID:   author,
		Text:       "nice one, from " + author,
		CreateTime: t.UTC(),
	}
}

// addComments adds n comments to imageID, one millisecond apart from
// start, and returns them oldest first.
func addComments(t *testing.T, s store.Store, imageID string, start time.Time, n int) []store.Comment {
	t.Helper()
	out := make([]store.Comment, n)
	for i := range out {
		out[i] = newComment(imageID, start.Add(time.Duration(i)*time.Millisecond))
		mustAddComment(t, s, out[i])
	}
	return out
}

func mustAddComment(t *testing.T, s store.Store, c store.Comment) {
	t.Helper()
	if err := s.AddComment(context.Background(), c); err != nil {
		t.Fatalf("AddComment(%s): %v", c.ID, err)
	}
}

func commentIDs(comments []store.Comment) []string {
	out := make([]string, len(comments))
	for i, c := range comments {
		out[i] = c.ID
	}
	return out
}

// listComments pages through imageID's comments pageSize at a time in the
// order asked for.
func listComments(t *testing.T, s store.Store, imageID string, newestFirst bool, pageSize int) []store.Comment {
	t.Helper()
	var all []store.Comment
	q := store.CommentQuery{ImageID: imageID, NewestFirst: newestFirst, Limit: pageSize}
	for range 1000 {
		page, err := s.ListComments(context.Background(), q)
		if err != nil {
			t.Fatalf("ListComments(%+v): %v", q, err)
		}
		if len(page) > pageSize {
			t.Fatalf("ListComments(%+v): page of %d, want at most %d", q, len(page), pageSize)
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
		q.After = page[len(page)-1].ID
	}
	t.Fatalf("ListComments of %s does not end", imageID)
	return nil
}

// commentStateOf returns the comment state of imageID.
func commentStateOf(t *testing.T, s store.Store, imageID string) store.CommentState {
	t.Helper()
	states, err := s.CommentStates(context.Background(), []string{imageID})
	if err != nil {
		t.Fatalf("CommentStates(%s): %v", imageID, err)
	}
	return states[imageID]
}

func testCommentRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	at := base.Add(time.Minute + 123456789*time.Nanosecond)
	want := store.Comment{
		ImageID:    img.ID,
		ID:         store.NewCommentID(at),
		AuthorID:   "bob",
		Text:       "Où est-ce ? 📷 #travel @alice",
		CreateTime: at,
	}
	mustAddComment(t, s, want)

	got, err := s.GetComment(ctx, img.ID, want.ID)
	if err != nil {
		t.Fatalf("GetComment: %v", err)
	}
	if got != want {
		t.Errorf("GetComment = %+v, want %+v", got, want)
	}
	for _, newestFirst := range []bool{false, true} {
		list, err := s.ListComments(ctx, store.CommentQuery{ImageID: img.ID, NewestFirst: newestFirst, Limit: 10})
		if err != nil {
			t.Fatalf("ListComments(newest first %v): %v", newestFirst, err)
		}
		if len(list) != 1 || list[0] != want {
			t.Errorf("ListComments(newest first %v) = %+v, want [%+v]", newestFirst, list, want)
		}
	}
	if got := commentStateOf(t, s, img.ID); got != (store.CommentState{Count: 1}) {
		t.Errorf("comment state = %+v, want a count of 1", got)
	}

	longest := newComment(img.ID, at.Add(time.Second))
	longest.Text = strings.Repeat("💬", 2200)
	mustAddComment(t, s, longest)
	if got, err := s.GetComment(ctx, img.ID, longest.ID); err != nil || got != longest {
		t.Errorf("GetComment(comment of 2,200 four-byte characters) = %d bytes, %v; want the %d written", len(got.Text), err, len(longest.Text))
	}
}

func testCommentPaging(t *testing.T, s store.Store) {
	img, other := NewImage("alice", base), NewImage("alice", base)
	mustCreate(t, s, img, other)
	oldestFirst := addComments(t, s, img.ID, base, 45)
	addComments(t, s, other.ID, base, 3)
	newestFirst := slices.Clone(oldestFirst)
	slices.Reverse(newestFirst)

	tests := []struct {
		name        string
		newestFirst bool
		want        []store.Comment
	}{
		{"oldest first", false, oldestFirst},
		{"newest first", true, newestFirst},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := listComments(t, s, img.ID, tc.newestFirst, 20)
			if !slices.Equal(got, tc.want) {
				t.Errorf("pages of 20 = %v\nwant %v", commentIDs(got), commentIDs(tc.want))
			}
		})
	}
}

func testCommentPagingAcrossInserts(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	want := addComments(t, s, img.ID, base, 10)

	first, err := s.ListComments(ctx, store.CommentQuery{ImageID: img.ID, Limit: 4})
	if err != nil {
		t.Fatalf("ListComments: %v", err)
	}
	// New comments arrive between pages: they come after the cursor.
	want = append(want, addComments(t, s, img.ID, base.Add(time.Hour), 3)...)
	second, err := s.ListComments(ctx, store.CommentQuery{ImageID: img.ID, After: first[len(first)-1].ID, Limit: 4})
	if err != nil {
		t.Fatalf("ListComments: %v", err)
	}
	want = append(want, addComments(t, s, img.ID, base.Add(2*time.Hour), 2)...)
	rest, err := s.ListComments(ctx, store.CommentQuery{ImageID: img.ID, After: second[len(second)-1].ID, Limit: 100})
	if err != nil {
		t.Fatalf("ListComments: %v", err)
	}
	if got := slices.Concat(first, second, rest); !slices.Equal(got, want) {
		t.Errorf("pages = %v\nwant %v (no repeat, no skip, the new ones at the end)", commentIDs(got), commentIDs(want))
	}
}

// testCommentListsHoldCommentsOnly lists photos whose comment state has
// been written, in both orders and every page size, from every position:
// only comments are listed, never the state a store keeps beside them.
func testCommentListsHoldCommentsOnly(t *testing.T, s store.Store) {
	ctx := context.Background()
	img, silent := NewImage("alice", base), NewImage("alice", base)
	mustCreate(t, s, img, silent)
	for _, id := range []string{img.ID, silent.ID} {
		if err := s.SetCommentsDisabled(ctx, id, true); err != nil {
			t.Fatalf("SetCommentsDisabled(true): %v", err)
		}
	}
	if err := s.SetCommentsDisabled(ctx, img.ID, false); err != nil {
		t.Fatalf("SetCommentsDisabled(false): %v", err)
	}
	oldestFirst := addComments(t, s, img.ID, base, 3)
	deleted := oldestFirst[1]
	if _, err := s.DeleteComment(ctx, img.ID, deleted.ID); err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	oldestFirst = slices.Delete(oldestFirst, 1, 2)
	newestFirst := slices.Clone(oldestFirst)
	slices.Reverse(newestFirst)

	for _, pageSize := range []int{1, 2, 100} {
		if got := listComments(t, s, img.ID, false, pageSize); !slices.Equal(got, oldestFirst) {
			t.Errorf("oldest first, pages of %d: %v, want %v", pageSize, commentIDs(got), commentIDs(oldestFirst))
		}
		if got := listComments(t, s, img.ID, true, pageSize); !slices.Equal(got, newestFirst) {
			t.Errorf("newest first, pages of %d: %v, want %v", pageSize, commentIDs(got), commentIDs(newestFirst))
		}
	}
	tests := []struct {
		name string
		q    store.CommentQuery
		want []store.Comment
	}{
		{"no comments, oldest first", store.CommentQuery{ImageID: silent.ID, Limit: 10}, nil},
		{"no comments, newest first", store.CommentQuery{ImageID: silent.ID, NewestFirst: true, Limit: 10}, nil},
		{"newest first after the oldest", store.CommentQuery{ImageID: img.ID, After: oldestFirst[0].ID, NewestFirst: true, Limit: 10}, nil},
		{"oldest first after the newest", store.CommentQuery{ImageID: img.ID, After: oldestFirst[1].ID, Limit: 10}, nil},
		{"oldest first after a deleted one", store.CommentQuery{ImageID: img.ID, After: deleted.ID, Limit: 10}, oldestFirst[1:]},
		{"newest first after a deleted one", store.CommentQuery{ImageID: img.ID, After: deleted.ID, NewestFirst: true, Limit: 10}, oldestFirst[:1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListComments(ctx, tc.q)
			if err != nil {
				t.Fatalf("ListComments(%+v): %v", tc.q, err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ListComments(%+v) = %v, want %v", tc.q, commentIDs(got), commentIDs(tc.want))
			}
		})
	}
	if got, want := commentStateOf(t, s, img.ID), (store.CommentState{Count: 2}); got != want {
		t.Errorf("comment state = %+v, want %+v", got, want)
	}
}

// testConcurrentComments adds 50 comments to one photo at once, then
// deletes 20 of them twice each at once: the count follows exactly, and
// of the two deletes of a comment one succeeds and the other finds
// nothing.
func testConcurrentComments(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	const added, deleted = 50, 20
	comments := make([]store.Comment, added)
	for i := range comments {
		comments[i] = newComment(img.ID, base.Add(time.Duration(i)*time.Millisecond))
	}
	var wg sync.WaitGroup
	for _, c := range comments {
		wg.Go(func() {
			if err := s.AddComment(ctx, c); err != nil {
				t.Errorf("AddComment: %v", err)
			}
		})
	}
	wg.Wait()
	if got := commentStateOf(t, s, img.ID); got.Count != added {
		t.Fatalf("after %d concurrent comments: count %d", added, got.Count)
	}

	var succeeded, notFound [deleted]atomic.Int64
	for i := range deleted {
		for range 2 {
			wg.Go(func() {
				c, err := s.DeleteComment(ctx, img.ID, comments[i].ID)
				switch {
				case err == nil:
					succeeded[i].Add(1)
					if c != comments[i] {
						t.Errorf("DeleteComment returned %+v, want %+v", c, comments[i])
					}
				case errors.Is(err, store.ErrNotFound):
					notFound[i].Add(1)
				default:
					t.Errorf("DeleteComment: %v", err)
				}
			})
		}
	}
	wg.Wait()
	for i := range deleted {
		if succeeded[i].Load() != 1 || notFound[i].Load() != 1 {
			t.Errorf("two deletes of comment %d: %d succeeded, %d not found; want one each", i, succeeded[i].Load(), notFound[i].Load())
		}
	}
	if got := commentStateOf(t, s, img.ID); got.Count != added-deleted {
		t.Errorf("after %d concurrent deletes: count %d, want %d", deleted, got.Count, added-deleted)
	}
	if got := listComments(t, s, img.ID, false, 100); !slices.Equal(got, comments[deleted:]) {
		t.Errorf("comments left = %v, want %v", commentIDs(got), commentIDs(comments[deleted:]))
	}
}

func testCommentErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	existing := newComment(img.ID, base)
	mustAddComment(t, s, existing)
	sameID := newComment(img.ID, base.Add(time.Second))
	sameID.ID = existing.ID

	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"AddComment to a missing image", func() error { return s.AddComment(ctx, newComment("missing", base)) }, store.ErrNotFound},
		{"AddComment with an id that exists", func() error { return s.AddComment(ctx, sameID) }, store.ErrConflict},
		{"GetComment of a missing comment", func() error {
			_, err := s.GetComment(ctx, img.ID, store.NewCommentID(base))
			return err
		}, store.ErrNotFound},
		{"GetComment under another image", func() error { _, err := s.GetComment(ctx, "missing", existing.ID); return err }, store.ErrNotFound},
		{"DeleteComment of a missing comment", func() error {
			_, err := s.DeleteComment(ctx, img.ID, store.NewCommentID(base))
			return err
		}, store.ErrNotFound},
		{"SetCommentsDisabled on a missing image", func() error { return s.SetCommentsDisabled(ctx, "missing", true) }, store.ErrNotFound},
		{"SetCommentsDisabled(false) on a missing image", func() error { return s.SetCommentsDisabled(ctx, "missing", false) }, store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if got, err := s.GetComment(ctx, img.ID, existing.ID); err != nil || got != existing {
		t.Errorf("the comment after a conflicting add = %+v, %v; want it unchanged, %+v", got, err, existing)
	}
	if got := commentStateOf(t, s, img.ID); got != (store.CommentState{Count: 1}) {
		t.Errorf("comment state after the refused writes = %+v, want a count of 1", got)
	}
	states, err := s.CommentStates(ctx, []string{"missing"})
	if err != nil || states["missing"] != (store.CommentState{}) {
		t.Errorf("CommentStates(missing) = %v, %v; want none", states, err)
	}
}

func testCommentsDisabled(t *testing.T, s store.Store) {
	ctx := context.Background()
	img := NewImage("alice", base)
	mustCreate(t, s, img)
	comments := addComments(t, s, img.ID, base, 2)

	steps := []struct {
		name string
		do   func() error
		want error
		// state is the comment state after the step.
		state store.CommentState
	}{
		{"turn off", func() error { return s.SetCommentsDisabled(ctx, img.ID, true) }, nil, store.CommentState{Count: 2, Disabled: true}},
		{"comment while off", func() error { return s.AddComment(ctx, newComment(img.ID, base.Add(time.Hour))) }, store.ErrCommentsDisabled, store.CommentState{Count: 2, Disabled: true}},
		{"turn off again", func() error { return s.SetCommentsDisabled(ctx, img.ID, true) }, nil, store.CommentState{Count: 2, Disabled: true}},
		{"delete a comment while off", func() error { _, err := s.DeleteComment(ctx, img.ID, comments[0].ID); return err }, nil, store.CommentState{Count: 1, Disabled: true}},
		{"turn on", func() error { return s.SetCommentsDisabled(ctx, img.ID, false) }, nil, store.CommentState{Count: 1}},
		{"comment again", func() error { return s.AddComment(ctx, newComment(img.ID, base.Add(time.Hour))) }, nil, store.CommentState{Count: 2}},
		{"turn on again", func() error { return s.SetCommentsDisabled(ctx, img.ID, false) }, nil, store.CommentState{Count: 2}},
	}
	for _, step := range steps {
		if err := step.do(); !errors.Is(err, step.want) {
			t.Errorf("%s: got %v, want %v", step.name, err, step.want)
		}
		if got := commentStateOf(t, s, img.ID); got != step.state {
			t.Errorf("after %s: comment state %+v, want %+v", step.name, got, step.state)
		}
	}
	if got := listComments(t, s, img.ID, false, 10); len(got) != 2 || got[0] != comments[1] {
		t.Errorf("comments at the end = %v, want the second one and the one added after turning comments on", commentIDs(got))
	}

	fresh := NewImage("alice", base)
	mustCreate(t, s, fresh)
	if err := s.SetCommentsDisabled(ctx, fresh.ID, true); err != nil {
		t.Fatalf("SetCommentsDisabled on a photo without comments: %v", err)
	}
	if err := s.AddComment(ctx, newComment(fresh.ID, base)); !errors.Is(err, store.ErrCommentsDisabled) {
		t.Errorf("AddComment to a photo turned off before its first comment = %v, want ErrCommentsDisabled", err)
	}
	if got, want := commentStateOf(t, s, fresh.ID), (store.CommentState{Disabled: true}); got != want {
		t.Errorf("comment state of a photo turned off before its first comment = %+v, want %+v", got, want)
	}
}

func testDeleteImageDeletesComments(t *testing.T, s store.Store) {
	ctx := context.Background()
	img, kept := NewImage("alice", base), NewImage("alice", base)
	mustCreate(t, s, img, kept)
	comments := addComments(t, s, img.ID, base, 3)
	keptComments := addComments(t, s, kept.ID, base, 2)
	if err := s.SetCommentsDisabled(ctx, img.ID, true); err != nil {
		t.Fatalf("SetCommentsDisabled: %v", err)
	}

	if _, err := s.DeleteImage(ctx, img.ID); err != nil {
		t.Fatalf("DeleteImage: %v", err)
	}
	for _, c := range comments {
		if _, err := s.GetComment(ctx, img.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetComment after DeleteImage = %v, want ErrNotFound", err)
		}
	}
	for _, newestFirst := range []bool{false, true} {
		if got := listComments(t, s, img.ID, newestFirst, 10); len(got) != 0 {
			t.Errorf("ListComments(newest first %v) after DeleteImage = %v, want none", newestFirst, commentIDs(got))
		}
	}
	states, err := s.CommentStates(ctx, []string{img.ID, kept.ID})
	if err != nil {
		t.Fatalf("CommentStates: %v", err)
	}
	if got := states[img.ID]; got != (store.CommentState{}) {
		t.Errorf("comment state after DeleteImage = %+v, want none", got)
	}
	if got, want := states[kept.ID], (store.CommentState{Count: 2}); got != want {
		t.Errorf("comment state of the other photo = %+v, want %+v", got, want)
	}
	if got := listComments(t, s, kept.ID, false, 10); !slices.Equal(got, keptComments) {
		t.Errorf("comments of the other photo = %v, want %v", commentIDs(got), commentIDs(keptComments))
	}
	if _, err := s.DeleteImage(ctx, img.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteImage again = %v, want ErrNotFound", err)
	}
	if err := s.AddComment(ctx, newComment(img.ID, base)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddComment to the deleted image = %v, want ErrNotFound", err)
	}
	// A new image with the same ID starts without the old comments.
	mustCreate(t, s, img)
	if got := commentStateOf(t, s, img.ID); got != (store.CommentState{}) {
		t.Errorf("comment state of a recreated image = %+v, want none", got)
	}
	if got := listComments(t, s, img.ID, false, 10); len(got) != 0 {
		t.Errorf("comments of a recreated image = %v, want none", commentIDs(got))
	}
}

func testCommentStates(t *testing.T, s store.Store) {
	ctx := context.Background()
	talked, off, quiet := NewImage("alice", base), NewImage("alice", base), NewImage("bob", base)
	mustCreate(t, s, talked, off, quiet)
	addComments(t, s, talked.ID, base, 3)
	addComments(t, s, off.ID, base, 1)
	if err := s.SetCommentsDisabled(ctx, off.ID, true); err != nil {
		t.Fatalf("SetCommentsDisabled: %v", err)
	}

	got, err := s.CommentStates(ctx, []string{talked.ID, off.ID, quiet.ID, "missing", talked.ID})
	if err != nil {
		t.Fatalf("CommentStates: %v", err)
	}
	want := map[string]store.CommentState{
		talked.ID: {Count: 3},
		off.ID:    {Count: 1, Disabled: true},
		quiet.ID:  {},
		"missing": {},
	}
	for id, state := range want {
		if got[id] != state {
			t.Errorf("state of %s = %+v, want %+v", id, got[id], state)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("CommentStates returned %s, which was not asked for", id)
		}
	}
	if got, err := s.CommentStates(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("CommentStates(none) = %v, %v; want nothing", got, err)
	}

	// More images than a page holds, in one call.
	var many []string
	for i := range 150 {
		img := NewImage("carol", base)
		mustCreate(t, s, img)
		many = append(many, img.ID)
		if i%10 == 0 {
			addComments(t, s, img.ID, base, 1)
		}
	}
	states, err := s.CommentStates(ctx, many)
	if err != nil {
		t.Fatalf("CommentStates(150 images): %v", err)
	}
	for i, id := range many {
		want := store.CommentState{}
		if i%10 == 0 {
			want.Count = 1
		}
		if states[id] != want {
			t.Errorf("CommentStates(150 images): image %d has %+v, want %+v", i, states[id], want)
		}
	}
}

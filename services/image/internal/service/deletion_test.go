package service_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/testimages"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/service"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// The deletion tests delete alice's account. erin and carol stay: erin
// owns photos alice reacted to and commented on, carol likes one of them.

// erinsPhotos are the photos of erin's that alice's deletion must leave
// as they were, but for alice's part in them.
type erinsPhotos struct {
	// tagged carries #sunset, which alice's photo carries too; plain has
	// no tag.
	tagged, plain string
	// comment is erin's own comment under tagged.
	comment string
}

// postErinsPhotos posts erin's photos, which carol likes and erin
// comments on.
func postErinsPhotos(t *testing.T, e *env) erinsPhotos {
	t.Helper()
	p := erinsPhotos{
		tagged: mustUpload(t, e, "erin", testimages.PNG(20, 20), "#sunset at home").GetImageId(),
		plain:  mustUpload(t, e, "erin", testimages.PNG(20, 20), "at home").GetImageId(),
	}
	if _, err := e.client.LikeImage(as("carol"), &imagev1.LikeImageRequest{ImageId: p.tagged}); err != nil {
		t.Fatalf("carol likes erin's photo: %v", err)
	}
	p.comment = e.comment(t, "erin", p.tagged, "my own").GetCommentId()
	return p
}

// postAlicesData gives alice everything the image service can hold of a
// person, and returns the ids of her images: two photos (one with tags
// and a mention of erin) and an avatar; a like, a dislike and comments on
// erin's photos; a like and a comment on her own photo; erin's and
// carol's reactions and erin's comments on hers; and the activity events
// of all that.
func postAlicesData(t *testing.T, e *env, erin erinsPhotos) []string {
	t.Helper()
	tagged := mustUpload(t, e, "alice", testimages.PNG(20, 20), "#sunset #beach with @erin").GetImageId()
	plain := mustUpload(t, e, "alice", testimages.PNG(20, 20), "no tags").GetImageId()
	if _, err := e.setAvatar("alice", testimages.PNG(20, 20)); err != nil {
		t.Fatalf("alice sets her avatar: %v", err)
	}
	e.users.mu.Lock()
	avatar := e.users.avatars["id-alice"]
	e.users.mu.Unlock()

	reactions := []struct {
		user, imageID string
		dislike       bool
	}{
		{"alice", erin.tagged, false},
		{"alice", erin.plain, true},
		{"alice", tagged, false},
		{"erin", tagged, false},
		{"erin", plain, true},
		{"carol", tagged, false},
	}
	for _, r := range reactions {
		var err error
		if r.dislike {
			_, err = e.client.DislikeImage(as(r.user), &imagev1.DislikeImageRequest{ImageId: r.imageID})
		} else {
			_, err = e.client.LikeImage(as(r.user), &imagev1.LikeImageRequest{ImageId: r.imageID})
		}
		if err != nil {
			t.Fatalf("%s reacts to %s: %v", r.user, r.imageID, err)
		}
	}
	e.comment(t, "alice", erin.tagged, "lovely")
	e.comment(t, "alice", erin.tagged, "and again, @erin")
	e.comment(t, "alice", erin.plain, "nice")
	e.comment(t, "alice", tagged, "mine")
	e.comment(t, "erin", tagged, "yours")
	e.comment(t, "erin", plain, "and this")
	return []string{tagged, plain, avatar}
}

// openDB opens the service's SQLite file for the test to read.
func openDB(t *testing.T, e *env) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(e.dataDir, "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// traces are the queries that find what is left of a person, ?1, and of
// their images, the JSON array ?2.
var traces = []struct{ what, query string }{
	{"images", `SELECT COUNT(*) FROM fotogal_ntable_images WHERE user_id = ?1 OR image_id IN (SELECT value FROM json_each(?2))`},
	{"reactions by or to", `SELECT COUNT(*) FROM reactions WHERE user_id = ?1 OR image_id IN (SELECT value FROM json_each(?2))`},
	{"reaction counts", `SELECT COUNT(*) FROM reaction_counts WHERE image_id IN (SELECT value FROM json_each(?2))`},
	{"comments by or under", `SELECT COUNT(*) FROM fotogal_ntable_comments WHERE author_id = ?1 OR image_id IN (SELECT value FROM json_each(?2))`},
	{"comment states", `SELECT COUNT(*) FROM fotogal_ntable_commentstate WHERE image_id IN (SELECT value FROM json_each(?2))`},
	{"tag rows", `SELECT COUNT(*) FROM fotogal_ntable_tags WHERE owner_id = ?1 OR image_id IN (SELECT value FROM json_each(?2))`},
	{"activity events", `SELECT COUNT(*) FROM fotogal_ntable_imageactivity WHERE actor_id = ?1 OR recipient_id = ?1`},
}

// tracesOf counts, by what they are, the rows of userID and of imageIDs
// in the store and the objects of imageIDs in the bucket.
func tracesOf(t *testing.T, e *env, db *sql.DB, userID string, imageIDs []string) map[string]int {
	t.Helper()
	ids, err := json.Marshal(imageIDs)
	if err != nil {
		t.Fatal(err)
	}
	found := make(map[string]int)
	for _, q := range traces {
		var n int
		if err := db.QueryRow(q.query, userID, string(ids)).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", q.what, err)
		}
		found[q.what] = n
	}
	for _, name := range objects(t, e) {
		for _, id := range imageIDs {
			if strings.HasPrefix(name, "img/"+id+"/") {
				found["objects"]++
			}
		}
	}
	return found
}

// objects returns the names of the bucket's objects, sorted.
func objects(t *testing.T, e *env) []string {
	t.Helper()
	var names []string
	if err := e.bucket.List(context.Background(), func(obj bucket.ObjectInfo) error {
		names = append(names, obj.Name)
		return nil
	}); err != nil {
		t.Fatalf("list the bucket: %v", err)
	}
	slices.Sort(names)
	return names
}

// checkAllThere fails the test unless every kind of trace of alice is
// there, so that checkGone proves something.
func checkAllThere(t *testing.T, e *env, db *sql.DB, images []string) {
	t.Helper()
	found := tracesOf(t, e, db, "id-alice", images)
	for _, q := range traces {
		if found[q.what] == 0 {
			t.Fatalf("before the deletion alice has no %s", q.what)
		}
	}
	if found["objects"] != 3*len(images) {
		t.Fatalf("before the deletion alice's images have %d objects, want %d", found["objects"], 3*len(images))
	}
}

// checkGone fails the test if anything of alice or of her images is left.
func checkGone(t *testing.T, e *env, db *sql.DB, images []string) {
	t.Helper()
	for what, n := range tracesOf(t, e, db, "id-alice", images) {
		if n != 0 {
			t.Errorf("after the deletion: %d %s of alice's", n, what)
		}
	}
}

// checkErinsPhotos fails the test unless erin's photos are as they were
// before alice came: their objects, erin's comment and tag row, carol's
// like, and none of alice's reactions and comments, in the counts either.
func checkErinsPhotos(t *testing.T, e *env, db *sql.DB, p erinsPhotos) {
	t.Helper()
	want := map[string]struct{ likes, dislikes, comments int64 }{
		p.tagged: {1, 0, 1},
		p.plain:  {0, 0, 0},
	}
	for id, w := range want {
		resp, err := e.client.GetImage(as("erin"), &imagev1.GetImageRequest{ImageId: id})
		if err != nil {
			t.Fatalf("GetImage(%s) of erin's: %v", id, err)
		}
		img := resp.GetImage()
		if img.GetLikeCount() != w.likes || img.GetDislikeCount() != w.dislikes || img.GetCommentCount() != w.comments {
			t.Errorf("erin's photo %s: %d likes, %d dislikes, %d comments; want %d, %d, %d", id,
				img.GetLikeCount(), img.GetDislikeCount(), img.GetCommentCount(), w.likes, w.dislikes, w.comments)
		}
		for name, size := range sizes {
			if _, data, err := e.content("erin", &imagev1.GetImageContentRequest{ImageId: id, Size: size}); err != nil || len(data) == 0 {
				t.Errorf("erin's photo %s, %s: %d bytes, %v", id, name, len(data), err)
			}
		}
	}
	comments, err := e.client.ListComments(as("erin"), &imagev1.ListCommentsRequest{ImageId: p.tagged, PageSize: 100})
	if err != nil {
		t.Fatalf("ListComments: %v", err)
	}
	if got := comments.GetComments(); len(got) != 1 || got[0].GetCommentId() != p.comment {
		t.Errorf("comments under erin's photo: %v, want only her own", got)
	}
	if n := e.tagRowsOf(t, p.tagged); n != 1 {
		t.Errorf("erin's tagged photo has %d tag rows, want 1", n)
	}
	var carols int
	if err := db.QueryRow(`SELECT COUNT(*) FROM fotogal_ntable_imageactivity WHERE actor_id = 'id-carol' AND recipient_id = 'id-erin'`).Scan(&carols); err != nil {
		t.Fatal(err)
	}
	if carols == 0 {
		t.Error("the event of carol's like of erin's photo is gone")
	}
}

// snapshot returns the number of rows of every table and the bucket's
// object names, to tell whether a call changed anything.
func snapshot(t *testing.T, e *env, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"fotogal_ntable_images", "reactions", "reaction_counts", "fotogal_ntable_comments",
		"fotogal_ntable_commentstate", "fotogal_ntable_tags", "fotogal_ntable_imageactivity"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s: %d\n", table, n)
	}
	fmt.Fprintf(&b, "objects: %v\n", objects(t, e))
	return b.String()
}

// batchItems counts what DeleteUserData's batch bounds: alice's
// reactions, comments and images.
func batchItems(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM reactions WHERE user_id = 'id-alice')
		+ (SELECT COUNT(*) FROM fotogal_ntable_comments WHERE author_id = 'id-alice')
		+ (SELECT COUNT(*) FROM fotogal_ntable_images WHERE user_id = 'id-alice')`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeleteUserData(t *testing.T) {
	e := newEnv(t)
	db := openDB(t, e)
	ctx := context.Background()
	erin := postErinsPhotos(t, e)
	images := postAlicesData(t, e, erin)
	checkAllThere(t, e, db, images)
	canViews, lookups := e.users.canViews(), e.users.lookups()

	const batch = 2
	calls := 0
	for done := false; !done; calls++ {
		if calls == 50 {
			t.Fatal("DeleteUserData is not done after 50 calls")
		}
		before := batchItems(t, db)
		var err error
		if done, err = e.srv.DeleteUserData(ctx, "id-alice", batch); err != nil {
			t.Fatalf("DeleteUserData, call %d: %v", calls+1, err)
		}
		if deleted := before - batchItems(t, db); deleted > batch {
			t.Errorf("call %d deleted %d reactions, comments and images, want at most %d", calls+1, deleted, batch)
		}
	}
	// 3 reactions, 4 comments and 3 images: 10 items, 2 at most a call.
	if calls < 5 {
		t.Errorf("done after %d calls of %d, want at least 5", calls, batch)
	}
	if e.users.canViews() != canViews || e.users.lookups() != lookups {
		t.Errorf("the deletion asked the user service: %d CanView and %d lookups", e.users.canViews()-canViews, e.users.lookups()-lookups)
	}
	checkGone(t, e, db, images)
	checkErinsPhotos(t, e, db, erin)

	before := snapshot(t, e, db)
	resp, err := e.internal.DeleteUserData(asService(), &imagev1.DeleteUserDataRequest{UserId: "id-alice"})
	if err != nil || !resp.GetDone() {
		t.Fatalf("DeleteUserData once more = %v, %v; want done", resp, err)
	}
	if after := snapshot(t, e, db); after != before {
		t.Errorf("DeleteUserData once more changed\n%s\ninto\n%s", before, after)
	}
}

func TestDeleteUserDataRequests(t *testing.T) {
	e := newEnv(t)
	erin := postErinsPhotos(t, e)
	db := openDB(t, e)
	before := snapshot(t, e, db)
	tests := []struct {
		name   string
		ctx    context.Context
		userID string
		code   codes.Code
	}{
		{"an account with nothing", asService(), "id-nobody", codes.OK},
		{"no account", asService(), "", codes.InvalidArgument},
		{"a session instead of the service credential", as("erin"), "id-erin", codes.Unauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.internal.DeleteUserData(tc.ctx, &imagev1.DeleteUserDataRequest{UserId: tc.userID})
			if status.Code(err) != tc.code {
				t.Fatalf("DeleteUserData = %v, want %v", err, tc.code)
			}
			if tc.code == codes.InvalidArgument && !isFieldViolation(err, "user_id") {
				t.Errorf("DeleteUserData = %v, want a violation of user_id", err)
			}
			if tc.code == codes.OK && !resp.GetDone() {
				t.Error("DeleteUserData of an account without data is not done")
			}
		})
	}
	if after := snapshot(t, e, db); after != before {
		t.Errorf("the requests changed\n%s\ninto\n%s", before, after)
	}
	checkErinsPhotos(t, e, db, erin)
}

// errOutage is the answer of a store or bucket that is down.
var errOutage = errors.New("backend down")

// outage takes the store and the bucket down from a given write on, as a
// crash there would: what was written before it stays, nothing after it
// is done.
type outage struct {
	mu sync.Mutex
	// writes counts the writes since start; from the write numbered
	// from on (0: never) every call fails.
	writes, from int
	// began names the write the outage began at.
	began string
}

// start arms the outage at the write numbered from, counting from 1.
func (o *outage) start(from int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.writes, o.from, o.began = 0, from, ""
}

// stop ends the outage and returns the write it began at, or "" if the
// writes never got that far.
func (o *outage) stop() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.from = 0
	return o.began
}

// write counts a write, what, and fails it once the outage has begun.
func (o *outage) write(what string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.writes++
	if !o.down() {
		return nil
	}
	if o.began == "" {
		o.began = what
	}
	return errOutage
}

// read fails once the outage has begun.
func (o *outage) read() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down() {
		return errOutage
	}
	return nil
}

// down reports whether the outage has begun and not ended; o.mu is held.
func (o *outage) down() bool { return o.from != 0 && o.writes >= o.from }

// outageStore is a store that an outage takes down: the calls of an
// account's deletion fail once it has begun.
type outageStore struct {
	store.Store
	o *outage
}

func (s outageStore) ListReactionsByUser(ctx context.Context, userID string, before store.Cursor, limit int) ([]store.UserReaction, error) {
	if err := s.o.read(); err != nil {
		return nil, err
	}
	return s.Store.ListReactionsByUser(ctx, userID, before, limit)
}

func (s outageStore) ListCommentsByAuthor(ctx context.Context, authorID string, before store.Cursor, limit int) ([]store.Comment, error) {
	if err := s.o.read(); err != nil {
		return nil, err
	}
	return s.Store.ListCommentsByAuthor(ctx, authorID, before, limit)
}

func (s outageStore) ListImages(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	if err := s.o.read(); err != nil {
		return nil, err
	}
	return s.Store.ListImages(ctx, ownerID, before, limit)
}

func (s outageStore) ListAvatars(ctx context.Context, ownerID string, before store.Cursor, limit int) ([]store.Image, error) {
	if err := s.o.read(); err != nil {
		return nil, err
	}
	return s.Store.ListAvatars(ctx, ownerID, before, limit)
}

func (s outageStore) Unreact(ctx context.Context, imageID, userID string, kind store.Kind) error {
	if err := s.o.write("Unreact"); err != nil {
		return err
	}
	return s.Store.Unreact(ctx, imageID, userID, kind)
}

func (s outageStore) DeleteComment(ctx context.Context, imageID, commentID string) (store.Comment, error) {
	if err := s.o.write("DeleteComment"); err != nil {
		return store.Comment{}, err
	}
	return s.Store.DeleteComment(ctx, imageID, commentID)
}

func (s outageStore) DeleteTags(ctx context.Context, rows []store.TagRow) error {
	if err := s.o.write("DeleteTags"); err != nil {
		return err
	}
	return s.Store.DeleteTags(ctx, rows)
}

func (s outageStore) DeleteImage(ctx context.Context, id string) (store.Image, error) {
	if err := s.o.write("DeleteImage"); err != nil {
		return store.Image{}, err
	}
	return s.Store.DeleteImage(ctx, id)
}

func (s outageStore) DeleteEventsOf(ctx context.Context, userID string) error {
	if err := s.o.write("DeleteEventsOf"); err != nil {
		return err
	}
	return s.Store.DeleteEventsOf(ctx, userID)
}

// outageBucket is a bucket that an outage takes down.
type outageBucket struct {
	bucket.Bucket
	o *outage
}

func (b outageBucket) Delete(ctx context.Context, name string) error {
	if err := b.o.write("bucket Delete"); err != nil {
		return err
	}
	return b.Bucket.Delete(ctx, name)
}

// TestDeleteUserDataAfterAnOutage takes the store and the bucket down at
// each write of a deletion's call in turn, as a crash there would leave
// them: the call fails, and the calls after it delete all the rest and
// nothing of erin's.
func TestDeleteUserDataAfterAnOutage(t *testing.T) {
	var st store.Store
	e := newEnv(t, withStore(func(s store.Store) store.Store { st = s; return s }))
	db := openDB(t, e)
	ctx := context.Background()
	o := &outage{}
	// A second server on the same store and bucket, through the outage.
	srv := service.New(service.Config{}, outageStore{st, o}, outageBucket{e.bucket, o}, e.users)
	erin := postErinsPhotos(t, e)

	beganAt := map[string]int{}
	for from := 1; ; from++ {
		if from > 200 {
			t.Fatal("the deletion's first call never ends")
		}
		images := postAlicesData(t, e, erin)
		checkAllThere(t, e, db, images)
		o.start(from)
		done, err := srv.DeleteUserData(ctx, "id-alice", 100)
		began := o.stop()
		if began == "" {
			// The call made fewer writes: it ran whole.
			if err != nil || !done {
				t.Fatalf("DeleteUserData without an outage = %v, %v; want done", done, err)
			}
			checkGone(t, e, db, images)
			checkErinsPhotos(t, e, db, erin)
			break
		}
		beganAt[began]++
		if err == nil {
			t.Errorf("outage from write %d (%s): DeleteUserData = done %v, want an error", from, began, done)
		}
		for calls := 0; !done; calls++ {
			if calls == 10 {
				t.Fatalf("outage from write %d (%s): not done after 10 calls", from, began)
			}
			if done, err = srv.DeleteUserData(ctx, "id-alice", 100); err != nil {
				t.Fatalf("outage from write %d (%s): DeleteUserData after it: %v", from, began, err)
			}
		}
		checkGone(t, e, db, images)
		checkErinsPhotos(t, e, db, erin)
		if t.Failed() {
			t.Fatalf("outage from write %d (%s)", from, began)
		}
	}
	for _, write := range []string{"Unreact", "DeleteComment", "DeleteTags", "bucket Delete", "DeleteImage", "DeleteEventsOf"} {
		if beganAt[write] == 0 {
			t.Errorf("no outage began at a %s; began at %v", write, beganAt)
		}
	}
}

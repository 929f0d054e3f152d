package e2e

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/pkg/testimages"
)

// deletionLimit is how long a deletion interrupted by a crash may take to
// complete once the crashed service is back: a few sweeps of the user
// service (FOTOGAL_USER_DELETION_INTERVAL below) and its settle.
const deletionLimit = 60 * time.Second

// tableRow is one row of any service's table, its values as text.
type tableRow struct {
	table  string
	values map[string]string
}

// AllRows returns every row of every table of every service: the SQLite
// files of the data directory, or the tables of the fake Oracle NoSQL
// service.
func (s *Stack) AllRows(t testing.TB) []tableRow {
	t.Helper()
	var rows []tableRow
	if s.NoSQL != nil {
		for _, name := range s.NoSQL.TableNames() {
			for _, r := range s.NoSQL.Rows(name) {
				values := make(map[string]string, len(r))
				for col, v := range r {
					values[col] = fmt.Sprint(v)
				}
				rows = append(rows, tableRow{table: name, values: values})
			}
		}
		return rows
	}
	files, err := filepath.Glob(filepath.Join(s.DataDir, "*.db"))
	if err != nil || len(files) != 4 {
		t.Fatalf("the data directory holds %q (%v), want the four services' databases", files, err)
	}
	for _, file := range files {
		rows = append(rows, sqliteRows(t, file)...)
	}
	return rows
}

func sqliteRows(t testing.TB, file string) []tableRow {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	list, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for list.Next() {
		var name string
		if err := list.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	list.Close()
	var rows []tableRow
	for _, table := range tables {
		r, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatalf("%s %s: %v", file, table, err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			raw := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range raw {
				ptrs[i] = &raw[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			values := make(map[string]string, len(cols))
			for i, c := range cols {
				if b, ok := raw[i].([]byte); ok {
					values[c] = string(b)
				} else {
					values[c] = fmt.Sprint(raw[i])
				}
			}
			rows = append(rows, tableRow{table: filepath.Base(file) + ":" + table, values: values})
		}
		r.Close()
	}
	return rows
}

// traces are the strings that give away a person in a row: their id,
// username, email and its lookup key, their upload throttle's key, and the
// ids of their photos.
type traces []string

func traceOf(p *Person, imageIDs ...string) traces {
	return append(traces{p.UserID, strings.ToLower(p.Username), strings.ToLower(p.Email),
		emailKey(p.Email), counters.Key("uploads", p.UserID)}, imageIDs...)
}

// emailKey is the user service's lookup key of an email (store.EmailKey).
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// held reports whether row is one of the two that a deletion keeps for
// UsernameHold: its record, and the claim of the username it holds.
func held(row tableRow, p *Person) bool {
	switch {
	case strings.HasSuffix(row.table, "fotogal_ntable_userdeletions"):
		return row.values["user_id"] == p.UserID
	case strings.HasSuffix(row.table, "user_usernames"), strings.HasSuffix(row.table, "fotogal_ntable_usernames"):
		return row.values["user_id"] == p.UserID && row.values["username_key"] == strings.ToLower(p.Username)
	}
	return false
}

// leftOf returns the rows of every table that still carry a trace of p,
// other than those the deletion holds.
func leftOf(rows []tableRow, p *Person, tr traces) []string {
	var left []string
	for _, row := range rows {
		if held(row, p) {
			continue
		}
		for col, v := range row.values {
			for _, trace := range tr {
				if strings.Contains(v, trace) {
					left = append(left, fmt.Sprintf("%s.%s=%q", row.table, col, v))
				}
			}
		}
	}
	slices.Sort(left)
	return slices.Compact(left)
}

// objectsOf returns the bucket's objects of the photos ids.
func objectsOf(objects []string, ids []string) []string {
	var of []string
	for _, o := range objects {
		for _, id := range ids {
			if strings.Contains(o, id) {
				of = append(of, o)
			}
		}
	}
	return of
}

// deletionVictim is a person with a bit of everything FotoGal keeps of
// someone, in every service.
type deletionVictim struct {
	*Person
	photos []string // their photos and avatar
	// friendPhoto is a photo of a friend's that they liked and commented.
	friendPhoto string
}

// populate gives v photos with a tag, an avatar, follows both ways, a
// like and a comment given and received, a mute and a block, and waits
// until the feed has copied v's photo into a follower's timeline and
// notified the people concerned.
func populate(t *testing.T, s *Stack, v *Person, friend, follower *Person) *deletionVictim {
	t.Helper()
	d := &deletionVictim{Person: v}
	for i := range 2 {
		d.photos = append(d.photos, upload(t, v, fmt.Sprintf("#leaving%d with @%s", i, friend.Username), "p.png", testimages.PNG(24, 24)))
	}
	v.Upload(t, http.MethodPut, "/v1/me/avatar", "", "a.png", testimages.PNG(32, 32), false).Expect(t, http.StatusOK)
	var me struct {
		User struct {
			AvatarURL string `json:"avatarUrl"`
		} `json:"user"`
	}
	v.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).Decode(t, &me)
	avatarID := mustURL(t, me.User.AvatarURL).Query().Get("v")
	if avatarID == "" {
		t.Fatalf("avatar URL %q names no image", me.User.AvatarURL)
	}
	d.photos = append(d.photos, avatarID)
	d.friendPhoto = upload(t, friend, "a friend's", "f.png", testimages.PNG(16, 16))
	v.Do(t, http.MethodPost, "/v1/users/"+friend.Username+"/follow", nil).Expect(t, http.StatusOK)
	follower.Do(t, http.MethodPost, "/v1/users/"+v.Username+"/follow", nil).Expect(t, http.StatusOK)
	v.Do(t, http.MethodPut, "/v1/images/"+d.friendPhoto+"/like", nil).Expect(t, http.StatusOK)
	addComment(t, v.Client, d.friendPhoto, "lovely, @"+follower.Username)
	friend.Do(t, http.MethodPut, "/v1/images/"+d.photos[0]+"/like", nil).Expect(t, http.StatusOK)
	addComment(t, friend.Client, d.photos[0], "and yours")
	v.Do(t, http.MethodPut, "/v1/me/mutes/"+friend.Username, nil).Expect(t, http.StatusOK)
	blocker := s.Register(t, Unique("blk"))
	blocker.Do(t, http.MethodPut, "/v1/me/blocks/"+v.Username, nil).Expect(t, http.StatusOK)

	awaitNotification(t, friend, "KIND_LIKE", v)
	awaitNotification(t, v, "KIND_COMMENT", friend)
	Eventually(t, 10*time.Second, follower.Username+"'s timeline has "+v.Username+"'s photo", func() bool {
		return slices.Contains(feedIDs(t, follower, 100), d.photos[1])
	})
	return d
}

// deletePart names the service a deletion loses mid-saga, and the one the
// test holds up so that the saga is sure to be under way when it does.
type deletePart struct {
	killed, paused string
}

// Account deletion as a saga across the services, interrupted by a kill -9
// of each service in turn while it is under way: once the killed service
// is back, the deletion completes by itself, and nothing of the person is
// left in any table of any service or in the bucket, but the record that
// holds their username. The email is free at once; the username is not;
// the people they dealt with keep their own photos, with counts that no
// longer count the deleted person.
func TestDeleteAccount(t *testing.T) {
	s := Start(t, binDir, Options{BinaryEnv: map[string]map[string]string{
		"user": {
			"FOTOGAL_USER_DELETION_INTERVAL": "300ms",
			"FOTOGAL_USER_DELETION_SETTLE":   "1s",
		},
	}})
	friend := s.Register(t, Unique("frd"))
	follower := s.Register(t, Unique("flw"))

	// The wrong password deletes nothing.
	bystander := s.Register(t, Unique("bys"))
	bystander.Do(t, http.MethodDelete, "/v1/me", map[string]string{"password": "not it"}).Expect(t, http.StatusForbidden)
	bystander.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)

	for _, part := range []deletePart{
		{killed: "image", paused: "image"},
		{killed: "feed", paused: "feed"},
		{killed: "auth", paused: "auth"},
		{killed: "user", paused: "image"},
	} {
		t.Run("kill "+part.killed, func(t *testing.T) {
			v := populate(t, s, s.Register(t, Unique("del")), friend, follower)
			tr := traceOf(v.Person, v.photos...)
			if left := leftOf(s.AllRows(t), v.Person, tr); len(left) < 10 {
				t.Fatalf("before the deletion only %d rows carry a trace of the person: %q", len(left), left)
			}
			if got := objectsOf(s.BucketObjects(t), v.photos); len(got) < 3*len(v.photos) {
				t.Fatalf("before the deletion the bucket holds %q of the person's photos %q", got, v.photos)
			}

			// Warm the session caches of the gateway and the user service,
			// so that the deletion's request gets through while auth hangs.
			v.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK)
			s.Pause(part.paused)
			var wg sync.WaitGroup
			var resp *Response
			wg.Go(func() {
				resp = v.Do(t, http.MethodDelete, "/v1/me", map[string]string{"password": v.Password})
			})
			// Long enough for the saga to reach the held service.
			time.Sleep(700 * time.Millisecond)
			s.Kill(part.killed)
			if part.paused != part.killed {
				s.Resume(part.paused)
			}
			wg.Wait()
			if part.killed != "user" && resp.Status != http.StatusOK {
				t.Errorf("DELETE /v1/me while %s died: %d %s, want 200", part.killed, resp.Status, resp.Body)
			}
			s.StartBinary(part.killed)
			s.WaitReady(30 * time.Second)

			var left []string
			Eventually(t, deletionLimit, "the deletion completes", func() bool {
				left = leftOf(s.AllRows(t), v.Person, tr)
				return len(left) == 0 && deletionStep(t, s, v.Person) == deletionComplete
			})
			if len(left) > 0 {
				t.Errorf("left of the person: %q", left)
			}
			if got := objectsOf(s.BucketObjects(t), v.photos); len(got) > 0 {
				t.Errorf("left in the bucket: %q", got)
			}
			checkDeleted(t, s, v, friend, follower)
		})
	}
}

// deletionComplete is store.DeletionComplete of the user service.
const deletionComplete = "6"

// deletionStep reads how far the deletion of p has got from its record.
func deletionStep(t testing.TB, s *Stack, p *Person) string {
	for _, row := range s.AllRows(t) {
		if strings.HasSuffix(row.table, "fotogal_ntable_userdeletions") && row.values["user_id"] == p.UserID {
			return row.values["step"]
		}
	}
	return ""
}

// checkDeleted checks what people see once v's account is deleted.
func checkDeleted(t *testing.T, s *Stack, v *deletionVictim, friend, follower *Person) {
	t.Helper()
	// The session is ended; a service that validated it in the last
	// seconds (authn.DefaultCacheTTL) finds no account behind it instead.
	if resp := v.Do(t, http.MethodGet, "/v1/me", nil); resp.Status != http.StatusUnauthorized && resp.Status != http.StatusNotFound {
		t.Errorf("GET /v1/me with the deleted account's session: %d %s", resp.Status, resp.Body)
	}
	s.NewAPIClient().Do(t, http.MethodPost, "/v1/sessions", map[string]string{
		"email": v.Email, "password": v.Password,
	}).Expect(t, http.StatusUnauthorized)
	friend.Do(t, http.MethodGet, "/v1/users/"+v.Username, nil).Expect(t, http.StatusNotFound)
	for _, id := range v.photos[:2] {
		friend.Do(t, http.MethodGet, "/v1/images/"+id, nil).Expect(t, http.StatusNotFound)
	}
	if ids := feedIDs(t, follower, 100); slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(v.photos, id) }) {
		t.Errorf("%s's timeline still shows the deleted person's photos: %q", follower.Username, ids)
	}
	if got := find(t, friend, "KIND_LIKE", v.Person); len(got) > 0 {
		t.Errorf("%s still has notifications from the deleted person: %v", friend.Username, got)
	}
	if likes, _ := reactionCounts(t, friend, v.friendPhoto); likes != "0" {
		t.Errorf("the friend's photo counts %s likes, want the deleted person's taken out", likes)
	}
	if count, _ := commentState(t, friend, v.friendPhoto); count != "0" {
		t.Errorf("the friend's photo counts %s comments, want the deleted person's taken out", count)
	}
	for _, path := range []string{"/v1/users/" + friend.Username + "/followers", "/v1/users/" + follower.Username + "/following"} {
		if body := string(friend.Do(t, http.MethodGet, path, nil).Expect(t, http.StatusOK).Body); strings.Contains(body, v.UserID) {
			t.Errorf("%s still lists the deleted person: %s", path, body)
		}
	}

	// The email is free at once, in any letter case; the username is held.
	reuse := s.NewAPIClient()
	reuse.Do(t, http.MethodPost, "/v1/users", map[string]string{
		"email": strings.ToUpper(v.Email), "fullName": "Someone new", "username": Unique("new"), "password": "a new password here",
	}).Expect(t, http.StatusOK)
	reuse.Do(t, http.MethodPost, "/v1/users", map[string]string{
		"email": Unique("other") + "@example.com", "fullName": "A poser", "username": strings.ToUpper(v.Username), "password": "a new password here",
	}).Expect(t, http.StatusConflict)
}

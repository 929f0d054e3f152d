package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/pkg/testimages"
)

// requireNoSQL skips a test that needs the fake Oracle NoSQL service's
// fault injection unless the stack runs on it (nosql, or oci, whose tables
// are on it too); make test's second e2e pass (FOTOGAL_E2E_BACKEND=oci)
// runs it.
func requireNoSQL(t *testing.T) {
	t.Helper()
	if Backend != "nosql" && Backend != "oci" {
		t.Skip("needs the Oracle NoSQL backend: FOTOGAL_E2E_BACKEND=nosql or oci (make test's second e2e pass)")
	}
}

// injectWriteFaults makes every write the fake serves — put, delete and
// write-multiple — fail with code (or HTTP status), times times each (0:
// until cleared), and returns what clears them.
func injectWriteFaults(s *Stack, code nosqlerr.ErrorCode, httpStatus, times int) (clear func()) {
	var clears []func()
	for _, op := range []ocifake.Op{"put", "delete", "writemultiple"} {
		clears = append(clears, s.NoSQL.InjectFault(ocifake.Fault{Op: op, Code: code, HTTPStatus: httpStatus, Times: times}))
	}
	return func() {
		for _, c := range clears {
			c()
		}
	}
}

// Throttling and outages of Oracle NoSQL, injected into every write during
// a registration, a follow and an unfollow, a like and its removal, and an
// upload. A short burst is absorbed by the SDK's retries (200); one that
// lasts answers 429 with Retry-After (throttled) or 503 (down), never 500
// and never after the caller's deadline. Afterwards the counts, edges and
// claims agree: a refused registration leaves its username and email free,
// profile counts equal the lists, a photo's like count equals who likes it,
// and every photo row is a photo one can list and download.
func TestNoSQLWritesUnderFaults(t *testing.T) {
	requireNoSQL(t)
	s := startStack(t, map[string]string{"FOTOGAL_CALL_TIMEOUT": "2s"})
	ana := s.Register(t, Unique("ana"))
	bo := s.Register(t, Unique("bo"))
	photo := upload(t, ana, "the first", "first.jpg", testimages.JPEG(64, 64, 1))

	faults := []struct {
		name       string
		code       nosqlerr.ErrorCode
		httpStatus int
		times      int
		want       []int
	}{
		{"a throttling burst is retried", nosqlerr.WriteLimitExceeded, 0, 2, []int{http.StatusOK}},
		{"lasting throttling", nosqlerr.WriteLimitExceeded, 0, 0, []int{http.StatusTooManyRequests}},
		{"an outage burst is retried", nosqlerr.ServerError, 0, 1, []int{http.StatusOK}},
		{"a lasting outage", 0, http.StatusServiceUnavailable, 0, []int{http.StatusServiceUnavailable}},
	}
	var registered []*Person
	refusedNames := map[string]bool{}
	for i, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			newName := Unique(fmt.Sprintf("reg%d", i))
			// An undo after its refused do has nothing to write, and may
			// answer 200 whatever the faults.
			actions := []struct {
				name string
				undo bool
				do   func() *Response
			}{
				{"registration", false, func() *Response {
					return s.NewAPIClient().Do(t, http.MethodPost, "/v1/users", map[string]string{
						"email": newName + "@example.com", "fullName": "Reg " + newName, "username": newName, "password": "correct horse " + newName,
					})
				}},
				{"follow", false, func() *Response {
					return bo.Do(t, http.MethodPost, "/v1/users/"+ana.Username+"/follow", nil)
				}},
				{"unfollow", true, func() *Response {
					return bo.Do(t, http.MethodDelete, "/v1/users/"+ana.Username+"/follow", nil)
				}},
				{"like", false, func() *Response {
					return bo.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil)
				}},
				{"unlike", true, func() *Response {
					return bo.Do(t, http.MethodDelete, "/v1/images/"+photo+"/like", nil)
				}},
				{"upload", false, func() *Response {
					return ana.Upload(t, http.MethodPost, "/v1/images", "under faults", "f.jpg", testimages.JPEG(48, 48, 2), true)
				}},
			}
			for _, a := range actions {
				clear := injectWriteFaults(s, f.code, f.httpStatus, f.times)
				resp := a.do()
				clear()
				if !slices.Contains(f.want, resp.Status) && !(a.undo && resp.Status == http.StatusOK) {
					t.Errorf("%s: status %d, want one of %v; body %s", a.name, resp.Status, f.want, resp.Body)
				}
				if resp.Status == http.StatusTooManyRequests {
					if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 {
						t.Errorf("%s: 429 with Retry-After %q", a.name, resp.Header.Get("Retry-After"))
					}
				}
				if a.name == "registration" {
					if resp.Status == http.StatusOK {
						registered = append(registered, &Person{Email: newName + "@example.com", Username: newName, Password: "correct horse " + newName})
					} else {
						refusedNames[newName] = true
					}
				}
			}
		})
	}

	t.Run("refused registrations left their names free", func(t *testing.T) {
		if len(refusedNames) == 0 {
			t.Fatal("no registration was refused: the lasting faults did not reach the user service")
		}
		for name := range refusedNames {
			s.Register(t, name)
		}
		for _, p := range registered {
			s.Login(t, p.Email, p.Password)
		}
	})
	t.Run("follow counts agree with the lists", func(t *testing.T) {
		for _, who := range []*Person{ana, bo} {
			p := getProfile(t, ana, who.Username)
			followers := listLen(t, ana, "/v1/users/"+who.Username+"/followers", "users")
			following := listLen(t, ana, "/v1/users/"+who.Username+"/following", "users")
			if p.FollowerCount != strconv.Itoa(followers) || p.FollowingCount != strconv.Itoa(following) {
				t.Errorf("%s: counts %s/%s, lists %d/%d", who.Username, p.FollowerCount, p.FollowingCount, followers, following)
			}
		}
	})
	t.Run("the like count agrees with who likes", func(t *testing.T) {
		var got uploaded
		bo.Do(t, http.MethodGet, "/v1/images/"+photo, nil).Expect(t, http.StatusOK).Decode(t, &got)
		want := "0"
		if got.Image.LikedByMe {
			want = "1"
		}
		if got.Image.LikeCount != want {
			t.Errorf("likeCount %s with likedByMe %v", got.Image.LikeCount, got.Image.LikedByMe)
		}
	})
	t.Run("every claim names its account and every account holds its claims", func(t *testing.T) {
		users := map[string]map[string]any{}
		for _, u := range s.NoSQL.Rows("fotogal_ntable_users") {
			users[u["user_id"].(string)] = u
		}
		claims := map[string]map[string]string{"fotogal_ntable_usernames": {}, "fotogal_ntable_emails": {}}
		for table, keyCol := range map[string]string{"fotogal_ntable_usernames": "username_key", "fotogal_ntable_emails": "email_key"} {
			for _, c := range s.NoSQL.Rows(table) {
				key, owner := c[keyCol].(string), c["user_id"].(string)
				claims[table][key] = owner
				if _, ok := users[owner]; !ok {
					t.Errorf("%s %q names %s, which has no account", table, key, owner)
				}
			}
		}
		for id, u := range users {
			if got := claims["fotogal_ntable_usernames"][strings.ToLower(u["username"].(string))]; got != id {
				t.Errorf("account %s: username claim names %q", id, got)
			}
			sum := sha256.Sum256([]byte(strings.ToLower(u["email"].(string))))
			if got := claims["fotogal_ntable_emails"][base64.RawURLEncoding.EncodeToString(sum[:])]; got != id {
				t.Errorf("account %s: email claim names %q", id, got)
			}
		}
	})
	t.Run("every counts row agrees with its reaction rows", func(t *testing.T) {
		type counts struct{ likes, dislikes int64 }
		stored, counted := map[string]counts{}, map[string]counts{}
		for _, r := range s.NoSQL.Rows("fotogal_ntable_reactions") {
			image := r["image_id"].(string)
			if r["user_id"] == "#counts" {
				stored[image] = counts{r["likes"].(int64), r["dislikes"].(int64)}
				continue
			}
			c := counted[image]
			if fmt.Sprint(r["kind"]) == "1" {
				c.likes++
			} else {
				c.dislikes++
			}
			counted[image] = c
		}
		for image, c := range counted {
			if stored[image] != c {
				t.Errorf("image %s: counts row %+v, reaction rows %+v", image, stored[image], c)
			}
		}
		for image, c := range stored {
			if c != (counts{}) && counted[image] != c {
				t.Errorf("image %s: counts row %+v without the rows to match", image, c)
			}
		}
	})
	t.Run("every photo row is a listed photo that downloads", func(t *testing.T) {
		n := listLen(t, ana, "/v1/users/"+ana.Username+"/images", "images")
		if rows := imageRows(t, s); rows != n {
			t.Errorf("%d image rows, %d photos listed", rows, n)
		}
		var list struct {
			Images []struct {
				ImageID string `json:"imageId"`
			} `json:"images"`
		}
		ana.Do(t, http.MethodGet, "/v1/users/"+ana.Username+"/images?pageSize=100", nil).Expect(t, http.StatusOK).Decode(t, &list)
		for _, img := range list.Images {
			ana.Get(t, "/v1/images/"+img.ImageID+"/content?size=thumb", nil).Expect(t, http.StatusOK)
		}
	})
}

// listLen counts the items of field in a paged list, through every page.
func listLen(t *testing.T, viewer *Person, path, field string) int {
	t.Helper()
	n, token := 0, ""
	for {
		var page map[string]any
		viewer.Do(t, http.MethodGet, path+"?pageSize=100&pageToken="+token, nil).Expect(t, http.StatusOK).Decode(t, &page)
		items, _ := page[field].([]any)
		n += len(items)
		token, _ = page["nextPageToken"].(string)
		if token == "" {
			return n
		}
	}
}

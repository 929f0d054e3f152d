package e2e

import (
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// comment is the part of a comment the tests read.
type comment struct {
	CommentID      string `json:"commentId"`
	ImageID        string `json:"imageId"`
	AuthorID       string `json:"authorId"`
	AuthorUsername string `json:"authorUsername"`
	Text           string `json:"text"`
	CreateTime     string `json:"createTime"`
	CanDelete      bool   `json:"canDelete"`
}

// commentPage is one page of GET /v1/images/{id}/comments.
type commentPage struct {
	Comments      []comment `json:"comments"`
	NextPageToken string    `json:"nextPageToken"`
}

// photoComments is the comment state of a photo's metadata.
type photoComments struct {
	Image struct {
		CommentCount     string `json:"commentCount"`
		CommentsDisabled bool   `json:"commentsDisabled"`
	} `json:"image"`
}

func addComment(t *testing.T, c *Client, imageID, text string) comment {
	t.Helper()
	var resp struct {
		Comment comment `json:"comment"`
	}
	c.Do(t, http.MethodPost, "/v1/images/"+imageID+"/comments", map[string]string{"text": text}).
		Expect(t, http.StatusOK).Decode(t, &resp)
	if resp.Comment.CommentID == "" {
		t.Fatalf("the new comment has no id: %+v", resp.Comment)
	}
	return resp.Comment
}

// allComments pages through a photo's comments oldest first, in pages of
// pageSize.
func allComments(t *testing.T, c *Client, imageID string, pageSize int) []comment {
	t.Helper()
	var all []comment
	token := ""
	for range 1000 {
		var page commentPage
		c.Get(t, fmt.Sprintf("/v1/images/%s/comments?pageSize=%d&pageToken=%s", imageID, pageSize, token), nil).
			Expect(t, http.StatusOK).Decode(t, &page)
		all = append(all, page.Comments...)
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
	t.Fatal("the comments never end")
	return nil
}

func commentState(t *testing.T, p *Person, imageID string) (count string, disabled bool) {
	t.Helper()
	var m photoComments
	p.Get(t, "/v1/images/"+imageID, nil).Expect(t, http.StatusOK).Decode(t, &m)
	return m.Image.CommentCount, m.Image.CommentsDisabled
}

// commentRows counts the rows of imageID in the comments table, the
// photo's state row included where the backend keeps one there.
func commentRows(t *testing.T, s *Stack, imageID string) int {
	t.Helper()
	if s.NoSQL != nil {
		n := 0
		for _, row := range s.NoSQL.Rows("fotogal_ntable_comments") {
			if row["image_id"] == imageID {
				n++
			}
		}
		return n
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.DataDir, "image.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM fotogal_ntable_comments WHERE image_id = ?", imageID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Who may read and write a photo's comments is who may see the photo: the
// image access matrix, extended to comments.
func TestCommentAccessMatrix(t *testing.T) {
	s := startStack(t, nil)
	setUp := func(private bool) accessAccount {
		a := setUpAccess(t, s, private, "talk about me")
		addComment(t, a.owner.Client, a.imageID, "the owner's own word")
		return a
	}
	accounts := map[string]accessAccount{"public": setUp(false), "private": setUp(true)}
	anon := s.NewAPIClient()

	tests := []struct {
		account, viewer string
		// list, add: the status of listing the comments and of adding one.
		list, add int
	}{
		{"public", "owner", 200, 200},
		{"public", "approved follower", 200, 200},
		{"public", "pending requester", 200, 200},
		{"public", "stranger", 200, 200},
		{"public", "no session", 401, 401},
		{"private", "owner", 200, 200},
		{"private", "approved follower", 200, 200},
		{"private", "pending requester", 404, 404},
		{"private", "stranger", 404, 404},
		{"private", "no session", 401, 401},
	}
	for _, tc := range tests {
		t.Run(tc.account+"/"+tc.viewer, func(t *testing.T) {
			a := accounts[tc.account]
			viewer := a.viewer(tc.viewer, anon)
			path := "/v1/images/" + a.imageID + "/comments"
			list := viewer.Get(t, path, nil)
			if list.Status != tc.list {
				t.Errorf("list: %d, want %d; %s", list.Status, tc.list, list.Body)
			}
			if list.Status == 200 && !strings.Contains(string(list.Body), "the owner's own word") {
				t.Errorf("the list lacks the owner's comment: %s", list.Body)
			}
			text := "from the " + tc.viewer
			add := viewer.Do(t, http.MethodPost, path, map[string]string{"text": text})
			if add.Status != tc.add {
				t.Errorf("add: %d, want %d; %s", add.Status, tc.add, add.Body)
			}
			// What was refused left nothing, and what was allowed shows.
			shown := strings.Contains(string(a.owner.Get(t, path+"?pageSize=100", nil).Expect(t, 200).Body), text)
			if shown != (tc.add == 200) {
				t.Errorf("after add %d, the owner sees the comment: %v", add.Status, shown)
			}
			if tc.list == 404 {
				// A hidden photo's comments answer as a missing photo's.
				missing := viewer.Get(t, "/v1/images/no_such_image_000000000000/comments", nil)
				if missing.Status != list.Status || string(missing.Body) != string(list.Body) {
					t.Errorf("hidden comments answer unlike a missing photo's:\n%s\n%s", list.Body, missing.Body)
				}
				first := allComments(t, a.owner.Client, a.imageID, 100)[0]
				del := viewer.Do(t, http.MethodDelete, path+"/"+first.CommentID, nil)
				if del.Status != 404 {
					t.Errorf("delete of a hidden photo's comment: %d, want 404", del.Status)
				}
			}
		})
	}

	// Removing an approved follower hides the comments from them at once.
	a := accounts["private"]
	a.owner.Do(t, http.MethodDelete, "/v1/me/followers/"+a.follower.Username, nil).Expect(t, http.StatusOK)
	a.follower.Get(t, "/v1/images/"+a.imageID+"/comments", nil).Expect(t, http.StatusNotFound)
}

// Fifty people comment at once: every comment is kept, each once, and
// the count is exact; deletes keep it exact too.
func TestCommentsConcurrent(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("cnt"))
	id := upload(t, owner, "busy", "b.png", testimages.PNG(16, 16))
	people := make([]*Person, 50)
	for i := range people {
		people[i] = s.Register(t, Unique(fmt.Sprintf("c%02d", i)))
	}

	var wg sync.WaitGroup
	ids := make([]string, len(people))
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = addComment(t, p.Client, id, fmt.Sprintf("comment %02d", i)).CommentID
		}()
	}
	wg.Wait()
	if count, _ := commentState(t, owner, id); count != "50" {
		t.Fatalf("after 50 concurrent comments: commentCount %s", count)
	}
	listed := allComments(t, owner.Client, id, 7)
	if len(listed) != 50 {
		t.Fatalf("listed %d comments, want 50", len(listed))
	}
	seen := map[string]bool{}
	for i, c := range listed {
		if seen[c.CommentID] {
			t.Errorf("comment %s listed twice", c.CommentID)
		}
		seen[c.CommentID] = true
		if i > 0 && c.CreateTime < listed[i-1].CreateTime {
			t.Errorf("comment %d (%s) is older than the one before it (%s)", i, c.CreateTime, listed[i-1].CreateTime)
		}
	}

	// Twenty deletes at once, half by the authors, half by the owner.
	for i := range 20 {
		deleter := people[i].Client
		if i%2 == 1 {
			deleter = owner.Client
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			deleter.Do(t, http.MethodDelete, "/v1/images/"+id+"/comments/"+ids[i], nil).Expect(t, http.StatusOK)
		}()
	}
	wg.Wait()
	if count, _ := commentState(t, owner, id); count != "30" {
		t.Fatalf("after 20 deletes: commentCount %s", count)
	}
	if n := len(allComments(t, owner.Client, id, 100)); n != 30 {
		t.Fatalf("after 20 deletes: %d comments listed", n)
	}

	// The latest two, as the web app shows them.
	var latest commentPage
	owner.Get(t, "/v1/images/"+id+"/comments?pageSize=2&newestFirst=true", nil).Expect(t, 200).Decode(t, &latest)
	if len(latest.Comments) != 2 || latest.Comments[0].CreateTime < latest.Comments[1].CreateTime {
		t.Errorf("newest first: %+v", latest.Comments)
	}
}

// The text rules, who may delete, comments turned off, and what a photo's
// deletion leaves.
func TestCommentRules(t *testing.T) {
	s := startStack(t, nil)
	owner := s.Register(t, Unique("rul"))
	author := s.Register(t, Unique("aut"))
	third := s.Register(t, Unique("thd"))
	id := upload(t, owner, "rules", "r.png", testimages.PNG(16, 16))
	path := "/v1/images/" + id + "/comments"

	t.Run("text", func(t *testing.T) {
		for _, tc := range []struct {
			name, text string
			status     int
			stored     string
		}{
			{"empty", "", 400, ""},
			{"only spaces", "  \n\t ", 400, ""},
			{"too long", strings.Repeat("é", 2201), 400, ""},
			{"control character", "bell\x07", 400, ""},
			{"longest", strings.Repeat("é", 2200), 200, strings.Repeat("é", 2200)},
			{"trimmed, lines kept", "  first line\nsecond\tline  ", 200, "first line\nsecond\tline"},
			{"markup is text", "<img src=x onerror=alert(1)>", 200, "<img src=x onerror=alert(1)>"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := author.Do(t, http.MethodPost, path, map[string]string{"text": tc.text})
				if resp.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
				}
				if tc.status != 200 {
					if !strings.Contains(string(resp.Body), "text") {
						t.Errorf("the error does not name the field: %s", resp.Body)
					}
					return
				}
				var got struct {
					Comment comment `json:"comment"`
				}
				resp.Decode(t, &got)
				if got.Comment.Text != tc.stored {
					t.Errorf("stored %q, want %q", got.Comment.Text, tc.stored)
				}
			})
		}
	})

	t.Run("delete rights", func(t *testing.T) {
		byAuthor := addComment(t, author.Client, id, "mine to take back")
		byAuthor2 := addComment(t, author.Client, id, "the owner may take it down")
		if !byAuthor.CanDelete || byAuthor.AuthorUsername != author.Username {
			t.Errorf("the author's own comment: %+v", byAuthor)
		}
		for _, c := range allComments(t, third.Client, id, 100) {
			if c.CanDelete {
				t.Errorf("a third person may delete %q", c.Text)
			}
		}
		for _, c := range allComments(t, owner.Client, id, 100) {
			if !c.CanDelete {
				t.Errorf("the owner may not delete %q", c.Text)
			}
		}
		third.Do(t, http.MethodDelete, path+"/"+byAuthor.CommentID, nil).Expect(t, http.StatusForbidden)
		author.Do(t, http.MethodDelete, path+"/"+byAuthor.CommentID, nil).Expect(t, http.StatusOK)
		author.Do(t, http.MethodDelete, path+"/"+byAuthor.CommentID, nil).Expect(t, http.StatusNotFound)
		owner.Do(t, http.MethodDelete, path+"/"+byAuthor2.CommentID, nil).Expect(t, http.StatusOK)
		s.NewAPIClient().Do(t, http.MethodDelete, path+"/"+byAuthor2.CommentID, nil).Expect(t, http.StatusUnauthorized)
	})

	t.Run("comments off", func(t *testing.T) {
		before, _ := commentState(t, owner, id)
		third.Do(t, http.MethodPatch, "/v1/images/"+id, map[string]any{"commentsDisabled": true}).Expect(t, http.StatusForbidden)
		var updated struct {
			Image struct {
				Caption          string `json:"caption"`
				CommentsDisabled bool   `json:"commentsDisabled"`
			} `json:"image"`
		}
		owner.Do(t, http.MethodPatch, "/v1/images/"+id, map[string]any{"commentsDisabled": true}).Expect(t, http.StatusOK).Decode(t, &updated)
		if !updated.Image.CommentsDisabled || updated.Image.Caption != "rules" {
			t.Fatalf("turning comments off answered %+v (the caption must stay)", updated.Image)
		}
		resp := author.Do(t, http.MethodPost, path, map[string]string{"text": "too late"})
		if resp.Status != http.StatusBadRequest || !strings.Contains(strings.ToLower(string(resp.Body)), "comment") {
			t.Errorf("a comment while they are off: %d %s", resp.Status, resp.Body)
		}
		if count, disabled := commentState(t, author, id); count != before || !disabled {
			t.Errorf("while off: count %s (was %s), disabled %v", count, before, disabled)
		}
		// The comments already there stay readable.
		if n := len(allComments(t, author.Client, id, 100)); fmt.Sprint(n) != before {
			t.Errorf("while off: %d comments listed, count %s", n, before)
		}
		owner.Do(t, http.MethodPatch, "/v1/images/"+id, map[string]any{"commentsDisabled": false}).Expect(t, http.StatusOK)
		addComment(t, author.Client, id, "back on")
	})

	t.Run("photo deleted", func(t *testing.T) {
		gone := upload(t, owner, "short-lived", "g.png", testimages.PNG(16, 16))
		for i := range 3 {
			addComment(t, author.Client, gone, fmt.Sprintf("soon gone %d", i))
		}
		if commentRows(t, s, gone) == 0 {
			t.Fatal("the comments are not in the comments table")
		}
		owner.Do(t, http.MethodDelete, "/v1/images/"+gone, nil).Expect(t, http.StatusOK)
		author.Get(t, "/v1/images/"+gone+"/comments", nil).Expect(t, http.StatusNotFound)
		author.Do(t, http.MethodPost, "/v1/images/"+gone+"/comments", map[string]string{"text": "hello?"}).Expect(t, http.StatusNotFound)
		if n := commentRows(t, s, gone); n != 0 {
			t.Errorf("%d comment rows left after the photo's deletion", n)
		}
	})
}

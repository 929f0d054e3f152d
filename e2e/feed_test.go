package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// feedPage is one page of GET /v1/feed.
type feedPage struct {
	Items []struct {
		Image struct {
			ImageID string `json:"imageId"`
			OwnerID string `json:"ownerId"`
		} `json:"image"`
		OwnerUsername  string `json:"ownerUsername"`
		OwnerAvatarURL string `json:"ownerAvatarUrl"`
	} `json:"items"`
	NextPageToken string `json:"nextPageToken"`
	EmptyReason   string `json:"emptyReason"`
}

func getFeed(t *testing.T, p *Person, query string) feedPage {
	t.Helper()
	var page feedPage
	p.Do(t, http.MethodGet, "/v1/feed"+query, nil).Expect(t, http.StatusOK).Decode(t, &page)
	return page
}

// feedIDs walks the whole timeline with the given page size.
func feedIDs(t *testing.T, p *Person, pageSize int) []string {
	t.Helper()
	var ids []string
	token := ""
	for range 1000 {
		page := getFeed(t, p, fmt.Sprintf("?pageSize=%d&pageToken=%s", pageSize, token))
		for _, item := range page.Items {
			ids = append(ids, item.Image.ImageID)
		}
		if page.NextPageToken == "" {
			return ids
		}
		token = page.NextPageToken
	}
	t.Fatal("the timeline never ends")
	return nil
}

func postPhotos(t *testing.T, p *Person, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = upload(t, p, fmt.Sprintf("%s #%d", p.Username, i), "p.png", testimages.PNG(8, 8))
	}
	return ids
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// The timeline through the gateway and the real services: what it shows,
// and how follows, removals, private accounts and deletions change it on
// the very next request.
func TestFeed(t *testing.T) {
	s := startStack(t, nil)
	reader := s.Register(t, Unique("reader"))
	pub := s.Register(t, Unique("pub"))
	priv := s.Register(t, Unique("priv"))
	priv.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)

	if page := getFeed(t, reader, ""); len(page.Items) != 0 || page.EmptyReason != "EMPTY_REASON_FOLLOWS_NOBODY" {
		t.Fatalf("a new person's first timeline: %+v", page)
	}

	pubPhotos := postPhotos(t, pub, 3)
	privPhotos := postPhotos(t, priv, 2)
	mine := postPhotos(t, reader, 1)
	if got := feedIDs(t, reader, 20); !sameSet(got, mine) {
		t.Fatalf("before following anyone: %v, want only the reader's own %v", got, mine)
	}

	reader.Do(t, http.MethodPost, "/v1/users/"+pub.Username+"/follow", nil).Expect(t, http.StatusOK)
	reader.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
	if got := feedIDs(t, reader, 20); !sameSet(got, append(slices.Clone(mine), pubPhotos...)) {
		t.Fatalf("after following a public account and asking a private one: %v", got)
	}

	priv.Do(t, http.MethodPost, "/v1/me/follow-requests/"+reader.Username+":accept", nil).Expect(t, http.StatusOK)
	all := append(append(slices.Clone(mine), pubPhotos...), privPhotos...)
	if got := feedIDs(t, reader, 2); !sameSet(got, all) {
		t.Fatalf("after the private account accepted: %v, want %v", got, all)
	}
	page := getFeed(t, reader, "")
	if ids := feedIDsOf(page); !slices.Equal(ids, feedIDs(t, reader, 1)) {
		t.Errorf("pages of 1 and of 20 disagree on the order")
	}
	if page.Items[0].OwnerUsername == "" {
		t.Errorf("items carry no owner: %+v", page.Items[0])
	}

	t.Run("a photo posted now is on the next first page", func(t *testing.T) {
		fresh := upload(t, pub, "fresh", "f.png", testimages.PNG(8, 8))
		if got := getFeed(t, reader, "?pageSize=1"); len(got.Items) != 1 || got.Items[0].Image.ImageID != fresh {
			t.Errorf("first item %+v, want %s", got.Items, fresh)
		}
		pubPhotos = append(pubPhotos, fresh)
	})

	t.Run("a deleted photo is gone from the next page", func(t *testing.T) {
		pub.Do(t, http.MethodDelete, "/v1/images/"+pubPhotos[0], nil).Expect(t, http.StatusOK)
		if got := feedIDs(t, reader, 20); slices.Contains(got, pubPhotos[0]) {
			t.Errorf("the deleted photo is still in the timeline")
		}
	})

	t.Run("unfollow takes effect at once", func(t *testing.T) {
		reader.Do(t, http.MethodDelete, "/v1/users/"+pub.Username+"/follow", nil).Expect(t, http.StatusOK)
		for _, id := range feedIDs(t, reader, 20) {
			if slices.Contains(pubPhotos, id) {
				t.Fatalf("an unfollowed account's photo %s is still there", id)
			}
		}
	})

	t.Run("a removed follower loses the photos at once", func(t *testing.T) {
		priv.Do(t, http.MethodDelete, "/v1/me/followers/"+reader.Username, nil).Expect(t, http.StatusOK)
		if got := feedIDs(t, reader, 20); !sameSet(got, mine) {
			t.Errorf("after removal: %v, want only %v", got, mine)
		}
	})

	t.Run("page size bounds and bad tokens", func(t *testing.T) {
		reader.Do(t, http.MethodPost, "/v1/users/"+pub.Username+"/follow", nil).Expect(t, http.StatusOK)
		postPhotos(t, pub, 21)
		if n := len(getFeed(t, reader, "?pageSize=0").Items); n != 20 {
			t.Errorf("pageSize=0 gave %d items, want the default 20", n)
		}
		if n := len(getFeed(t, reader, "?pageSize=1000").Items); n > 100 || n < 21 {
			t.Errorf("pageSize=1000 gave %d items, want all of them up to 100", n)
		}
		reader.Do(t, http.MethodGet, "/v1/feed?pageToken=not-a-token", nil).Expect(t, http.StatusBadRequest)
		s.NewAPIClient().Do(t, http.MethodGet, "/v1/feed", nil).Expect(t, http.StatusUnauthorized)
	})
}

func feedIDsOf(page feedPage) []string {
	var ids []string
	for _, item := range page.Items {
		ids = append(ids, item.Image.ImageID)
	}
	return ids
}

// Paging while several accounts post at once: no photo is shown twice, and
// every photo older than the first page is reached.
func TestFeedPagingWhileUploading(t *testing.T) {
	s := startStack(t, nil)
	reader := s.Register(t, Unique("pager"))
	posters := make([]*Person, 3)
	var before []string
	for i := range posters {
		posters[i] = s.Register(t, Unique(fmt.Sprintf("poster%d", i)))
		reader.Do(t, http.MethodPost, "/v1/users/"+posters[i].Username+"/follow", nil).Expect(t, http.StatusOK)
	}
	// Posted at once from several accounts: many share a second.
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := postPhotos(t, p, 6)
			mu.Lock()
			before = append(before, ids...)
			mu.Unlock()
		}()
	}
	wg.Wait()

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				upload(t, posters[i%len(posters)], "while paging", "w.png", testimages.PNG(8, 8))
			}
		}
	}()
	seen := map[string]int{}
	token := ""
	for {
		page := getFeed(t, reader, "?pageSize=4&pageToken="+token)
		for _, item := range page.Items {
			seen[item.Image.ImageID]++
		}
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
	}
	close(stop)
	<-done
	for id, n := range seen {
		if n > 1 {
			t.Errorf("photo %s shown %d times", id, n)
		}
	}
	for _, id := range before {
		if seen[id] != 1 {
			t.Errorf("photo %s posted before paging began was skipped", id)
		}
	}
}

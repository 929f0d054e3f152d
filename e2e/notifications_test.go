package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// notificationLatency is the most a notification may take to reach its
// recipient after the action.
const notificationLatency = 2 * time.Second

// notification is the part of an inbox entry the tests read.
type notification struct {
	NotificationID string `json:"notificationId"`
	Kind           string `json:"kind"`
	Actor          struct {
		UserID    string `json:"userId"`
		Username  string `json:"username"`
		FullName  string `json:"fullName"`
		AvatarURL string `json:"avatarUrl"`
	} `json:"actor"`
	ImageID    string `json:"imageId"`
	ThumbURL   string `json:"thumbUrl"`
	CommentID  string `json:"commentId"`
	Text       string `json:"text"`
	CreateTime string `json:"createTime"`
	Unread     bool   `json:"unread"`
}

// String names n in failure messages.
func (n notification) String() string {
	return fmt.Sprintf("%s by %s on %q %q", n.Kind, n.Actor.Username, n.ImageID, n.Text)
}

// inbox pages through p's notifications, newest first.
func inbox(t *testing.T, p *Person) []notification {
	t.Helper()
	var all []notification
	token := ""
	for range 100 {
		var page struct {
			Notifications []notification `json:"notifications"`
			NextPageToken string         `json:"nextPageToken"`
		}
		p.Get(t, "/v1/notifications?pageSize=50&pageToken="+token, nil).Expect(t, http.StatusOK).Decode(t, &page)
		all = append(all, page.Notifications...)
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
	t.Fatal("the inbox never ends")
	return nil
}

// find returns p's notifications of kind by actor.
func find(t *testing.T, p *Person, kind string, actor *Person) []notification {
	t.Helper()
	var got []notification
	for _, n := range inbox(t, p) {
		if n.Kind == kind && n.Actor.Username == actor.Username {
			got = append(got, n)
		}
	}
	return got
}

// awaitNotification waits until p has a notification of kind by actor,
// fails the test when that takes longer than notificationLatency, and
// returns it with the time it took.
func awaitNotification(t *testing.T, p *Person, kind string, actor *Person) (notification, time.Duration) {
	t.Helper()
	var got []notification
	took := Eventually(t, notificationLatency, fmt.Sprintf("%s gets %s by %s", p.Username, kind, actor.Username), func() bool {
		got = find(t, p, kind, actor)
		return len(got) > 0
	})
	return got[0], took
}

// awaitGone waits until p has no notification of kind by actor.
func awaitGone(t *testing.T, p *Person, kind string, actor *Person) {
	t.Helper()
	Eventually(t, notificationLatency, fmt.Sprintf("%s's %s by %s goes", p.Username, kind, actor.Username), func() bool {
		return len(find(t, p, kind, actor)) == 0
	})
}

func unreadCount(t *testing.T, p *Person) int {
	t.Helper()
	var resp struct {
		UnreadCount int `json:"unreadCount"`
	}
	p.Get(t, "/v1/notifications:unreadCount", nil).Expect(t, http.StatusOK).Decode(t, &resp)
	return resp.UnreadCount
}

// Likes, comments and follows reach the person they concern within 2 s,
// with the actor and the photo; repeated likes notify once, one taken back
// leaves nothing, and nobody hears of their own actions.
func TestNotifications(t *testing.T) {
	s := startStack(t, nil)
	alice := s.Register(t, Unique("ali"))
	bob := s.Register(t, Unique("bob"))
	carol := s.Register(t, Unique("car"))
	photo := upload(t, alice, "sunset", "s.png", testimages.PNG(16, 16))

	var latencies []time.Duration
	bob.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	like, took := awaitNotification(t, alice, "KIND_LIKE", bob)
	latencies = append(latencies, took)
	if like.ImageID != photo || !strings.Contains(like.ThumbURL, photo) || like.Actor.UserID != bob.UserID ||
		like.Actor.FullName != "Person "+bob.Username || !like.Unread {
		t.Errorf("the like's notification: %+v", like)
	}

	// Liked again (unlike, like) and disliked in between: still one.
	bob.Do(t, http.MethodDelete, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	bob.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	bob.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)

	// Carol likes and takes it back at once; alice likes her own photo.
	carol.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	carol.Do(t, http.MethodDelete, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	alice.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	addComment(t, alice.Client, photo, "my own photo")

	// Carol's comment comes after all of that in the log: once it is
	// there, the tailer has read everything before it.
	c := addComment(t, carol.Client, photo, "what a sky")
	got, took := awaitNotification(t, alice, "KIND_COMMENT", carol)
	latencies = append(latencies, took)
	if got.CommentID != c.CommentID || got.Text != "what a sky" || got.ImageID != photo {
		t.Errorf("the comment's notification: %+v", got)
	}
	if n := find(t, alice, "KIND_LIKE", bob); len(n) != 1 {
		t.Errorf("bob's repeated likes made %d notifications: %v", len(n), n)
	}
	if n := find(t, alice, "KIND_LIKE", carol); len(n) != 0 {
		t.Errorf("carol's like taken back left %v", n)
	}
	for _, n := range inbox(t, alice) {
		if n.Actor.UserID == alice.UserID {
			t.Errorf("alice is notified of her own action: %v", n)
		}
	}

	// A deleted comment takes its notification with it.
	carol.Do(t, http.MethodDelete, "/v1/images/"+photo+"/comments/"+c.CommentID, nil).Expect(t, http.StatusOK)
	awaitGone(t, alice, "KIND_COMMENT", carol)

	// Follows: a public account hears of a new follower.
	bob.Do(t, http.MethodPost, "/v1/users/"+alice.Username+"/follow", nil).Expect(t, http.StatusOK)
	_, took = awaitNotification(t, alice, "KIND_FOLLOW", bob)
	latencies = append(latencies, took)

	// Unread, then marked read.
	if n := unreadCount(t, alice); n != 2 {
		t.Errorf("unread: %d, want 2 (bob's like and follow)", n)
	}
	var mark struct {
		ReadUpToTime string `json:"readUpToTime"`
	}
	alice.Do(t, http.MethodPost, "/v1/notifications:markRead", map[string]any{}).Expect(t, http.StatusOK).Decode(t, &mark)
	if mark.ReadUpToTime == "" {
		t.Error("markRead answered no mark")
	}
	if n := unreadCount(t, alice); n != 0 {
		t.Errorf("unread after markRead: %d", n)
	}
	for _, n := range inbox(t, alice) {
		if n.Unread {
			t.Errorf("still unread after markRead: %v", n)
		}
	}
	// The mark never moves back.
	alice.Do(t, http.MethodPost, "/v1/notifications:markRead", map[string]any{"upToTime": "2020-01-01T00:00:00Z"}).
		Expect(t, http.StatusOK).Decode(t, &mark)
	if mark.ReadUpToTime <= "2020-01-01T00:00:00Z" || unreadCount(t, alice) != 0 {
		t.Errorf("an older mark moved it back: %s", mark.ReadUpToTime)
	}
	// A new one is unread.
	carol.Do(t, http.MethodPut, "/v1/images/"+photo+"/like", nil).Expect(t, http.StatusOK)
	if n, _ := awaitNotification(t, alice, "KIND_LIKE", carol); !n.Unread || unreadCount(t, alice) != 1 {
		t.Errorf("a like after the mark: %+v, unread %d", n, unreadCount(t, alice))
	}

	s.NewAPIClient().Get(t, "/v1/notifications", nil).Expect(t, http.StatusUnauthorized)
	s.NewAPIClient().Get(t, "/v1/notifications:unreadCount", nil).Expect(t, http.StatusUnauthorized)
	slices.Sort(latencies)
	t.Logf("notification latency (like, comment, follow): min %v, max %v", latencies[0], latencies[len(latencies)-1])
}

// Mentions notify the person mentioned only when they may see the photo;
// follow requests and their answers notify the right side; and the
// notifications about a photo go with it, or with the right to see it.
func TestNotificationRules(t *testing.T) {
	s := startStack(t, nil)
	priv := s.Register(t, Unique("prv"))
	fan := s.Register(t, Unique("fan"))
	outsider := s.Register(t, Unique("out"))
	asker := s.Register(t, Unique("ask"))
	priv.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)

	// A follow request, then its acceptance.
	fan.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
	awaitNotification(t, priv, "KIND_FOLLOW_REQUEST", fan)
	priv.Do(t, http.MethodPost, "/v1/me/follow-requests/"+fan.Username+":accept", nil).Expect(t, http.StatusOK)
	awaitNotification(t, fan, "KIND_REQUEST_ACCEPTED", priv)
	awaitNotification(t, priv, "KIND_FOLLOW", fan)
	awaitGone(t, priv, "KIND_FOLLOW_REQUEST", fan)

	// A request withdrawn leaves nothing.
	asker.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
	awaitNotification(t, priv, "KIND_FOLLOW_REQUEST", asker)
	asker.Do(t, http.MethodDelete, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
	awaitGone(t, priv, "KIND_FOLLOW_REQUEST", asker)

	// A caption mentions the approved follower and the outsider: only the
	// follower may see the photo, so only they hear of it.
	photo := upload(t, priv, fmt.Sprintf("with @%s and @%s", fan.Username, outsider.Username), "m.png", testimages.PNG(16, 16))
	got, _ := awaitNotification(t, fan, "KIND_MENTION", priv)
	if got.ImageID != photo || !strings.Contains(got.Text, "@"+fan.Username) {
		t.Errorf("the caption's mention: %+v", got)
	}
	// A comment mentioning the outsider, written after the caption: once
	// the fan has its mention too, the outsider would have theirs.
	addComment(t, priv.Client, photo, fmt.Sprintf("@%s @%s look", fan.Username, outsider.Username))
	Eventually(t, notificationLatency, "the comment's mention", func() bool {
		n := 0
		for _, m := range find(t, fan, "KIND_MENTION", priv) {
			if m.CommentID != "" {
				n++
			}
		}
		return n == 1
	})
	if n := find(t, outsider, "KIND_MENTION", priv); len(n) != 0 {
		t.Errorf("the outsider, who may not see the photo, was notified: %v", n)
	}
	outsider.Do(t, http.MethodPost, "/v1/images/"+photo+"/comments", map[string]string{"text": "@" + priv.Username}).
		Expect(t, http.StatusNotFound)

	// Once the follower is removed, the mentions in a photo they may no
	// longer see go from their inbox.
	priv.Do(t, http.MethodDelete, "/v1/me/followers/"+fan.Username, nil).Expect(t, http.StatusOK)
	if n := find(t, fan, "KIND_MENTION", priv); len(n) != 0 {
		t.Errorf("after removal from a private account's followers, the fan still has %v", n)
	}
	awaitGone(t, priv, "KIND_FOLLOW", fan)

	// An unfollow from a private account does the same.
	fan.Do(t, http.MethodPost, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
	priv.Do(t, http.MethodPost, "/v1/me/follow-requests/"+fan.Username+":accept", nil).Expect(t, http.StatusOK)
	Eventually(t, notificationLatency, "the mentions are back once the fan may see the photo", func() bool {
		return len(find(t, fan, "KIND_MENTION", priv)) == 2
	})
	fan.Do(t, http.MethodDelete, "/v1/users/"+priv.Username+"/follow", nil).Expect(t, http.StatusOK)
	if n := find(t, fan, "KIND_MENTION", priv); len(n) != 0 {
		t.Errorf("after unfollowing a private account, the fan still has %v", n)
	}

	// A deleted photo takes its notifications with it.
	pub := s.Register(t, Unique("pub"))
	doomed := upload(t, pub, "soon gone", "d.png", testimages.PNG(16, 16))
	outsider.Do(t, http.MethodPut, "/v1/images/"+doomed+"/like", nil).Expect(t, http.StatusOK)
	addComment(t, outsider.Client, doomed, fmt.Sprintf("hi @%s", asker.Username))
	awaitNotification(t, pub, "KIND_LIKE", outsider)
	awaitNotification(t, pub, "KIND_COMMENT", outsider)
	awaitNotification(t, asker, "KIND_MENTION", outsider)
	unreadBefore := unreadCount(t, pub)
	pub.Do(t, http.MethodDelete, "/v1/images/"+doomed, nil).Expect(t, http.StatusOK)
	for _, p := range []*Person{pub, asker} {
		for _, n := range inbox(t, p) {
			if n.ImageID == doomed {
				t.Errorf("%s still has %v about a deleted photo", p.Username, n)
			}
		}
	}
	if n := unreadCount(t, pub); n != unreadBefore-2 {
		t.Errorf("unread after the photo's deletion: %d, want %d", n, unreadBefore-2)
	}
}

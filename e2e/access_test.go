package e2e

import (
	"net/http"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// accessAccount is a photo's owner with a person in each relation to them,
// for the access matrices of what follows a photo's visibility (comments,
// tags).
type accessAccount struct {
	owner, follower, requester, stranger *Person
	imageID                              string
}

// setUpAccess registers an owner, private or not, with an approved
// follower, a pending requester (whose request a public account never
// sees, as they follow outright) and a stranger, and has the owner post a
// photo with caption.
func setUpAccess(t *testing.T, s *Stack, private bool, caption string) accessAccount {
	t.Helper()
	a := accessAccount{
		owner:     s.Register(t, Unique("own")),
		follower:  s.Register(t, Unique("fol")),
		requester: s.Register(t, Unique("req")),
		stranger:  s.Register(t, Unique("str")),
	}
	if private {
		a.owner.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)
	}
	a.follower.Do(t, http.MethodPost, "/v1/users/"+a.owner.Username+"/follow", nil).Expect(t, http.StatusOK)
	if private {
		a.owner.Do(t, http.MethodPost, "/v1/me/follow-requests/"+a.follower.Username+":accept", nil).Expect(t, http.StatusOK)
		a.requester.Do(t, http.MethodPost, "/v1/users/"+a.owner.Username+"/follow", nil).Expect(t, http.StatusOK)
	}
	a.imageID = upload(t, a.owner, caption, "p.png", testimages.PNG(16, 16))
	return a
}

// viewer returns the client of the person named ("owner", "approved
// follower", "pending requester", "stranger"), or anon for "no session".
func (a accessAccount) viewer(name string, anon *Client) *Client {
	return map[string]*Client{
		"owner": a.owner.Client, "approved follower": a.follower.Client,
		"pending requester": a.requester.Client, "stranger": a.stranger.Client, "no session": anon,
	}[name]
}

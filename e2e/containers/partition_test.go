package containers

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// The feed container cut off the network: GET /v1/feed answers 503 within
// the call timeout while profiles, uploads and likes go on; joined again,
// the feed serves within 10 s, and no container was restarted.
func TestPartition(t *testing.T) {
	p := Up(t)
	api := p.API()
	poster := api.Register(t, "poster")
	reader := api.Register(t, "reader")
	follow(t, reader, poster.Username)
	data, _ := noisyPNG(1, 64, 48)
	first := post(t, poster, "before", data)
	e2e.Eventually(t, 10*time.Second, "the first photo in the reader's timeline", func() bool {
		ids, a := feedIDs(reader)
		return a.Status == http.StatusOK && slices.Contains(ids, first.ImageID)
	})
	before := startTimes(p.InspectAll())

	network := p.Network()
	feed := p.Inspect("feed")
	// Compose gave the container its service name as an alias on the
	// network; a plain reconnection would drop it, and the others would no
	// longer find "feed".
	var aliases []string
	for _, alias := range feed.NetworkSettings.Networks[network].Aliases {
		if !strings.HasPrefix(feed.ID, alias) {
			aliases = append(aliases, alias) // Docker adds the short id itself.
		}
	}
	cutAt := time.Now()
	if _, err := docker("network", "disconnect", network, feed.ID); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, a := feedIDs(reader)
		t.Logf("cut off: %s", a)
		if a.Status != http.StatusServiceUnavailable || a.Took > CallTimeout+time.Second {
			t.Errorf("GET /v1/feed while the feed is cut off: %s; want 503 within the call timeout %v", a, CallTimeout)
		}
	}
	during := post(t, poster, "during", data)
	for _, a := range []Answer{
		get(p.URL, "/v1/users/"+poster.Username, reader.Token),
		get(p.URL, "/v1/me", reader.Token),
		put(p.URL, "/v1/images/"+during.ImageID+"/like", reader.Token),
		get(p.URL, "/v1/images/"+during.ImageID+"/content?size=thumb", reader.Token),
	} {
		t.Logf("cut off: %s took %v", a.Route, a.Took.Round(time.Millisecond))
		if a.Status != http.StatusOK || a.Took > time.Second {
			t.Errorf("while the feed is cut off: %s; want 200 at once", a)
		}
	}

	args := []string{"network", "connect"}
	for _, alias := range aliases {
		args = append(args, "--alias", alias)
	}
	joinedAt := time.Now()
	if _, err := docker(append(args, network, feed.ID)...); err != nil {
		t.Fatal(err)
	}
	var last Answer
	serves := e2e.Eventually(t, 20*time.Second, "the feed serving again", func() bool {
		_, last = feedIDs(reader)
		return last.Status == http.StatusOK
	})
	t.Logf("cut off for %v; the feed served again %v after the reconnection", joinedAt.Sub(cutAt).Round(time.Millisecond), serves.Round(time.Millisecond))
	if serves > 10*time.Second {
		t.Errorf("the feed served again only %v after the reconnection, want within 10s", serves)
	}
	caughtUp := e2e.Eventually(t, 10*time.Second, "the photo posted during the cut in the timeline", func() bool {
		ids, a := feedIDs(reader)
		return a.Status == http.StatusOK && slices.Contains(ids, during.ImageID)
	})
	t.Logf("the photo posted during the cut was in the timeline %v later", caughtUp.Round(time.Millisecond))

	if after := startTimes(p.InspectAll()); !maps.Equal(before, after) {
		t.Errorf("containers restarted:\nbefore %v\nafter  %v", before, after)
	}
}

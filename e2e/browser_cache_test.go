package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// allShownLoaded is true when every timeline photo on screen has loaded.
const allShownLoaded = `[...document.querySelectorAll('[data-testid="feed-image"]')].every((i) => {
	const r = i.getBoundingClientRect();
	return r.bottom < 0 || r.top > innerHeight || (i.complete && i.naturalWidth > 0);
})`

// TestWebAppTimelineCache scrolls a timeline of 25 photos to its end and
// back, leaves it and comes back, opens the app anew and scrolls again, and
// then reads the gateway's access log: each photo the timeline showed
// reached FotoGal once. The browser kept the rest, as the variants'
// Cache-Control lets it.
func TestWebAppTimelineCache(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	poster := stack.Register(t, Unique("post"))
	reader := stack.Register(t, Unique("read"))
	const photos = 25
	for i := range photos {
		upload(t, poster, fmt.Sprintf("photo %d", i+1), "p.png", testimages.PNG(120+i, 90))
	}
	reader.Do(t, http.MethodPost, "/v1/users/"+poster.Username+"/follow", nil).Expect(t, http.StatusOK)
	page := loggedInPage(t, b, reader)

	scrollThrough := func(t *testing.T) {
		t.Helper()
		page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length > 0`, tid("feed-item")))
		for range 200 {
			page.waitFor(t, allShownLoaded)
			if eval[bool](t, page, `innerHeight + scrollY >= document.body.scrollHeight - 2 && !!document.querySelector('[data-testid="list-end"]')`) {
				return
			}
			eval[bool](t, page, `(() => { scrollBy(0, innerHeight / 2); return true; })()`)
		}
		t.Fatal("the timeline did not reach its end")
	}
	scrollBack := func(t *testing.T) {
		t.Helper()
		for eval[bool](t, page, `(() => { scrollBy(0, -innerHeight / 2); return scrollY > 0; })()`) {
			page.waitFor(t, allShownLoaded)
		}
		page.waitFor(t, allShownLoaded)
	}

	scrollThrough(t)
	shown := eval[[]string](t, page, `[...document.querySelectorAll('[data-testid="feed-image"]')].map((i) => new URL(i.src).pathname)`)
	if len(shown) != photos {
		t.Fatalf("the timeline showed %d photos, want %d", len(shown), photos)
	}
	scrollBack(t)
	page.clickNav(t, "nav-sessions")
	page.clickNav(t, "nav-home")
	scrollThrough(t)
	// A new document: what it shows comes from the HTTP cache, not from
	// the images the last one held.
	page.open(t, "/")
	scrollThrough(t)
	scrollBack(t)

	requests := contentRequests(t, stack)
	for _, path := range shown {
		if n := requests[path]; n != 1 {
			t.Errorf("%s reached the gateway %d times, want once", path, n)
		}
	}
}

// contentRequests counts the gateway's access-log lines of photo bytes, by
// path.
func contentRequests(t *testing.T, s *Stack) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(s.LogDir, "gateway.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int{}
	lines := bufio.NewScanner(f)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for lines.Scan() {
		var entry struct {
			Msg  string `json:"msg"`
			Path string `json:"path"`
		}
		if json.Unmarshal(lines.Bytes(), &entry) != nil || entry.Msg != "request" {
			continue
		}
		if strings.HasPrefix(entry.Path, "/v1/images/") && strings.HasSuffix(entry.Path, "/content") {
			counts[entry.Path]++
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}

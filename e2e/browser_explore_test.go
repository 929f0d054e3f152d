package e2e

// The Explore tab in the web app. It uses the page helpers of
// browser_test.go and browser_discovery_test.go.

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserExplore: the nav's Explore tab shows a grid of strangers'
// photos, the liked one first and never one of an account Ana follows, and
// a photo of the grid opens in the viewer, which walks the grid.
func TestBrowserExplore(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	shots := screenshotDir(t)
	b := newBrowser(t, chromium, stack.GatewayURL, shots)
	files := newFixtures(t)

	ana := stack.Register(t, Unique("ana"))
	joao := stack.Register(t, Unique("joao"))
	lia := stack.Register(t, Unique("lia"))
	friend := stack.Register(t, Unique("friend"))
	ana.Do(t, http.MethodPost, "/v1/users/"+friend.Username+"/follow", nil).Expect(t, http.StatusOK)
	uploadPhoto(t, joao, files.photos[0], "Praia ao amanhecer")
	uploadPhoto(t, lia, files.photos[1], "Serra da Mantiqueira")
	uploadPhoto(t, friend, files.photos[0], "Só para quem me segue")
	joaoPhoto, liaPhoto := joao.ImageIDs(t)[0], lia.ImageIDs(t)[0]
	friend.Do(t, http.MethodPut, "/v1/images/"+joaoPhoto+"/like", nil).Expect(t, http.StatusOK)

	page := loggedInPage(t, b, ana)

	step(t, "the Explore tab shows the grid, best ranked first", func(t *testing.T) {
		page.clickNav(t, "nav-explore")
		page.waitFor(t, `location.pathname === "/explore"`)
		page.expectText(t, tid("explore-title"), "Explore")
		// João's photo has a like; Lia's none; the followed friend's is left out.
		page.waitFor(t, discoveryGrid(tid("explore-grid"), joaoPhoto, liaPhoto))
		page.screenshot(t, shots, "explore")
	})

	step(t, "a photo of the grid opens in the viewer, which walks the grid", func(t *testing.T) {
		page.click(t, fmt.Sprintf(`[data-testid="grid-item"][data-image-id=%q] a`, joaoPhoto))
		page.waitVisible(t, tid("viewer-image"))
		page.expectText(t, tid("viewer-caption"), "Praia ao amanhecer")
		page.waitFor(t, fmt.Sprintf(`location.pathname === "/p/%s"`, joaoPhoto))
		page.run(t, chromedp.KeyEvent(kb.ArrowRight))
		page.expectText(t, tid("viewer-caption"), "Serra da Mantiqueira")
		page.run(t, chromedp.KeyEvent(kb.Escape))
		page.waitFor(t, `location.pathname === "/explore" && !document.querySelector('[data-testid="viewer"]').open`)
	})
}

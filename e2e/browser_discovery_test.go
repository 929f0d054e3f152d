package e2e

// Discovery in the web app: the header's search for people, hashtag links
// and pages, and blocking and muting from a profile and the settings. They
// use the page helpers of browser_test.go, browser_more_test.go and
// browser_conversation_test.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDiscoverySearch: in the header's search, "joao" finds João Silva (by
// a word of his name, without its accent) and a click opens his profile;
// ↓ and Enter do the same from the keyboard, Escape closes the list, and a
// text nobody matches says so.
func TestDiscoverySearch(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	shots := screenshotDir(t)
	b := newBrowser(t, chromium, stack.GatewayURL, shots)

	joao := stack.Register(t, Unique("jsilva"))
	joao.Do(t, http.MethodPatch, "/v1/me", map[string]any{"fullName": "João Silva"}).Expect(t, http.StatusOK)
	ana := stack.Register(t, Unique("ana"))
	page := loggedInPage(t, b, ana)
	result := fmt.Sprintf(`[data-testid="search-result"][data-username=%q]`, joao.Username)
	popup := tid("search-popup")
	profile := fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, joao.Username)

	step(t, "a word of the name finds the person, and a click opens the profile", func(t *testing.T) {
		page.fill(t, "#search-input", "joao")
		page.waitVisible(t, result)
		page.expectText(t, result+" .username", joao.Username)
		page.expectText(t, result+" .full-name", "João Silva")
		page.expectAttr(t, "#search-input", "aria-expanded", "true")
		page.screenshot(t, shots, "search")
		page.click(t, result)
		page.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s"`, joao.Username))
		page.waitVisible(t, profile)
		page.expectText(t, profile+" "+tid("profile-fullname"), "João Silva")
		if got := eval[string](t, page, `document.querySelector("#search-input").value`); got != "" {
			t.Errorf("the search field still holds %q after opening a profile", got)
		}
	})

	step(t, "the keyboard walks the list and opens a profile", func(t *testing.T) {
		page.clickNav(t, "nav-home")
		page.fill(t, "#search-input", "SILVA")
		page.waitVisible(t, result)
		page.run(t, chromedp.KeyEvent(kb.ArrowDown))
		page.expectAttr(t, tid("search-result")+":first-child", "aria-selected", "true")
		page.waitFor(t, `document.querySelector("#search-input").getAttribute("aria-activedescendant") === document.querySelector('[data-testid="search-result"]').id`)
		page.run(t, chromedp.KeyEvent(kb.Enter))
		page.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s"`, joao.Username))
		page.waitVisible(t, profile)
	})

	step(t, "Escape closes the list, and nobody found says so", func(t *testing.T) {
		page.fill(t, "#search-input", "joa")
		page.waitVisible(t, result)
		page.run(t, chromedp.KeyEvent(kb.Escape))
		page.waitFor(t, fmt.Sprintf(`document.querySelector(%q).hidden`, popup))
		page.expectAttr(t, "#search-input", "aria-expanded", "false")

		page.fill(t, "#search-input", "zzqx")
		page.expectText(t, tid("search-status"), "No one found for “zzqx”.")
		if n := eval[int](t, page, fmt.Sprintf(`document.querySelectorAll(%q).length`, tid("search-result"))); n != 0 {
			t.Errorf("%d people listed for a text nobody matches", n)
		}
	})

}

// TestDiscoveryTags: a #tag in a caption is a link to the tag's page, which
// shows "#tag" and the photos tagged with it in any case and accents, of
// everyone, newest first; the viewer opened there walks them, and a tag
// nobody used says so.
func TestDiscoveryTags(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	shots := screenshotDir(t)
	b := newBrowser(t, chromium, stack.GatewayURL, shots)
	files := newFixtures(t)

	joao := stack.Register(t, Unique("joao"))
	ana := stack.Register(t, Unique("ana"))
	page := loggedInPage(t, b, ana)

	uploadPhoto(t, ana, files.photos[0], "Praia no fim de semana #saopaulo")
	uploadPhoto(t, joao, files.photos[1], "Fim de tarde em #SãoPaulo, com amigos")
	anaPhoto, joaoPhoto := ana.ImageIDs(t)[0], joao.ImageIDs(t)[0]
	// Newest first: João's photo, then Ana's.
	want := []string{joaoPhoto, anaPhoto}
	Eventually(t, 20*time.Second, "both photos under #saopaulo", func() bool {
		var res struct {
			Images []struct {
				ImageID string `json:"imageId"`
			} `json:"images"`
		}
		ana.Do(t, http.MethodGet, "/v1/tags/saopaulo/images", nil).Expect(t, http.StatusOK).Decode(t, &res)
		var ids []string
		for _, img := range res.Images {
			ids = append(ids, img.ImageID)
		}
		return slices.Equal(ids, want)
	})
	tagPath := "/tags/S%C3%A3oPaulo"

	step(t, "a tag in a caption opens the tag's page, with the photo in its grid", func(t *testing.T) {
		page.open(t, "/p/"+joaoPhoto)
		caption := tid("viewer") + " " + tid("viewer-caption")
		page.expectText(t, caption, "Fim de tarde em #SãoPaulo, com amigos")
		page.expectText(t, caption+" "+tid("tag"), "#SãoPaulo")
		page.expectAttr(t, caption+" "+tid("tag"), "href", tagPath)
		page.click(t, caption+" "+tid("tag"))
		page.waitFor(t, fmt.Sprintf(`location.pathname === %q && !document.querySelector('[data-testid="viewer"]').open`, tagPath))
		page.expectText(t, tid("tag-title"), "#SãoPaulo")
		page.waitFor(t, discoveryGrid(tid("tag-grid"), want...))
		page.screenshot(t, shots, "tag")
	})

	step(t, "the viewer walks the tag's photos", func(t *testing.T) {
		page.click(t, fmt.Sprintf(`[data-testid="grid-item"][data-image-id=%q] a`, joaoPhoto))
		page.expectText(t, tid("viewer-caption"), "Fim de tarde em #SãoPaulo, com amigos")
		page.run(t, chromedp.KeyEvent(kb.ArrowRight))
		page.expectText(t, tid("viewer-caption"), "Praia no fim de semana #saopaulo")
		page.waitFor(t, fmt.Sprintf(`location.pathname === "/p/%s"`, anaPhoto))
		page.run(t, chromedp.KeyEvent(kb.Escape))
		page.waitFor(t, fmt.Sprintf(`location.pathname === %q && !document.querySelector('[data-testid="viewer"]').open`, tagPath))
	})

	step(t, "a tag in another case and without accents shows the same photos", func(t *testing.T) {
		page.open(t, "/tags/SAOPAULO")
		page.expectText(t, tid("tag-title"), "#SAOPAULO")
		page.waitFor(t, discoveryGrid(tid("tag-grid"), want...))
		page.open(t, "/tags/nadaaqui")
		page.waitVisible(t, tid("tag-empty"))
		page.expectText(t, tid("tag-empty"), "No photos with #nadaaqui yet.")
	})
}

// TestDiscoveryBlock: Cris mutes Dora from her profile, then blocks her
// after a confirmation that says what a block does (cancelling it changes
// nothing). Dora's profile then shows only her name and avatar with an
// "Unblock" button, the follows between them have ended both ways, and
// Dora's photo answers as missing: its address at once, its bytes within
// the revocation window. The
// settings list Dora as blocked and as muted; unblocking her there brings
// back her public profile and photos (the follows stay ended), and
// unmuting her empties the other list.
func TestDiscoveryBlock(t *testing.T) {
	chromium := chromiumPath(t)
	// Photo bytes answer by an access decision kept for the revocation
	// window: a short one, to see it end.
	stack := Start(t, binDir, Options{BinaryEnv: map[string]map[string]string{
		"image": {"FOTOGAL_CONTENT_ACCESS_TTL": contentWindow.String()},
	}})
	shots := screenshotDir(t)
	b := newBrowser(t, chromium, stack.GatewayURL, shots)
	files := newFixtures(t)

	cris := stack.Register(t, Unique("cris"))
	dora := stack.Register(t, Unique("dora"))
	dora.Do(t, http.MethodPatch, "/v1/me", map[string]any{"bio": "Fotos de viagem."}).Expect(t, http.StatusOK)
	cris.Do(t, http.MethodPost, "/v1/users/"+dora.Username+"/follow", nil).Expect(t, http.StatusOK)
	dora.Do(t, http.MethodPost, "/v1/users/"+cris.Username+"/follow", nil).Expect(t, http.StatusOK)
	uploadPhoto(t, dora, files.photos[0], "Lisboa")
	doraPhoto := dora.ImageIDs(t)[0]
	var photo struct {
		Image struct {
			DisplayURL string `json:"displayUrl"`
		} `json:"image"`
	}
	cris.Do(t, http.MethodGet, "/v1/images/"+doraPhoto, nil).Expect(t, http.StatusOK).Decode(t, &photo)

	page := loggedInPage(t, b, cris)
	profile := fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, dora.Username)
	blockedRow := fmt.Sprintf(`[data-testid="blocked-account"][data-username=%q]`, dora.Username)
	mutedRow := fmt.Sprintf(`[data-testid="muted-account"][data-username=%q]`, dora.Username)

	step(t, "mute from the profile's menu", func(t *testing.T) {
		page.open(t, "/u/"+dora.Username)
		page.waitVisible(t, profile+" "+tid("profile-bio"))
		page.waitVisible(t, fmt.Sprintf(`[data-testid="grid-item"][data-image-id=%q]`, doraPhoto))
		page.click(t, tid("profile-menu"))
		page.expectText(t, tid("profile-mute"), "Mute")
		page.click(t, tid("profile-mute"))
		page.expectToast(t, "You muted "+dora.Username+": their photos no longer show in your timeline.")
		page.expectAttr(t, tid("profile-mute"), "data-muted", "true")
		page.waitVisible(t, tid("profile-muted"))
		if got := discoveryListed(t, cris, "/v1/me/mutes"); !slices.Equal(got, []string{dora.Username}) {
			t.Errorf("GET /v1/me/mutes lists %v, want %s", got, dora.Username)
		}
	})

	step(t, "a block asks first, and cancelling changes nothing", func(t *testing.T) {
		page.click(t, tid("profile-menu"))
		page.click(t, tid("profile-block"))
		page.waitVisible(t, tid("block-dialog"))
		page.expectText(t, tid("block-dialog")+" h2", "Block "+dora.Username+"?")
		page.expectText(t, tid("block-dialog")+" p", dora.Username+" will not be able to see your photos or follow you, and you will not see theirs. The follows between you end, both ways, and do not come back if you unblock.")
		page.screenshot(t, shots, "block-confirm")
		page.click(t, tid("block-cancel"))
		page.waitFor(t, `document.querySelector('[data-testid="block-dialog"]') === null`)
		page.waitVisible(t, profile+" "+tid("profile-bio"))
		if got := discoveryListed(t, cris, "/v1/me/blocks"); len(got) != 0 {
			t.Errorf("after cancelling, GET /v1/me/blocks lists %v", got)
		}
	})

	step(t, "after a block the profile shows only the name, with Unblock", func(t *testing.T) {
		page.click(t, tid("profile-menu"))
		page.click(t, tid("profile-block"))
		page.click(t, tid("block-confirm"))
		page.expectToast(t, "You blocked "+dora.Username+".")
		page.waitVisible(t, profile+`[data-blocked="true"] `+tid("profile-unblock"))
		page.expectText(t, profile+" "+tid("profile-username"), dora.Username)
		page.expectText(t, profile+" "+tid("profile-fullname"), "Person "+dora.Username)
		page.expectText(t, tid("profile-unblock"), "Unblock")
		for _, hook := range []string{"profile-bio", "profile-followers", "profile-grid", "follow-button", "profile-menu"} {
			if eval[bool](t, page, fmt.Sprintf(`document.querySelector(%q) !== null`, tid(hook))) {
				t.Errorf("the profile of a blocked person shows %s", hook)
			}
		}
		page.screenshot(t, shots, "profile-blocked")
		if got := profileOf(t, cris, dora.Username).FollowState; got != "FOLLOW_STATE_NONE" {
			t.Errorf("cris → dora after the block: %s, want FOLLOW_STATE_NONE", got)
		}
		if got := profileOf(t, dora, cris.Username).FollowState; got != "FOLLOW_STATE_NONE" {
			t.Errorf("dora → cris after the block: %s, want FOLLOW_STATE_NONE", got)
		}
	})

	step(t, "the blocked person's photo answers as missing", func(t *testing.T) {
		page.open(t, "/p/"+doraPhoto)
		page.waitVisible(t, tid("not-found"))
		// Within the revocation window, the bytes are refused too (asked
		// again every half second, past the browser's cache).
		page.waitFor(t, fmt.Sprintf(`(() => {
			const now = Date.now();
			if (!(now - (window.photoAsked || 0) < 500)) {
				window.photoAsked = now;
				fetch(%q, { credentials: "same-origin", cache: "no-store" }).then((r) => { window.photoStatus = r.status; });
			}
			return window.photoStatus === 404;
		})()`, photo.Image.DisplayURL))
	})

	step(t, "the settings list the blocked and the muted; unblocking restores the profile", func(t *testing.T) {
		page.clickNav(t, "nav-settings")
		page.waitVisible(t, blockedRow)
		page.waitVisible(t, mutedRow)
		page.expectText(t, blockedRow+" "+tid("unblock-button"), "Unblock")
		page.screenshot(t, shots, "settings-blocked")
		page.click(t, blockedRow+" "+tid("unblock-button"))
		page.expectToast(t, "You unblocked "+dora.Username+".")
		page.waitFor(t, fmt.Sprintf(`document.querySelector(%q) === null`, blockedRow))
		page.waitVisible(t, tid("blocked-list-empty"))
		if got := discoveryListed(t, cris, "/v1/me/blocks"); len(got) != 0 {
			t.Errorf("after unblocking, GET /v1/me/blocks lists %v", got)
		}

		page.open(t, "/u/"+dora.Username)
		page.waitVisible(t, profile+" "+tid("profile-bio"))
		page.expectText(t, profile+" "+tid("profile-bio"), "Fotos de viagem.")
		page.waitVisible(t, fmt.Sprintf(`[data-testid="grid-item"][data-image-id=%q]`, doraPhoto))
		page.expectAttr(t, profile+" "+tid("follow-button"), "data-state", "FOLLOW_STATE_NONE")
	})

	step(t, "unmuting from the settings", func(t *testing.T) {
		page.clickNav(t, "nav-settings")
		page.click(t, mutedRow+" "+tid("unmute-button"))
		page.expectToast(t, "You unmuted "+dora.Username+".")
		page.waitVisible(t, tid("muted-list-empty"))
		if got := discoveryListed(t, cris, "/v1/me/mutes"); len(got) != 0 {
			t.Errorf("after unmuting, GET /v1/me/mutes lists %v", got)
		}
	})
}

// discoveryGrid is a JavaScript condition: the grid sel shows the photos
// ids, in order.
func discoveryGrid(sel string, ids ...string) string {
	want, _ := json.Marshal(ids)
	return fmt.Sprintf(`JSON.stringify([...document.querySelectorAll(%q)].map((e) => e.dataset.imageId)) === %q`, sel+" "+tid("grid-item"), want)
}

// discoveryListed lists the usernames of a list of people of p's
// (GET /v1/me/blocks or /v1/me/mutes), first page.
func discoveryListed(t *testing.T, p *Person, path string) []string {
	t.Helper()
	var res struct {
		Users []struct {
			Username string `json:"username"`
		} `json:"users"`
	}
	p.Do(t, http.MethodGet, path+"?pageSize=100", nil).Expect(t, http.StatusOK).Decode(t, &res)
	var names []string
	for _, u := range res.Users {
		names = append(names, u.Username)
	}
	return names
}

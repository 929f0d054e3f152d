package e2e

// More of the web app in the browser: managing followers (reject a request,
// remove a follower, unfollow), ending another session, a reaction the
// server refuses, and the progress of an upload. Each test starts its own
// FotoGal and Chromium, and uses the page helpers of browser_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/fotogal/fotogal/pkg/testimages"
)

// TestWebAppFollowManagement: a private account rejects one follow request
// (the requester is back to "Follow", the badge counts one request less),
// accepts another, removes a follower from the followers list of her
// profile, and sees a follower leave with the Following button; the counts
// on the profiles follow every change.
func TestWebAppFollowManagement(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	ana := stack.Register(t, Unique("ana"))
	bob := stack.Register(t, Unique("bob"))
	cris := stack.Register(t, Unique("cris"))
	ana.Do(t, http.MethodPatch, "/v1/me", map[string]any{"isPrivate": true}).Expect(t, http.StatusOK)
	anaPage := loggedInPage(t, b, ana)
	bobPage := loggedInPage(t, b, bob)

	bobItem := fmt.Sprintf(`[data-testid="request-item"][data-username=%q]`, bob.Username)
	crisItem := fmt.Sprintf(`[data-testid="request-item"][data-username=%q]`, cris.Username)

	step(t, "a rejected request goes away and the requester sees Follow again", func(t *testing.T) {
		bobPage.open(t, "/u/"+ana.Username)
		bobPage.waitVisible(t, tid("profile-private"))
		bobPage.expectText(t, tid("follow-button"), "Follow")
		bobPage.click(t, tid("follow-button"))
		bobPage.expectAttr(t, tid("follow-button"), "data-state", "FOLLOW_STATE_REQUESTED")
		bobPage.expectText(t, tid("follow-button"), "Requested")
		cris.Do(t, http.MethodPost, "/v1/users/"+ana.Username+"/follow", nil).Expect(t, http.StatusOK)

		anaPage.open(t, "/")
		anaPage.expectAttr(t, tid("requests-badge"), "data-count", "2")
		anaPage.clickNav(t, "nav-requests")
		anaPage.waitVisible(t, bobItem)
		anaPage.waitVisible(t, crisItem)
		anaPage.click(t, bobItem+" "+tid("request-reject"))
		anaPage.waitFor(t, fmt.Sprintf(`!document.querySelector(%q)`, bobItem))
		anaPage.expectToast(t, fmt.Sprintf("Request from %s rejected.", bob.Username))
		anaPage.expectAttr(t, tid("requests-badge"), "data-count", "1")
		anaPage.expectText(t, tid("requests-badge")+" .visually-hidden", "1 follow request")
		if n := eval[int](t, anaPage, fmt.Sprintf(`document.querySelectorAll(%q).length`, tid("request-item"))); n != 1 {
			t.Errorf("%d requests listed after the rejection, want cris's only", n)
		}
		if got := followRequests(t, ana); len(got) != 1 || got[0] != cris.Username {
			t.Errorf("requests in the API = %v, want [%s]", got, cris.Username)
		}
		// The list after a reload comes from the server, not from the page.
		anaPage.reload(t)
		anaPage.waitVisible(t, crisItem)
		if eval[bool](t, anaPage, fmt.Sprintf(`document.querySelector(%q) !== null`, bobItem)) {
			t.Error("the rejected request is back after a reload")
		}

		// The requester sees a plain Follow button again, and no photos.
		bobPage.reload(t)
		bobPage.expectAttr(t, tid("follow-button"), "data-state", "FOLLOW_STATE_NONE")
		bobPage.expectText(t, tid("follow-button"), "Follow")
		bobPage.waitVisible(t, tid("profile-private"))
		if st := profileOf(t, bob, ana.Username).FollowState; st != "FOLLOW_STATE_NONE" {
			t.Errorf("bob's follow state after the rejection = %s, want NONE", st)
		}
	})

	step(t, "accepted followers are counted on the profile", func(t *testing.T) {
		anaPage.click(t, crisItem+" "+tid("request-accept"))
		anaPage.waitVisible(t, tid("requests-empty"))
		anaPage.waitFor(t, `document.querySelector('[data-testid="requests-badge"]').hidden`)

		// Bob asks again; this time he is accepted.
		bobPage.click(t, tid("follow-button"))
		bobPage.expectAttr(t, tid("follow-button"), "data-state", "FOLLOW_STATE_REQUESTED")
		ana.Do(t, http.MethodPost, "/v1/me/follow-requests/"+bob.Username+":accept", nil).Expect(t, http.StatusOK)
		bobPage.reload(t)
		bobPage.expectAttr(t, tid("follow-button"), "data-state", "FOLLOW_STATE_FOLLOWING")
		bobPage.expectText(t, tid("follow-button"), "Following")
		bobPage.expectText(t, tid("profile-followers")+" strong", "2")

		anaPage.clickNav(t, "nav-profile")
		anaPage.expectText(t, tid("profile-followers")+" strong", "2")
		anaPage.expectText(t, tid("profile-following")+" strong", "0")
	})

	step(t, "removing a follower from one's followers list", func(t *testing.T) {
		anaPage.click(t, tid("profile-followers")+" a")
		anaPage.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s/followers" && document.querySelectorAll(%q).length === 2`, ana.Username, tid("person")))
		crisPerson := fmt.Sprintf(`[data-testid="person"][data-username=%q]`, cris.Username)
		anaPage.click(t, crisPerson+" "+tid("remove-follower"))
		anaPage.waitFor(t, fmt.Sprintf(`!document.querySelector(%q) && document.querySelectorAll(%q).length === 1`, crisPerson, tid("person")))
		anaPage.expectToast(t, fmt.Sprintf("%s no longer follows you.", cris.Username))
		anaPage.waitVisible(t, fmt.Sprintf(`[data-testid="person"][data-username=%q]`, bob.Username))

		// Back on the profile through the link at the top of the list.
		anaPage.click(t, fmt.Sprintf(`#main a[href="/u/%s"]`, ana.Username))
		anaPage.waitVisible(t, fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, ana.Username))
		anaPage.expectText(t, tid("profile-followers")+" strong", "1")

		p := profileOf(t, cris, ana.Username)
		if p.FollowState != "FOLLOW_STATE_NONE" || p.CanView {
			t.Errorf("cris after being removed: state %s, can view %v; want NONE, false", p.FollowState, p.CanView)
		}
		if n := profileOf(t, cris, cris.Username).FollowingCount; n != "0" {
			t.Errorf("cris follows %s people after being removed, want 0", n)
		}
	})

	step(t, "unfollowing with the profile's Following button", func(t *testing.T) {
		bobPage.open(t, "/u/"+bob.Username)
		bobPage.expectText(t, tid("profile-following")+" strong", "1")

		bobPage.open(t, "/u/"+ana.Username)
		bobPage.expectText(t, tid("follow-button"), "Following")
		bobPage.expectText(t, tid("profile-followers")+" strong", "1")
		bobPage.waitVisible(t, tid("profile-empty"))
		bobPage.click(t, tid("follow-button"))
		bobPage.expectAttr(t, tid("follow-button"), "data-state", "FOLLOW_STATE_NONE")
		bobPage.expectText(t, tid("follow-button"), "Follow")
		bobPage.expectText(t, tid("profile-followers")+" strong", "0")
		// The account is private: without following, its photos are hidden.
		bobPage.waitVisible(t, tid("profile-private"))

		bobPage.clickNav(t, "nav-profile")
		bobPage.waitVisible(t, fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, bob.Username))
		bobPage.expectText(t, tid("profile-following")+" strong", "0")

		anaPage.reload(t)
		anaPage.expectText(t, tid("profile-followers")+" strong", "0")
		if n := profileOf(t, ana, ana.Username).FollowerCount; n != "0" {
			t.Errorf("ana's follower count in the API = %s, want 0", n)
		}
	})
}

// TestWebAppSessionRevoke: the sessions page lists a session opened
// elsewhere (a second login through the API) and ends it; its token is
// refused at once, and the other sessions go on.
func TestWebAppSessionRevoke(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	dora := stack.Register(t, Unique("dora"))
	page := loggedInPage(t, b, dora)
	other := stack.NewAPIClient()
	other.Token = stack.Login(t, dora.Email, dora.Password)
	otherID := currentSessionID(t, other)
	// The registration's session, the browser's and the second login.
	const sessions = 3

	page.clickNav(t, "nav-sessions")
	page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === %d`, tid("session-item"), sessions))
	item := fmt.Sprintf(`[data-testid="session-item"][data-session-id=%q]`, otherID)
	page.expectAttr(t, item, "data-current", "false")
	page.expectText(t, item+" "+tid("session-revoke"), "End session")
	page.expectText(t, `[data-testid="session-item"][data-current="true"] `+tid("session-revoke"), "Log out")

	page.click(t, item+" "+tid("session-revoke"))
	page.waitFor(t, fmt.Sprintf(`!document.querySelector(%q) && document.querySelectorAll(%q).length === %d`, item, tid("session-item"), sessions-1))
	page.expectToast(t, "Session ended.")

	other.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusUnauthorized)
	dora.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusOK)

	// The page's own session still works, and the list from the server no
	// longer has the ended one.
	page.reload(t)
	page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === %d`, tid("session-item"), sessions-1))
	page.waitVisible(t, `[data-testid="session-item"][data-current="true"]`)
	if eval[bool](t, page, fmt.Sprintf(`document.querySelector(%q) !== null`, item)) {
		t.Error("the ended session is listed again after a reload")
	}
}

// TestWebAppLikeRollback: the owner deletes her photos after the timeline
// of a follower has loaded. His like shows at once, is refused, and goes
// back, with a message; so do two reactions sent before the first answer
// (unlike, then dislike): the photo goes back to what it was before both,
// not to what the first click showed.
func TestWebAppLikeRollback(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	eva := stack.Register(t, Unique("eva"))
	fred := stack.Register(t, Unique("fred"))
	fred.Do(t, http.MethodPost, "/v1/users/"+eva.Username+"/follow", nil).Expect(t, http.StatusOK)
	notLiked := upload(t, eva, "Not liked yet", "a.png", testimages.PNG(120, 80))
	liked := upload(t, eva, "Liked already", "b.png", testimages.PNG(120, 80))
	fred.Do(t, http.MethodPut, "/v1/images/"+liked+"/like", nil).Expect(t, http.StatusOK)

	page := loggedInPage(t, b, fred)
	page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("feed-item")))
	card := func(id string) string { return fmt.Sprintf(`[data-testid="feed-item"][data-image-id=%q] `, id) }
	// expect waits until a card shows the reactions, nothing being saved.
	expect := func(t *testing.T, id, liked string, likes int, disliked string, dislikes int) {
		t.Helper()
		page.waitFor(t, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-busy") === "false"`, card(id)+".reactions"))
		page.expectAttr(t, card(id)+tid("like-button"), "aria-pressed", liked)
		page.expectText(t, card(id)+tid("like-count"), fmt.Sprint(likes))
		page.expectAttr(t, card(id)+tid("dislike-button"), "aria-pressed", disliked)
		page.expectText(t, card(id)+tid("dislike-count"), fmt.Sprint(dislikes))
	}
	expect(t, notLiked, "false", 0, "false", 0)
	expect(t, liked, "true", 1, "false", 0)

	for _, id := range []string{notLiked, liked} {
		eva.Do(t, http.MethodDelete, "/v1/images/"+id, nil).Expect(t, http.StatusOK)
		fred.Do(t, http.MethodGet, "/v1/images/"+id, nil).Expect(t, http.StatusNotFound)
	}
	logToasts(t, page)
	const failed = "toast toast-error: Your reaction was not saved. Try again."

	step(t, "a refused like goes back", func(t *testing.T) {
		held := page.holdRequests(t, "*/v1/images/*like")
		page.click(t, card(notLiked)+tid("like-button"))
		held.wait(t, 1)
		// The click shows at once, while the server has not answered.
		page.expectAttr(t, card(notLiked)+".reactions", "aria-busy", "true")
		page.expectAttr(t, card(notLiked)+tid("like-button"), "aria-pressed", "true")
		page.expectText(t, card(notLiked)+tid("like-count"), "1")
		held.release(t)
		expect(t, notLiked, "false", 0, "false", 0)
		page.waitFor(t, `window.toastLog.length === 1`)
		if got := toastsLogged(t, page); got[0] != failed {
			t.Errorf("toasts = %q, want %q", got, failed)
		}
	})

	step(t, "two refused reactions go back to before both", func(t *testing.T) {
		held := page.holdRequests(t, "*/v1/images/*like")
		page.click(t, card(liked)+tid("like-button"))
		page.click(t, card(liked)+tid("dislike-button"))
		held.wait(t, 2)
		page.expectAttr(t, card(liked)+tid("like-button"), "aria-pressed", "false")
		page.expectAttr(t, card(liked)+tid("dislike-button"), "aria-pressed", "true")
		page.expectText(t, card(liked)+tid("dislike-count"), "1")
		held.release(t)
		expect(t, liked, "true", 1, "false", 0)
		// One message for the two clicks.
		page.waitFor(t, `window.toastLog.length >= 2`)
		if got := toastsLogged(t, page); len(got) != 2 || got[1] != failed {
			t.Errorf("toasts = %q, want one more %q", got, failed)
		}
	})
}

// TestWebAppUploadProgress: a photo of a few megabytes, sent over a network
// of about 2 MB/s upstream, shows the progress bar filling step by step with
// its percentage, then the processing message, and lands on the profile.
func TestWebAppUploadProgress(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	gil := stack.Register(t, Unique("gil"))
	page := loggedInPage(t, b, gil)
	photo := filepath.Join(t.TempDir(), "noise.png")
	writePNG(t, photo, noise(1000, 750))
	if info, err := os.Stat(photo); err != nil {
		t.Fatal(err)
	} else if info.Size() < 2<<20 {
		t.Fatalf("the photo weighs %d bytes, want a few MB", info.Size())
	}

	page.clickNav(t, "nav-upload")
	page.waitReady(t, "#upload-file")
	if !eval[bool](t, page, `document.querySelector('[data-testid="upload-progress"]').hidden`) {
		t.Error("the progress bar shows before anything is sent")
	}
	page.upload(t, "#upload-file", photo)
	page.waitVisible(t, tid("upload-preview"))
	page.waitFor(t, `document.querySelector('[data-testid="upload-preview"] + figcaption').textContent.includes("MiB")`)
	page.fill(t, "#upload-caption", "Static")
	// What the bar and its label show, at every change.
	record(t, page, tid("upload-progress"), `(el.hidden ? "hidden " : "shown ") + el.value`, "value", "hidden")
	record(t, page, tid("upload-status"), `"status " + el.textContent`)
	// A network of about 2 MB/s upstream, so that the bar is seen filling.
	page.throttleUploads(t, stack.GatewayURL+"/v1/images", 2<<20)
	page.click(t, tid("upload-submit"))
	page.waitFor(t, `(() => { const bar = document.querySelector('[data-testid="upload-progress"]');
		return bar && !bar.hidden && bar.value > 0 && bar.value < 1 &&
			/^Uploading… [1-9][0-9]?%$/.test(document.querySelector('[data-testid="upload-status"]').textContent); })()`)
	page.waitVisible(t, tid("upload-cancel"))
	page.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s" && document.querySelectorAll(%q).length === 1`, gil.Username, tid("grid-item")))
	page.expectToast(t, "Photo shared.")
	page.expectText(t, tid("profile-posts")+" strong", "1")

	got := recorded(t, page)
	seen := map[string]bool{}
	var values []float64
	for _, r := range got {
		seen[r] = true
		var v float64
		if _, err := fmt.Sscanf(r, "shown %g", &v); err == nil {
			values = append(values, v)
		}
	}
	for _, want := range []string{"shown 0", "shown 1", "status Uploading… 0%", "status Processing…"} {
		if !seen[want] {
			t.Errorf("the upload never showed %q; it showed %q", want, got)
		}
	}
	between := 0
	for i, v := range values {
		if i > 0 && v < values[i-1] {
			t.Errorf("the progress bar went back from %g to %g: %q", values[i-1], v, got)
		}
		if v > 0 && v < 1 {
			between++
		}
	}
	if between < 3 || len(values) == 0 || values[len(values)-1] != 1 {
		t.Errorf("progress values = %v, want several steps between 0 and 1, ending at 1", values)
	}
}

// loggedInPage opens a tab (English) for a registered person and logs in
// with the login form.
func loggedInPage(t *testing.T, b *testBrowser, p *Person) *browserPage {
	t.Helper()
	page := b.newPage(t, p.Username, "en-US,en;q=0.9")
	page.open(t, "/login")
	page.fill(t, "#login-email", p.Email)
	page.fill(t, "#login-password", p.Password)
	page.click(t, tid("login-submit"))
	page.waitFor(t, `location.pathname === "/" && document.querySelector('[data-testid="timeline"]')`)
	return page
}

// record keeps, in the page, the value of the expression show (with el the
// element) each time an element matching sel changes: one of the attributes
// given, or its text when none is.
func record(t *testing.T, p *browserPage, sel, show string, attrs ...string) {
	t.Helper()
	filter, _ := json.Marshal(attrs)
	options := fmt.Sprintf(`{ attributes: true, attributeFilter: %s, subtree: true }`, filter)
	if len(attrs) == 0 {
		options = `{ childList: true, characterData: true, subtree: true }`
	}
	js := fmt.Sprintf(`(() => {
		window.recorded = window.recorded || [];
		const show = (el) => %s;
		const observer = new MutationObserver((mutations) => {
			for (const m of mutations) {
				const target = m.target.nodeType === Node.ELEMENT_NODE ? m.target : m.target.parentElement;
				const el = target && target.closest(%q);
				if (el) window.recorded.push(show(el));
			}
		});
		observer.observe(document.querySelector("#main"), %s);
		return true;
	})()`, show, sel, options)
	eval[bool](t, p, js)
}

// recorded is what record kept so far.
func recorded(t *testing.T, p *browserPage) []string {
	t.Helper()
	return eval[[]string](t, p, `window.recorded || []`)
}

// expectToast waits until one of the messages on screen is text.
func (p *browserPage) expectToast(t testing.TB, text string) {
	t.Helper()
	p.waitFor(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].some((e) => e.textContent.trim() === %q)`, tid("toast"), text))
}

// logToasts keeps, in the page, every message shown from now on (class and
// text), also after it has faded.
func logToasts(t *testing.T, p *browserPage) {
	t.Helper()
	eval[bool](t, p, `(() => {
		window.toastLog = [];
		new MutationObserver((mutations) => {
			for (const m of mutations) {
				for (const n of m.addedNodes) {
					if (n.dataset && n.dataset.testid === "toast") window.toastLog.push(n.className + ": " + n.textContent);
				}
			}
		}).observe(document.body, { childList: true, subtree: true });
		return true;
	})()`)
}

// toastsLogged is what logToasts kept so far.
func toastsLogged(t *testing.T, p *browserPage) []string {
	t.Helper()
	return eval[[]string](t, p, `window.toastLog`)
}

// heldRequests are requests of a page that the browser keeps from the
// network (as a slow network would) until they are released.
type heldRequests struct {
	p      *browserPage
	cancel context.CancelFunc
	paused chan fetch.RequestID
	ids    []fetch.RequestID
}

// holdRequests holds the page's requests whose URL matches pattern (the
// wildcards * and ?) from now until release.
func (p *browserPage) holdRequests(t *testing.T, pattern string) *heldRequests {
	t.Helper()
	ctx, cancel := context.WithCancel(p.ctx)
	h := &heldRequests{p: p, cancel: cancel, paused: make(chan fetch.RequestID, 64)}
	t.Cleanup(cancel)
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*fetch.EventRequestPaused); ok {
			select {
			case h.paused <- ev.RequestID:
			default:
			}
		}
	}); err != nil {
		t.Fatalf("%s: listen: %v", p.name, err)
	}
	p.run(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	}))
	return h
}

// wait waits until n requests are held.
func (h *heldRequests) wait(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for len(h.ids) < n {
		select {
		case id := <-h.paused:
			h.ids = append(h.ids, id)
		case <-timeout:
			h.p.failureScreenshot(t)
			t.Fatalf("%s: %d requests held after 20s, want %d", h.p.name, len(h.ids), n)
		}
	}
}

// release lets the held requests go, in the order they were made, and holds
// no more.
func (h *heldRequests) release(t *testing.T) {
	t.Helper()
	h.p.run(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		for _, id := range h.ids {
			if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
				return err
			}
		}
		_, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{})
		return err
	}))
	h.ids = nil
	h.cancel()
}

// throttleUploads limits what the page sends to the URLs matching pattern
// (a URLPattern) to bytesPerSecond.
func (p *browserPage) throttleUploads(t *testing.T, pattern string, bytesPerSecond float64) {
	t.Helper()
	p.run(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{URLPattern: pattern, DownloadThroughput: -1, UploadThroughput: bytesPerSecond}},
		})
		return err
	}))
}

// apiProfile is what GET /v1/users/{username} says of a profile.
type apiProfile struct {
	FollowState    string `json:"followState"`
	CanView        bool   `json:"canView"`
	FollowerCount  string `json:"followerCount"`
	FollowingCount string `json:"followingCount"`
}

func profileOf(t *testing.T, viewer *Person, username string) apiProfile {
	t.Helper()
	var res struct {
		Profile apiProfile `json:"profile"`
	}
	viewer.Do(t, http.MethodGet, "/v1/users/"+username, nil).Expect(t, http.StatusOK).Decode(t, &res)
	return res.Profile
}

// followRequests lists the usernames that asked to follow p.
func followRequests(t *testing.T, p *Person) []string {
	t.Helper()
	var res struct {
		Users []struct {
			Username string `json:"username"`
		} `json:"users"`
	}
	p.Do(t, http.MethodGet, "/v1/me/follow-requests", nil).Expect(t, http.StatusOK).Decode(t, &res)
	var names []string
	for _, u := range res.Users {
		names = append(names, u.Username)
	}
	return names
}

// currentSessionID is the id of the session a client's token belongs to.
func currentSessionID(t *testing.T, c *Client) string {
	t.Helper()
	var res struct {
		Sessions []struct {
			SessionID string `json:"sessionId"`
			Current   bool   `json:"current"`
		} `json:"sessions"`
	}
	c.Do(t, http.MethodGet, "/v1/sessions", nil).Expect(t, http.StatusOK).Decode(t, &res)
	for _, s := range res.Sessions {
		if s.Current {
			return s.SessionID
		}
	}
	t.Fatalf("no current session among %+v", res.Sessions)
	return ""
}

package e2e

// Conversations in the web app: comments under photos (in the timeline and
// in the viewer), mentions as links to profiles, the bell and the inbox,
// comments turned off by the owner, and walking a profile's photos in the
// viewer with the arrow keys. They use the page helpers of browser_test.go
// and browser_more_test.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestConversation: Ana (the app in Portuguese) and Bob (in English) follow
// each other and comment on each other's photos, in the timeline and in the
// viewer; the counts follow every comment added or deleted, a mention is a
// link to the profile it names, a comment written as markup stays text.
// Bob's bell shows the unread count once the window gets the focus back,
// his inbox says what happened in a sentence per kind, and opening it
// clears the bell. When Ana turns comments off, Bob's field is disabled
// with a note, and her caption is left as it was.
func TestConversation(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	shots := screenshotDir(t)
	b := newBrowser(t, chromium, stack.GatewayURL, shots)
	files := newFixtures(t)

	ana := stack.Register(t, Unique("ana"))
	bob := stack.Register(t, Unique("bob"))
	ana.Do(t, http.MethodPost, "/v1/users/"+bob.Username+"/follow", nil).Expect(t, http.StatusOK)
	bob.Do(t, http.MethodPost, "/v1/users/"+ana.Username+"/follow", nil).Expect(t, http.StatusOK)
	anaCaption := "Pôr do sol com @" + bob.Username
	uploadPhoto(t, ana, files.photos[0], anaCaption)
	uploadPhoto(t, bob, files.photos[1], "Minha praia")
	anaPhoto, bobPhoto := ana.ImageIDs(t)[0], bob.ImageIDs(t)[0]

	anaPage := conversationPage(t, b, ana, "pt-BR,pt;q=0.9")
	bobPage := conversationPage(t, b, bob, "en-US,en;q=0.9")
	bobCard := fmt.Sprintf(`[data-testid="feed-item"][data-image-id=%q] `, anaPhoto)
	anaCard := fmt.Sprintf(`[data-testid="feed-item"][data-image-id=%q] `, bobPhoto)
	viewer := tid("viewer") + " "

	step(t, "a comment from the timeline, with a mention and two lines", func(t *testing.T) {
		bobPage.waitVisible(t, bobCard+tid("comment-input"))
		bobPage.expectText(t, bobCard+tid("caption"), anaCaption)
		bobPage.expectAttr(t, bobCard+tid("caption")+" "+tid("mention"), "href", "/u/"+bob.Username)
		if !eval[bool](t, bobPage, fmt.Sprintf(`document.querySelector(%q).hidden`, bobCard+tid("comment-count"))) {
			t.Error("a photo without comments shows a count")
		}
		bobPage.run(t,
			chromedp.SendKeys(chromedp.CSS(bobCard+tid("comment-input")), "Que lugar, @"+ana.Username+"!"),
			chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)),
			chromedp.KeyEvent("Lindo."),
			chromedp.KeyEvent(kb.Enter))
		bobPage.expectText(t, bobCard+tid("comment-count"), "1 comment")
		bobPage.expectText(t, bobCard+tid("comment")+" "+tid("comment-text"), "Que lugar, @"+ana.Username+"!\nLindo.")
		bobPage.expectAttr(t, bobCard+tid("comment")+" "+tid("mention"), "href", "/u/"+ana.Username)
		bobPage.expectText(t, bobCard+tid("comment")+" "+tid("comment-author"), bob.Username)
		if got := eval[string](t, bobPage, fmt.Sprintf(`document.querySelector(%q).value`, bobCard+tid("comment-input"))); got != "" {
			t.Errorf("the field still holds %q after posting", got)
		}
		if got := conversationCommentCount(t, ana, anaPhoto); got != "1" {
			t.Errorf("the API counts %s comments, want 1", got)
		}
	})

	step(t, "the owner reads and answers in the viewer, and comments back", func(t *testing.T) {
		anaPage.open(t, "/u/"+ana.Username)
		anaPage.click(t, fmt.Sprintf(`[data-testid="grid-item"][data-image-id=%q] a`, anaPhoto))
		anaPage.waitVisible(t, viewer+tid("comment"))
		anaPage.expectText(t, viewer+tid("comment-count"), "1 comentário")
		anaPage.expectAttr(t, viewer+tid("comment")+" "+tid("mention"), "href", "/u/"+ana.Username)
		anaPage.run(t,
			chromedp.SendKeys(chromedp.CSS(viewer+tid("comment-input")), "Obrigada, @"+bob.Username),
			chromedp.KeyEvent(kb.Enter))
		anaPage.expectText(t, viewer+tid("comment-count"), "2 comentários")
		anaPage.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, viewer+tid("comment")))
		// The owner may delete every comment under her photo.
		anaPage.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, viewer+tid("comment-delete")))
		// The mention leads to the profile it names. (A click in script: a
		// link that wraps has no one point to click at.)
		eval[bool](t, anaPage, fmt.Sprintf(`(() => { document.querySelector(%q).click(); return true; })()`,
			viewer+tid("comment")+":first-child "+tid("mention")))
		anaPage.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s" && !document.querySelector('[data-testid="viewer"]').open`, ana.Username))
		anaPage.waitVisible(t, fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, ana.Username))

		anaPage.clickNav(t, "nav-home")
		anaPage.waitVisible(t, anaCard+tid("comment-input"))
		anaPage.fill(t, anaCard+tid("comment-input"), "Bonita foto!")
		anaPage.click(t, anaCard+tid("comment-submit"))
		anaPage.expectText(t, anaCard+tid("comment-count"), "1 comentário")
	})

	step(t, "a comment written as markup stays text", func(t *testing.T) {
		bobPage.click(t, bobCard+".photo-link")
		bobPage.waitVisible(t, viewer+tid("comment-input"))
		bobPage.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, viewer+tid("comment")))
		// Bob may delete his own comment, not Ana's.
		bobPage.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 1`, viewer+tid("comment-delete")))
		bobPage.fill(t, viewer+tid("comment-input"), xssCaption)
		bobPage.run(t, chromedp.KeyEvent(kb.Enter))
		bobPage.expectText(t, viewer+tid("comment-count"), "3 comments")
		last := viewer + tid("comment") + ":last-child "
		bobPage.expectText(t, last+tid("comment-text"), xssCaption)
		if eval[bool](t, bobPage, fmt.Sprintf(`document.querySelector(%q).querySelector("img") !== null || document.querySelector('img[src="x"]') !== null`, last+tid("comment-text"))) {
			t.Error("the comment became an <img> element")
		}
		// The timeline card under the viewer follows the count.
		bobPage.expectText(t, bobCard+tid("comment-count"), "3 comments")
		conversationNoDialog(t, bobPage)
	})

	step(t, "a deleted comment goes, and the counts follow", func(t *testing.T) {
		last := viewer + tid("comment") + ":last-child "
		bobPage.click(t, last+tid("comment-delete"))
		bobPage.expectText(t, viewer+tid("comment-count"), "2 comments")
		bobPage.waitFor(t, fmt.Sprintf(`![...document.querySelectorAll(%q)].some((e) => e.textContent === %q)`, viewer+tid("comment-text"), xssCaption))
		bobPage.expectText(t, bobCard+tid("comment-count"), "2 comments")
		if got := conversationCommentCount(t, ana, anaPhoto); got != "2" {
			t.Errorf("the API counts %s comments, want 2", got)
		}
		bobPage.run(t, chromedp.KeyEvent(kb.Escape))
		bobPage.waitFor(t, `location.pathname === "/" && !document.querySelector('[data-testid="viewer"]').open`)
	})

	step(t, "the bell counts what is unread once the window has the focus again", func(t *testing.T) {
		conversationAwaitInbox(t, bob, ana, "KIND_FOLLOW", "KIND_COMMENT", "KIND_MENTION")
		badge := tid("notifications-badge")
		// At least the follow, the comment and the mention.
		conversationAwaitBell(t, bobPage, 3)
		count := eval[string](t, bobPage, fmt.Sprintf(`document.querySelector(%q).dataset.count`, badge))
		if got := conversationUnread(t, bob); fmt.Sprint(got) != count {
			t.Errorf("the bell counts %s unread, the API %d", count, got)
		}
		bobPage.waitFor(t, fmt.Sprintf(`document.querySelector(%q).textContent.startsWith(%q)`, badge, count))
	})

	step(t, "the inbox says what happened and clears the bell", func(t *testing.T) {
		bobPage.clickNav(t, "nav-notifications")
		item := func(kind string) string {
			return fmt.Sprintf(`[data-testid="notification"][data-kind=%q]`, kind)
		}
		bobPage.waitVisible(t, item("KIND_COMMENT"))
		bobPage.expectText(t, item("KIND_FOLLOW")+" "+tid("notification-sentence"), ana.Username+" started following you.")
		bobPage.expectText(t, item("KIND_COMMENT")+" "+tid("notification-sentence"), ana.Username+" commented: Bonita foto!")
		bobPage.waitFor(t, fmt.Sprintf(`[...document.querySelectorAll(%q)].some((e) => e.textContent === %q)`,
			item("KIND_MENTION")+" "+tid("notification-sentence"), ana.Username+" mentioned you: Obrigada, @"+bob.Username))
		bobPage.expectAttr(t, item("KIND_COMMENT")+" "+tid("notification-actor"), "href", "/u/"+ana.Username)
		bobPage.expectAttr(t, item("KIND_COMMENT")+" "+tid("notification-thumb"), "href", "/p/"+bobPhoto)
		bobPage.expectAttr(t, item("KIND_COMMENT"), "data-unread", "true")
		bobPage.screenshot(t, shots, "notifications")
		bobPage.waitFor(t, `document.querySelector('[data-testid="notifications-badge"]').hidden`)
		if got := conversationUnread(t, bob); got != 0 {
			t.Errorf("the API counts %d unread after the inbox was opened, want 0", got)
		}

		// The photo opens from its thumbnail, over the inbox.
		bobPage.click(t, item("KIND_COMMENT")+" "+tid("notification-thumb"))
		bobPage.waitVisible(t, tid("viewer-image"))
		bobPage.waitFor(t, fmt.Sprintf(`location.pathname === "/p/%s"`, bobPhoto))
		bobPage.run(t, chromedp.KeyEvent(kb.Escape))
		bobPage.waitFor(t, `location.pathname === "/notifications" && !document.querySelector('[data-testid="viewer"]').open`)

		bobPage.reload(t)
		bobPage.waitVisible(t, item("KIND_COMMENT"))
		if eval[bool](t, bobPage, `document.querySelector('[data-testid="notification"][data-unread="true"]') !== null`) {
			t.Error("a notification is still unread after the inbox was opened")
		}
	})

	step(t, "the latest two, then all of them oldest first", func(t *testing.T) {
		for _, text := range []string{"Segundo", "Terceiro", "Quarto"} {
			ana.Do(t, http.MethodPost, "/v1/images/"+bobPhoto+"/comments", map[string]string{"text": text}).Expect(t, http.StatusOK)
		}
		bobPage.open(t, "/u/"+bob.Username)
		bobPage.click(t, fmt.Sprintf(`[data-testid="grid-item"][data-image-id=%q] a`, bobPhoto))
		bobPage.expectText(t, viewer+tid("comment-count"), "4 comments")
		bobPage.waitFor(t, conversationTexts(viewer+tid("comment-text"), "Terceiro", "Quarto"))
		bobPage.expectText(t, viewer+tid("comments-view-all"), "View all 4 comments")
		bobPage.click(t, viewer+tid("comments-view-all"))
		bobPage.waitFor(t, conversationTexts(viewer+tid("comment-text"), "Bonita foto!", "Segundo", "Terceiro", "Quarto"))
		bobPage.screenshot(t, shots, "viewer-comments")
		if !eval[bool](t, bobPage, fmt.Sprintf(`document.querySelector(%q).hidden`, viewer+tid("comments-view-all"))) {
			t.Error(`"view all" is still offered with all the comments shown`)
		}
		bobPage.run(t, chromedp.KeyEvent(kb.Escape))
		bobPage.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s" && !document.querySelector('[data-testid="viewer"]').open`, bob.Username))
	})

	step(t, "the owner turns comments off, and the others' field is disabled", func(t *testing.T) {
		anaPage.open(t, "/p/"+anaPhoto)
		anaPage.waitVisible(t, tid("viewer-toggle-comments"))
		anaPage.expectText(t, tid("viewer-toggle-comments"), "Desativar comentários")
		anaPage.click(t, tid("viewer-toggle-comments"))
		anaPage.expectText(t, tid("viewer-toggle-comments"), "Ativar comentários")
		anaPage.waitVisible(t, viewer+tid("comments-off"))

		var img struct {
			Image struct {
				Caption          string `json:"caption"`
				CommentsDisabled bool   `json:"commentsDisabled"`
			} `json:"image"`
		}
		bob.Do(t, http.MethodGet, "/v1/images/"+anaPhoto, nil).Expect(t, http.StatusOK).Decode(t, &img)
		if !img.Image.CommentsDisabled || img.Image.Caption != anaCaption {
			t.Errorf("after turning comments off: %+v, want them off and the caption %q", img.Image, anaCaption)
		}

		bobPage.open(t, "/")
		bobPage.waitVisible(t, bobCard+tid("comments-off"))
		bobPage.expectText(t, bobCard+tid("comments-off"), "Comments are turned off for this photo.")
		if !eval[bool](t, bobPage, fmt.Sprintf(`document.querySelector(%q).disabled`, bobCard+tid("comment-input"))) {
			t.Error("the comment field is enabled under a photo whose comments are off")
		}
		bobPage.expectText(t, bobCard+tid("comment-count"), "2 comments")
		conversationNoDialog(t, anaPage)
	})
}

// TestConversationViewerArrows: the viewer opened from a profile's grid
// walks its photos with the arrow keys and its buttons, newest first, the
// buttons hidden at the ends and the address following; Escape closes it
// over the profile. Opened from the timeline, it loads the timeline's next
// page to go past the last photo of the first.
func TestConversationViewerArrows(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))
	files := newFixtures(t)

	cris := stack.Register(t, Unique("cris"))
	dan := stack.Register(t, Unique("dan"))
	for i := range 3 {
		uploadPhoto(t, cris, files.photos[i%2], fmt.Sprintf("Foto %d", i+1))
	}
	ids := cris.ImageIDs(t) // newest first: Foto 3, Foto 2, Foto 1
	if len(ids) != 3 {
		t.Fatalf("cris has %d photos, want 3", len(ids))
	}
	page := conversationPage(t, b, dan, "en-US,en;q=0.9")
	prev, next := tid("viewer-prev"), tid("viewer-next")
	hidden := func(sel string) bool {
		return eval[bool](t, page, fmt.Sprintf(`document.querySelector(%q).hidden`, sel))
	}
	shows := func(t *testing.T, caption, id string, prevHidden, nextHidden bool) {
		t.Helper()
		page.expectText(t, tid("viewer-caption"), caption)
		page.waitFor(t, fmt.Sprintf(`location.pathname === "/p/%s"`, id))
		if got := hidden(prev); got != prevHidden {
			t.Errorf("at %q the previous button hidden = %v, want %v", caption, got, prevHidden)
		}
		if got := hidden(next); got != nextHidden {
			t.Errorf("at %q the next button hidden = %v, want %v", caption, got, nextHidden)
		}
	}

	step(t, "the arrow keys walk the profile's photos", func(t *testing.T) {
		page.open(t, "/u/"+cris.Username)
		page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 3`, tid("grid-item")))
		page.click(t, tid("grid-item")+":first-child a")
		page.waitVisible(t, tid("viewer-image"))
		shows(t, "Foto 3", ids[0], true, false)
		page.run(t, chromedp.KeyEvent(kb.ArrowRight))
		shows(t, "Foto 2", ids[1], false, false)
		page.run(t, chromedp.KeyEvent(kb.ArrowRight))
		shows(t, "Foto 1", ids[2], false, true)
		// At the end, → goes nowhere.
		page.run(t, chromedp.KeyEvent(kb.ArrowRight))
		shows(t, "Foto 1", ids[2], false, true)
		page.run(t, chromedp.KeyEvent(kb.ArrowLeft))
		shows(t, "Foto 2", ids[1], false, false)
	})

	step(t, "the buttons walk too, and Escape closes over the profile", func(t *testing.T) {
		page.click(t, prev)
		shows(t, "Foto 3", ids[0], true, false)
		page.click(t, next)
		shows(t, "Foto 2", ids[1], false, false)
		page.run(t, chromedp.KeyEvent(kb.Escape))
		page.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s" && !document.querySelector('[data-testid="viewer"]').open`, cris.Username))
	})

	step(t, "past the timeline's first page, → loads the next one", func(t *testing.T) {
		for i := 3; i < 11; i++ {
			uploadPhoto(t, cris, files.photos[i%2], fmt.Sprintf("Foto %d", i+1))
		}
		dan.Do(t, http.MethodPost, "/v1/users/"+cris.Username+"/follow", nil).Expect(t, http.StatusOK)
		page.open(t, "/")
		items := tid("feed-item")
		page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 10`, items))
		page.click(t, items+":nth-of-type(10) .photo-link")
		page.expectText(t, tid("viewer-caption"), "Foto 2")
		if hidden(next) {
			t.Fatal("the next button is hidden on the last photo of a page with more to come")
		}
		page.run(t, chromedp.KeyEvent(kb.ArrowRight))
		shows(t, "Foto 1", ids[2], false, true)
		page.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 11`, items))
		page.run(t, chromedp.KeyEvent(kb.Escape))
		page.waitFor(t, `location.pathname === "/" && !document.querySelector('[data-testid="viewer"]').open`)
	})
}

// conversationPage opens a tab whose browser prefers acceptLanguage and
// logs p in with the login form.
func conversationPage(t *testing.T, b *testBrowser, p *Person, acceptLanguage string) *browserPage {
	t.Helper()
	page := b.newPage(t, p.Username, acceptLanguage)
	page.open(t, "/login")
	page.fill(t, "#login-email", p.Email)
	page.fill(t, "#login-password", p.Password)
	page.click(t, tid("login-submit"))
	page.waitFor(t, `location.pathname === "/" && document.querySelector('[data-testid="timeline"]')`)
	return page
}

// conversationAwaitBell tells the page, twice a second, that its window got
// the focus back (which makes it ask for the unread count), until the
// bell's badge shows at least atLeast.
func conversationAwaitBell(t *testing.T, p *browserPage, atLeast int) {
	t.Helper()
	p.waitFor(t, fmt.Sprintf(`(() => {
		const now = Date.now();
		if (!(now - (window.lastFocusEvent || 0) < 500)) {
			window.lastFocusEvent = now;
			window.dispatchEvent(new Event("focus"));
		}
		const badge = document.querySelector('[data-testid="notifications-badge"]');
		return Boolean(badge && !badge.hidden && Number(badge.dataset.count) >= %d);
	})()`, atLeast))
}

// conversationAwaitInbox waits until p's inbox holds a notification of each
// kind by actor.
func conversationAwaitInbox(t *testing.T, p, actor *Person, kinds ...string) {
	t.Helper()
	Eventually(t, 20*time.Second, fmt.Sprintf("%s's inbox has %v by %s", p.Username, kinds, actor.Username), func() bool {
		var page struct {
			Notifications []struct {
				Kind  string `json:"kind"`
				Actor struct {
					Username string `json:"username"`
				} `json:"actor"`
			} `json:"notifications"`
		}
		p.Do(t, http.MethodGet, "/v1/notifications?pageSize=100", nil).Expect(t, http.StatusOK).Decode(t, &page)
		seen := map[string]bool{}
		for _, n := range page.Notifications {
			if n.Actor.Username == actor.Username {
				seen[n.Kind] = true
			}
		}
		for _, kind := range kinds {
			if !seen[kind] {
				return false
			}
		}
		return true
	})
}

// conversationUnread is p's unread count, as the API says.
func conversationUnread(t *testing.T, p *Person) int {
	t.Helper()
	var res struct {
		UnreadCount int `json:"unreadCount"`
	}
	p.Do(t, http.MethodGet, "/v1/notifications:unreadCount", nil).Expect(t, http.StatusOK).Decode(t, &res)
	return res.UnreadCount
}

// conversationCommentCount is a photo's comment count, as the API says.
func conversationCommentCount(t *testing.T, p *Person, imageID string) string {
	t.Helper()
	var res struct {
		Image struct {
			CommentCount string `json:"commentCount"`
		} `json:"image"`
	}
	p.Do(t, http.MethodGet, "/v1/images/"+imageID, nil).Expect(t, http.StatusOK).Decode(t, &res)
	if res.Image.CommentCount == "" {
		return "0"
	}
	return res.Image.CommentCount
}

// conversationTexts is a JavaScript condition: the elements matching sel
// hold exactly texts, in order.
func conversationTexts(sel string, texts ...string) string {
	want, _ := json.Marshal(texts)
	return fmt.Sprintf(`JSON.stringify([...document.querySelectorAll(%q)].map((e) => e.textContent)) === %q`, sel, want)
}

// conversationNoDialog fails the test if the page opened a JavaScript
// dialog (an alert run by markup in a comment).
func conversationNoDialog(t *testing.T, p *browserPage) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, msg := range p.problems {
		if strings.Contains(msg, "dialog opened") {
			t.Errorf("%s: %s", p.name, msg)
		}
	}
}

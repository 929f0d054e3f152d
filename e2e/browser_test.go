package e2e

// The web app's browser test: headless Chromium (chromedp) drives the app
// that the real gateway serves, against the real services, as two people
// would, and writes screenshots of the main screens (a phone and a desktop)
// into .screenshots/ at the repository root.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumEnv names the variable that overrides where Chromium is.
const chromiumEnv = "FOTOGAL_CHROMIUM"

// xssCaption is a caption that would run script if the app put captions
// into the page as HTML.
const xssCaption = `<img src=x onerror=alert(1)>`

// appUploadLimit is the limit the app checks before sending (the
// gateway's default); serverUploadLimit is the stack's, lower, so that a
// file between the two is refused after it is sent.
const (
	appUploadLimit    = 16 << 20
	serverUploadLimit = 1 << 20
)

// screenSizes are the viewports of the screenshots: a phone and a desktop.
var screenSizes = []struct{ width, height int64 }{{390, 844}, {1280, 800}}

// TestWebApp follows two people through the web app: both register (one
// browser in Portuguese, one in English), one makes her account private and
// posts photos, the other asks to follow and is accepted, sees the photos in
// his timeline (captions as text, never markup), likes one, opens the viewer;
// uploads that are too big or not images are refused with a message, a
// profile edit survives a reload, the timeline loads more as it scrolls, the
// language switch is remembered, and the keyboard alone can log in. The
// console must stay clean throughout.
func TestWebApp(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, map[string]string{"FOTOGAL_MAX_UPLOAD_BYTES": fmt.Sprint(serverUploadLimit)})
	shots := screenshotDir(t)
	b := newBrowser(t, chromium, stack.GatewayURL, shots)
	files := newFixtures(t)

	// Ana's browser prefers Portuguese, Bob's English: each app starts in
	// the browser's language.
	ana := b.newPage(t, "ana", "pt-BR,pt;q=0.9")
	bob := b.newPage(t, "bob", "en-US,en;q=0.9")
	anaName, bobName := Unique("ana"), Unique("bob")
	const password = "correct horse battery"

	step(t, "login screen in each browser language", func(t *testing.T) {
		ana.open(t, "/")
		ana.waitFor(t, `location.pathname === "/login" && document.querySelector('[data-testid="login-form"]')`)
		ana.expectText(t, tid("login-submit"), "Entrar")
		if got := eval[string](t, ana, `document.documentElement.lang`); got != "pt-BR" {
			t.Errorf("ana's page language = %q, want pt-BR", got)
		}
		ana.screenshot(t, shots, "login-pt")
		bob.open(t, "/login")
		bob.expectText(t, tid("login-submit"), "Log in")
		bob.screenshot(t, shots, "login-en")
	})

	step(t, "registration shows errors next to the fields, then logs in", func(t *testing.T) {
		bob.click(t, `a[href="/register"]`)
		bob.waitVisible(t, tid("register-form"))
		bob.fill(t, "#register-email", "not-an-email")
		bob.fill(t, "#register-fullname", "Bob Lima")
		bob.fill(t, "#register-username", "b!")
		bob.fill(t, "#register-password", "short")
		bob.click(t, tid("register-submit"))
		bob.waitVisible(t, tid("register-email-error"))
		bob.waitVisible(t, tid("register-username-error"))
		bob.waitVisible(t, tid("register-password-error"))
		bob.screenshot(t, shots, "register-errors")

		register(t, ana, anaName, "Ana Souza", password)
		register(t, bob, bobName, "Bob Lima", password)
	})

	step(t, "a first timeline welcomes and suggests people", func(t *testing.T) {
		bob.waitVisible(t, tid("feed-empty"))
		bob.expectText(t, tid("feed-empty")+" h2", "Welcome to FotoGal!")
		bob.waitVisible(t, fmt.Sprintf(`[data-testid="suggestion"][data-username=%q] [data-testid="follow-button"]`, anaName))
		ana.expectText(t, tid("feed-empty")+" h2", "Boas-vindas ao FotoGal!")
		bob.screenshot(t, shots, "timeline-empty")
	})

	step(t, "a profile edit persists after reload", func(t *testing.T) {
		ana.clickNav(t, "nav-settings")
		ana.waitVisible(t, tid("settings-form"))
		ana.fill(t, "#settings-bio", "Fotógrafa amadora.\nSão Paulo")
		ana.fill(t, "#settings-website", "https://example.com/ana")
		ana.click(t, "#settings-private")
		ana.click(t, tid("settings-save"))
		ana.expectText(t, tid("settings-saved"), "Perfil salvo.")

		ana.reload(t)
		ana.waitVisible(t, tid("settings-form"))
		if got := eval[string](t, ana, `document.querySelector("#settings-bio").value`); got != "Fotógrafa amadora.\nSão Paulo" {
			t.Errorf("bio after reload = %q", got)
		}
		if !eval[bool](t, ana, `document.querySelector("#settings-private").checked`) {
			t.Error("the account is not private after reload")
		}
		ana.upload(t, "#avatar-file", files.photos[1])
		ana.waitFor(t, `document.querySelector('[data-testid="avatar-image"] img')?.complete`)

		ana.open(t, "/u/"+anaName)
		ana.waitVisible(t, tid("profile-avatar")+" img")
		ana.expectText(t, tid("profile-bio"), "Fotógrafa amadora.\nSão Paulo")
		ana.expectText(t, tid("profile-website"), "example.com/ana")
	})

	step(t, "a password change checks the current password", func(t *testing.T) {
		ana.open(t, "/settings")
		ana.fill(t, "#password-old", "not my password")
		ana.fill(t, "#password-new", "a new password 2")
		ana.fill(t, "#password-confirm", "a new password 2")
		ana.click(t, tid("password-submit"))
		ana.expectText(t, tid("password-old-error"), "A senha atual está incorreta.")
		ana.fill(t, "#password-old", password)
		ana.click(t, tid("password-submit"))
		ana.waitFor(t, `document.querySelector('[data-testid="password-done"]').textContent.startsWith("Senha alterada.")`)
	})

	step(t, "uploads that are too big or not images show the error", func(t *testing.T) {
		ana.clickNav(t, "nav-upload")
		ana.waitReady(t, "#upload-file")
		cases := []struct {
			file string
			want string
		}{
			{files.text, "não é uma imagem aceita"},
			{files.fakePNG, "não é uma imagem aceita"},
			{files.tooBig, "grande demais (16 MiB). O limite é 16 MiB."},
		}
		for _, tc := range cases {
			ana.upload(t, "#upload-file", tc.file)
			ana.waitFor(t, fmt.Sprintf(`(document.querySelector(%q)?.textContent || "").includes(%q)`, tid("upload-error"), tc.want))
		}
		// A photo under the app's limit but over the server's is refused
		// after it is sent, and the app says why.
		ana.upload(t, "#upload-file", files.bigPhoto)
		ana.waitVisible(t, tid("upload-preview"))
		ana.click(t, tid("upload-submit"))
		ana.waitFor(t, fmt.Sprintf(`(document.querySelector(%q)?.textContent || "").includes(%q)`, tid("upload-error"), "grande demais para o FotoGal"))
		ana.screenshot(t, shots, "upload-error")
	})

	step(t, "a private account uploads photos", func(t *testing.T) {
		for i, caption := range []string{xssCaption, "Pôr do sol na praia"} {
			ana.open(t, "/upload")
			ana.upload(t, "#upload-file", files.photos[i])
			ana.waitVisible(t, tid("upload-preview"))
			ana.fill(t, "#upload-caption", caption)
			if i == 1 {
				ana.waitFor(t, `document.querySelector('[data-testid="upload-preview"]').complete`)
				ana.screenshot(t, shots, "upload")
			}
			ana.click(t, tid("upload-submit"))
			ana.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s" && document.querySelectorAll(%q).length === %d`, anaName, tid("grid-item"), i+1))
		}
		ana.expectText(t, tid("profile-posts")+" strong", "2")
		ana.screenshot(t, shots, "profile-own")
	})

	step(t, "a follower asks, the private account accepts", func(t *testing.T) {
		bob.open(t, "/u/"+anaName)
		bob.waitVisible(t, tid("profile-private"))
		bob.expectText(t, tid("profile-private")+" h2", "This account is private")
		bob.screenshot(t, shots, "profile-private")
		bob.click(t, tid("follow-button"))
		bob.waitFor(t, `document.querySelector('[data-testid="follow-button"]').dataset.state === "FOLLOW_STATE_REQUESTED"`)

		ana.open(t, "/")
		ana.waitFor(t, `document.querySelector('[data-testid="requests-badge"]')?.hidden === false`)
		ana.expectAttr(t, tid("requests-badge"), "data-count", "1")
		ana.clickNav(t, "nav-requests")
		ana.waitVisible(t, fmt.Sprintf(`[data-testid="request-item"][data-username=%q]`, bobName))
		ana.screenshot(t, shots, "requests")
		ana.click(t, tid("request-accept"))
		ana.waitVisible(t, tid("requests-empty"))
		ana.waitFor(t, `document.querySelector('[data-testid="requests-badge"]').hidden`)
	})

	step(t, "the photos appear in the follower's timeline, captions as text", func(t *testing.T) {
		bob.clickNav(t, "nav-home")
		bob.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("feed-item")))
		if got := eval[string](t, bob, `document.querySelector('[data-testid="feed-item"] [data-testid="caption"]').textContent`); got != "Pôr do sol na praia" {
			t.Errorf("newest caption = %q, want the second upload's", got)
		}
		if got := eval[string](t, bob, `document.querySelectorAll('[data-testid="caption"]')[1].textContent`); got != xssCaption {
			t.Errorf("caption = %q, want the characters %q", got, xssCaption)
		}
		if eval[bool](t, bob, `document.querySelector('img[src="x"]') !== null`) {
			t.Error("the caption became an <img> element")
		}
		// The photos are 3:2; the display size in the attributes keeps the
		// layout from jumping while they load.
		img := eval[map[string]string](t, bob, `(() => { const i = document.querySelector('[data-testid="feed-image"]');
			return { loading: i.loading, width: i.getAttribute("width"), height: i.getAttribute("height"), alt: i.alt }; })()`)
		var w, h int
		fmt.Sscan(img["width"], &w)
		fmt.Sscan(img["height"], &h)
		if img["loading"] != "lazy" || w == 0 || w*2 != h*3 || img["alt"] != "Pôr do sol na praia" {
			t.Errorf("timeline image attributes = %v, want lazy, 3:2 display size, the caption as alt", img)
		}
		bob.screenshot(t, shots, "timeline")
	})

	step(t, "like toggles and the count follows", func(t *testing.T) {
		first := tid("feed-item") + ":first-of-type "
		bob.click(t, first+tid("like-button"))
		bob.expectAttr(t, first+tid("like-button"), "aria-pressed", "true")
		bob.expectText(t, first+tid("like-count"), "1")
		bob.click(t, first+tid("dislike-button"))
		bob.expectAttr(t, first+tid("like-button"), "aria-pressed", "false")
		bob.expectText(t, first+tid("like-count"), "0")
		bob.expectText(t, first+tid("dislike-count"), "1")
		bob.click(t, first+tid("like-button"))
		bob.expectText(t, first+tid("like-count"), "1")
		bob.expectText(t, first+tid("dislike-count"), "0")

		bob.reload(t)
		bob.expectAttr(t, first+tid("like-button"), "aria-pressed", "true")
		bob.expectText(t, first+tid("like-count"), "1")
	})

	step(t, "the viewer shows a photo and closes with Escape", func(t *testing.T) {
		bob.click(t, tid("feed-item")+":first-of-type .photo-link")
		bob.waitVisible(t, tid("viewer-image"))
		bob.waitFor(t, `location.pathname.startsWith("/p/") && document.querySelector('[data-testid="viewer"]').open`)
		bob.expectText(t, tid("viewer-caption"), "Pôr do sol na praia")
		bob.expectAttr(t, tid("viewer")+" "+tid("like-button"), "aria-pressed", "true")
		bob.waitFor(t, `document.querySelector('[data-testid="viewer-image"]').complete`)
		bob.screenshot(t, shots, "viewer")
		bob.run(t, chromedp.KeyEvent(kb.Escape))
		bob.waitFor(t, `location.pathname === "/" && !document.querySelector('[data-testid="viewer"]').open`)

		// A link to a photo opens it over its owner's profile.
		id := eval[string](t, bob, `document.querySelector('[data-testid="feed-item"]').dataset.imageId`)
		bob.open(t, "/p/"+id)
		bob.waitVisible(t, tid("viewer-image"))
		bob.waitVisible(t, fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, anaName))
		bob.click(t, tid("viewer-close"))
		bob.waitFor(t, fmt.Sprintf(`location.pathname === "/u/%s" && !document.querySelector('[data-testid="viewer"]').open`, anaName))
	})

	step(t, "the owner edits a caption and deletes a photo in the viewer", func(t *testing.T) {
		ana.open(t, "/u/"+anaName)
		ana.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("grid-item")))
		ana.click(t, tid("grid-item")+":last-child a")
		ana.waitVisible(t, tid("viewer-edit-caption"))
		ana.expectText(t, tid("viewer-caption"), xssCaption)
		ana.click(t, tid("viewer-edit-caption"))
		ana.fill(t, "#viewer-caption-input", "Legenda nova")
		ana.click(t, tid("viewer-caption-save"))
		ana.expectText(t, tid("viewer-caption"), "Legenda nova")
		ana.click(t, tid("viewer-delete"))
		ana.click(t, tid("viewer-delete-confirm"))
		ana.waitFor(t, fmt.Sprintf(`!document.querySelector('[data-testid="viewer"]').open && document.querySelectorAll(%q).length === 1`, tid("grid-item")))
		ana.expectText(t, tid("profile-posts")+" strong", "1")
		ana.screenshot(t, shots, "profile")
	})

	step(t, "the language can be switched and is remembered", func(t *testing.T) {
		bob.selectLanguage(t, "pt-BR")
		bob.expectText(t, tid("nav-home")+" .nav-label", "Início")
		bob.reload(t)
		bob.expectText(t, tid("nav-home")+" .nav-label", "Início")
		bob.screenshot(t, shots, "timeline-pt")
		bob.selectLanguage(t, "en")
		bob.expectText(t, tid("nav-home")+" .nav-label", "Timeline")
	})

	step(t, "the timeline loads more as it scrolls", func(t *testing.T) {
		cris := stack.Register(t, Unique("cris"))
		for i := range 12 {
			uploadPhoto(t, cris, files.photos[i%2], fmt.Sprintf("Foto %d", i+1))
		}
		bob.open(t, "/u/"+cris.Username)
		bob.click(t, tid("follow-button"))
		bob.expectAttr(t, tid("follow-button"), "data-state", "FOLLOW_STATE_FOLLOWING")
		bob.clickNav(t, "nav-home")
		bob.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 10`, tid("feed-item")))
		eval[bool](t, bob, `(() => { window.scrollTo(0, document.body.scrollHeight); return true; })()`)
		bob.waitFor(t, fmt.Sprintf(`document.querySelectorAll(%q).length === 13`, tid("feed-item")))
		bob.waitVisible(t, tid("list-end"))
		if got := eval[int](t, bob, `new Set([...document.querySelectorAll('[data-testid="feed-item"]')].map((e) => e.dataset.imageId)).size`); got != 13 {
			t.Errorf("%d different photos in the timeline, want 13", got)
		}
	})

	step(t, "sessions list and log out", func(t *testing.T) {
		bob.clickNav(t, "nav-sessions")
		bob.waitVisible(t, `[data-testid="session-item"][data-current="true"]`)
		bob.screenshot(t, shots, "sessions")
		bob.click(t, tid("logout"))
		bob.waitFor(t, `location.pathname === "/login"`)
		bob.open(t, "/")
		bob.waitFor(t, `location.pathname === "/login"`)
	})

	step(t, "logging in with the keyboard alone", func(t *testing.T) {
		bob.run(t,
			chromedp.KeyEvent(kb.Tab), // the skip link
			chromedp.KeyEvent(kb.Enter),
			chromedp.KeyEvent(kb.Tab), // the email field
			chromedp.KeyEvent(bobName+"@example.com"),
			chromedp.KeyEvent(kb.Tab),
			chromedp.KeyEvent(password),
			chromedp.KeyEvent(kb.Enter),
		)
		bob.waitFor(t, fmt.Sprintf(`location.pathname === "/" && document.querySelectorAll(%q).length > 0`, tid("feed-item")))
	})
}

// uploadPhoto posts a photo through the API, as a phone app would.
func uploadPhoto(t *testing.T, p *Person, path, caption string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	if err := form.WriteField("caption", caption); err != nil {
		t.Fatal(err)
	}
	part, err := form.CreateFormFile("file", filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := form.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, p.Base+"/v1/images", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	p.Send(t, req).Expect(t, http.StatusOK)
}

// register fills the registration form and waits for the timeline.
func register(t *testing.T, p *browserPage, username, fullName, password string) {
	t.Helper()
	p.open(t, "/register")
	p.fill(t, "#register-email", username+"@example.com")
	p.fill(t, "#register-fullname", fullName)
	p.fill(t, "#register-username", username)
	p.fill(t, "#register-password", password)
	p.click(t, tid("register-submit"))
	p.waitFor(t, `location.pathname === "/" && document.querySelector('[data-testid="timeline"]')`)
}

// step runs one part of a scenario and stops the test when it fails, since
// the next parts build on it.
func step(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, f) {
		t.FailNow()
	}
}

// tid is the CSS selector of a data-testid.
func tid(id string) string {
	return fmt.Sprintf("[data-testid=%q]", id)
}

// chromiumPath finds Chromium, or fails the test saying how to get it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv(chromiumEnv)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no Chromium at %s: install it with `apt-get install chromium`, or point %s at one: %v", path, chromiumEnv, err)
	}
	return path
}

// screenshotDir is .screenshots/ at the repository root; a .gitignore
// inside keeps it out of git.
func screenshotDir(t *testing.T) string {
	t.Helper()
	root, err := WorkspaceRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("*\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fixtures are the files the test uploads.
type fixtures struct {
	photos   []string // PNG photos, 1080×720
	bigPhoto string   // a PNG photo over the server's limit, under the app's
	text     string   // a text file
	tooBig   string   // a PNG signature followed by zeros, one byte over the app's limit
	fakePNG  string   // a PNG signature followed by text: not an image
}

func newFixtures(t *testing.T) fixtures {
	t.Helper()
	dir := t.TempDir()
	f := fixtures{
		bigPhoto: filepath.Join(dir, "noise.png"),
		text:     filepath.Join(dir, "notes.txt"),
		tooBig:   filepath.Join(dir, "huge.png"),
		fakePNG:  filepath.Join(dir, "fake.png"),
	}
	for i, sky := range []color.RGBA{{36, 59, 120, 255}, {250, 140, 60, 255}} {
		path := filepath.Join(dir, fmt.Sprintf("photo%d.png", i))
		writePNG(t, path, landscape(1080, 720, sky))
		f.photos = append(f.photos, path)
	}
	writePNG(t, f.bigPhoto, noise(800, 600))
	if info, err := os.Stat(f.bigPhoto); err != nil || info.Size() <= serverUploadLimit || info.Size() >= appUploadLimit {
		t.Fatalf("noise.png must be between the limits: %v %v", info.Size(), err)
	}
	pngSignature := "\x89PNG\r\n\x1a\n"
	if err := os.WriteFile(f.text, []byte("just some notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.fakePNG, []byte(pngSignature+"this is not really an image\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(f.tooBig)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := big.WriteString(pngSignature); err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(appUploadLimit + 1); err != nil {
		t.Fatal(err)
	}
	if err := big.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

// landscape draws a sky fading into the sea, a sun, a beach.
func landscape(w, h int, sky color.RGBA) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	horizon, beach := h*3/5, h*4/5
	for y := range h {
		for x := range w {
			var c color.RGBA
			switch {
			case y < horizon:
				k := float64(y) / float64(horizon)
				c = color.RGBA{mix(sky.R, 255, k), mix(sky.G, 200, k), mix(sky.B, 150, k), 255}
			case y < beach:
				c = color.RGBA{20, 90, 140, 255}
			default:
				c = color.RGBA{230, 200, 150, 255}
			}
			if dx, dy := x-w*2/3, y-horizon; dx*dx+dy*dy < (h/8)*(h/8) && y < horizon {
				c = color.RGBA{255, 230, 120, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// noise is an image that does not compress.
func noise(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
	}
	return img
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(out, img); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func mix(a, b uint8, k float64) uint8 {
	return uint8(float64(a)*(1-k) + float64(b)*k)
}

// testBrowser is one headless Chromium with a fresh profile.
type testBrowser struct {
	ctx   context.Context
	base  string
	shots string
}

func newBrowser(t *testing.T, chromium, base, shots string) *testBrowser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &testBrowser{ctx: ctx, base: base, shots: shots}
}

// browserPage is a tab with its own cookies (a browser context of its own),
// as a separate person's browser would be. It records what the page writes
// to the console.
type browserPage struct {
	name  string
	ctx   context.Context
	base  string
	shots string

	mu       sync.Mutex
	problems []string
}

// newPage opens a tab whose browser prefers the languages acceptLanguage
// lists.
func (b *testBrowser) newPage(t *testing.T, name, acceptLanguage string) *browserPage {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open a tab: %v", name, err)
	}
	p := &browserPage{name: name, ctx: ctx, base: b.base, shots: b.shots}
	if err := chromedp.Listen(ctx, p.observe); err != nil {
		t.Fatalf("%s: listen: %v", name, err)
	}
	t.Cleanup(func() { p.checkConsole(t) })
	version, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("%s: browser version: %v", name, err)
	}
	p.run(t,
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent:      version.UserAgent,
				AcceptLanguage: acceptLanguage,
			})
			return err
		}),
		chromedp.EmulateViewport(screenSizes[0].width, screenSizes[0].height),
	)
	return p
}

// observe records console errors, uncaught exceptions, browser log errors
// and JavaScript dialogs. A rejected API call (4xx from /v1/, such as the
// 401 of GET /v1/me before logging in, or a refused upload) is an answer the
// app handles and shows, not a problem.
func (p *browserPage) observe(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			p.problem("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		desc := ""
		if d.Exception != nil {
			desc = d.Exception.Description
		}
		p.problem("uncaught exception at %s:%d: %s %s", d.URL, d.LineNumber+1, d.Text, desc)
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError {
			return
		}
		if e.Source == cdplog.EntrySourceNetwork && strings.HasPrefix(e.URL, p.base+"/v1/") && strings.Contains(e.Text, "status of 4") {
			return
		}
		p.problem("log %s: %s %s", e.Source, e.Text, e.URL)
	case *page.EventJavascriptDialogOpening:
		p.problem("a %s dialog opened: %q", ev.Type, ev.Message)
		go chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	}
}

func (p *browserPage) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// checkConsole fails the test for anything the page wrote to the console.
func (p *browserPage) checkConsole(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, msg := range p.problems {
		t.Errorf("%s's console: %s", p.name, msg)
	}
}

// run runs actions with a deadline and fails the test if one fails, with a
// screenshot of the page as it was (failure-<name>.png).
func (p *browserPage) run(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.failureScreenshot(t)
		t.Fatalf("%s: %v", p.name, err)
	}
}

func (p *browserPage) failureScreenshot(t testing.TB) {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("%s: no screenshot of the failure: %v", p.name, err)
		return
	}
	file := filepath.Join(p.shots, "failure-"+p.name+".png")
	if err := os.WriteFile(file, buf, 0o644); err == nil {
		t.Logf("%s: the page at the failure: %s", p.name, file)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t testing.TB, p *browserPage, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", p.name, expression, err)
	}
	return v
}

// open loads a path of the app and waits until the app has drawn a screen.
func (p *browserPage) open(t testing.TB, path string) {
	t.Helper()
	p.run(t, chromedp.Navigate(p.base+path))
	p.waitFor(t, `document.querySelector("#main > section")`)
}

// reload loads the current address again.
func (p *browserPage) reload(t testing.TB) {
	t.Helper()
	p.run(t, chromedp.Reload())
	p.waitFor(t, `document.querySelector("#main > section")`)
}

// waitFor waits until a JavaScript expression is truthy, across
// navigations: a page that is replaced while the expression is polled (a
// form's answer loading, say) takes its JavaScript context with it, and
// the polling goes on in the next page's.
func (p *browserPage) waitFor(t testing.TB, expression string) {
	t.Helper()
	p.run(t, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, err := chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(time.Until(deadline)))(ctx, tgt)
			if err != nil && strings.Contains(err.Error(), "Cannot find context with specified id") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", expression, err)
			}
			return nil
		}
	}))
}

func (p *browserPage) waitVisible(t testing.TB, sel string) {
	t.Helper()
	p.run(t, chromedp.WaitVisible(chromedp.CSS(sel)))
}

func (p *browserPage) waitReady(t testing.TB, sel string) {
	t.Helper()
	p.run(t, chromedp.WaitReady(chromedp.CSS(sel)))
}

func (p *browserPage) click(t testing.TB, sel string) {
	t.Helper()
	p.run(t, chromedp.Click(chromedp.CSS(sel)))
}

// clickNav follows a link of the main navigation.
func (p *browserPage) clickNav(t testing.TB, testid string) {
	t.Helper()
	p.click(t, tid(testid))
	p.waitFor(t, `document.querySelector("#main > section")`)
}

// fill replaces the text of a field by typing.
func (p *browserPage) fill(t testing.TB, sel, text string) {
	t.Helper()
	eval[bool](t, p, fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true; })()`, sel))
	p.run(t, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// upload chooses a file in a file input.
func (p *browserPage) upload(t testing.TB, sel, path string) {
	t.Helper()
	p.run(t, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path}))
}

// selectLanguage picks a language in the header's switcher.
func (p *browserPage) selectLanguage(t testing.TB, code string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="lang-select"]');
		s.value = %q; s.dispatchEvent(new Event("change", { bubbles: true })); return true; })()`, code)
	eval[bool](t, p, js)
}

// expectText waits until an element's text is want.
func (p *browserPage) expectText(t testing.TB, sel, want string) {
	t.Helper()
	q, _ := json.Marshal(sel)
	w, _ := json.Marshal(want)
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(%s)?.textContent.trim() === %s`, q, w)))
	if err != nil {
		got, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](fmt.Sprintf(`String(document.querySelector(%s)?.textContent.trim())`, q)))
		t.Fatalf("%s: text of %s = %q, want %q", p.name, sel, got, want)
	}
}

// expectAttr waits until an element's attribute is want.
func (p *browserPage) expectAttr(t testing.TB, sel, attr, want string) {
	t.Helper()
	p.waitFor(t, fmt.Sprintf(`document.querySelector(%q)?.getAttribute(%q) === %q`, sel, attr, want))
}

// screenshot writes <name>-<width>.png for each screen size, once the
// images on the page have loaded, and goes back to the phone size.
func (p *browserPage) screenshot(t testing.TB, dir, name string) {
	t.Helper()
	for _, size := range screenSizes {
		p.run(t, chromedp.EmulateViewport(size.width, size.height))
		p.waitFor(t, `[...document.images].every((i) => i.complete) && document.fonts.status === "loaded"`)
		ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			t.Fatalf("%s: screenshot %s: %v", p.name, name, err)
		}
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, size.width))
		if err := os.WriteFile(file, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.run(t, chromedp.EmulateViewport(screenSizes[0].width, screenSizes[0].height))
}

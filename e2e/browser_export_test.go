package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// The settings page's "Download my data" gets the zip of one's data with
// the browser's own session; "Delete my account", with the password given
// again and confirmed, deletes the account and leaves the browser logged
// out.
func TestDownloadMyData(t *testing.T) {
	chromium := chromiumPath(t)
	stack := Start(t, binDir, Options{})
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))
	files := newFixtures(t)
	eva := stack.Register(t, Unique("eva"))
	uploadPhoto(t, eva, files.photos[0], "Minha foto")

	page := loggedInPage(t, b, eva)
	page.open(t, "/settings")
	page.waitVisible(t, tid("settings-download"))
	if href := eval[string](t, page, `document.querySelector('[data-testid="settings-download"]').href`); !strings.HasSuffix(href, "/v1/me/export") {
		t.Fatalf("the download link points at %q", href)
	}
	// What following the link downloads, fetched as the page would.
	eval[bool](t, page, `(window.fotogalExport = null,
		fetch(document.querySelector('[data-testid="settings-download"]').href).then(async r => {
			const body = new Uint8Array(await r.arrayBuffer());
			window.fotogalExport = {status: r.status, type: r.headers.get('Content-Type'),
				disposition: r.headers.get('Content-Disposition'), zip: body[0] === 0x50 && body[1] === 0x4b, size: body.length};
		}), true)`)
	page.waitFor(t, `window.fotogalExport !== null`)
	got := eval[map[string]any](t, page, `window.fotogalExport`)
	if got["status"] != float64(200) || got["type"] != "application/zip" || got["zip"] != true ||
		got["disposition"] != fmt.Sprintf(`attachment; filename="fotogal-%s.zip"`, eva.Username) {
		t.Errorf("the download answered %v", got)
	}
	photo, err := os.Stat(files.photos[0])
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := got["size"].(float64); size < float64(photo.Size())/2 {
		t.Errorf("the zip has %v bytes, too few for the photo it holds", got["size"])
	}

	eval[bool](t, page, `(window.confirm = () => true, true)`)
	page.fill(t, tid("delete-password"), "not my password")
	page.click(t, tid("delete-submit"))
	page.expectText(t, tid("delete-password-error"), "The password is wrong.")
	page.fill(t, tid("delete-password"), eva.Password)
	page.click(t, tid("delete-submit"))
	page.waitFor(t, `location.pathname === '/login'`)
	page.expectToast(t, "Your account was deleted.")
	stack.NewAPIClient().Do(t, http.MethodPost, "/v1/sessions", map[string]string{
		"email": eva.Email, "password": eva.Password,
	}).Expect(t, http.StatusUnauthorized)
	page.checkConsole(t)
}

package e2e

// The professional account switch of the web app's settings, in the
// browser, with the page helpers of browser_test.go and
// browser_more_test.go.

import (
	"fmt"
	"net/http"
	"testing"
)

// TestWebAppProfessionalAccount: a person turns on "Professional account"
// in the settings and saves it with a new bio; after a reload the switch is
// still on, the API says so, and her profile carries the professional
// badge, for herself and for someone else. Turned off again, the badge goes.
func TestWebAppProfessionalAccount(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	eva := stack.Register(t, Unique("eva"))
	finn := stack.Register(t, Unique("finn"))
	evaPage := loggedInPage(t, b, eva)
	finnPage := loggedInPage(t, b, finn)
	profile := fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, eva.Username)
	badge := profile + " " + tid("profile-professional")
	const professionalSwitch = "#settings-professional"

	step(t, "a personal account has no badge", func(t *testing.T) {
		finnPage.open(t, "/u/"+eva.Username)
		finnPage.waitVisible(t, profile)
		if eval[bool](t, finnPage, fmt.Sprintf(`document.querySelector(%q) !== null`, badge)) {
			t.Error("the profile of a personal account carries the professional badge")
		}
	})

	step(t, "the switch is saved with the other fields and kept after a reload", func(t *testing.T) {
		evaPage.clickNav(t, "nav-settings")
		evaPage.waitVisible(t, tid("settings-form"))
		evaPage.expectAttr(t, professionalSwitch, "role", "switch")
		evaPage.expectText(t, `label[for="settings-professional"]`, "Professional account")
		if eval[bool](t, evaPage, fmt.Sprintf(`document.querySelector(%q).checked`, professionalSwitch)) {
			t.Fatal("the switch is on for a new account")
		}
		evaPage.click(t, professionalSwitch)
		evaPage.fill(t, "#settings-bio", "Retratos e casamentos.")
		evaPage.click(t, tid("settings-save"))
		evaPage.expectText(t, tid("settings-saved"), "Profile saved.")

		evaPage.reload(t)
		evaPage.waitVisible(t, tid("settings-form"))
		if !eval[bool](t, evaPage, fmt.Sprintf(`document.querySelector(%q).checked`, professionalSwitch)) {
			t.Error("the switch is off after a reload")
		}
		if got := eval[string](t, evaPage, `document.querySelector("#settings-bio").value`); got != "Retratos e casamentos." {
			t.Errorf("bio after a reload = %q", got)
		}
		me := eva.Do(t, http.MethodGet, "/v1/me", nil).Expect(t, http.StatusOK).JSON(t)["user"].(map[string]any)
		if me["isProfessional"] != true {
			t.Errorf("GET /v1/me = %v, want isProfessional true", me)
		}
	})

	step(t, "the profile carries the badge, for its owner and for others", func(t *testing.T) {
		evaPage.clickNav(t, "nav-profile")
		evaPage.waitVisible(t, badge)
		evaPage.expectText(t, badge, "Professional")

		finnPage.reload(t)
		finnPage.waitVisible(t, badge)
		finnPage.expectText(t, badge, "Professional")
		finnPage.open(t, "/u/"+finn.Username)
		finnPage.waitVisible(t, fmt.Sprintf(`[data-testid="profile"][data-username=%q]`, finn.Username))
		if eval[bool](t, finnPage, fmt.Sprintf(`document.querySelector(%q) !== null`, tid("profile-professional"))) {
			t.Error("finn's own, personal profile carries the professional badge")
		}
	})

	step(t, "turned off, the badge goes", func(t *testing.T) {
		evaPage.clickNav(t, "nav-settings")
		evaPage.waitVisible(t, tid("settings-form"))
		evaPage.click(t, professionalSwitch)
		evaPage.click(t, tid("settings-save"))
		evaPage.expectText(t, tid("settings-saved"), "Profile saved.")

		finnPage.open(t, "/u/"+eva.Username)
		finnPage.waitVisible(t, profile)
		if eval[bool](t, finnPage, fmt.Sprintf(`document.querySelector(%q) !== null`, badge)) {
			t.Error("the badge is still shown after the account was made personal")
		}
	})
}

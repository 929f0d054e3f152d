package e2e

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fotogal/fotogal/pkg/testimages"
)

// attackPage is what a page of another origin tries against FotoGal: a
// form that posts itself, as text/plain shaped like JSON, or a credentialed
// fetch without a preflight (text/plain) and with one (application/json).
// It sets the document title to "done" once its requests have been sent.
var attackPage = template.Must(template.New("attack").Parse(`<!doctype html>
<title>attack</title>
{{if .Form}}
<form id="f" method="POST" action="{{.Target}}" enctype="text/plain">
<input type="hidden" name='{{.FormName}}' value='{{.FormValue}}'>
</form>
<script>document.getElementById("f").submit();</script>
{{else}}
<script>
(async () => {
  for (const type of ["text/plain", "application/json"]) {
    try {
      await fetch({{.Target}}, {method: {{.Method}}, credentials: "include", mode: "no-cors",
        headers: {"Content-Type": type}, body: {{.Body}}});
    } catch (e) {}
    try {
      await fetch({{.Target}}, {method: {{.Method}}, credentials: "include",
        headers: {"Content-Type": type}, body: {{.Body}}});
    } catch (e) {}
  }
  document.title = "done";
})();
</script>
{{end}}`))

type attack struct {
	Form                bool
	Target, Method      string
	Body                string
	FormName, FormValue string
}

// TestWebAppRefusesCrossOrigin logs a person in in Chromium, then opens, in
// the same browser, pages of another origin (another port of 127.0.0.1:
// the same site, so the Lax session cookie goes along) that try to log in,
// register, follow and like as that person, by a posted form and by
// credentialed fetches. The gateway refuses each, and nothing changes.
func TestWebAppRefusesCrossOrigin(t *testing.T) {
	chromium := chromiumPath(t)
	stack := startStack(t, nil)
	b := newBrowser(t, chromium, stack.GatewayURL, screenshotDir(t))

	victim := stack.Register(t, Unique("vic"))
	star := stack.Register(t, Unique("star"))
	attacker := stack.Register(t, Unique("evil"))
	photo := upload(t, star, "like me", "p.png", testimages.PNG(32, 32))
	page := loggedInPage(t, b, victim)

	login := fmt.Sprintf(`{"email":%q,"password":%q}`, attacker.Email, attacker.Password)
	newcomer := Unique("csrf")
	register := fmt.Sprintf(`{"email":%q,"fullName":"X","username":%q,"password":"a long password"}`, newcomer+"@example.com", newcomer)
	gw := stack.GatewayURL
	attacks := map[string]attack{
		"/login-form":     {Form: true, Target: gw + "/v1/sessions", FormName: login[:len(login)-1] + `,"x":"`, FormValue: `"}`},
		"/login-fetch":    {Target: gw + "/v1/sessions", Method: "POST", Body: login},
		"/register-form":  {Form: true, Target: gw + "/v1/users", FormName: register[:len(register)-1] + `,"x":"`, FormValue: `"}`},
		"/register-fetch": {Target: gw + "/v1/users", Method: "POST", Body: register},
		"/follow-form":    {Form: true, Target: gw + "/v1/users/" + star.Username + "/follow", FormName: "a", FormValue: "b"},
		"/follow-fetch":   {Target: gw + "/v1/users/" + star.Username + "/follow", Method: "POST", Body: "{}"},
		"/like-fetch":     {Target: gw + "/v1/images/" + photo + "/like", Method: "PUT", Body: "{}"},
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := attacks[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := attackPage.Execute(w, a); err != nil {
			t.Errorf("attack page: %v", err)
		}
	}))
	t.Cleanup(evil.Close)
	if strings.HasPrefix(evil.URL, gw) || !strings.HasPrefix(evil.URL, "http://127.0.0.1:") {
		t.Fatalf("the attack's origin %s must be another port of the gateway's host %s", evil.URL, gw)
	}

	sessionsBefore := len(sessionIDs(t, attacker.Client))
	for path, a := range attacks {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			page.run(t, chromedp.Navigate(evil.URL+path))
			if a.Form {
				// The form's answer replaces the page.
				page.waitFor(t, fmt.Sprintf(`location.href.startsWith(%q)`, a.Target))
			} else {
				page.waitFor(t, `document.title === "done"`)
			}
		})
	}
	// The refused requests write errors to the attack page's console;
	// they are what this test expects, not problems of the app.
	page.mu.Lock()
	page.problems = nil
	page.mu.Unlock()

	if got := len(sessionIDs(t, attacker.Client)); got != sessionsBefore {
		t.Errorf("the attacker's account has %d sessions after the attacks, %d before: a login went through", got, sessionsBefore)
	}
	if resp := victim.Get(t, "/v1/users/"+newcomer, nil); resp.Status != http.StatusNotFound {
		t.Errorf("the attack's registration exists: %d %s", resp.Status, resp.Body)
	}
	// Whoever the browser's session was by then, nobody follows the star.
	if p := profileOf(t, star, star.Username); p.FollowerCount != "0" {
		t.Errorf("the star has %s followers after the attacks, want 0", p.FollowerCount)
	}
	if likes, _ := reactionCounts(t, victim, photo); likes != "0" {
		t.Errorf("the photo has %s likes after the attacks, want 0", likes)
	}
	// The victim's own session still works, from the app's origin.
	page.open(t, "/")
	page.waitFor(t, `document.querySelector('[data-testid="timeline"]')`)
}

// sessionIDs lists the sessions of c's account.
func sessionIDs(t *testing.T, c *Client) []string {
	t.Helper()
	var list struct {
		Sessions []struct {
			SessionID string `json:"sessionId"`
		} `json:"sessions"`
	}
	c.Get(t, "/v1/sessions", nil).Expect(t, http.StatusOK).Decode(t, &list)
	ids := make([]string, len(list.Sessions))
	for i, s := range list.Sessions {
		ids[i] = s.SessionID
	}
	return ids
}

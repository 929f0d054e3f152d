package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// A JSON body over the gateway's limit is 413 with the API's error and no
// internal text; bodies that are not JSON, or not what the route takes,
// are refused before any service acts on them.
func TestRequestBodies(t *testing.T) {
	s := startStack(t, nil)
	huge := `{"email":"big@example.com","fullName":"Big","username":"big_body","password":"` + strings.Repeat("x", 20<<20) + `"}`
	tests := []struct {
		name, body, contentType string
		wantStatus              int
		wantMessage             string
	}{
		{"20 MB", huge, "application/json", http.StatusRequestEntityTooLarge, "request body too large: at most 64 KiB"},
		{"a form", "email=form%40example.com&username=form_post", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "the request body must be application/json"},
		{"an unknown field", `{"email":"unknown@example.com","fullName":"U","username":"unknown_field","password":"a long password","role":"admin"}`, "application/json", http.StatusBadRequest, ""},
		{"a duplicate key", `{"email":"dup@example.com","email":"dup2@example.com","fullName":"D","username":"dup_key","password":"a long password"}`, "application/json", http.StatusBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.GatewayURL+"/v1/users", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.contentType)
			resp := s.NewAPIClient().Send(t, req).Expect(t, tc.wantStatus)
			msg, _ := resp.JSON(t)["message"].(string)
			if tc.wantMessage != "" && msg != tc.wantMessage {
				t.Errorf("message %q, want %q", msg, tc.wantMessage)
			}
			if strings.Contains(msg, "grpc") || strings.Contains(msg, "4194304") {
				t.Errorf("the message shows internal text: %q", msg)
			}
		})
	}
	// Nothing was registered by the refused bodies.
	for _, name := range []string{"big_body", "unknown_field", "dup_key"} {
		if got := s.Register(t, name).Username; got != name {
			t.Errorf("registered %q, want %q", got, name)
		}
	}
}

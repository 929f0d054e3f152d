package ocifake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/fotogal/fotogal/pkg/ocifake"
)

// echo answers 200 with the body it received.
type echo struct{}

func (echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Write(body)
}

// provider is the OCI SDK's reading of k's config file.
func provider(t *testing.T, k ocifake.Key) common.ConfigurationProvider {
	t.Helper()
	p, err := common.ConfigurationProviderFromFile(k.ConfigFile, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// otherPrivateKey is a provider with k's keyId and another key's private key.
func otherPrivateKey(t *testing.T, k ocifake.Key) common.ConfigurationProvider {
	t.Helper()
	pem, err := os.ReadFile(ocifake.NewKey(t).PrivateKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return common.NewRawConfigurationProvider(k.Tenancy, k.User, k.Region, k.Fingerprint, string(pem), nil)
}

func TestVerifier(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	signer := common.DefaultRequestSigner(provider(t, k))
	const body = `{"object":"photo.jpg"}`

	tests := []struct {
		name   string
		method string
		now    time.Duration // the fake's clock ahead of the client's
		// sign signs req; nil signs with the SDK's default signer.
		sign    func(t *testing.T, req *http.Request)
		tamper  func(req *http.Request)
		wantErr string // "" for 200
	}{
		{name: "GET signed by the SDK", method: http.MethodGet},
		{name: "POST signed by the SDK", method: http.MethodPost},
		{name: "PUT signed by the SDK", method: http.MethodPut},
		{
			name:   "x-date in place of date",
			method: http.MethodPost,
			sign: func(t *testing.T, req *http.Request) {
				req.Header.Set("x-date", req.Header.Get("Date"))
				req.Header.Del("Date")
				s := common.RequestSigner(provider(t, k), []string{"x-date", "(request-target)", "host"}, common.DefaultBodyHeaders())
				if err := s.Sign(req); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:   "unknown key",
			method: http.MethodGet,
			sign: func(t *testing.T, req *http.Request) {
				common.DefaultRequestSigner(provider(t, ocifake.NewKey(t))).Sign(req)
			},
			wantErr: "unknown keyId",
		},
		{
			name:   "keyId of the key, another private key",
			method: http.MethodGet,
			sign: func(t *testing.T, req *http.Request) {
				common.DefaultRequestSigner(otherPrivateKey(t, k)).Sign(req)
			},
			wantErr: "is not the signature of this request",
		},
		{
			name:   "body changed after signing",
			method: http.MethodPost,
			tamper: func(req *http.Request) {
				req.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "photo", "other", 1)))
			},
			wantErr: "x-content-sha256",
		},
		{
			name:    "path changed after signing",
			method:  http.MethodGet,
			tamper:  func(req *http.Request) { req.URL.Path = "/n/other" },
			wantErr: "is not the signature of this request",
		},
		{name: "date 10 minutes behind", method: http.MethodGet, now: 10 * time.Minute, wantErr: "stale"},
		{name: "date 10 minutes ahead", method: http.MethodGet, now: -10 * time.Minute, wantErr: "stale"},
		{name: "date 4 minutes behind", method: http.MethodGet, now: 4 * time.Minute},
		{
			name:    "date header removed after signing",
			method:  http.MethodGet,
			tamper:  func(req *http.Request) { req.Header.Del("Date") },
			wantErr: `header "date"`,
		},
		{
			name:   "host not signed",
			method: http.MethodGet,
			sign: func(t *testing.T, req *http.Request) {
				common.RequestSigner(provider(t, k), []string{"date", "(request-target)"}, nil).Sign(req)
			},
			wantErr: "host header",
		},
		{
			name:   "date not signed",
			method: http.MethodGet,
			sign: func(t *testing.T, req *http.Request) {
				common.RequestSigner(provider(t, k), []string{"(request-target)", "host"}, nil).Sign(req)
			},
			wantErr: "neither the date nor the x-date",
		},
		{
			name:   "POST without the body headers",
			method: http.MethodPost,
			sign: func(t *testing.T, req *http.Request) {
				common.RequestSignerExcludeBody(provider(t, k)).Sign(req)
			},
			wantErr: "content-length header",
		},
		{
			name:    "no Authorization header",
			method:  http.MethodGet,
			sign:    func(*testing.T, *http.Request) {},
			wantErr: "no Authorization header",
		},
		{
			name:   "not a signature",
			method: http.MethodGet,
			sign: func(_ *testing.T, req *http.Request) {
				req.Header.Set("Authorization", "Bearer abc")
			},
			wantErr: "not an OCI request signature",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := &ocifake.Verifier{Keys: []ocifake.Key{k}, Now: func() time.Time { return time.Now().Add(tc.now) }}
			srv := httptest.NewServer(v.Wrap(echo{}))
			t.Cleanup(srv.Close)

			var reqBody io.Reader
			if tc.method != http.MethodGet {
				reqBody = strings.NewReader(body)
			}
			req, err := http.NewRequest(tc.method, srv.URL+"/n/fotogalns/b/photos/u?limit=10", reqBody)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
			if reqBody != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.sign != nil {
				tc.sign(t, req)
			} else if err := signer.Sign(req); err != nil {
				t.Fatal(err)
			}
			if tc.tamper != nil {
				tc.tamper(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if tc.wantErr == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d %s, want 200", resp.StatusCode, got)
				}
				if reqBody != nil && string(got) != body {
					t.Errorf("the handler read body %q, want %q", got, body)
				}
				return
			}
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d %s, want 401", resp.StatusCode, got)
			}
			var e struct{ Code, Message string }
			if err := json.Unmarshal(got, &e); err != nil {
				t.Fatalf("the 401 body %q is not OCI's error JSON: %v", got, err)
			}
			if e.Code != "NotAuthenticated" || !strings.Contains(e.Message, tc.wantErr) {
				t.Errorf("401 %+v, want code NotAuthenticated and a message with %q", e, tc.wantErr)
			}
			if resp.Header.Get("opc-request-id") == "" {
				t.Error("the 401 has no opc-request-id")
			}
		})
	}
}

func TestVerifierCheckLeavesTheBodyReadable(t *testing.T) {
	t.Parallel()
	k := ocifake.NewKey(t)
	const body = `{"name":"a"}`
	req := httptest.NewRequest(http.MethodPost, "http://objectstorage.example/n/ns/b/photos/u", strings.NewReader(body))
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Content-Type", "application/json")
	if err := common.DefaultRequestSigner(provider(t, k)).Sign(req); err != nil {
		t.Fatal(err)
	}
	v := &ocifake.Verifier{Keys: []ocifake.Key{k}}
	if err := v.Check(req); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if got, _ := io.ReadAll(req.Body); string(got) != body {
		t.Errorf("after Check the body reads %q, want %q", got, body)
	}
}

func TestNilVerifierWrapsNothing(t *testing.T) {
	t.Parallel()
	var v *ocifake.Verifier
	var h http.Handler = echo{}
	if got := v.Wrap(h); got != h {
		t.Errorf("a nil Verifier wrapped the handler: %T", got)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
)

// Client speaks FotoGal's HTTP API as an API client (bearer token) or a
// browser (cookie jar and Origin header) would.
type Client struct {
	// Base is the gateway's URL.
	Base string
	// Token, when set, is sent as `Authorization: Bearer <token>`.
	Token string
	// Origin, when set, is sent as the Origin header.
	Origin string
	// HTTP is the client used; a browser-like Client has a cookie jar.
	HTTP *http.Client
}

// NewAPIClient returns a client without cookies.
func (s *Stack) NewAPIClient() *Client {
	return &Client{Base: s.GatewayURL, HTTP: &http.Client{}}
}

// NewBrowserClient returns a client with a cookie jar that sends the
// gateway's own origin, as a page served by the gateway would.
func (s *Stack) NewBrowserClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Base: s.GatewayURL, Origin: s.GatewayURL, HTTP: &http.Client{Jar: jar}}
}

// Response is an answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.Body)
	}
}

// Do sends a request with an optional JSON body (a string is sent as is).
func (c *Client) Do(t testing.TB, method, path string, body any) *Response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewReader([]byte(b))
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.Base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.Send(t, req)
}

// Send sends a prepared request with the client's credentials.
func (c *Client) Send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Origin != "" {
		req.Header.Set("Origin", c.Origin)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Expect fails the test unless the response has the wanted status.
func (r *Response) Expect(t testing.TB, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, want, r.Body)
	}
	return r
}

// Person is a registered account with a logged-in API client.
type Person struct {
	Email, Username, Password, UserID string
	*Client
}

// Register creates an account and logs it in with a bearer token.
func (s *Stack) Register(t testing.TB, username string) *Person {
	t.Helper()
	p := &Person{
		Email:    username + "@example.com",
		Username: username,
		Password: "correct horse " + username,
		Client:   s.NewAPIClient(),
	}
	resp := p.Do(t, http.MethodPost, "/v1/users", map[string]string{
		"email": p.Email, "fullName": "Person " + username, "username": username, "password": p.Password,
	}).Expect(t, http.StatusOK)
	var reg struct {
		User struct {
			UserID string `json:"userId"`
		} `json:"user"`
	}
	resp.Decode(t, &reg)
	p.UserID = reg.User.UserID
	p.Token = s.Login(t, p.Email, p.Password)
	return p
}

// Login opens a session and returns its token.
func (s *Stack) Login(t testing.TB, email, password string) string {
	t.Helper()
	resp := s.NewAPIClient().Do(t, http.MethodPost, "/v1/sessions", map[string]string{
		"email": email, "password": password,
	}).Expect(t, http.StatusOK)
	var login struct {
		SessionToken string `json:"sessionToken"`
	}
	resp.Decode(t, &login)
	if login.SessionToken == "" {
		t.Fatalf("login gave no token: %s", resp.Body)
	}
	return login.SessionToken
}

// Unique returns a name unique to this run, for usernames.
func Unique(prefix string) string {
	return fmt.Sprintf("%s_%s", prefix, RandomHex(4))
}

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Upload posts a multipart form to path (POST /v1/images, PUT
// /v1/me/avatar) with the file, and the caption when not empty, in the
// order given by captionFirst.
func (c *Client) Upload(t testing.TB, method, path, caption, filename string, data []byte, captionFirst bool) *Response {
	t.Helper()
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	writeCaption := func() {
		if caption != "" {
			if err := form.WriteField("caption", caption); err != nil {
				t.Fatal(err)
			}
		}
	}
	if captionFirst {
		writeCaption()
	}
	part, err := form.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	if !captionFirst {
		writeCaption()
	}
	form.Close()
	req, err := http.NewRequest(method, c.Base+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	return c.Send(t, req)
}

// Get fetches path with extra request headers.
func (c *Client) Get(t testing.TB, path string, headers map[string]string) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.Send(t, req)
}

// ImageIDs pages through the person's photos, newest first, and returns
// their ids.
func (p *Person) ImageIDs(t testing.TB) []string {
	t.Helper()
	var ids []string
	token := ""
	for range 1000 {
		var page struct {
			Images []struct {
				ImageID string `json:"imageId"`
			} `json:"images"`
			NextPageToken string `json:"nextPageToken"`
		}
		p.Do(t, http.MethodGet, "/v1/users/"+p.Username+"/images?pageSize=100&pageToken="+token, nil).Expect(t, http.StatusOK).Decode(t, &page)
		for _, img := range page.Images {
			ids = append(ids, img.ImageID)
		}
		if page.NextPageToken == "" {
			return ids
		}
		token = page.NextPageToken
	}
	t.Fatal("the list of photos never ends")
	return nil
}

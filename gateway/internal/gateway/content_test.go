package gateway_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fotogal/fotogal/gateway/internal/gateway"
	"github.com/fotogal/fotogal/gateway/web"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// formPart is one part of a multipart form.
type formPart struct {
	field, filename string
	content         []byte
}

// multipartForm returns a multipart body of parts, in order, and its
// Content-Type.
func multipartForm(t testing.TB, parts ...formPart) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		var (
			pw  io.Writer
			err error
		)
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.field, p.filename)
		} else {
			pw, err = w.CreateFormField(p.field)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(p.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &body, w.FormDataContentType()
}

func TestUploadStreamsChunks(t *testing.T) {
	t.Parallel()
	file := patterned(5*64<<10 + 123) // six chunks
	caption := formPart{field: "caption", content: []byte("Sunset at the pier")}
	photo := formPart{field: "file", filename: "sunset.png", content: file}
	tests := []struct {
		name          string
		path          string
		method        string
		parts         []formPart
		wantMetaFirst bool
		wantCaption   string
		wantBody      string
	}{
		{name: "caption before the file", path: "/v1/images", method: http.MethodPost, parts: []formPart{caption, photo},
			wantMetaFirst: true, wantCaption: "Sunset at the pier", wantBody: `"imageId":"img-1"`},
		{name: "caption after the file", path: "/v1/images", method: http.MethodPost, parts: []formPart{photo, caption},
			wantMetaFirst: false, wantCaption: "Sunset at the pier", wantBody: `"imageId":"img-1"`},
		{name: "no caption", path: "/v1/images", method: http.MethodPost, parts: []formPart{photo},
			wantMetaFirst: false, wantBody: `"imageId":"img-1"`},
		{name: "avatar", path: "/v1/me/avatar", method: http.MethodPut, parts: []formPart{photo},
			wantMetaFirst: true, wantBody: `"avatarUrl":"/v1/users/alice/avatar"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t)
			body, contentType := multipartForm(t, tc.parts...)
			resp, respBody := env.do(t, tc.method, tc.path, body, map[string]string{
				"Content-Type": contentType,
				"Cookie":       "fotogal_session=t",
				"Origin":       env.url,
			})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, respBody)
			}
			if !strings.Contains(string(respBody), tc.wantBody) {
				t.Errorf("body %s lacks %s", respBody, tc.wantBody)
			}
			u := waitFor(t, env.image.uploads)
			if u.outcome != "completed" {
				t.Errorf("stream outcome = %s, want completed", u.outcome)
			}
			if !bytes.Equal(u.data, file) {
				t.Errorf("service got %d bytes, want the %d of the file", len(u.data), len(file))
			}
			if u.chunks != 6 || u.maxChunk != 64<<10 {
				t.Errorf("chunks = %d of at most %d bytes, want 6 of at most 65536", u.chunks, u.maxChunk)
			}
			if gotFirst, gotLast := u.metaIndex == 0, u.metaIndex == u.messages-1; gotFirst != tc.wantMetaFirst || gotFirst == gotLast {
				t.Errorf("metadata at message %d of %d, want first = %v (else last)", u.metaIndex, u.messages, tc.wantMetaFirst)
			}
			if u.caption != tc.wantCaption || u.filename != "sunset.png" {
				t.Errorf("metadata = (%q, %q), want (%q, sunset.png)", u.caption, u.filename, tc.wantCaption)
			}
			mds := env.calls.of(map[string]string{"/v1/images": "UploadImage", "/v1/me/avatar": "SetAvatar"}[tc.path])
			if len(mds) != 1 || mds[0].Get("authorization")[0] != "Bearer t" || len(mds[0].Get("x-request-id")) != 1 {
				t.Errorf("upload metadata = %v, want the session and a request id", mds)
			}
		})
	}
}

func TestUploadTooLarge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		limit       int64
		size        int
		wantStatus  int
		wantMessage string
		wantOutcome string
	}{
		{name: "default limit plus one byte", size: 16<<20 + 1, wantStatus: 413,
			wantMessage: "file too large: at most 16 MiB", wantOutcome: "Canceled"},
		{name: "at a small limit", limit: 100 << 10, size: 100 << 10, wantStatus: 200, wantOutcome: "completed"},
		{name: "one byte over a small limit", limit: 100 << 10, size: 100<<10 + 1, wantStatus: 413,
			wantMessage: "file too large: at most 100 KiB", wantOutcome: "Canceled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestEnv(t, withConfig(gateway.Config{MaxUploadBytes: tc.limit}))
			body, contentType := multipartForm(t, formPart{field: "file", filename: "big.png", content: make([]byte, tc.size)})
			resp, respBody := env.do(t, http.MethodPost, "/v1/images", body, map[string]string{
				"Content-Type":  contentType,
				"Authorization": "Bearer t",
			})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, respBody)
			}
			if tc.wantStatus == 413 {
				if st := decodeStatus(t, resp, respBody); st.Code != 8 || st.Message != tc.wantMessage {
					t.Errorf("body = %s, want code 8 and %q", respBody, tc.wantMessage)
				}
			}
			u := waitFor(t, env.image.uploads)
			if u.outcome != tc.wantOutcome {
				t.Errorf("stream outcome = %s, want %s", u.outcome, tc.wantOutcome)
			}
			if int64(len(u.data)) > max(tc.limit, gateway.DefaultMaxUploadBytes) {
				t.Errorf("service got %d bytes, more than the limit", len(u.data))
			}
		})
	}
}

func TestUploadRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	captionOnly, captionType := multipartForm(t, formPart{field: "caption", content: []byte("hi")})
	huge, hugeType := multipartForm(t, formPart{field: "file", filename: "huge.png", content: []byte("x")})
	throttled, throttledType := multipartForm(t, formPart{field: "file", filename: "throttled.png", content: []byte("x")})
	tests := []struct {
		name        string
		body        io.Reader
		contentType string
		wantStatus  int
		wantCode    int
		wantMessage string
	}{
		{name: "not multipart", body: strings.NewReader(`{"caption":"hi"}`), contentType: "application/json",
			wantStatus: 400, wantCode: 3, wantMessage: "body: must be multipart/form-data"},
		{name: "no file part", body: captionOnly, contentType: captionType,
			wantStatus: 400, wantCode: 3, wantMessage: "file: missing"},
		{name: "malformed multipart", body: strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"),
			contentType: "multipart/form-data; boundary=b", wantStatus: 400, wantCode: 3, wantMessage: "body: malformed multipart form"},
		{name: "service says too large", body: huge, contentType: hugeType,
			wantStatus: 413, wantCode: 8, wantMessage: "image too large"},
		{name: "service throttled", body: throttled, contentType: throttledType,
			wantStatus: 429, wantCode: 8, wantMessage: "the service is busy, try again shortly"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.do(t, http.MethodPost, "/v1/images", tc.body, map[string]string{
				"Content-Type":  tc.contentType,
				"Authorization": "Bearer t",
			})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			if st := decodeStatus(t, resp, body); st.Code != tc.wantCode || st.Message != tc.wantMessage {
				t.Errorf("body = %s, want code %d, %q", body, tc.wantCode, tc.wantMessage)
			}
		})
	}
}

func TestImageContent(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	size := len(imageBytes)
	tests := []struct {
		name              string
		query             string
		headers           map[string]string
		wantStatus        int
		wantBody          []byte
		wantContentRange  string
		wantSize          imagev1.ImageSize
		wantContentLength string
		// wantCalls is how many upstream calls it takes; 0 means 1.
		wantCalls int
	}{
		{name: "whole, display by default", wantStatus: 200, wantBody: imageBytes, wantSize: imagev1.ImageSize_IMAGE_SIZE_DISPLAY},
		{name: "thumb", query: "?size=thumb", wantStatus: 200, wantBody: imageBytes, wantSize: imagev1.ImageSize_IMAGE_SIZE_THUMB},
		{name: "original", query: "?size=original", wantStatus: 200, wantBody: imageBytes, wantSize: imagev1.ImageSize_IMAGE_SIZE_ORIGINAL},
		{name: "not modified", headers: map[string]string{"If-None-Match": imageETag}, wantStatus: 304},
		{name: "first-last range", headers: map[string]string{"Range": "bytes=10-19"}, wantStatus: 206,
			wantBody: imageBytes[10:20], wantContentRange: fmt.Sprintf("bytes 10-19/%d", size)},
		{name: "open range across chunks", headers: map[string]string{"Range": "bytes=70000-"}, wantStatus: 206,
			wantBody: imageBytes[70000:], wantContentRange: fmt.Sprintf("bytes 70000-%d/%d", size-1, size)},
		{name: "suffix range", headers: map[string]string{"Range": "bytes=-5"}, wantStatus: 206,
			wantBody: imageBytes[size-5:], wantContentRange: fmt.Sprintf("bytes %d-%d/%d", size-5, size-1, size)},
		{name: "range past the end", headers: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)}, wantStatus: 416,
			wantContentRange: fmt.Sprintf("bytes */%d", size), wantCalls: 2},
		{name: "range ending past the end", headers: map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", size-3, size+100)}, wantStatus: 206,
			wantBody: imageBytes[size-3:], wantContentRange: fmt.Sprintf("bytes %d-%d/%d", size-3, size-1, size)},
		{name: "suffix longer than the object", headers: map[string]string{"Range": fmt.Sprintf("bytes=-%d", size+100)}, wantStatus: 206,
			wantBody: imageBytes, wantContentRange: fmt.Sprintf("bytes 0-%d/%d", size-1, size)},
		{name: "empty suffix", headers: map[string]string{"Range": "bytes=-0"}, wantStatus: 416,
			wantContentRange: fmt.Sprintf("bytes */%d", size)},
		{name: "several ranges are ignored", headers: map[string]string{"Range": "bytes=0-1,5-6"}, wantStatus: 200, wantBody: imageBytes},
		{name: "range with a stale If-Range is ignored", headers: map[string]string{"Range": "bytes=0-1", "If-Range": `"old"`},
			wantStatus: 200, wantBody: imageBytes, wantCalls: 2},
		{name: "range with a current If-Range", headers: map[string]string{"Range": "bytes=0-1", "If-Range": imageETag},
			wantStatus: 206, wantBody: imageBytes[:2], wantContentRange: fmt.Sprintf("bytes 0-1/%d", size)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{"Authorization": "Bearer t"}
			for k, v := range tc.headers {
				headers[k] = v
			}
			contentRequests(env.image)
			resp, body := env.do(t, http.MethodGet, "/v1/images/img-1/content"+tc.query, nil, headers)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %.200s", resp.StatusCode, tc.wantStatus, body)
			}
			// One call serves a download, ranges included; a second only
			// to tell the size in a 416, or when If-Range is stale.
			reqs := contentRequests(env.image)
			if want := max(tc.wantCalls, 1); len(reqs) != want {
				t.Errorf("%d calls to GetImageContent, want %d", len(reqs), want)
			}
			if got := resp.Header.Get("Content-Range"); got != tc.wantContentRange {
				t.Errorf("Content-Range = %q, want %q", got, tc.wantContentRange)
			}
			if got := resp.Header.Get("ETag"); tc.wantStatus != 416 && got != imageETag {
				t.Errorf("ETag = %q, want %q", got, imageETag)
			}
			if tc.wantStatus == 416 {
				if st := decodeStatus(t, resp, body); st.Code != 11 {
					t.Errorf("body = %s, want code 11 (OutOfRange)", body)
				}
				return
			}
			if !bytes.Equal(body, tc.wantBody) {
				t.Errorf("body: got %d bytes, want %d", len(body), len(tc.wantBody))
			}
			if tc.wantStatus == 304 {
				return
			}
			want := map[string]string{
				"Content-Type":   "image/png",
				"Content-Length": strconv.Itoa(len(tc.wantBody)),
				"Last-Modified":  modifyTime.Format(http.TimeFormat),
				"Cache-Control":  "private, max-age=3600",
				"Accept-Ranges":  "bytes",
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.wantSize != imagev1.ImageSize_IMAGE_SIZE_UNSPECIFIED {
				if got := reqs[len(reqs)-1].GetSize(); got != tc.wantSize {
					t.Errorf("size asked = %v, want %v", got, tc.wantSize)
				}
			}
		})
	}
}

// contentRequests returns the GetImageContent requests the fake received
// since the last call.
func contentRequests(f *fakeImage) []*imagev1.GetImageContentRequest {
	var reqs []*imagev1.GetImageContentRequest
	for {
		select {
		case req := <-f.contentRequests:
			reqs = append(reqs, req)
		default:
			return reqs
		}
	}
}

func TestImageContentErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantCode   int
	}{
		{name: "unknown size", path: "/v1/images/img-1/content?size=huge", wantStatus: 400, wantCode: 3},
		{name: "unknown image", path: "/v1/images/nope/content", wantStatus: 404, wantCode: 5},
		{name: "unknown avatar", path: "/v1/users/nobody/avatar", wantStatus: 404, wantCode: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.do(t, http.MethodGet, tc.path, nil, map[string]string{"Authorization": "Bearer t"})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			if st := decodeStatus(t, resp, body); st.Code != tc.wantCode {
				t.Errorf("body = %s, want code %d", body, tc.wantCode)
			}
		})
	}
}

func TestAvatarContent(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cookie := map[string]string{"Cookie": "fotogal_session=t"}
	resp, body := env.do(t, http.MethodGet, "/v1/users/alice/avatar", nil, cookie)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, avatarBytes) {
		t.Fatalf("status = %d with %d bytes, want 200 with %d", resp.StatusCode, len(body), len(avatarBytes))
	}
	for k, v := range map[string]string{"ETag": avatarETag, "Cache-Control": "private, no-cache", "Content-Type": "image/png"} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	resp, body = env.do(t, http.MethodGet, "/v1/users/alice/avatar", nil, map[string]string{
		"Cookie":        "fotogal_session=t",
		"If-None-Match": avatarETag,
	})
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("conditional GET = %d with %d bytes, want 304 with none", resp.StatusCode, len(body))
	}
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	index := string(testStatic["index.html"].Data)
	tests := []struct {
		name             string
		path             string
		wantStatus       int
		wantBody         string
		wantType         string
		wantCacheControl string
	}{
		{name: "root", path: "/", wantStatus: 200, wantBody: index, wantType: "text/html; charset=utf-8", wantCacheControl: "no-cache"},
		{name: "client-side route", path: "/u/alice", wantStatus: 200, wantBody: index, wantType: "text/html; charset=utf-8", wantCacheControl: "no-cache"},
		{name: "another client-side route", path: "/feed", wantStatus: 200, wantBody: index, wantType: "text/html; charset=utf-8", wantCacheControl: "no-cache"},
		{name: "script", path: "/app.js", wantStatus: 200, wantBody: "console.log('fotogal');", wantType: "text/javascript; charset=utf-8", wantCacheControl: "public, max-age=3600"},
		{name: "nested file", path: "/i18n/en.json", wantStatus: 200, wantBody: `{"hello":"Hello"}`, wantType: "application/json", wantCacheControl: "public, max-age=3600"},
		{name: "unknown asset", path: "/missing.js", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.do(t, http.MethodGet, tc.path, nil, nil)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if string(body) != tc.wantBody {
				t.Errorf("body = %q, want %q", body, tc.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got := resp.Header.Get("Cache-Control"); got != tc.wantCacheControl {
				t.Errorf("Cache-Control = %q, want %q", got, tc.wantCacheControl)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			resp, body = env.do(t, http.MethodGet, tc.path, nil, map[string]string{"If-None-Match": etag})
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("conditional GET = %d with %d bytes, want 304 with none", resp.StatusCode, len(body))
			}
		})
	}
}

func TestEmbeddedWebApp(t *testing.T) {
	t.Parallel()
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, withStatic(static))
	resp, body := env.do(t, http.MethodGet, "/u/alice", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || len(body) == 0 {
		t.Errorf("GET /u/alice = %d %q with %d bytes, want the web app's index.html", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
}

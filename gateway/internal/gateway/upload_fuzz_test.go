package gateway_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzUploadForm posts arbitrary bodies as multipart uploads: the gateway
// answers each with a client error or passes on a well-formed upload, and
// never fails itself (5xx) or hangs.
func FuzzUploadForm(f *testing.F) {
	valid, contentType := multipartForm(f,
		formPart{field: "caption", content: []byte("a caption")},
		formPart{field: "file", filename: "p.png", content: []byte("\x89PNG\r\n\x1a\nfake")})
	boundary := contentType[len("multipart/form-data; boundary="):]
	f.Add(valid.Bytes(), boundary)
	f.Add([]byte("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx"), boundary)
	f.Add([]byte("--"+boundary+"--\r\n"), boundary)
	f.Add([]byte("garbage"), "x")
	f.Add([]byte{}, "")
	env := newTestEnv(f)
	go func() {
		for range env.image.uploads { // The fake holds 16 uploads, then waits to be read.
		}
	}()
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if strings.ContainsFunc(boundary, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return // Not a header value a client can send.
		}
		resp, answer := env.do(t, http.MethodPost, "/v1/images", bytes.NewReader(body),
			map[string]string{"Authorization": "Bearer t", "Content-Type": "multipart/form-data; boundary=" + boundary})
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for a client's body: %s", resp.StatusCode, answer)
		}
	})
}

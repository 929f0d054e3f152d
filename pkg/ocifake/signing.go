package ocifake

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// defaultMaxSkew is how far a request's date may be from the fake's clock
// when Verifier.MaxSkew is 0.
const defaultMaxSkew = 5 * time.Minute

// The headers an OCI request signature covers besides the date.
const (
	hdrRequestTarget = "(request-target)"
	hdrHost          = "host"
	hdrDate          = "date"
	hdrXDate         = "x-date"
	hdrContentLength = "content-length"
	hdrContentType   = "content-type"
	hdrContentSHA256 = "x-content-sha256"
)

// bodyHeaders are the headers that sign a request's body; the service
// wants them in the signature of a POST, PUT or PATCH.
var bodyHeaders = []string{hdrContentLength, hdrContentType, hdrContentSHA256}

// Verifier checks the OCI request signature of every request, as the
// services do: an Authorization header
//
//	Signature version="1",keyId="<tenancy>/<user>/<fingerprint>",algorithm="rsa-sha256",headers="date (request-target) host ...",signature="<base64>"
//
// whose signature is an RSA PKCS #1 v1.5 signature, with SHA-256, of the
// signing string: one line "name: value" for each header named in
// headers, in that order, joined by newlines, where (request-target) is
// the lower-case method, a space and the path with its query.
//
// The signature must cover (request-target), host and date (or x-date),
// and for a POST, PUT or PATCH also content-length, content-type and
// x-content-sha256, the base64 SHA-256 of the body, which must be that of
// the body received. The date must be within MaxSkew of Now. The fakes
// relax the body rule where their service does: an Object Storage
// PutObject or UploadPart, and every Oracle NoSQL request, may leave the
// body out of the signature. A Verifier is safe for concurrent use once
// its fields are set.
type Verifier struct {
	// Keys are the keys it accepts, each known by its KeyID.
	Keys []Key
	// Now is the clock dates are checked against; time.Now when nil.
	Now func() time.Time
	// MaxSkew is how far from Now a request's date may be; 0 means 5
	// minutes. A date further away is stale.
	MaxSkew time.Duration
}

// Check returns why r's signature is not valid, or nil. If it read r's
// body to check its hash, it leaves r.Body readable again from the start.
func (v *Verifier) Check(r *http.Request) error {
	return v.check(r, signsBody(r.Method))
}

// Wrap returns a handler that answers a request whose signature Check
// refuses with 401 NotAuthenticated, as the services do, and passes the
// others to h. A nil Verifier returns h unchanged.
func (v *Verifier) Wrap(h http.Handler) http.Handler {
	if v == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.Check(r); err != nil {
			writeNotAuthenticated(w, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// signsBody reports whether the services want the body headers in the
// signature of a request of method.
func signsBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// check is Check with the body headers required or not: some operations
// (an Object Storage PutObject, an Oracle NoSQL request) may leave them
// out. Body headers that are signed are checked all the same.
func (v *Verifier) check(r *http.Request, requireBody bool) error {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errors.New("the request has no Authorization header")
	}
	sig, err := parseSignature(auth)
	if err != nil {
		return err
	}
	if sig.version != "1" {
		return fmt.Errorf("the Authorization header has signature version %q, want \"1\"", sig.version)
	}
	if sig.algorithm != "rsa-sha256" {
		return fmt.Errorf("the Authorization header has algorithm %q, want \"rsa-sha256\"", sig.algorithm)
	}
	key, ok := v.key(sig.keyID)
	if !ok {
		return fmt.Errorf("unknown keyId %q", sig.keyID)
	}
	dateHeader, err := coverage(sig.headers, requireBody)
	if err != nil {
		return err
	}
	for _, name := range sig.headers {
		if name != hdrRequestTarget && headerValue(r, name) == "" {
			return fmt.Errorf("the signature names header %q, which the request does not have", name)
		}
	}
	if err := v.checkDate(r.Header.Get(dateHeader), dateHeader); err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(signingString(r, sig.headers)))
	if err := rsa.VerifyPKCS1v15(key.Public, crypto.SHA256, digest[:], sig.signature); err != nil {
		return fmt.Errorf("the signature is not the signature of this request by key %q", sig.keyID)
	}
	if slices.Contains(sig.headers, hdrContentSHA256) {
		return checkBodyHash(r)
	}
	return nil
}

// key returns the key whose KeyID is id.
func (v *Verifier) key(id string) (Key, bool) {
	for _, k := range v.Keys {
		if k.KeyID() == id && k.Public != nil {
			return k, true
		}
	}
	return Key{}, false
}

// checkDate checks that value, the request's date header name, is a date
// close enough to the clock.
func (v *Verifier) checkDate(value, name string) error {
	date, err := http.ParseTime(value)
	if err != nil {
		return fmt.Errorf("the %s header %q is not an HTTP date", name, value)
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxSkew
	if skew == 0 {
		skew = defaultMaxSkew
	}
	if d := now.Sub(date); d > skew || d < -skew {
		return fmt.Errorf("the %s header %q is stale: %v from the service's clock, more than %v",
			name, value, d.Round(time.Second), skew)
	}
	return nil
}

// coverage checks that a signature of headers covers what the service
// wants, and returns the date header it covers.
func coverage(headers []string, requireBody bool) (dateHeader string, err error) {
	want := []string{hdrRequestTarget, hdrHost}
	if requireBody {
		want = append(want, bodyHeaders...)
	}
	for _, h := range want {
		if !slices.Contains(headers, h) {
			return "", fmt.Errorf("the signature does not cover the %s header (it covers %q)", h, strings.Join(headers, " "))
		}
	}
	switch {
	case slices.Contains(headers, hdrXDate):
		return hdrXDate, nil
	case slices.Contains(headers, hdrDate):
		return hdrDate, nil
	}
	return "", fmt.Errorf("the signature covers neither the date nor the x-date header (it covers %q)", strings.Join(headers, " "))
}

// headerValue is the value the signing string takes for header name of r.
func headerValue(r *http.Request, name string) string {
	switch name {
	case hdrRequestTarget:
		return strings.ToLower(r.Method) + " " + r.URL.RequestURI()
	case hdrHost:
		if r.Host != "" {
			return r.Host
		}
		return r.URL.Host
	}
	return r.Header.Get(name)
}

// signingString is the text a signature of headers signs for r.
func signingString(r *http.Request, headers []string) string {
	lines := make([]string, len(headers))
	for i, name := range headers {
		lines[i] = name + ": " + headerValue(r, name)
	}
	return strings.Join(lines, "\n")
}

// checkBodyHash reads r's body, checks it against its x-content-sha256
// header, and puts it back.
func checkBodyHash(r *http.Request) error {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("read the body to check its x-content-sha256: %w", err)
		}
		r.Body.Close()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	if got, want := base64.StdEncoding.EncodeToString(sum[:]), r.Header.Get(hdrContentSHA256); got != want {
		return fmt.Errorf("the x-content-sha256 header %q is not the SHA-256 of the %d-byte body received (%q)", want, len(body), got)
	}
	return nil
}

// signature is a parsed Authorization header.
type signature struct {
	version, keyID, algorithm string
	headers                   []string // lower case, in signing order
	signature                 []byte
}

// parseSignature parses the value of an Authorization header.
func parseSignature(auth string) (signature, error) {
	rest, ok := strings.CutPrefix(auth, "Signature ")
	if !ok {
		return signature{}, errors.New(`the Authorization header is not an OCI request signature ("Signature version=...")`)
	}
	params := make(map[string]string)
	for rest = strings.TrimSpace(rest); rest != ""; {
		name, after, ok := strings.Cut(rest, "=")
		value, tail, closed := strings.Cut(strings.TrimPrefix(after, `"`), `"`)
		if !ok || !strings.HasPrefix(after, `"`) || !closed {
			return signature{}, fmt.Errorf("the Authorization header is malformed at %q: want name=\"value\" pairs", rest)
		}
		name = strings.TrimSpace(name)
		if _, dup := params[name]; dup {
			return signature{}, fmt.Errorf("the Authorization header has %s twice", name)
		}
		params[name] = value
		rest = strings.TrimSpace(tail)
		if rest != "" {
			if rest[0] != ',' {
				return signature{}, fmt.Errorf("the Authorization header is malformed at %q: want a comma", rest)
			}
			rest = strings.TrimSpace(rest[1:])
		}
	}
	for _, name := range []string{"version", "keyId", "algorithm", "headers", "signature"} {
		if params[name] == "" {
			return signature{}, fmt.Errorf("the Authorization header has no %s", name)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(params["signature"])
	if err != nil {
		return signature{}, fmt.Errorf("the signature in the Authorization header is not base64: %v", err)
	}
	return signature{
		version:   params["version"],
		keyID:     params["keyId"],
		algorithm: params["algorithm"],
		headers:   strings.Fields(strings.ToLower(params["headers"])),
		signature: raw,
	}, nil
}

// writeNotAuthenticated answers 401 NotAuthenticated, saying why.
func writeNotAuthenticated(w http.ResponseWriter, why error) {
	writeServiceError(w, http.StatusUnauthorized, "NotAuthenticated",
		"The required information to complete authentication was not provided or was incorrect: "+why.Error())
}

// writeServiceError answers status with an OCI error body
// {"code": ..., "message": ...} and an opc-request-id, as every OCI
// service does.
func writeServiceError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("opc-request-id", newOPCRequestID())
	w.WriteHeader(status)
	w.Write(body)
}

// newOPCRequestID returns a fresh value for an opc-request-id header.
func newOPCRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// indexFile is the web app's entry page, served for client-side routes.
const indexFile = "index.html"

// Cache policies of the web app: the entry page is revalidated on every
// load, so a new release shows at once; the other files may be reused for
// an hour.
const (
	indexCacheControl = "no-cache"
	assetCacheControl = "public, max-age=3600"
)

// contentTypes are the types of the web app's files, fixed here rather than
// left to the machine's MIME tables (with nosniff, a script served under
// another type does not run). Other extensions go to mime.TypeByExtension.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".webmanifest": "application/manifest+json",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
}

// contentTypeOf returns the Content-Type of the file name holding content.
func contentTypeOf(name string, content []byte) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return http.DetectContentType(content)
}

// staticFile is one file of the web app, read once at start.
type staticFile struct {
	name         string
	content      []byte
	etag         string
	contentType  string
	cacheControl string
}

// staticFiles serves the web app from memory.
type staticFiles struct {
	files map[string]*staticFile
	index *staticFile
}

// newStaticFiles reads every file of fsys, which must hold index.html.
func newStaticFiles(fsys fs.FS) (*staticFiles, error) {
	s := &staticFiles{files: make(map[string]*staticFile)}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(content)
		f := &staticFile{
			name:         name,
			content:      content,
			etag:         `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`,
			contentType:  contentTypeOf(name, content),
			cacheControl: assetCacheControl,
		}
		if name == indexFile {
			f.cacheControl = indexCacheControl
		}
		s.files[name] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.index = s.files[indexFile]; s.index == nil {
		return nil, errors.New("no " + indexFile)
	}
	return s, nil
}

// ServeHTTP serves the file at r's path; a path without an extension that
// names no file gets index.html (the web app routes it), one with an
// extension gets 404.
func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f, ok := s.files[name]
	switch {
	case ok:
	case name == "" || path.Ext(name) == "":
		f = s.index
	default:
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", f.cacheControl)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.content))
}

package ocifake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the service that the fake enforces.
const (
	maxObjectName = 1024     // bytes of UTF-8
	maxPutSize    = 50 << 30 // bytes in one PutObject or UploadPart
	maxListLimit  = 1000     // objects or uploads in one page
)

// listFields are the fields of an object summary a ListObjects may ask for.
var listFields = []string{"name", "size", "etag", "md5", "timeCreated", "timeModified", "storageTier"}

func (f *ObjectStorage) getNamespace(w http.ResponseWriter) *storageError {
	writeJSON(w, http.StatusOK, f.namespace)
	return nil
}

func (f *ObjectStorage) getBucket(w http.ResponseWriter, rt route) *storageError {
	etag := fileBase(f.namespace + "/" + rt.bucket)[:32]
	w.Header().Set("ETag", etag)
	if rt.op == StorageHeadBucket {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"namespace":           f.namespace,
		"name":                rt.bucket,
		"compartmentId":       "ocid1.compartment.oc1..fotogalfake",
		"metadata":            map[string]string{},
		"createdBy":           "ocid1.user.oc1..fotogalfake",
		"timeCreated":         jsonTime(time.Unix(0, 0)),
		"etag":                etag,
		"publicAccessType":    "NoPublicAccess",
		"storageTier":         "Standard",
		"objectEventsEnabled": false,
		"versioning":          "Disabled",
	})
	return nil
}

// putObject stores the body as the object, once the whole body has
// arrived and matches its Content-MD5.
func (f *ObjectStorage) putObject(w http.ResponseWriter, r *http.Request, rt route, fl StorageFault) *storageError {
	if err := checkObjectName(rt.object); err != nil {
		return err
	}
	wantMD5, err := checkBodyHeaders(r)
	if err != nil {
		return err
	}
	b, rerr := f.store.receive(r.Body, r.ContentLength)
	if rerr != nil {
		return invalid("read the body of object %q: %v", rt.object, rerr)
	}
	if !wait(r.Context(), fl.Delay) {
		f.store.discard(b)
		return nil // The client gave up: nothing is applied.
	}
	if wantMD5 != "" && base64MD5(b.md5) != wantMD5 {
		f.store.discard(b)
		return badMD5(rt.object, wantMD5, b.md5)
	}
	o := &bucketObject{
		Name:               rt.object,
		ContentType:        r.Header.Get("Content-Type"),
		ContentEncoding:    r.Header.Get("Content-Encoding"),
		ContentLanguage:    r.Header.Get("Content-Language"),
		ContentDisposition: r.Header.Get("Content-Disposition"),
		CacheControl:       r.Header.Get("Cache-Control"),
		Metadata:           userMetadata(r.Header),
		MD5:                base64MD5(b.md5),
		ETag:               newETag(),
		Time:               f.now(),
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := preconditions(r, f.store.buckets[rt.bucket][rt.object], rt.object); err != nil {
		f.store.discard(b)
		return err
	}
	if err := f.store.put(rt.bucket, o, b); err != nil {
		f.store.discard(b)
		return storeFailed(rt.object, err)
	}
	w.Header().Set("ETag", o.ETag)
	w.Header().Set("opc-content-md5", o.MD5)
	w.Header().Set("Last-Modified", o.Time.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	return nil
}

// getObject answers a GetObject or a HeadObject.
func (f *ObjectStorage) getObject(w http.ResponseWriter, r *http.Request, rt route, fl StorageFault) *storageError {
	f.mu.Lock()
	stored := f.store.buckets[rt.bucket][rt.object]
	if stored == nil {
		f.mu.Unlock()
		return objectNotFound(rt.bucket, rt.object)
	}
	o := stored.snapshot()
	content, err := f.store.open(rt.bucket, stored)
	f.mu.Unlock()
	if err != nil {
		return storeFailed(rt.object, err)
	}
	defer content.Close()

	h := w.Header()
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.Time.UTC().Format(http.TimeFormat))
	if m := r.Header.Get("if-none-match"); m != "" && (m == "*" || m == o.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if m := r.Header.Get("if-match"); m != "" && m != "*" && m != o.ETag {
		return &storageError{http.StatusPreconditionFailed, "IfMatchFailed",
			fmt.Sprintf("object %q has ETag %q, not the if-match %q", o.Name, o.ETag, m)}
	}
	h.Set("Content-Type", o.ContentType)
	h.Set("Accept-Ranges", "bytes")
	for name, value := range map[string]string{
		"Content-Encoding":    o.ContentEncoding,
		"Content-Language":    o.ContentLanguage,
		"Content-Disposition": o.ContentDisposition,
		"Cache-Control":       o.CacheControl,
		"opc-content-md5":     o.MD5,
		"opc-multipart-md5":   o.MultipartMD5,
	} {
		if value != "" {
			h.Set(name, value)
		}
	}
	for k, v := range o.Metadata {
		h.Set("opc-meta-"+k, v)
	}
	first, last := int64(0), o.Size-1
	status := http.StatusOK
	if spec := r.Header.Get("Range"); spec != "" && rt.op == StorageGet {
		var rerr *storageError
		first, last, rerr = parseRange(spec, o.Size)
		if rerr != nil {
			if rerr.status == http.StatusRequestedRangeNotSatisfiable {
				h.Set("Content-Range", fmt.Sprintf("bytes */%d", o.Size))
			}
			return rerr
		}
		status = http.StatusPartialContent
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, o.Size))
	} else if o.MD5 != "" {
		h.Set("Content-MD5", o.MD5)
	}
	size := last - first + 1
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(status)
	if rt.op == StorageHead || size == 0 {
		return nil
	}
	if _, err := content.Seek(first, 0); err != nil {
		return nil // The status is sent: the client sees a short body.
	}
	writeBody(r.Context(), w, content, size, fl)
	return nil
}

func (f *ObjectStorage) deleteObject(w http.ResponseWriter, r *http.Request, rt route) *storageError {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.store.buckets[rt.bucket][rt.object]
	if o == nil {
		return objectNotFound(rt.bucket, rt.object)
	}
	if m := r.Header.Get("if-match"); m != "" && m != "*" && m != o.ETag {
		return &storageError{http.StatusPreconditionFailed, "IfMatchFailed",
			fmt.Sprintf("object %q has ETag %q, not the if-match %q", o.Name, o.ETag, m)}
	}
	if err := f.store.remove(rt.bucket, rt.object); err != nil {
		return storeFailed(rt.object, err)
	}
	w.Header().Set("Last-Modified", f.now().UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listObjects answers a ListObjects: the objects whose names start with
// prefix, from start (inclusive) or after startAfter, before end, in name
// order, limit at a time; nextStartWith names the first object of the
// next page.
func (f *ObjectStorage) listObjects(w http.ResponseWriter, r *http.Request, rt route) *storageError {
	q := r.URL.Query()
	limit, err := queryLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	if d := q.Get("delimiter"); d != "" {
		return invalid("delimiter %q: the fake lists objects without a delimiter", d)
	}
	fields := []string{"name"}
	if s := q.Get("fields"); s != "" {
		fields = strings.Split(s, ",")
		for _, field := range fields {
			if !slices.Contains(listFields, field) {
				return invalid("fields: unknown field %q (want some of %s)", field, strings.Join(listFields, ","))
			}
		}
	}
	prefix, start, end, after := q.Get("prefix"), q.Get("start"), q.Get("end"), q.Get("startAfter")

	f.mu.Lock()
	var names []string
	for name := range f.store.buckets[rt.bucket] {
		if strings.HasPrefix(name, prefix) && name >= start && (end == "" || name < end) && (after == "" || name > after) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var next string
	if len(names) > limit {
		next, names = names[limit], names[:limit]
	}
	summaries := make([]map[string]any, len(names))
	for i, name := range names {
		summaries[i] = summary(f.store.buckets[rt.bucket][name], fields)
	}
	f.mu.Unlock()

	page := map[string]any{"objects": summaries}
	if next != "" {
		page["nextStartWith"] = next
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// summary is the ObjectSummary of o with fields.
func summary(o *bucketObject, fields []string) map[string]any {
	s := map[string]any{"name": o.Name}
	for _, field := range fields {
		switch field {
		case "size":
			s[field] = o.Size
		case "etag":
			s[field] = o.ETag
		case "md5":
			s[field] = o.md5Field()
		case "timeCreated", "timeModified":
			s[field] = jsonTime(o.Time)
		case "storageTier":
			s[field] = "Standard"
		}
	}
	return s
}

// parseRange parses a Range header of one byte range (bytes=a-b, a-, -n)
// over size bytes, and returns the first and last bytes it covers.
func parseRange(spec string, size int64) (first, last int64, err *storageError) {
	unsatisfiable := &storageError{http.StatusRequestedRangeNotSatisfiable, "InvalidRange",
		fmt.Sprintf("range %q is not satisfiable for an object of %d bytes", spec, size)}
	rng, ok := strings.CutPrefix(spec, "bytes=")
	a, b, dash := strings.Cut(rng, "-")
	if !ok || !dash || strings.Contains(rng, ",") || (a == "" && b == "") {
		return 0, 0, invalid("range %q: want one range, bytes=first-last, bytes=first- or bytes=-suffix", spec)
	}
	parse := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0
	}
	if a == "" {
		n, ok := parse(b)
		if !ok {
			return 0, 0, invalid("range %q: the suffix length is not a number", spec)
		}
		if n == 0 || size == 0 {
			return 0, 0, unsatisfiable
		}
		return max(size-n, 0), size - 1, nil
	}
	first, ok = parse(a)
	if !ok {
		return 0, 0, invalid("range %q: the first byte is not a number", spec)
	}
	last = size - 1
	if b != "" {
		if last, ok = parse(b); !ok {
			return 0, 0, invalid("range %q: the last byte is not a number", spec)
		}
		last = min(last, size-1)
	}
	if first >= size || first > last {
		return 0, 0, unsatisfiable
	}
	return first, last, nil
}

// checkBodyHeaders checks the Content-Length and Content-MD5 of a request
// that uploads content, and returns the MD5 it announces, if any.
func checkBodyHeaders(r *http.Request) (md5 string, err *storageError) {
	switch {
	case r.ContentLength < 0:
		return "", &storageError{http.StatusLengthRequired, "LengthRequired",
			"the request has no Content-Length: the service does not take chunked uploads"}
	case r.ContentLength > maxPutSize:
		return "", invalid("Content-Length %d is over the %d bytes of one upload: use a multipart upload", r.ContentLength, int64(maxPutSize))
	}
	md5 = r.Header.Get("Content-MD5")
	if md5 != "" {
		if sum, derr := base64.StdEncoding.DecodeString(md5); derr != nil || len(sum) != 16 {
			return "", invalid("Content-MD5 %q is not the base64 of an MD5 digest", md5)
		}
	}
	return md5, nil
}

// badMD5 is the answer to a body whose MD5 is not its Content-MD5.
func badMD5(object, want string, got []byte) *storageError {
	return invalid("the MD5 of the body received for %q, %s, is not its Content-MD5 %s", object, base64MD5(got), want)
}

// preconditions checks the if-match and if-none-match headers of a write
// against cur, the object it replaces (nil if none).
func preconditions(r *http.Request, cur *bucketObject, name string) *storageError {
	if m := r.Header.Get("if-match"); m != "" && (cur == nil || (m != "*" && m != cur.ETag)) {
		return &storageError{http.StatusPreconditionFailed, "IfMatchFailed",
			fmt.Sprintf("object %q does not have the ETag of if-match %q", name, m)}
	}
	if m := r.Header.Get("if-none-match"); m != "" && cur != nil && (m == "*" || m == cur.ETag) {
		return &storageError{http.StatusPreconditionFailed, "IfNoneMatchFailed",
			fmt.Sprintf("object %q exists and if-none-match is %q", name, m)}
	}
	return nil
}

// checkObjectName checks name against the service's rules.
func checkObjectName(name string) *storageError {
	switch {
	case len(name) > maxObjectName:
		return invalid("object name %.40q...: %d bytes, over the limit of %d", name, len(name), maxObjectName)
	case !utf8.ValidString(name):
		return invalid("object name %q is not UTF-8", name)
	case strings.ContainsAny(name, "\x00\n\r"):
		return invalid("object name %q holds a NUL, line feed or carriage return", name)
	}
	return nil
}

// queryLimit parses a limit query parameter.
func queryLimit(s string) (int, *storageError) {
	if s == "" {
		return maxListLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxListLimit {
		return 0, invalid("limit %q: want 1 to %d", s, maxListLimit)
	}
	return n, nil
}

// userMetadata returns the opc-meta-* headers of h, by their lower-case
// names without the prefix.
func userMetadata(h http.Header) map[string]string {
	var m map[string]string
	for name, values := range h {
		key, ok := strings.CutPrefix(strings.ToLower(name), "opc-meta-")
		if !ok || len(values) == 0 {
			continue
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[key] = values[0]
	}
	return m
}

func storeFailed(object string, err error) *storageError {
	return &storageError{http.StatusInternalServerError, "InternalServerError",
		fmt.Sprintf("store object %q: %v", object, err)}
}

// newETag returns a fresh ETag, a random UUID as the service's are.
func newETag() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// jsonTime formats t as the service's JSON does.
func jsonTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeServiceError(w, http.StatusInternalServerError, "InternalServerError", "encode the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

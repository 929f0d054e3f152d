package ocifake

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// slowChunk is how much of a response body a SlowBody fault sends between
// pauses.
const slowChunk = 4 << 10

// StorageFault is a failure the Object Storage fake injects into the
// requests it matches, for tests of how a client copes. A request hit by
// an HTTPStatus or a CutAfter is not applied. A Delay holds the answer
// back; if the client gives up meanwhile, the request is not applied.
type StorageFault struct {
	// Op is the operation it matches; "" matches every operation.
	Op StorageOp
	// Object is a prefix of the object names it matches; "" matches every
	// request, including those that name no object.
	Object string
	// HTTPStatus is a status to answer with OCI's error JSON (429
	// TooManyRequests, 503 ServiceUnavailable, 500 InternalServerError,
	// ...), or 0.
	HTTPStatus int
	// Delay is how long to hold the answer back, or 0.
	Delay time.Duration
	// SlowBody is a pause between 4 KiB chunks of a GET's response body,
	// or 0.
	SlowBody time.Duration
	// CutAfter, when > 0, closes the connection: for a GET after this many
	// bytes of the response body (if the body is longer), for any other
	// operation after reading this many bytes of the request body (a PUT
	// or UploadPart; other requests are cut before they are applied).
	// Nothing is stored.
	CutAfter int64
	// Times is how many matching requests it hits; 0 means until cleared.
	Times int
}

// InjectFault adds fl after the faults already injected; a request is hit
// by the first one that matches. The returned function removes it.
func (f *ObjectStorage) InjectFault(fl StorageFault) (clear func()) {
	return f.faults.add(fl, fl.Times)
}

// matchFault returns the fault that hits a request of op on object, and
// counts the hit.
func (f *ObjectStorage) matchFault(op StorageOp, object string) (StorageFault, bool) {
	return f.faults.match(func(fl StorageFault) bool {
		return (fl.Op == "" || fl.Op == op) && (fl.Object == "" || strings.HasPrefix(object, fl.Object))
	})
}

// faultError is the answer of an injected HTTPStatus.
func faultError(status int) *storageError {
	codes := map[int]string{
		http.StatusBadRequest:          "InvalidParameter",
		http.StatusNotFound:            "NotAuthorizedOrNotFound",
		http.StatusConflict:            "Conflict",
		http.StatusTooManyRequests:     "TooManyRequests",
		http.StatusInternalServerError: "InternalServerError",
		http.StatusServiceUnavailable:  "ServiceUnavailable",
	}
	code, ok := codes[status]
	if !ok {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	return &storageError{status, code, "injected fault: " + http.StatusText(status)}
}

// cutRequest reads n bytes of r's body, then closes the connection
// without an answer.
func cutRequest(r *http.Request, n int64) {
	io.CopyN(io.Discard, r.Body, n)
	panic(http.ErrAbortHandler)
}

// writeBody sends size bytes of content as the response body, slowly or cut
// short as fl says.
func writeBody(ctx context.Context, w http.ResponseWriter, content io.Reader, size int64, fl StorageFault) {
	cut := fl.CutAfter > 0 && fl.CutAfter < size
	if fl.SlowBody <= 0 && !cut {
		io.CopyN(w, content, size)
		return
	}
	rc := http.NewResponseController(w)
	send := size
	if cut {
		send = fl.CutAfter
	}
	for sent := int64(0); sent < send; {
		n := min(slowChunk, send-sent)
		if _, err := io.CopyN(w, content, n); err != nil {
			return
		}
		sent += n
		rc.Flush()
		if fl.SlowBody > 0 && sent < size && !wait(ctx, fl.SlowBody) {
			return
		}
	}
	if cut {
		panic(http.ErrAbortHandler)
	}
}

// wait waits for d, and reports whether ctx was still live at the end.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

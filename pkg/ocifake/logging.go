package ocifake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"
)

// The limits of PutLogs the Logging fake enforces, as the service
// documents them.
const (
	// maxLogEntryData: each entry's data must be under 1 MB.
	maxLogEntryData = 1_000_000
	// maxPutLogsBody: a PutLogs request body may be at most 10 MB.
	maxPutLogsBody = 10_000_000
)

// putLogsPath is the route of PutLogs, API version 20200831.
var putLogsPath = regexp.MustCompile(`^/20200831/logs/([^/]+)/actions/push$`)

// LoggingOptions configures a Logging fake.
type LoggingOptions struct {
	// Verifier checks every request's signature; nil serves any caller.
	Verifier *Verifier
	// Now is the clock that stamps each entry's Received; time.Now when
	// nil.
	Now func() time.Time
	// Logs are the OCIDs of the logs that exist: a PutLogs to any other
	// is answered 404 NotAuthorizedOrNotFound. Empty, every log exists.
	Logs []string
}

// LogEntry is one log entry the fake took.
type LogEntry struct {
	// LogID is the OCID of the log it was put to.
	LogID string
	// Source, Type and Subject are those of its batch.
	Source, Type, Subject string
	// ID is the id the client gave it.
	ID string
	// Time is its time, or its batch's defaultlogentrytime when it has
	// none.
	Time time.Time
	// Data is its content.
	Data string
	// Received is when the fake took it, by LoggingOptions.Now.
	Received time.Time
}

// LoggingFault is a failure the Logging fake injects into the PutLogs
// requests it hits. A request hit by an HTTPStatus is not applied.
type LoggingFault struct {
	// HTTPStatus is the status to answer (429, 500, 503, ...) with an OCI
	// error body, or 0 to serve the request after Delay.
	HTTPStatus int
	// Delay is how long to hold the answer back, or 0. A client that gives
	// up meanwhile gets nothing and nothing is applied.
	Delay time.Duration
	// Times is how many requests it hits; 0 means until cleared.
	Times int
}

// Logging is a fake of the OCI Logging ingestion service (PutLogs), an
// http.Handler for POST /20200831/logs/{logId}/actions/push. It checks
// signatures with LoggingOptions.Verifier, validates each request as the
// service does and keeps the entries for tests to read. Errors are OCI
// error bodies {"code", "message"}: 400 CannotParseRequest (not JSON),
// 400 InvalidParameter (specversion not "1.0"; no batches; a batch without
// entries, source, type or a valid defaultlogentrytime; an entry without
// data or id, with data of 1 MB or more, or with a time that is not RFC
// 3339), 401 NotAuthenticated (signature), 404 NotAuthorizedOrNotFound
// (an unknown log or path), 405 MethodNotAllowed, 413 PayloadTooLarge
// (a body over 10 MB).
type Logging struct {
	opts    LoggingOptions
	handler http.Handler

	mu       sync.Mutex
	entries  []LogEntry
	requests int
	faults   faults[LoggingFault]
	gate     chan struct{} // non-nil while blocked; closed when released
	blocks   int
	held     int
	shutdown chan struct{} // closed when the test's server stops
}

// NewLogging returns a Logging fake.
func NewLogging(o LoggingOptions) *Logging {
	if o.Now == nil {
		o.Now = time.Now
	}
	f := &Logging{opts: o, shutdown: make(chan struct{})}
	f.handler = o.Verifier.Wrap(http.HandlerFunc(f.putLogs))
	return f
}

// StartLogging starts a Logging fake on a free port for the test and
// returns it with its base URL ("http://127.0.0.1:PORT"), the endpoint
// for a Logging client. Requests still held by Block when the test ends
// are answered 503.
func StartLogging(t testing.TB, o LoggingOptions) (*Logging, string) {
	t.Helper()
	f := NewLogging(o)
	srv := httptest.NewServer(f)
	t.Cleanup(func() {
		close(f.shutdown)
		srv.Close()
	})
	return f, srv.URL
}

// Entries returns the entries taken, in the order they arrived.
func (f *Logging) Entries() []LogEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.entries)
}

// Requests returns how many PutLogs requests were taken.
func (f *Logging) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Block holds every request, from now until the returned function is
// called, as an endpoint that does not answer. A held request is served
// when released, unless its client gave up. Blocks nest: requests are held
// until every Block is released.
func (f *Logging) Block() (release func()) {
	f.mu.Lock()
	if f.blocks == 0 {
		f.gate = make(chan struct{})
	}
	f.blocks++
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.blocks--
			if f.blocks == 0 {
				close(f.gate)
				f.gate = nil
			}
		})
	}
}

// Held returns how many requests Block is holding now.
func (f *Logging) Held() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// InjectFault adds fl after the faults already injected; a request is hit
// by the first one with hits left. The returned function removes it.
func (f *Logging) InjectFault(fl LoggingFault) (clear func()) {
	return f.faults.add(fl, fl.Times)
}

// fault returns the fault that hits the next request, and counts the hit.
func (f *Logging) fault() (LoggingFault, bool) {
	return f.faults.match(func(LoggingFault) bool { return true })
}

// ServeHTTP serves PutLogs: the body read whole (within the size limit),
// then the request held while blocked, then hit by a fault, then checked
// for its signature, then validated and applied.
func (f *Logging) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPutLogsBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeServiceError(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge",
				fmt.Sprintf("the request body is over the limit of %d bytes", maxPutLogsBody))
			return
		}
		writeServiceError(w, http.StatusBadRequest, "CannotParseRequest", "reading the body: "+err.Error())
		return
	}
	// With the body read, the server notices a client that hangs up.
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !f.hold(w, r) {
		return
	}
	if fl, ok := f.fault(); ok {
		if fl.Delay > 0 && !f.wait(w, r, fl.Delay) {
			return
		}
		if fl.HTTPStatus != 0 {
			writeServiceError(w, fl.HTTPStatus, faultCode(fl.HTTPStatus), "injected fault")
			return
		}
	}
	f.handler.ServeHTTP(w, r)
}

// wait waits d and reports whether to serve r then: not when its client
// gave up meanwhile, nor when the fake shut down (r is then answered 503).
func (f *Logging) wait(w http.ResponseWriter, r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-f.shutdown:
		writeShuttingDown(w)
		return false
	}
}

// hold waits while the fake is blocked and reports whether to serve r: not
// when its client gave up meanwhile, nor when the fake shut down (r is
// then answered 503).
func (f *Logging) hold(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	gate := f.gate
	if gate != nil {
		f.held++
	}
	f.mu.Unlock()
	if gate == nil {
		return true
	}
	defer func() {
		f.mu.Lock()
		f.held--
		f.mu.Unlock()
	}()
	select {
	case <-gate:
		return r.Context().Err() == nil
	case <-r.Context().Done():
		return false
	case <-f.shutdown:
		writeShuttingDown(w)
		return false
	}
}

// writeShuttingDown answers a request the fake's end cut short.
func writeShuttingDown(w http.ResponseWriter) {
	writeServiceError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the fake is shutting down")
}

// faultCode is the OCI error code that goes with an injected status.
func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusBadRequest:
		return "InvalidParameter"
	case http.StatusUnauthorized:
		return "NotAuthenticated"
	case http.StatusNotFound:
		return "NotAuthorizedOrNotFound"
	}
	return "InternalServerError"
}

// putLogsBody is a PutLogs request body, with pointers where the fake must
// tell a missing field from an empty one.
type putLogsBody struct {
	Specversion     *string `json:"specversion"`
	LogEntryBatches []struct {
		Entries []struct {
			Data *string `json:"data"`
			ID   *string `json:"id"`
			Time *string `json:"time"`
		} `json:"entries"`
		Source              *string `json:"source"`
		Type                *string `json:"type"`
		Subject             *string `json:"subject"`
		Defaultlogentrytime *string `json:"defaultlogentrytime"`
	} `json:"logEntryBatches"`
}

// putLogs serves a request whose signature is valid.
func (f *Logging) putLogs(w http.ResponseWriter, r *http.Request) {
	m := putLogsPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeServiceError(w, http.StatusNotFound, "NotAuthorizedOrNotFound", fmt.Sprintf("no such resource: %s", r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		writeServiceError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	logID := m[1]
	if len(f.opts.Logs) > 0 && !slices.Contains(f.opts.Logs, logID) {
		writeServiceError(w, http.StatusNotFound, "NotAuthorizedOrNotFound",
			fmt.Sprintf("log %s does not exist or you are not authorized to use it", logID))
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		writeServiceError(w, http.StatusBadRequest, "CannotParseRequest", "reading the body: "+err.Error())
		return
	}
	var body putLogsBody
	if err := json.Unmarshal(raw, &body); err != nil {
		writeServiceError(w, http.StatusBadRequest, "CannotParseRequest", "the body is not a PutLogsDetails JSON object: "+err.Error())
		return
	}
	entries, err := f.validate(logID, &body)
	if err != nil {
		writeServiceError(w, http.StatusBadRequest, "InvalidParameter", err.Error())
		return
	}
	f.mu.Lock()
	f.entries = append(f.entries, entries...)
	f.requests++
	f.mu.Unlock()
	w.Header().Set("opc-request-id", newOPCRequestID())
	w.WriteHeader(http.StatusOK)
}

// validate returns the entries of body, or what is wrong with it.
func (f *Logging) validate(logID string, body *putLogsBody) ([]LogEntry, error) {
	if body.Specversion == nil {
		return nil, errors.New("specversion is required")
	}
	if *body.Specversion != "1.0" {
		return nil, fmt.Errorf("specversion %q is not supported; it must be \"1.0\"", *body.Specversion)
	}
	if len(body.LogEntryBatches) == 0 {
		return nil, errors.New("logEntryBatches is required and must not be empty")
	}
	now := f.opts.Now()
	var out []LogEntry
	for i, b := range body.LogEntryBatches {
		switch {
		case len(b.Entries) == 0:
			return nil, fmt.Errorf("logEntryBatches[%d].entries is required and must not be empty", i)
		case b.Source == nil || *b.Source == "":
			return nil, fmt.Errorf("logEntryBatches[%d].source is required", i)
		case b.Type == nil || *b.Type == "":
			return nil, fmt.Errorf("logEntryBatches[%d].type is required", i)
		case b.Defaultlogentrytime == nil:
			return nil, fmt.Errorf("logEntryBatches[%d].defaultlogentrytime is required", i)
		}
		def, err := time.Parse(time.RFC3339Nano, *b.Defaultlogentrytime)
		if err != nil {
			return nil, fmt.Errorf("logEntryBatches[%d].defaultlogentrytime %q is not an RFC 3339 date-time", i, *b.Defaultlogentrytime)
		}
		var subject string
		if b.Subject != nil {
			subject = *b.Subject
		}
		for j, e := range b.Entries {
			field := fmt.Sprintf("logEntryBatches[%d].entries[%d]", i, j)
			switch {
			case e.Data == nil || *e.Data == "":
				return nil, fmt.Errorf("%s.data is required", field)
			case len(*e.Data) >= maxLogEntryData:
				return nil, fmt.Errorf("%s.data is %d bytes; an entry must be under %d", field, len(*e.Data), maxLogEntryData)
			case e.ID == nil || *e.ID == "":
				return nil, fmt.Errorf("%s.id is required", field)
			}
			at := def
			if e.Time != nil {
				if at, err = time.Parse(time.RFC3339Nano, *e.Time); err != nil {
					return nil, fmt.Errorf("%s.time %q is not an RFC 3339 date-time", field, *e.Time)
				}
			}
			out = append(out, LogEntry{
				LogID: logID, Source: *b.Source, Type: *b.Type, Subject: subject,
				ID: *e.ID, Time: at, Data: *e.Data, Received: now,
			})
		}
	}
	return out, nil
}

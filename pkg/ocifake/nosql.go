package ocifake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"

	"github.com/fotogal/fotogal/pkg/ocifake/internal/statement"
)

// dataPath is where the SDK sends every request.
const dataPath = "/V2/nosql/data"

// maxBody bounds a request body: the SDK's own limit for a WriteMultiple
// request is 25 MB.
const maxBody = 26 << 20

// Op names an operation, for fault injection and for counting requests.
type Op string

// The operations the fake serves.
const (
	OpGet           Op = "get"
	OpPut           Op = "put"
	OpDelete        Op = "delete"
	OpWriteMultiple Op = "writemultiple"
	OpMultiDelete   Op = "multidelete"
	OpPrepare       Op = "prepare"
	OpQuery         Op = "query"
	OpTable         Op = "table"
	OpGetTable      Op = "gettable"
)

// NoSQLOptions configures a fake.
type NoSQLOptions struct {
	// Dir, when set, is where tables and rows are kept, in an append-only
	// log that is replayed at start: they survive a restart, and a write
	// that was answered survives the fake being killed.
	Dir string
	// Now is the clock of row expiry and modification times; time.Now when
	// nil.
	Now func() time.Time
	// Verifier, when set, makes the fake the cloud service rather than
	// the simulator: every request must carry a valid OCI request
	// signature, as the SDK signs it in cloud mode, or it is answered 401
	// NotAuthenticated. As the SDK signs them, the signature need not
	// cover the body; the empty HEAD the SDK sends, unsigned, to learn the
	// service's features is answered all the same.
	Verifier *Verifier
}

// NoSQL is a fake Oracle NoSQL Database Cloud Service: an http.Handler for
// the SDK's data path. It is safe for concurrent use.
type NoSQL struct {
	now      func() time.Time
	verifier *Verifier

	mu         sync.Mutex
	tables     map[string]*table // by lower-case name
	dropped    map[string]int    // dropped tables: GetTable polls left in DROPPING
	statements []string
	counts     map[opTable]int
	version    uint64 // of the last write
	operations int    // DDL operations started
	queries    queryCache
	cursors    cursors
	log        *rowLog // nil in memory
	closed     bool

	faults faults[Fault]
}

// opTable keys the request counts.
type opTable struct {
	op    Op
	table string // lower case
}

// NewNoSQL returns a fake with the tables kept in opts.Dir, if any.
func NewNoSQL(opts NoSQLOptions) (*NoSQL, error) {
	f := &NoSQL{
		now:      opts.Now,
		verifier: opts.Verifier,
		tables:   make(map[string]*table),
		dropped:  make(map[string]int),
		counts:   make(map[opTable]int),
		queries:  make(queryCache),
		cursors:  cursors{open: make(map[uint64]*cursor)},
	}
	if f.now == nil {
		f.now = time.Now
	}
	if opts.Dir != "" {
		log, err := openRowLog(opts.Dir, f.replay)
		if err != nil {
			return nil, err
		}
		f.log = log
	}
	return f, nil
}

// Close flushes and closes the log of a fake with a Dir. Requests after
// Close are answered with ServiceUnavailable.
func (f *NoSQL) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	if f.log == nil {
		return nil
	}
	err := f.log.close()
	f.log = nil
	return err
}

// StartNoSQL starts a fresh in-memory fake on a local HTTP server for the
// test and returns it with its endpoint ("http://127.0.0.1:port"). Both
// stop when the test ends.
func StartNoSQL(t testing.TB) (*NoSQL, string) {
	t.Helper()
	return StartNoSQLWith(t, NoSQLOptions{})
}

// StartNoSQLWith is StartNoSQL with opts: a Verifier for cloud mode, a
// clock, a Dir (which the test owns).
func StartNoSQLWith(t testing.TB, opts NoSQLOptions) (*NoSQL, string) {
	t.Helper()
	f, err := NewNoSQL(opts)
	if err != nil {
		t.Fatalf("start fake nosql: %v", err)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(func() {
		srv.Close()
		if err := f.Close(); err != nil {
			t.Errorf("close fake nosql: %v", err)
		}
	})
	return f, srv.URL
}

// Statements returns every DDL statement received, in order, including
// those that were refused.
func (f *NoSQL) Statements() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.statements)
}

// OpCount returns how many requests of op on table were answered, whether
// they succeeded or not (an injected fault included).
func (f *NoSQL) OpCount(op Op, table string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[opTable{op, strings.ToLower(table)}]
}

// TableNames returns the names of the tables, as created, sorted.
func (f *NoSQL) TableNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := make([]string, 0, len(f.tables))
	for _, t := range f.tables {
		names = append(names, t.def.Name)
	}
	slices.Sort(names)
	return names
}

// Rows returns deep copies of the live rows of table in primary-key order, each
// a map from column name (as declared) to value, with NULL columns left
// out; nil when there is no such table.
func (f *NoSQL) Rows(table string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tables[strings.ToLower(table)]
	if t == nil {
		return nil
	}
	now := f.now()
	var rows []map[string]any
	for _, k := range t.keys {
		r := t.rows[k]
		if !r.live(now) {
			continue
		}
		m := make(map[string]any, len(r.values))
		for name, v := range r.values {
			if v != nil {
				m[name] = cloneValue(v)
			}
		}
		rows = append(rows, m)
	}
	return rows
}

// ServeHTTP answers one request of the SDK.
func (f *NoSQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != dataPath {
		http.Error(w, "the fake Oracle NoSQL service serves only POST "+dataPath, http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodHead:
		// The SDK asks for the service's features with an empty HEAD.
		setHeaders(w)
		w.WriteHeader(http.StatusOK)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, HEAD")
		http.Error(w, "method "+r.Method+" not allowed", http.StatusMethodNotAllowed)
		return
	}
	if f.verifier != nil {
		if err := f.verifier.check(r, false); err != nil {
			writeNotAuthenticated(w, err)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeAnswer(w, answerError(failf(nosqlerr.RequestSizeLimitExceeded,
				"the request is larger than %d bytes", maxBody)))
		}
		return
	}
	if len(body) < 2 {
		writeAnswer(w, answerError(badRequest("the request has no serial version")))
		return
	}
	if v := int(body[0])<<8 | int(body[1]); v != serialVersion {
		// A client of another version reads the answer's first byte as the
		// error code, whatever version it speaks.
		msg := fmt.Sprintf("unsupported serial version %d: the fake speaks only version %d (NSON)", v, serialVersion)
		setHeaders(w)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		w.Write(appendString([]byte{byte(nosqlerr.UnsupportedProtocol)}, msg))
		return
	}
	req, perr := parseRequest(body[2:])
	if perr != nil {
		writeAnswer(w, answerError(perr))
		return
	}
	f.serve(r.Context(), w, req)
}

// serve applies the faults that match req, then answers it.
func (f *NoSQL) serve(ctx context.Context, w http.ResponseWriter, req *request) {
	table := f.requestTable(req)
	f.mu.Lock()
	f.counts[opTable{req.op, strings.ToLower(table)}]++
	f.mu.Unlock()
	if fl, ok := f.matchFault(req.op, table); ok {
		if fl.Delay > 0 {
			timer := time.NewTimer(fl.Delay)
			select {
			case <-ctx.Done():
				// The client gave up: nothing is applied.
				timer.Stop()
				return
			case <-timer.C:
			}
		}
		switch {
		case fl.HTTPStatus != 0:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(fl.HTTPStatus)
			io.WriteString(w, "injected fault\n")
			return
		case fl.Code != 0:
			writeAnswer(w, answerError(failf(fl.Code, "injected fault: %v", fl.Code)))
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	writeAnswer(w, f.answer(req))
}

// answer executes req and returns its answer.
func (f *NoSQL) answer(req *request) object {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ans object
	var err *protoError
	if f.closed {
		err = failf(nosqlerr.ServiceUnavailable, "the fake is closed")
	} else {
		switch req.op {
		case OpTable:
			ans, err = f.tableRequest(req)
		case OpGetTable:
			ans, err = f.getTable(req)
		case OpGet:
			ans, err = f.get(req)
		case OpPut:
			ans, err = f.put(req)
		case OpDelete:
			ans, err = f.delete(req)
		case OpWriteMultiple:
			ans, err = f.writeMultiple(req)
		case OpMultiDelete:
			ans, err = f.multiDelete(req)
		case OpPrepare:
			ans, err = f.prepare(req)
		case OpQuery:
			ans, err = f.query(req)
		}
	}
	if err != nil {
		return answerError(err)
	}
	return ans
}

// requestTable is the table a request is about, for faults and counts:
// the header's, or the one its statement names.
func (f *NoSQL) requestTable(req *request) string {
	if req.table != "" {
		return req.table
	}
	switch req.op {
	case OpTable:
		if d, err := statement.ParseDDL(req.payload.str(fStatement)); err == nil {
			return ddlTable(d)
		}
	case OpPrepare, OpQuery:
		text := req.payload.str(fStatement)
		if pq := req.payload.bytes(fPreparedQuery); pq != nil {
			text, _ = preparedText(pq)
		}
		f.mu.Lock()
		q, err := f.queries.parse(text)
		f.mu.Unlock()
		if err == nil {
			return q.TableName()
		}
	case OpWriteMultiple:
		for _, op := range req.payload.array(fOperations) {
			if o, ok := op.(object); ok {
				sub := fields{obj: o}
				return sub.str(fTableName)
			}
		}
	}
	return ""
}

// request is a decoded request.
type request struct {
	op      Op
	code    int
	table   string
	payload *fields
}

// parseRequest decodes the NSON body of a request (after its serial
// version) and checks that the fake serves its operation.
func parseRequest(b []byte) (*request, *protoError) {
	obj, err := decodeObject(b)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	body := &fields{obj: obj}
	header := &fields{obj: body.object(fHeader)}
	payload := &fields{obj: body.object(fPayload)}
	if body.err != nil {
		return nil, body.err
	}
	if header.obj == nil {
		return nil, badRequest("the request has no header")
	}
	if v := header.int(fVersion); v != serialVersion {
		return nil, failf(nosqlerr.UnsupportedProtocol, "unsupported protocol version %d in the header: the fake speaks only %d", v, serialVersion)
	}
	code := int(header.int(fOpCode))
	req := &request{
		code:    code,
		table:   header.str(fTableName),
		payload: payload,
	}
	if header.err != nil {
		return nil, header.err
	}
	op, ok := opNames[code]
	if !ok {
		return nil, failf(nosqlerr.OperationNotSupported, "operation code %d is not supported by the fake (it serves get, put, delete, write-multiple, multi-delete, prepare, query, table DDL and get-table)", code)
	}
	req.op = op
	return req, nil
}

// writeAnswer sends ans with status 200, as the service sends in-band errors.
func writeAnswer(w http.ResponseWriter, ans object) {
	b, err := encode(ans)
	if err != nil {
		b, _ = encode(answerError(failf(nosqlerr.ServerError, "encode the answer: %v", err)))
	}
	setHeaders(w)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// setHeaders sets the headers the SDK reads from every answer.
func setHeaders(w http.ResponseWriter) {
	w.Header().Set("x-nosql-serial-version", strconv.Itoa(serialVersion))
}

package ocilog

import (
	"context"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/loggingingestion"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fotogal/fotogal/pkg/logging"
)

const (
	// maxEntryBytes bounds one entry's data: the service takes entries
	// under 1 MB.
	maxEntryBytes = 1_000_000
	// maxRequestBytes bounds the entries of one PutLogs request, as JSON,
	// well under what the service takes in one request.
	maxRequestBytes = 1 << 20
	// entryOverhead is what an entry adds to a request besides its data:
	// its id, its time and the JSON around them.
	entryOverhead = 128
	// maxAttempts is how many times a batch is sent before it is dropped.
	maxAttempts = 4
	// firstBackoff is the wait before the first retry; it doubles for each
	// further one, up to maxBackoff.
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 2 * time.Second
	// startMessage is the entry New sends to check the settings.
	startMessage = "log shipping to OCI Logging started"
)

// record is an encoded entry waiting to be sent.
type record struct {
	time time.Time
	data string // one JSON line, without its newline
}

// Shipper sends a binary's log entries to an OCI Logging custom log, in
// batches, from one goroutine. Its Core queues entries without waiting;
// Close sends what is queued. The methods of a nil *Shipper (shipping off)
// do nothing.
type Shipper struct {
	client         loggingingestion.LoggingClient
	logID          string
	service        string
	source         string // the host name
	logType        string // "fotogal.<service>"
	batchSize      int
	flushInterval  time.Duration
	requestTimeout time.Duration

	enc   zapcore.Encoder // the stdout encoding, with "service"
	queue chan record
	m     *metrics
	warn  *zap.Logger // stderr: the shipper's own troubles, never shipped

	closed    atomic.Bool
	stop      chan struct{}   // closed by Close: send what is queued, then return
	done      chan struct{}   // closed when the sending goroutine returns
	ctx       context.Context // of every send; cancelled when Close gives up
	cancel    context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

// New returns a Shipper of service's entries to the log cfg.LogID, signed
// as provider, or nil when cfg.LogID is empty. It sends one entry at once
// ("log shipping to OCI Logging started") and fails, naming the setting to
// fix, when the service refuses it: FOTOGAL_OCI_AUTH on 401 (a wrong key, a
// clock far off), FOTOGAL_OCI_LOG_ID on 404 or 403 (no such log, or no
// policy letting the identity write to it), and either on another refusal.
// When the service does not answer, answers 429 or fails (5xx), New warns
// on stderr and returns the Shipper, which keeps trying with later
// batches. ctx bounds only that first request.
func New(ctx context.Context, cfg Config, service string, provider common.ConfigurationProvider) (*Shipper, error) {
	if cfg.LogID == "" {
		return nil, nil
	}
	if provider == nil {
		return nil, errors.New("FOTOGAL_OCI_LOG_ID is set but there is no OCI identity (FOTOGAL_OCI_AUTH) to sign with")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	client, err := loggingingestion.NewLoggingClientWithConfigurationProvider(provider)
	if err != nil {
		return nil, fmt.Errorf("FOTOGAL_OCI_AUTH: OCI Logging client: %w", err)
	}
	if cfg.Region != "" {
		client.SetRegion(cfg.Region)
	}
	if cfg.Endpoint != "" {
		client.Host = cfg.Endpoint
	}
	common.UpdateEndpointTemplateForOptions(&client.BaseClient)
	common.SetMissingTemplateParams(&client.BaseClient)
	// The shipper's own retries and drops are the only policy: the SDK's
	// circuit breaker would fail batches on its own schedule.
	client.Configuration.CircuitBreaker = nil

	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	warn, err := logging.NewTo(zapcore.Lock(os.Stderr), service, "warn")
	if err != nil {
		return nil, err
	}
	enc := zapcore.NewJSONEncoder(logging.EncoderConfig())
	enc.AddString("service", service)
	sendCtx, cancel := context.WithCancel(context.Background())
	s := &Shipper{
		client:         client,
		logID:          cfg.LogID,
		service:        service,
		source:         host,
		logType:        "fotogal." + service,
		batchSize:      cfg.BatchSize,
		flushInterval:  cfg.FlushInterval,
		requestTimeout: cfg.RequestTimeout,
		enc:            enc,
		queue:          make(chan record, cfg.Buffer),
		m:              newMetrics(),
		warn:           warn.Named("ocilog"),
		stop:           make(chan struct{}),
		done:           make(chan struct{}),
		ctx:            sendCtx,
		cancel:         cancel,
	}
	if err := s.start(ctx); err != nil {
		cancel()
		return nil, err
	}
	go s.run()
	return s, nil
}

// withDefaults fills in the values a Config built by hand may lack.
func withDefaults(cfg Config) Config {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 2 * time.Second
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = 10000
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	return cfg
}

// start sends the first entry, once, and returns the error that should
// stop the binary, if any.
func (s *Shipper) start(ctx context.Context) error {
	r, err := s.encode(zapcore.Entry{Level: zapcore.InfoLevel, Time: time.Now(), Message: startMessage},
		zap.String("log_id", s.logID), zap.String("source", s.source))
	if err != nil {
		return err
	}
	err = s.put(ctx, s.request([]record{r}))
	if err == nil {
		s.m.shipped.Inc()
		return nil
	}
	s.m.failure(err)
	status, code, msg := describe(err)
	switch {
	case status == http.StatusUnauthorized:
		return fmt.Errorf("FOTOGAL_OCI_AUTH: OCI Logging refused the request signature (%d %s: %s): check the key, its fingerprint, the user and tenancy OCIDs, and the clock", status, code, msg)
	case status == http.StatusNotFound || status == http.StatusForbidden:
		return fmt.Errorf("FOTOGAL_OCI_LOG_ID %s: OCI Logging answered %d %s (%s): check the log OCID and its region, and that a policy lets the identity of FOTOGAL_OCI_AUTH use log-content", s.logID, status, code, msg)
	case status >= 400 && status < 500 && status != http.StatusTooManyRequests:
		return fmt.Errorf("FOTOGAL_OCI_LOG_ID %s, FOTOGAL_OCI_AUTH: OCI Logging refused the first entry (%d %s: %s)", s.logID, status, code, msg)
	}
	s.m.droppedSendFailed.Inc()
	s.warn.Warn("OCI Logging did not take the first entry; shipping goes on",
		zap.String("log_id", s.logID), zap.Int("status", status), zap.String("error_code", code), zap.String("message", msg))
	return nil
}

// Core returns a zapcore.Core, enabled at level, that encodes each entry
// exactly as stdout does (same keys, "service" and the fields added with
// With) and queues it for shipping. Tee it onto the root logger (see
// logging.Tee). Its Write never waits: when the queue is full, the entry is
// dropped and counted.
func (s *Shipper) Core(level zapcore.LevelEnabler) zapcore.Core {
	if s == nil {
		return zapcore.NewNopCore()
	}
	return &core{LevelEnabler: level, enc: s.enc.Clone(), s: s}
}

// Collector returns the shipper's metrics, to register with the binary's
// Prometheus registry: fotogal_log_entries_dropped_total{reason},
// fotogal_log_entries_shipped_total and fotogal_log_put_failures_total{status}.
func (s *Shipper) Collector() prometheus.Collector {
	if s == nil {
		return noMetrics{}
	}
	return s.m
}

// Close stops taking entries and sends those queued, waiting at most until
// ctx ends (give it the shutdown timeout). When ctx ends first, the
// request in flight is abandoned, the rest is dropped and counted, and
// Close returns ctx's error. Entries logged after Close are dropped and
// counted. Calling it again returns the first call's result.
func (s *Shipper) Close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		select {
		case <-s.done:
		case <-ctx.Done():
			s.cancel()
			<-s.done
			s.closeErr = fmt.Errorf("flush logs to OCI Logging: %w", ctx.Err())
		}
		s.cancel()
		// Entries that slipped in while Close was marking the shipper
		// closed are never read.
		s.m.droppedShutdown.Add(float64(len(s.queue)))
	})
	return s.closeErr
}

// encode returns the entry as the Core would queue it.
func (s *Shipper) encode(e zapcore.Entry, fields ...zapcore.Field) (record, error) {
	buf, err := s.enc.EncodeEntry(e, fields)
	if err != nil {
		return record{}, err
	}
	defer buf.Free()
	b := buf.Bytes()
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return record{time: e.Time, data: string(b)}, nil
}

// enqueue queues r, or drops and counts it.
func (s *Shipper) enqueue(r record) {
	switch {
	case s.closed.Load():
		s.m.droppedShutdown.Inc()
	case len(r.data) >= maxEntryBytes:
		s.m.droppedTooLarge.Inc()
	default:
		select {
		case s.queue <- r:
		default:
			s.m.droppedQueueFull.Inc()
		}
	}
}

// batch is the entries read from the queue and not yet sent.
type batch struct {
	recs  []record
	bytes int
}

// run reads the queue and sends batches until Close.
func (s *Shipper) run() {
	defer close(s.done)
	tick := time.NewTicker(s.flushInterval)
	defer tick.Stop()
	var b batch
	for {
		select {
		case r := <-s.queue:
			s.add(&b, r)
		case <-tick.C:
			s.flush(&b)
		case <-s.stop:
			for {
				select {
				case r := <-s.queue:
					s.add(&b, r)
				default:
					s.flush(&b)
					return
				}
			}
		}
	}
}

// add appends r to b, sending b first if r would take it over
// maxRequestBytes, and after if it is then full.
func (s *Shipper) add(b *batch, r record) {
	size := entrySize(r.data)
	if len(b.recs) > 0 && b.bytes+size > maxRequestBytes {
		s.flush(b)
	}
	b.recs = append(b.recs, r)
	b.bytes += size
	if len(b.recs) >= s.batchSize {
		s.flush(b)
	}
}

// flush sends b, if it holds anything, and empties it.
func (s *Shipper) flush(b *batch) {
	if len(b.recs) == 0 {
		return
	}
	s.send(b.recs)
	clear(b.recs)
	b.recs = b.recs[:0]
	b.bytes = 0
}

// send puts recs in one request and sends it, retrying on throttling,
// server errors and no answer, with backoff, up to maxAttempts times. A
// batch refused or failing every time is dropped and counted.
func (s *Shipper) send(recs []record) {
	if s.ctx.Err() != nil {
		s.m.droppedShutdown.Add(float64(len(recs)))
		return
	}
	req := s.request(recs)
	var err error
	for attempt := 1; ; attempt++ {
		if err = s.put(s.ctx, req); err == nil {
			s.m.shipped.Add(float64(len(recs)))
			return
		}
		if s.ctx.Err() != nil {
			s.m.droppedShutdown.Add(float64(len(recs)))
			return
		}
		s.m.failure(err)
		if attempt == maxAttempts || !retryable(err) || !s.sleep(backoff(attempt)) {
			break
		}
	}
	if s.ctx.Err() != nil {
		s.m.droppedShutdown.Add(float64(len(recs)))
		return
	}
	s.m.droppedSendFailed.Add(float64(len(recs)))
	status, code, msg := describe(err)
	s.warn.Warn("dropped log entries OCI Logging did not take",
		zap.Int("entries", len(recs)), zap.Int("status", status), zap.String("error_code", code), zap.String("message", msg))
}

// sleep waits d, or until Close gives up; it reports whether d passed.
func (s *Shipper) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// backoff is the wait after the attempt-th failed attempt: doubling from
// firstBackoff up to maxBackoff, less up to a half at random so that
// binaries restarted together do not retry in step.
func backoff(attempt int) time.Duration {
	d := min(firstBackoff<<(attempt-1), maxBackoff)
	return d/2 + rand.N(d/2+1)
}

// put makes one PutLogs attempt, bounded by the request timeout. It makes
// the call itself rather than through the client's PutLogs, which runs
// every call in a goroutine of its retrier that races with the caller when
// ctx ends first.
func (s *Shipper) put(ctx context.Context, req loggingingestion.PutLogsRequest) error {
	ctx, cancel := context.WithTimeout(ctx, s.requestTimeout)
	defer cancel()
	httpReq, err := req.HTTPRequest(http.MethodPost, putLogsPath, nil, nil)
	if err != nil {
		return fmt.Errorf("PutLogs request: %w", err)
	}
	resp, err := s.client.CallWithServiceAndOperationName(ctx, &httpReq, "logging", "PutLogs")
	common.CloseBodyIfValid(resp)
	return err
}

// putLogsPath is the route of PutLogs under the API version.
const putLogsPath = "/logs/{logId}/actions/push"

// request returns the PutLogs request of recs: one batch from this host,
// each entry with a new id, sent again unchanged on a retry.
func (s *Shipper) request(recs []record) loggingingestion.PutLogsRequest {
	entries := make([]loggingingestion.LogEntry, len(recs))
	for i, r := range recs {
		entries[i] = loggingingestion.LogEntry{
			Data: common.String(r.data),
			Id:   common.String(newID()),
			Time: &common.SDKTime{Time: r.time},
		}
	}
	return loggingingestion.PutLogsRequest{
		LogId: common.String(s.logID),
		PutLogsDetails: loggingingestion.PutLogsDetails{
			Specversion: common.String("1.0"),
			LogEntryBatches: []loggingingestion.LogEntryBatch{{
				Entries:             entries,
				Source:              common.String(s.source),
				Type:                common.String(s.logType),
				Subject:             common.String(s.service),
				Defaultlogentrytime: &common.SDKTime{Time: time.Now()},
			}},
		},
	}
}

// retryable reports whether a failed attempt may succeed if repeated: no
// answer, throttling (429) or a server error (5xx).
func retryable(err error) bool {
	status, _, _ := describe(err)
	return status == 0 || status == http.StatusTooManyRequests || status >= 500
}

// describe returns the HTTP status, error code and message of a failed
// attempt; status 0 and the error's text when no answer came.
func describe(err error) (status int, code, message string) {
	var se common.ServiceError
	if errors.As(err, &se) {
		return se.GetHTTPStatusCode(), se.GetCode(), se.GetMessage()
	}
	return 0, "", err.Error()
}

// entrySize is how many bytes an entry with data adds to a request: data
// escaped as a JSON string (as encoding/json escapes it), plus
// entryOverhead.
func entrySize(data string) int {
	n := entryOverhead
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"' || c == '\\':
			n += 2
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 6
		case c == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9):
			n += 6 // U+2028, U+2029
			i += 2
		default:
			n++
		}
	}
	return n
}

// newID returns a random (version 4) UUID, the id of one entry.
func newID() string {
	var b [16]byte
	cryptorand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// noMetrics is the Collector of a nil Shipper: nothing to report.
type noMetrics struct{}

func (noMetrics) Describe(chan<- *prometheus.Desc) {}
func (noMetrics) Collect(chan<- prometheus.Metric) {}

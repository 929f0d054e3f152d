package ocilog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/ocifake"
	"github.com/fotogal/fotogal/pkg/ocilog"
)

const logID = "ocid1.log.oc1.iad.amaaaaaafotogaltest"

// fixture is a Logging fake that checks signatures, and the settings and
// identity to ship to it.
type fixture struct {
	fake     *ocifake.Logging
	cfg      ocilog.Config
	provider common.ConfigurationProvider
}

// newFixture starts a Logging fake knowing logID and accepting the
// signatures of a new key, with opts applied to its options.
func newFixture(t *testing.T, opts ...func(*ocifake.LoggingOptions, ocifake.Key)) fixture {
	t.Helper()
	k := ocifake.NewKey(t)
	o := ocifake.LoggingOptions{
		Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}},
		Logs:     []string{logID},
	}
	for _, opt := range opts {
		opt(&o, k)
	}
	f, url := ocifake.StartLogging(t, o)
	return fixture{
		fake:     f,
		provider: providerOf(t, k),
		cfg: ocilog.Config{
			LogID:          logID,
			Endpoint:       url,
			BatchSize:      10,
			FlushInterval:  time.Hour,
			Buffer:         1000,
			RequestTimeout: 5 * time.Second,
		},
	}
}

// providerOf is the identity FOTOGAL_OCI_AUTH=api_key gives with k's
// config file.
func providerOf(t *testing.T, k ocifake.Key) common.ConfigurationProvider {
	t.Helper()
	p, err := common.ConfigurationProviderFromFile(k.ConfigFile, k.Profile)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newShipper returns a Shipper of service "auth" for fx, closed at the end
// of the test.
func newShipper(t *testing.T, fx fixture) *ocilog.Shipper {
	t.Helper()
	s, err := ocilog.New(context.Background(), fx.cfg, "auth", fx.provider)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// newLogger returns a logger printing to stdout, as logging.New's does,
// teed onto s.
func newLogger(t *testing.T, s *ocilog.Shipper, stdout *bytes.Buffer) *zap.Logger {
	t.Helper()
	l, err := logging.NewTo(zapcore.AddSync(stdout), "auth", "info")
	if err != nil {
		t.Fatal(err)
	}
	return logging.Tee(l, s.Core(l.Core()))
}

// closeShipper closes s within 5 s and fails the test on an error.
func closeShipper(t *testing.T, s *ocilog.Shipper) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// metric returns the value of the counter name with labels in c.
func metric(t *testing.T, c prometheus.Collector, name string, labels ...string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
		return 0
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// waitFor waits until cond holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// data returns the data of entries, the start entry left out.
func data(t *testing.T, entries []ocifake.LogEntry) []string {
	t.Helper()
	if len(entries) == 0 || !strings.Contains(entries[0].Data, `"msg":"log shipping to OCI Logging started"`) {
		t.Fatalf("first entry %+v is not the start entry", entries)
	}
	var out []string
	for _, e := range entries[1:] {
		out = append(out, e.Data)
	}
	return out
}

var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEntriesAreTheStdoutLines(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	s := newShipper(t, fx)
	var stdout bytes.Buffer
	l := newLogger(t, s, &stdout)

	rl := l.With(zap.String("request_id", "req-42"))
	rl.Info("rpc", zap.String("method", "/fotogal.user.v1.UserService/GetUser"), zap.String("code", "OK"), zap.Duration("duration", 1500*time.Microsecond))
	rl.Debug("not enabled")
	rl.Warn("slow upstream", zap.String("upstream", "image"))
	rl.Error("rpc failed", zap.Error(errors.New("boom")))
	closeShipper(t, s)

	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	entries := fx.fake.Entries()
	got := data(t, entries)
	if strings.Join(got, "\n") != strings.Join(lines, "\n") {
		t.Fatalf("shipped entries:\n%s\nstdout:\n%s", strings.Join(got, "\n"), strings.Join(lines, "\n"))
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(got[0]), &first); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"service": "auth", "request_id": "req-42", "method": "/fotogal.user.v1.UserService/GetUser", "code": "OK", "duration": 0.0015} {
		if first[key] != want {
			t.Errorf("first entry's %s = %v, want %v", key, first[key], want)
		}
	}

	host, _ := os.Hostname()
	ids := map[string]bool{}
	for i, e := range entries {
		if e.Source != host || e.Type != "fotogal.auth" || e.Subject != "auth" || e.LogID != logID {
			t.Errorf("entry %d: source %q type %q subject %q log %q, want %q fotogal.auth auth %s", i, e.Source, e.Type, e.Subject, e.LogID, host, logID)
		}
		if !uuid.MatchString(e.ID) || ids[e.ID] {
			t.Errorf("entry %d: id %q is not a new UUID", i, e.ID)
		}
		ids[e.ID] = true
		var line struct{ Time time.Time }
		if err := json.Unmarshal([]byte(e.Data), &line); err != nil {
			t.Fatal(err)
		}
		if !e.Time.Equal(line.Time) {
			t.Errorf("entry %d: time %v, want its line's %v", i, e.Time, line.Time)
		}
	}
	if n := metric(t, s.Collector(), "fotogal_log_entries_shipped_total"); n != 4 {
		t.Errorf("shipped = %v, want 4 (the start entry and 3 lines)", n)
	}
}

func TestBatching(t *testing.T) {
	t.Parallel()
	t.Run("by count", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		s := newShipper(t, fx)
		l := newLogger(t, s, new(bytes.Buffer))
		for i := range 95 {
			l.Info("entry", zap.Int("i", i))
		}
		closeShipper(t, s)
		if got := len(data(t, fx.fake.Entries())); got != 95 {
			t.Fatalf("%d entries shipped, want 95", got)
		}
		if n := fx.fake.Requests() - 1; n > 10 {
			t.Errorf("95 entries in batches of 10 took %d requests, want at most 10", n)
		}
	})
	t.Run("by bytes", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		s := newShipper(t, fx)
		l := newLogger(t, s, new(bytes.Buffer))
		big := strings.Repeat("x", 300_000)
		for range 10 {
			l.Info(big)
		}
		closeShipper(t, s)
		if got := len(data(t, fx.fake.Entries())); got != 10 {
			t.Fatalf("%d entries shipped, want 10", got)
		}
		// Three 300 KB entries at most fit in a 1 MiB request.
		if n := fx.fake.Requests() - 1; n < 4 {
			t.Errorf("10 entries of 300 KB took %d requests, want at least 4", n)
		}
	})
	t.Run("by interval", func(t *testing.T) {
		t.Parallel()
		fx := newFixture(t)
		fx.cfg.FlushInterval = 20 * time.Millisecond
		s := newShipper(t, fx)
		newLogger(t, s, new(bytes.Buffer)).Info("alone")
		waitFor(t, "the entry to be shipped without Close", func() bool { return len(fx.fake.Entries()) == 2 })
	})
}

func TestTooLargeEntryIsDropped(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	s := newShipper(t, fx)
	l := newLogger(t, s, new(bytes.Buffer))
	l.Info(strings.Repeat("x", 1_000_000))
	l.Info("small")
	closeShipper(t, s)
	if got := data(t, fx.fake.Entries()); len(got) != 1 || !strings.Contains(got[0], `"msg":"small"`) {
		t.Errorf("shipped %d entries, want only the small one", len(got))
	}
	if n := metric(t, s.Collector(), "fotogal_log_entries_dropped_total", "reason", "too_large"); n != 1 {
		t.Errorf("dropped too_large = %v, want 1", n)
	}
}

func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.cfg.BatchSize = 100
	s := newShipper(t, fx)
	l := newLogger(t, s, new(bytes.Buffer))
	for i := range 10 {
		l.Info("queued", zap.Int("i", i))
	}
	if n := len(fx.fake.Entries()); n != 1 {
		t.Fatalf("%d entries shipped before Close, want only the start entry", n)
	}
	closeShipper(t, s)
	if got := len(data(t, fx.fake.Entries())); got != 10 {
		t.Errorf("Close shipped %d entries, want 10", got)
	}
	l.Info("after Close")
	if n := metric(t, s.Collector(), "fotogal_log_entries_dropped_total", "reason", "shutdown"); n != 1 {
		t.Errorf("dropped shutdown = %v, want 1 (the entry logged after Close)", n)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestBlockedEndpointDoesNotBlockWrites(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	fx.cfg.Buffer = 100
	fx.cfg.FlushInterval = 10 * time.Millisecond
	fx.cfg.RequestTimeout = time.Minute
	s := newShipper(t, fx)
	l := newLogger(t, s, new(bytes.Buffer))

	release := fx.fake.Block()
	defer release()
	l.Info("in flight")
	waitFor(t, "the shipper's request to be held", func() bool { return fx.fake.Held() == 1 })

	const writes = 5000
	for i := range writes {
		l.Info("while blocked", zap.Int("i", i))
	}
	if fx.fake.Held() != 1 {
		t.Fatal("the fake let the request go while the writes ran")
	}
	if n := metric(t, s.Collector(), "fotogal_log_entries_dropped_total", "reason", "queue_full"); n != writes-100 {
		t.Errorf("dropped queue_full = %v, want %d (all but the 100 the buffer holds)", n, writes-100)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close while blocked = %v, want context.DeadlineExceeded", err)
	}
	if deadline, _ := ctx.Deadline(); time.Now().Before(deadline) {
		t.Error("Close returned before its deadline")
	}
	if n := metric(t, s.Collector(), "fotogal_log_entries_dropped_total", "reason", "shutdown"); n != 101 {
		t.Errorf("dropped shutdown = %v, want 101 (100 queued and 1 in flight)", n)
	}
	waitFor(t, "the abandoned request to leave the fake", func() bool { return fx.fake.Held() == 0 })
	release()
	if n := len(fx.fake.Entries()); n != 1 {
		t.Errorf("%d entries shipped, want only the start entry", n)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       ocifake.LoggingFault
		status      string
		wantShipped bool
		attempts    float64 // failed attempts
	}{
		{name: "429 twice", fault: ocifake.LoggingFault{HTTPStatus: 429, Times: 2}, status: "429", wantShipped: true, attempts: 2},
		{name: "503 twice", fault: ocifake.LoggingFault{HTTPStatus: 503, Times: 2}, status: "503", wantShipped: true, attempts: 2},
		{name: "no answer once", fault: ocifake.LoggingFault{Delay: time.Minute, Times: 1}, status: "none", wantShipped: true, attempts: 1},
		{name: "503 always", fault: ocifake.LoggingFault{HTTPStatus: 503}, status: "503", attempts: 4},
		{name: "400 is not retried", fault: ocifake.LoggingFault{HTTPStatus: 400}, status: "400", attempts: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			// Long enough for every answered request on a loaded machine
			// under -race: only the held one may time out.
			fx.cfg.RequestTimeout = 2 * time.Second
			s := newShipper(t, fx)
			l := newLogger(t, s, new(bytes.Buffer))
			fx.fake.InjectFault(tc.fault)
			l.Info("retried")
			closeShipper(t, s)

			shipped := len(fx.fake.Entries()) == 2
			if shipped != tc.wantShipped {
				t.Errorf("entry shipped: %v, want %v", shipped, tc.wantShipped)
			}
			if n := metric(t, s.Collector(), "fotogal_log_put_failures_total", "status", tc.status); n != tc.attempts {
				t.Errorf("failed attempts with status %s = %v, want %v", tc.status, n, tc.attempts)
			}
			wantDropped := 1.0
			if tc.wantShipped {
				wantDropped = 0
			}
			if n := metric(t, s.Collector(), "fotogal_log_entries_dropped_total", "reason", "send_failed"); n != wantDropped {
				t.Errorf("dropped send_failed = %v, want %v", n, wantDropped)
			}
		})
	}
}

func TestNewFailsOnRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opt     func(*ocifake.LoggingOptions, ocifake.Key)
		wantErr []string
	}{
		{
			name:    "wrong key",
			opt:     func(o *ocifake.LoggingOptions, _ ocifake.Key) { o.Verifier.Keys = []ocifake.Key{ocifake.NewKey(t)} },
			wantErr: []string{"FOTOGAL_OCI_AUTH", "401 NotAuthenticated"},
		},
		{
			name: "stale date",
			opt: func(o *ocifake.LoggingOptions, _ ocifake.Key) {
				o.Verifier.Now = func() time.Time { return time.Now().Add(time.Hour) }
			},
			wantErr: []string{"FOTOGAL_OCI_AUTH", "401 NotAuthenticated", "clock"},
		},
		{
			name:    "unknown log",
			opt:     func(o *ocifake.LoggingOptions, _ ocifake.Key) { o.Logs = []string{"ocid1.log.oc1.iad.another"} },
			wantErr: []string{"FOTOGAL_OCI_LOG_ID " + logID, "404 NotAuthorizedOrNotFound"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, tc.opt)
			s, err := ocilog.New(context.Background(), fx.cfg, "auth", fx.provider)
			if err == nil {
				s.Close(context.Background())
				t.Fatal("New succeeded, want an error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestNewGoesOnWhenTheServiceFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault ocifake.LoggingFault
	}{
		{name: "503", fault: ocifake.LoggingFault{HTTPStatus: 503, Times: 1}},
		{name: "429", fault: ocifake.LoggingFault{HTTPStatus: 429, Times: 1}},
		{name: "no answer", fault: ocifake.LoggingFault{Delay: time.Minute, Times: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			fx.cfg.RequestTimeout = 200 * time.Millisecond
			fx.fake.InjectFault(tc.fault)
			s := newShipper(t, fx)
			newLogger(t, s, new(bytes.Buffer)).Info("after a bad start")
			closeShipper(t, s)
			got := fx.fake.Entries()
			if len(got) != 1 || !strings.Contains(got[0].Data, `"msg":"after a bad start"`) {
				t.Errorf("entries %+v, want the one logged after New", got)
			}
		})
	}
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	s, err := ocilog.New(context.Background(), ocilog.Config{}, "auth", nil)
	if s != nil || err != nil {
		t.Fatalf("New without a log id = %v, %v; want nil, nil", s, err)
	}
	var stdout bytes.Buffer
	l, err := logging.NewTo(zapcore.AddSync(&stdout), "auth", "")
	if err != nil {
		t.Fatal(err)
	}
	logging.Tee(l, s.Core(l.Core())).Info("stdout only")
	if !strings.Contains(stdout.String(), "stdout only") {
		t.Errorf("stdout = %q, want the line", stdout.String())
	}
	if err := prometheus.NewRegistry().Register(s.Collector()); err != nil {
		t.Errorf("register the metrics of a nil Shipper: %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close of a nil Shipper: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    ocilog.Config
		wantErr []string
	}{
		{
			name: "defaults",
			want: ocilog.Config{BatchSize: 100, FlushInterval: 2 * time.Second, Buffer: 10000, RequestTimeout: 5 * time.Second},
		},
		{
			name: "all set",
			env: map[string]string{
				"FOTOGAL_OCI_LOG_ID": logID, "FOTOGAL_OCI_REGION": "eu-frankfurt-1",
				"FOTOGAL_OCI_LOGGING_ENDPOINT": "http://127.0.0.1:8090", "FOTOGAL_OCI_LOG_BATCH": "50",
				"FOTOGAL_OCI_LOG_FLUSH_INTERVAL": "500ms", "FOTOGAL_OCI_LOG_BUFFER": "20",
				"FOTOGAL_OCI_LOG_REQUEST_TIMEOUT": "1s",
			},
			want: ocilog.Config{
				LogID: logID, Region: "eu-frankfurt-1", Endpoint: "http://127.0.0.1:8090", BatchSize: 50,
				FlushInterval: 500 * time.Millisecond, Buffer: 20, RequestTimeout: time.Second,
			},
		},
		{
			name: "bad values",
			env: map[string]string{
				"FOTOGAL_OCI_LOG_ID": "ocid1.bucket.oc1..x", "FOTOGAL_OCI_LOGGING_ENDPOINT": "ingestion.example.com/path",
				"FOTOGAL_OCI_LOG_BATCH": "0", "FOTOGAL_OCI_LOG_BUFFER": "many", "FOTOGAL_OCI_LOG_FLUSH_INTERVAL": "-1s",
			},
			wantErr: []string{"FOTOGAL_OCI_LOG_ID", "FOTOGAL_OCI_LOGGING_ENDPOINT", "FOTOGAL_OCI_LOG_BATCH", "FOTOGAL_OCI_LOG_BUFFER", "FOTOGAL_OCI_LOG_FLUSH_INTERVAL"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := config.NewLoader(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			got := ocilog.LoadConfig(l)
			err := l.Err()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("LoadConfig: %v", err)
				}
				if got != tc.want {
					t.Errorf("LoadConfig = %+v, want %+v", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatal("LoadConfig succeeded, want errors")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
		})
	}
}

// BenchmarkLog measures an access-log line logged to stdout (discarded)
// alone and teed onto a Shipper whose sender runs meanwhile.
func BenchmarkLog(b *testing.B) {
	line := func(l *zap.Logger) {
		l.Info("rpc", zap.String("request_id", "req-42"), zap.String("method", "/fotogal.user.v1.UserService/GetUser"),
			zap.String("code", "OK"), zap.Duration("duration", 1500*time.Microsecond))
	}
	stdout, err := logging.NewTo(zapcore.AddSync(io.Discard), "auth", "info")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stdout", func(b *testing.B) {
		for b.Loop() {
			line(stdout)
		}
	})
	b.Run("stdout+oci", func(b *testing.B) {
		k := ocifake.NewKey(b)
		_, url := ocifake.StartLogging(b, ocifake.LoggingOptions{Verifier: &ocifake.Verifier{Keys: []ocifake.Key{k}}})
		p, err := common.ConfigurationProviderFromFile(k.ConfigFile, k.Profile)
		if err != nil {
			b.Fatal(err)
		}
		s, err := ocilog.New(context.Background(), ocilog.Config{LogID: logID, Endpoint: url}, "auth", p)
		if err != nil {
			b.Fatal(err)
		}
		l := logging.Tee(stdout, s.Core(stdout.Core()))
		for b.Loop() {
			line(l)
		}
		b.StopTimer()
		s.Close(context.Background())
		reg := prometheus.NewRegistry()
		reg.MustRegister(s.Collector())
		b.ReportMetric(metricB(b, reg, "fotogal_log_entries_dropped_total")/float64(b.N), "dropped/op")
	})
}

// metricB sums the values of the counter name in reg.
func metricB(b *testing.B, reg *prometheus.Registry, name string) float64 {
	families, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

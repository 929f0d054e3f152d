package healthcheck

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const testService = "fotogal.test.v1.TestService"

// env is a set of environment variables, looked up as os.LookupEnv does.
type env map[string]string

func (e env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// startGRPC serves grpc.health.v1 on a free loopback port, with testService
// in state, and returns the port.
func startGRPC(t *testing.T, state healthpb.HealthCheckResponse_ServingStatus) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := health.NewServer()
	hs.SetServingStatus(testService, state)
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return port(t, ln.Addr().String())
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := port(t, ln.Addr().String())
	ln.Close()
	return p
}

// silentPort returns a loopback port that accepts connections and never
// answers.
func silentPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return port(t, ln.Addr().String())
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkExit asserts the exit code and what was printed: nothing when
// healthy, one line holding every string of want otherwise.
func checkExit(t *testing.T, code int, stderr string, wantCode int, want ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit code %d, want %d (stderr %q)", code, wantCode, stderr)
	}
	if wantCode == 0 {
		if stderr != "" {
			t.Errorf("healthy check printed %q, want nothing", stderr)
		}
		return
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr %q, want exactly one line", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q", stderr, w)
		}
	}
}

func TestGRPC(t *testing.T) {
	t.Parallel()
	serving := startGRPC(t, healthpb.HealthCheckResponse_SERVING)
	notServing := startGRPC(t, healthpb.HealthCheckResponse_NOT_SERVING)
	closed := closedPort(t)
	silent := silentPort(t)

	tests := []struct {
		name        string
		env         env
		defaultAddr string
		service     string
		wantCode    int
		want        []string
	}{
		{
			name:     "serving, all interfaces",
			env:      env{"FOTOGAL_GRPC_ADDR": ":" + serving},
			service:  testService,
			wantCode: 0,
		},
		{
			name:     "serving, 0.0.0.0",
			env:      env{"FOTOGAL_GRPC_ADDR": "0.0.0.0:" + serving},
			service:  testService,
			wantCode: 0,
		},
		{
			name:     "serving, the server as a whole",
			env:      env{"FOTOGAL_GRPC_ADDR": "127.0.0.1:" + serving},
			service:  "",
			wantCode: 0,
		},
		{
			name:        "serving, default address when unset",
			env:         env{},
			defaultAddr: "127.0.0.1:" + serving,
			service:     testService,
			wantCode:    0,
		},
		{
			name:        "serving, default address when empty",
			env:         env{"FOTOGAL_GRPC_ADDR": " "},
			defaultAddr: "127.0.0.1:" + serving,
			service:     testService,
			wantCode:    0,
		},
		{
			name:     "not serving",
			env:      env{"FOTOGAL_GRPC_ADDR": ":" + notServing},
			service:  testService,
			wantCode: 1,
			want:     []string{"NOT_SERVING", testService, "127.0.0.1:" + notServing},
		},
		{
			name:     "service not registered",
			env:      env{"FOTOGAL_GRPC_ADDR": ":" + serving},
			service:  "fotogal.other.v1.OtherService",
			wantCode: 1,
			want:     []string{"NotFound", "fotogal.other.v1.OtherService"},
		},
		{
			name:     "nothing listening",
			env:      env{"FOTOGAL_GRPC_ADDR": ":" + closed},
			service:  testService,
			wantCode: 1,
			want:     []string{"Unavailable", "127.0.0.1:" + closed},
		},
		{
			name:     "no answer within the timeout",
			env:      env{"FOTOGAL_GRPC_ADDR": ":" + silent, "FOTOGAL_HEALTHCHECK_TIMEOUT": "200ms"},
			service:  testService,
			wantCode: 1,
			want:     []string{"DeadlineExceeded"},
		},
		{
			name:     "bad address",
			env:      env{"FOTOGAL_GRPC_ADDR": "9092"},
			service:  testService,
			wantCode: 1,
			want:     []string{"FOTOGAL_GRPC_ADDR", "9092"},
		},
		{
			name:     "port 0",
			env:      env{"FOTOGAL_GRPC_ADDR": ":0"},
			service:  testService,
			wantCode: 1,
			want:     []string{"FOTOGAL_GRPC_ADDR", "no fixed port"},
		},
		{
			name:     "bad timeout",
			env:      env{"FOTOGAL_GRPC_ADDR": ":" + serving, "FOTOGAL_HEALTHCHECK_TIMEOUT": "soon"},
			service:  testService,
			wantCode: 1,
			want:     []string{"FOTOGAL_HEALTHCHECK_TIMEOUT", "soon"},
		},
		{
			name:     "two bad settings, one line",
			env:      env{"FOTOGAL_GRPC_ADDR": "nowhere", "FOTOGAL_HEALTHCHECK_TIMEOUT": "-1s"},
			service:  testService,
			wantCode: 1,
			want:     []string{"FOTOGAL_GRPC_ADDR", "FOTOGAL_HEALTHCHECK_TIMEOUT"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr strings.Builder
			start := time.Now()
			code := runGRPC(tc.env.lookup, &stderr, tc.defaultAddr, tc.service)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("check took %v, want well under the 3s default timeout", took)
			}
			checkExit(t, code, stderr.String(), tc.wantCode, tc.want...)
		})
	}
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}))
	t.Cleanup(healthy.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(failing.Close)
	redirecting := httptest.NewServer(http.RedirectHandler(healthy.URL+"/healthz", http.StatusFound))
	t.Cleanup(redirecting.Close)
	closed := closedPort(t)
	silent := silentPort(t)

	tests := []struct {
		name        string
		env         env
		defaultAddr string
		wantCode    int
		want        []string
	}{
		{
			name:     "200, all interfaces",
			env:      env{"FOTOGAL_HTTP_ADDR": ":" + port(t, healthy.Listener.Addr().String())},
			wantCode: 0,
		},
		{
			name:     "200, [::]",
			env:      env{"FOTOGAL_HTTP_ADDR": "[::]:" + port(t, healthy.Listener.Addr().String())},
			wantCode: 0,
		},
		{
			name:        "200, default address",
			env:         env{},
			defaultAddr: healthy.Listener.Addr().String(),
			wantCode:    0,
		},
		{
			name:     "503",
			env:      env{"FOTOGAL_HTTP_ADDR": failing.Listener.Addr().String()},
			wantCode: 1,
			want:     []string{"503", "/healthz"},
		},
		{
			name:     "a redirect is not followed",
			env:      env{"FOTOGAL_HTTP_ADDR": redirecting.Listener.Addr().String()},
			wantCode: 1,
			want:     []string{"302"},
		},
		{
			name:     "nothing listening",
			env:      env{"FOTOGAL_HTTP_ADDR": ":" + closed},
			wantCode: 1,
			want:     []string{"127.0.0.1:" + closed, "refused"},
		},
		{
			name:     "no answer within the timeout",
			env:      env{"FOTOGAL_HTTP_ADDR": ":" + silent, "FOTOGAL_HEALTHCHECK_TIMEOUT": "200ms"},
			wantCode: 1,
			want:     []string{"deadline exceeded"},
		},
		{
			name:     "bad address",
			env:      env{"FOTOGAL_HTTP_ADDR": "localhost"},
			wantCode: 1,
			want:     []string{"FOTOGAL_HTTP_ADDR", "localhost"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr strings.Builder
			start := time.Now()
			code := runHTTP(tc.env.lookup, &stderr, tc.defaultAddr)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("check took %v, want well under the 3s default timeout", took)
			}
			checkExit(t, code, stderr.String(), tc.wantCode, tc.want...)
		})
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen  string
		want    string
		wantErr bool
	}{
		{listen: ":9092", want: "127.0.0.1:9092"},
		{listen: "0.0.0.0:9092", want: "127.0.0.1:9092"},
		{listen: "[::]:9092", want: "127.0.0.1:9092"},
		{listen: "127.0.0.1:9092", want: "127.0.0.1:9092"},
		{listen: "[::1]:9092", want: "[::1]:9092"},
		{listen: "10.0.0.7:9092", want: "10.0.0.7:9092"},
		{listen: "9092", wantErr: true},
		{listen: ":0", wantErr: true},
		{listen: "127.0.0.1:", wantErr: true},
		{listen: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := loopback(tc.listen)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("loopback(%q) = %q, %v; want %q, error %v", tc.listen, got, err, tc.want, tc.wantErr)
		}
	}
}

package grpcserver_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/internal/testservice"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/requestid"
)

const testService = "fotogal.test.v1.TestService"

// started is a Server serving in the background, with a client and the log
// lines it wrote.
type started struct {
	srv    *grpcserver.Server
	conn   *grpc.ClientConn
	logs   *observer.ObservedLogs
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg grpcserver.Config, unary ...grpc.UnaryServerInterceptor) *started {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	srv, err := grpcserver.New(cfg, zap.New(core), "test", unary, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	testservice.Register(srv.GRPC(), testService, map[string]testservice.Handler{
		"Echo": func(ctx context.Context, in string) (string, error) {
			id, _ := requestid.FromContext(ctx)
			logging.FromContext(ctx).Info("echo handler")
			return in + "|" + id, nil
		},
		"Panic": func(context.Context, string) (string, error) {
			panic("boom")
		},
		"Fail": func(context.Context, string) (string, error) {
			return "", status.Error(codes.Unavailable, "store unreachable")
		},
		"Reject": func(context.Context, string) (string, error) {
			return "", status.Error(codes.InvalidArgument, "caller detail")
		},
		"Hang": func(ctx context.Context, _ string) (string, error) {
			logging.FromContext(ctx).Info("hanging")
			<-ctx.Done()
			return "", ctx.Err()
		},
	})
	srv.SetServing(testService)

	ctx, cancel := context.WithCancel(context.Background())
	s := &started{srv: srv, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-s.done
	})

	s.conn, err = grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { s.conn.Close() })
	return s
}

func (s *started) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
		return nil
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	client := healthpb.NewHealthClient(s.conn)
	ctx := testContext(t)
	for _, service := range []string{"", testService} {
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatalf("Check(%q): %v", service, err)
		}
		if got := resp.GetStatus(); got != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, want SERVING", service, got)
		}
	}
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"}); status.Code(err) != codes.NotFound {
		t.Errorf("Check(unknown) = %v, want NotFound", err)
	}
}

func TestReflection(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	stream, err := reflectionpb.NewServerReflectionClient(s.conn).ServerReflectionInfo(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	req := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}
	if err := stream.Send(req); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		got = append(got, svc.GetName())
	}
	for _, want := range []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", testService} {
		if !slices.Contains(got, want) {
			t.Errorf("services = %v, want %s among them", got, want)
		}
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	ctx := testContext(t)

	got, err := testservice.Call(metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, "rid-42"), s.conn, "/"+testService+"/Echo", "hi")
	if err != nil || got != "hi|rid-42" {
		t.Errorf("Echo with id = %q, %v; want hi|rid-42", got, err)
	}
	got, err = testservice.Call(ctx, s.conn, "/"+testService+"/Echo", "hi")
	if _, id, _ := strings.Cut(got, "|"); err != nil || len(id) != 32 {
		t.Errorf("Echo without id = %q, %v; want a new 32-digit id", got, err)
	}

	handlerLines := s.logs.FilterMessage("echo handler").AllUntimed()
	if len(handlerLines) != 2 || handlerLines[0].ContextMap()["request_id"] != "rid-42" {
		t.Errorf("handler log lines = %v, want 2, the first with request_id rid-42", handlerLines)
	}
}

func TestCallerInterceptorsRunLast(t *testing.T) {
	t.Parallel()
	var sawID bool
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"},
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			_, sawID = requestid.FromContext(ctx)
			return nil, status.Error(codes.PermissionDenied, "no")
		})
	_, err := testservice.Call(testContext(t), s.conn, "/"+testService+"/Echo", "hi")
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("Echo = %v, want PermissionDenied from the interceptor", err)
	}
	if !sawID {
		t.Error("caller's interceptor ran without a request id on the context")
	}
	if n := s.logs.FilterMessage("rpc").FilterField(zap.String("code", "PermissionDenied")).Len(); n != 1 {
		t.Errorf("%d access log lines for the refused call, want 1", n)
	}
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	ctx := testContext(t)
	_, err := testservice.Call(ctx, s.conn, "/"+testService+"/Panic", "")
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("Panic = %v, want Internal \"internal error\"", err)
	}
	if got, err := testservice.Call(ctx, s.conn, "/"+testService+"/Echo", "still"); err != nil || !strings.HasPrefix(got, "still|") {
		t.Errorf("Echo after panic = %q, %v; want the server alive", got, err)
	}
	panics := s.logs.FilterMessage("panic in handler").AllUntimed()
	if len(panics) != 1 || !strings.Contains(panics[0].ContextMap()["stack"].(string), "grpcserver") {
		t.Errorf("panic log lines = %v, want one with a stack", panics)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	ctx := metadata.AppendToOutgoingContext(testContext(t),
		"authorization", "Bearer topsecret-token", requestid.MetadataKey, "rid-7")
	for _, method := range []string{"Echo", "Fail", "Reject", "Panic"} {
		_, _ = testservice.Call(ctx, s.conn, "/"+testService+"/"+method, "body-text")
	}

	tests := []struct {
		method    string
		code      string
		wantError string
	}{
		{"Echo", "OK", ""},
		{"Fail", "Unavailable", "store unreachable"},
		{"Reject", "InvalidArgument", ""},
		{"Panic", "Internal", "internal error"},
	}
	for _, tc := range tests {
		lines := s.logs.FilterMessage("rpc").FilterField(zap.String("method", "/"+testService+"/"+tc.method)).AllUntimed()
		if len(lines) != 1 {
			t.Errorf("%s: %d access log lines, want 1", tc.method, len(lines))
			continue
		}
		fields := lines[0].ContextMap()
		if fields["code"] != tc.code || fields["request_id"] != "rid-7" {
			t.Errorf("%s: fields %v, want code %s and request_id rid-7", tc.method, fields, tc.code)
		}
		if _, ok := fields["duration_ms"].(float64); !ok {
			t.Errorf("%s: duration_ms = %v, want a number", tc.method, fields["duration_ms"])
		}
		if got, _ := fields["error"].(string); got != tc.wantError {
			t.Errorf("%s: error = %q, want %q", tc.method, got, tc.wantError)
		}
	}
	for _, entry := range s.logs.AllUntimed() {
		for k, v := range entry.ContextMap() {
			if s, ok := v.(string); ok && (strings.Contains(s, "topsecret") || strings.Contains(s, "body-text")) && k != "stack" {
				t.Errorf("log line %q leaks %s = %q", entry.Message, k, s)
			}
		}
	}
}

// A passing health check is logged at debug level: probes every few
// seconds must not flood the info log (nor OCI Logging). A failing one
// stays at info.
func TestAccessLogOfHealthChecks(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	client := healthpb.NewHealthClient(s.conn)
	ctx := testContext(t)
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"}); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown service: %v", err)
	}
	lines := s.logs.FilterMessage("rpc").FilterField(zap.String("method", "/grpc.health.v1.Health/Check")).AllUntimed()
	levels := map[string]zapcore.Level{}
	for _, l := range lines {
		levels[l.ContextMap()["code"].(string)] = l.Level
	}
	if levels["OK"] != zapcore.DebugLevel || levels["NotFound"] != zapcore.InfoLevel || len(lines) != 2 {
		t.Errorf("health check lines %v, want OK at debug and NotFound at info", levels)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0"})
	ctx := testContext(t)
	_, _ = testservice.Call(ctx, s.conn, "/"+testService+"/Echo", "")
	_, _ = testservice.Call(ctx, s.conn, "/"+testService+"/Panic", "")

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.srv.MetricsAddr()+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`fotogal_grpc_server_handled_total{code="OK",method="/fotogal.test.v1.TestService/Echo",service="test"} 1`,
		`fotogal_grpc_server_handled_total{code="Internal",method="/fotogal.test.v1.TestService/Panic",service="test"} 1`,
		`fotogal_grpc_server_handling_seconds_count{method="/fotogal.test.v1.TestService/Echo",service="test"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMetricsDisabled(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	if got := s.srv.MetricsAddr(); got != "" {
		t.Errorf("MetricsAddr() = %q, want empty", got)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0"})
	if _, err := testservice.Call(testContext(t), s.conn, "/"+testService+"/Echo", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("Serve = %v, want nil after cancel", err)
	}
	if _, err := http.Get("http://" + s.srv.MetricsAddr() + "/metrics"); err == nil {
		t.Error("metrics endpoint still answers after shutdown")
	}
}

func TestShutdownTimeoutCutsCalls(t *testing.T) {
	t.Parallel()
	s := start(t, grpcserver.Config{Addr: "127.0.0.1:0", ShutdownTimeout: 50 * time.Millisecond})
	callErr := make(chan error, 1)
	go func() {
		_, err := testservice.Call(testContext(t), s.conn, "/"+testService+"/Hang", "")
		callErr <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); s.logs.FilterMessage("hanging").Len() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the hanging call never reached its handler")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := s.stop(t); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("shutdown took %v with a 50ms timeout", elapsed)
	}
	if err := <-callErr; status.Code(err) == codes.OK {
		t.Error("hanging call succeeded, want it cut")
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	if _, err := grpcserver.New(grpcserver.Config{}, zap.NewNop(), "test", nil, nil); err == nil {
		t.Error("New with no address succeeded")
	}
	taken := start(t, grpcserver.Config{Addr: "127.0.0.1:0"})
	_, err := grpcserver.New(grpcserver.Config{Addr: taken.srv.Addr()}, zap.NewNop(), "test", nil, nil)
	if err == nil || !strings.Contains(err.Error(), taken.srv.Addr()) {
		t.Errorf("New on a taken port = %v, want an error naming it", err)
	}
	_, err = grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0", MetricsAddr: taken.srv.Addr()}, zap.NewNop(), "test", nil, nil)
	if err == nil {
		t.Error("New with a taken metrics port succeeded")
	}
}

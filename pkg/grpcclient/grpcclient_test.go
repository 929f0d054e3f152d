package grpcclient_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/internal/testservice"
	"github.com/fotogal/fotogal/pkg/requestid"
)

const (
	internalEcho = "/fotogal.test.v1.TestInternalService/Echo"
	publicEcho   = "/fotogal.test.v1.TestService/Echo"
)

// echo reports what the server saw: the request id, the remaining time to
// the deadline (rounded to seconds), and the service credential.
func echo(ctx context.Context, _ string) (string, error) {
	id, _ := requestid.FromContext(ctx)
	deadline := "none"
	if d, ok := ctx.Deadline(); ok {
		deadline = time.Until(d).Round(time.Second).String()
	}
	cred := metadata.ValueFromIncomingContext(ctx, authn.ServiceCredentialKey)
	return fmt.Sprintf("id=%s deadline=%s cred=%v", id, deadline, cred), nil
}

// startServer serves the echo handler as an internal and a public service,
// behind a Policy that requires the service secret "s3cret".
func startServer(t *testing.T) string {
	t.Helper()
	policy := authn.Policy{
		Public:        map[string]bool{publicEcho: true},
		ServiceSecret: "s3cret",
	}
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "test",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		t.Fatal(err)
	}
	testservice.Register(srv.GRPC(), "fotogal.test.v1.TestInternalService", map[string]testservice.Handler{"Echo": echo})
	testservice.Register(srv.GRPC(), "fotogal.test.v1.TestService", map[string]testservice.Handler{"Echo": echo})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv.Addr()
}

func TestDial(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	withID := requestid.WithID(context.Background(), "rid-1")
	withDeadline, cancel := context.WithTimeout(withID, 30*time.Second)
	t.Cleanup(cancel)

	tests := []struct {
		name     string
		opts     grpcclient.Options
		ctx      context.Context
		method   string
		want     string
		wantCode codes.Code
	}{
		{"default deadline and request id", grpcclient.Options{ServiceSecret: "s3cret"}, withID, internalEcho, "id=rid-1 deadline=5s cred=[s3cret]", codes.OK},
		{"custom timeout", grpcclient.Options{ServiceSecret: "s3cret", Timeout: 2 * time.Second}, withID, internalEcho, "id=rid-1 deadline=2s cred=[s3cret]", codes.OK},
		{"caller deadline kept", grpcclient.Options{ServiceSecret: "s3cret", Timeout: 2 * time.Second}, withDeadline, internalEcho, "id=rid-1 deadline=30s cred=[s3cret]", codes.OK},
		{"no secret refused internally", grpcclient.Options{}, withID, internalEcho, "", codes.Unauthenticated},
		{"wrong secret refused", grpcclient.Options{ServiceSecret: "guess"}, withID, internalEcho, "", codes.PermissionDenied},
		{"public without secret", grpcclient.Options{}, withID, publicEcho, "id=rid-1 deadline=5s cred=[]", codes.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conn, err := grpcclient.Dial(addr, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			got, err := testservice.Call(tc.ctx, conn, tc.method, "")
			if status.Code(err) != tc.wantCode {
				t.Fatalf("call = %v, want %v", err, tc.wantCode)
			}
			if got != tc.want {
				t.Errorf("server saw %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDialStreamWithoutDefaultDeadline(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	conn, err := grpcclient.Dial(addr, grpcclient.Options{Timeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	watch, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // longer than the unary default deadline
	resp, err := watch.Recv()
	if err != nil {
		t.Fatalf("Watch.Recv = %v, want no deadline on streams", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("status = %v, want SERVING", resp.GetStatus())
	}
}

func TestDialBadTarget(t *testing.T) {
	t.Parallel()
	if _, err := grpcclient.Dial("bad-scheme:///x\x00", grpcclient.Options{}); err == nil {
		t.Error("Dial with a malformed target succeeded")
	}
}

// A unary call made while its peer is still starting waits for it, within
// its deadline, instead of failing with Unavailable.
func TestDialWaitsForAStartingPeer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // Nobody listens there yet.

	conn, err := grpcclient.Dial(addr, grpcclient.Options{WaitForReady: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	started := make(chan *grpc.Server, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		lis, err := net.Listen("tcp", addr)
		if err != nil {
			started <- nil
			return
		}
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		started <- srv
		srv.Serve(lis)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if srv := <-started; srv != nil {
		t.Cleanup(srv.Stop)
	} else {
		t.Fatal("could not listen again on " + addr)
	}
	if err != nil {
		t.Fatalf("Check while the peer starts: %v, want it to wait and succeed", err)
	}
}

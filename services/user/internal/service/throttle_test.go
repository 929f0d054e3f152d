package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/service"
	"github.com/fotogal/fotogal/services/user/internal/store/sqlite"
)

// startReplica serves a user service allowing maxPerAddr registrations per
// address and hour, on the SQLite file at path, which other replicas may
// share, and returns its public client.
func startReplica(t *testing.T, path string, maxPerAddr int) userv1.UserServiceClient {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := password.NewHasher(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	policy := authn.Policy{Public: service.PublicMethods, Validator: &fakeValidator{callers: map[string]authn.Caller{}}, ServiceSecret: serviceSecret}
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "user",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	service.New(service.Config{
		Store: st, Hasher: hasher, Posts: &fakePosts{counts: map[string]int64{}}, Sessions: &fakeSessions{},
		MaxRegistrationsPerAddr: maxPerAddr,
	}).Register(srv.GRPC())
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	return userv1.NewUserServiceClient(dial(t, srv.Addr(), ""))
}

// registerFrom registers username from the client address addr, as the
// gateway forwards it.
func registerFrom(c userv1.UserServiceClient, username, addr string) error {
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-forwarded-for", addr)
	_, err := c.Register(ctx, &userv1.RegisterRequest{
		Email: username + "@example.com", FullName: "Some One", Username: username, Password: testPassword,
	})
	return err
}

// TestRegisterThrottledPerAddress checks that registrations from one
// address stop at the limit, counted across two replicas on one store and
// taken or not, with a retry delay of at most the hour; and that another
// address is not held back.
func TestRegisterThrottledPerAddress(t *testing.T) {
	t.Parallel()
	const limit = 3
	path := filepath.Join(t.TempDir(), "user.db")
	replicas := []userv1.UserServiceClient{startReplica(t, path, limit), startReplica(t, path, limit)}
	tests := []struct {
		name     string
		replica  int
		username string
		addr     string
		want     codes.Code
	}{
		{"first", 0, "throttle_a", "198.51.100.7", codes.OK},
		{"second, on the other replica", 1, "throttle_b", "198.51.100.7", codes.OK},
		{"a taken username counts too", 0, "throttle_a", "198.51.100.7", codes.AlreadyExists},
		{"past the limit", 1, "throttle_c", "198.51.100.7", codes.ResourceExhausted},
		{"past the limit, spelled otherwise", 0, "throttle_c", "::ffff:198.51.100.7", codes.ResourceExhausted},
		{"another address", 0, "throttle_c", "198.51.100.8", codes.OK},
	}
	for _, tc := range tests {
		err := registerFrom(replicas[tc.replica], tc.username, tc.addr)
		if got := status.Code(err); got != tc.want {
			t.Fatalf("%s: Register = %v, want %v", tc.name, err, tc.want)
		}
		if tc.want != codes.ResourceExhausted {
			continue
		}
		var delay time.Duration
		for _, d := range status.Convert(err).Details() {
			if info, ok := d.(*errdetails.RetryInfo); ok {
				delay = info.GetRetryDelay().AsDuration()
			}
		}
		if delay < time.Second || delay > time.Hour {
			t.Errorf("%s: retry delay %v, want between 1s and 1h", tc.name, delay)
		}
	}
}

// TestRegisterDefaultLimit checks that a service configured without a
// limit still throttles, at DefaultMaxRegistrationsPerAddr.
func TestRegisterDefaultLimit(t *testing.T) {
	t.Parallel()
	c := startReplica(t, filepath.Join(t.TempDir(), "user.db"), 0)
	for i := range service.DefaultMaxRegistrationsPerAddr {
		if err := registerFrom(c, fmt.Sprintf("default_%d", i), "203.0.113.1"); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
	if err := registerFrom(c, "default_last", "203.0.113.1"); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("registration past the default limit: %v, want ResourceExhausted", err)
	}
}

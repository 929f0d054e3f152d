package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/nosqlclient/nosqltest"
	"github.com/fotogal/fotogal/pkg/ocifake"
	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
	"github.com/fotogal/fotogal/services/auth/internal/store/nosql"
)

// replica is one auth server of several on one store, as replicas behind a
// balancer are.
type replica struct {
	public authv1.AuthServiceClient
	// stop stops the server and closes its store, as a process ends.
	stop func()
}

// startReplica starts an auth server with cfg on a client of its own of the
// fake NoSQL service f, checking credentials with the user service at
// usersAddr.
func startReplica(t *testing.T, f *ocifake.NoSQL, usersAddr string, cfg Config) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := nosql.Open(ctx, nosqltest.Client(t, f))
	if err != nil {
		t.Fatal(err)
	}
	usersConn, err := grpcclient.Dial(usersAddr, grpcclient.Options{ServiceSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(st, userv1.NewUserInternalServiceClient(usersConn), cfg)
	policy := s.Policy(testSecret)
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "auth",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		t.Fatal(err)
	}
	s.Register(srv.GRPC())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	conn, err := grpcclient.Dial(srv.Addr(), grpcclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			conn.Close()
			cancel()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
			usersConn.Close()
			st.Close()
		})
	}
	t.Cleanup(stop)
	return &replica{public: authv1.NewAuthServiceClient(conn), stop: stop}
}

// login tries email and password on r from the client address addr.
func (r *replica) login(email, password, addr string) error {
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-forwarded-for", addr)
	_, err := r.public.Login(ctx, &authv1.LoginRequest{Email: email, Password: password})
	return err
}

// TestLoginLimitIsTotalAcrossReplicas runs two auth replicas on one NoSQL
// store: failed logins spread over both count towards one limit, and a
// replica started afterwards (a restart) still refuses.
func TestLoginLimitIsTotalAcrossReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int
		// attempt returns the email and address of failed attempt i.
		attempt func(i int) (email, addr string)
		// next is a login with the right password that the limit refuses.
		nextEmail, nextPassword, nextAddr string
	}{
		{
			name:      "per email",
			limit:     testConfig.Throttle.MaxAttemptsPerEmail,
			attempt:   func(i int) (string, string) { return "alice@example.com", fmt.Sprintf("198.51.100.%d", i+1) },
			nextEmail: "alice@example.com", nextPassword: "alice-password", nextAddr: "203.0.113.9",
		},
		{
			name:      "per address",
			limit:     testConfig.Throttle.MaxAttemptsPerAddr,
			attempt:   func(i int) (string, string) { return fmt.Sprintf("nobody%d@example.com", i), "2001:db8::1" },
			nextEmail: "bob@example.com", nextPassword: "bob-password", nextAddr: "2001:db8::1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, f := nosqltest.New(t)
			if f == nil {
				t.Skip("starts replicas on the fake; FOTOGAL_NOSQL_LIVE=1 runs against a real service")
			}
			usersAddr := startFakeUsers(t)
			replicas := []*replica{
				startReplica(t, f, usersAddr, testConfig),
				startReplica(t, f, usersAddr, testConfig),
			}
			for i := range tc.limit {
				email, addr := tc.attempt(i)
				if err := replicas[i%2].login(email, "guess", addr); status.Code(err) != codes.Unauthenticated {
					t.Fatalf("failed attempt %d on replica %d: %v, want Unauthenticated", i+1, i%2, err)
				}
			}
			for i, r := range replicas {
				if err := r.login(tc.nextEmail, tc.nextPassword, tc.nextAddr); status.Code(err) != codes.ResourceExhausted {
					t.Errorf("replica %d past the total limit: %v, want ResourceExhausted", i, err)
				}
			}

			replicas[0].stop()
			restarted := startReplica(t, f, usersAddr, testConfig)
			if err := restarted.login(tc.nextEmail, tc.nextPassword, tc.nextAddr); status.Code(err) != codes.ResourceExhausted {
				t.Errorf("restarted replica: %v, want ResourceExhausted (the count kept)", err)
			}
		})
	}
}

// TestLoginBurstAcrossReplicas sends many failed logins for one email at
// once, half to each replica: exactly the limit of them reach the
// credential check, whatever the interleaving.
func TestLoginBurstAcrossReplicas(t *testing.T) {
	t.Parallel()
	_, f := nosqltest.New(t)
	if f == nil {
		t.Skip("starts replicas on the fake; FOTOGAL_NOSQL_LIVE=1 runs against a real service")
	}
	usersAddr := startFakeUsers(t)
	replicas := []*replica{
		startReplica(t, f, usersAddr, testConfig),
		startReplica(t, f, usersAddr, testConfig),
	}
	const attempts = 12
	codesSeen := make(chan codes.Code, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			codesSeen <- status.Code(replicas[i%2].login("alice@example.com", "guess", fmt.Sprintf("198.51.100.%d", i+1)))
		})
	}
	wg.Wait()
	close(codesSeen)
	got := map[codes.Code]int{}
	for c := range codesSeen {
		got[c]++
	}
	limit := testConfig.Throttle.MaxAttemptsPerEmail
	if got[codes.Unauthenticated] != limit || got[codes.ResourceExhausted] != attempts-limit {
		t.Errorf("answers %v, want %d Unauthenticated and %d ResourceExhausted", got, limit, attempts-limit)
	}
}

// TestSuccessResetsEmailCount checks that a successful login forgets its
// email's failures, so that its owner has the whole limit again, but not
// its address's.
func TestSuccessResetsEmailCount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	const addr = "198.51.100.7"
	maxEmail, maxAddr := testConfig.Throttle.MaxAttemptsPerEmail, testConfig.Throttle.MaxAttemptsPerAddr
	fail := func(email string) error {
		_, err := h.loginFrom(email, "guess", addr)
		return err
	}
	for i := range maxEmail - 1 {
		if err := fail("alice@example.com"); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("failure %d before the success: %v, want Unauthenticated", i+1, err)
		}
	}
	h.login(t, "alice@example.com", "alice-password", addr)
	h.clock.Advance(time.Minute)

	// A fresh limit for alice: maxEmail more failures, then the refusal.
	for i := range maxEmail {
		if err := fail("alice@example.com"); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("failure %d after the success: %v, want Unauthenticated (the count reset)", i+1, err)
		}
	}
	if err := fail("alice@example.com"); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("failure past the fresh limit: %v, want ResourceExhausted", err)
	}

	// The address kept every failure: 2*maxEmail-1 of maxAddr are counted.
	for i := range maxAddr - (2*maxEmail - 1) {
		if err := fail(fmt.Sprintf("nobody%d@example.com", i)); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("address failure %d: %v, want Unauthenticated", i+1, err)
		}
	}
	if _, err := h.loginFrom("bob@example.com", "bob-password", addr); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("login from the address past its limit: %v, want ResourceExhausted (the success did not reset it)", err)
	}
}

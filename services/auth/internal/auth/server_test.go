package auth

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
	"github.com/fotogal/fotogal/services/auth/internal/store"
	"github.com/fotogal/fotogal/services/auth/internal/store/sqlite"
)

const (
	testSecret = "test-service-secret-0123456789"
	sessionTTL = 7 * 24 * time.Hour
)

var testConfig = Config{
	SessionTTL: sessionTTL,
	Throttle:   ThrottleConfig{MaxAttemptsPerEmail: 3, MaxAttemptsPerAddr: 5, Window: 15 * time.Minute},
}

// fakeUsers is a UserInternalService that knows a few accounts. Its
// messages differ for an unknown email and a wrong password, so that tests
// see the auth service make them the same.
type fakeUsers struct {
	userv1.UnimplementedUserInternalServiceServer
	passwords map[string]string
}

func (f *fakeUsers) CheckCredentials(_ context.Context, req *userv1.CheckCredentialsRequest) (*userv1.CheckCredentialsResponse, error) {
	email := strings.ToLower(req.GetEmail())
	password, ok := f.passwords[email]
	switch {
	case !ok:
		return nil, status.Error(codes.Unauthenticated, "no account for "+email)
	case password != req.GetPassword():
		return nil, status.Error(codes.Unauthenticated, "wrong password")
	}
	name, _, _ := strings.Cut(email, "@")
	return &userv1.CheckCredentialsResponse{User: &userv1.User{UserId: "id-" + name, Email: email, Username: name}}, nil
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is an auth server on a free port, with a fake user service, a
// SQLite store and a fake clock.
type harness struct {
	server   *Server
	store    store.Store
	clock    *fakeClock
	public   authv1.AuthServiceClient
	internal authv1.AuthInternalServiceClient
	// conn dials the auth server without the service credential.
	conn *grpc.ClientConn
	addr string
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())

	usersAddr := startFakeUsers(t)
	usersConn, err := grpcclient.Dial(usersAddr, grpcclient.Options{ServiceSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { usersConn.Close() })

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := NewServer(st, userv1.NewUserInternalServiceClient(usersConn), cfg)
	s.now = clock.Now

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
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})

	conn, err := grpcclient.Dial(srv.Addr(), grpcclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	internalConn, err := grpcclient.Dial(srv.Addr(), grpcclient.Options{ServiceSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { internalConn.Close() })

	return &harness{
		server:   s,
		store:    st,
		clock:    clock,
		public:   authv1.NewAuthServiceClient(conn),
		internal: authv1.NewAuthInternalServiceClient(internalConn),
		conn:     conn,
		addr:     srv.Addr(),
	}
}

// startFakeUsers serves fakeUsers, behind the service credential, on a free
// port and returns its address.
func startFakeUsers(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	policy := authn.Policy{ServiceSecret: testSecret}
	g := grpc.NewServer(grpc.UnaryInterceptor(policy.UnaryServerInterceptor()))
	userv1.RegisterUserInternalServiceServer(g, &fakeUsers{passwords: map[string]string{
		"alice@example.com": "alice-password",
		"bob@example.com":   "bob-password",
	}})
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	return lis.Addr().String()
}

// login logs in from the client address addr, failing the test on error.
func (h *harness) login(t *testing.T, email, password, addr string) *authv1.LoginResponse {
	t.Helper()
	resp, err := h.loginFrom(email, password, addr)
	if err != nil {
		t.Fatalf("Login(%s): %v", email, err)
	}
	return resp
}

func (h *harness) loginFrom(email, password, addr string) (*authv1.LoginResponse, error) {
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"x-forwarded-for", addr+", 10.0.0.1", "grpcgateway-user-agent", "TestBrowser/1.0")
	return h.public.Login(ctx, &authv1.LoginRequest{Email: email, Password: password})
}

// as returns a context that sends token as the bearer token.
func as(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

func (h *harness) validate(token string) (*authv1.ValidateSessionResponse, error) {
	return h.internal.ValidateSession(context.Background(), &authv1.ValidateSessionRequest{SessionToken: token})
}

func TestLoginReturnsValidToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	resp := h.login(t, "Alice@Example.com", "alice-password", "198.51.100.7")

	if got := len(resp.GetSessionToken()); got != 43 {
		t.Errorf("token length = %d, want 43 (32 bytes in base64url)", got)
	}
	if got, want := resp.GetUser().GetUserId(), "id-alice"; got != want {
		t.Errorf("user = %q, want %q", got, want)
	}
	wantExpire := h.clock.Now().Add(sessionTTL)
	if got := resp.GetExpireTime().AsTime(); !got.Equal(wantExpire) {
		t.Errorf("expire_time = %v, want %v", got, wantExpire)
	}
	sess := resp.GetSession()
	if sess.GetSessionId() == "" || sess.GetSessionId() == resp.GetSessionToken() || !sess.GetCurrent() {
		t.Errorf("session = %v, want a current session with an id distinct from the token", sess)
	}

	got, err := h.validate(resp.GetSessionToken())
	if err != nil {
		t.Fatalf("ValidateSession: %v", err)
	}
	if got.GetUserId() != "id-alice" || got.GetSessionId() != sess.GetSessionId() || !got.GetExpireTime().AsTime().Equal(wantExpire) {
		t.Errorf("ValidateSession = %v, want user id-alice, session %s, expiry %v", got, sess.GetSessionId(), wantExpire)
	}

	stored, err := h.store.GetSession(context.Background(), hashToken(resp.GetSessionToken()))
	if err != nil {
		t.Fatalf("session not stored under the token's hash: %v", err)
	}
	if stored.TokenHash == resp.GetSessionToken() {
		t.Error("the raw token is stored")
	}
}

func TestLoginRefusesBadCredentialsAlike(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	tests := []struct {
		name, email, password string
		wantCode              codes.Code
		wantMsg               string
	}{
		{"wrong password", "alice@example.com", "guess", codes.Unauthenticated, "invalid email or password"},
		{"unknown email", "nobody@example.com", "alice-password", codes.Unauthenticated, "invalid email or password"},
		{"missing email", " ", "x", codes.InvalidArgument, "email: required"},
		{"missing password", "alice@example.com", "", codes.InvalidArgument, "password: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.loginFrom(tc.email, tc.password, "198.51.100.7")
			st := status.Convert(err)
			if st.Code() != tc.wantCode || st.Message() != tc.wantMsg {
				t.Errorf("Login = %v %q, want %v %q", st.Code(), st.Message(), tc.wantCode, tc.wantMsg)
			}
		})
	}
}

// retryDelay returns the RetryInfo delay of err.
func retryDelay(t *testing.T, err error) time.Duration {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok {
			return info.GetRetryDelay().AsDuration()
		}
	}
	t.Fatalf("no RetryInfo in %v", err)
	return 0
}

func TestLoginThrottledPerEmail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	for i := range testConfig.Throttle.MaxAttemptsPerEmail {
		// Different addresses and letter cases: the email is what counts.
		addr := "198.51.100." + string(rune('1'+i))
		if _, err := h.loginFrom("ALICE@example.com", "guess", addr); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("attempt %d: %v, want Unauthenticated", i+1, err)
		}
	}
	h.clock.Advance(5 * time.Minute)

	// Past the limit even the right password is refused, until the window ends.
	_, err := h.loginFrom("alice@example.com", "alice-password", "203.0.113.9")
	if got := status.Code(err); got != codes.ResourceExhausted {
		t.Fatalf("Login past the limit: %v, want ResourceExhausted", err)
	}
	if got, want := retryDelay(t, err), 10*time.Minute; got != want {
		t.Errorf("retry delay = %v, want %v", got, want)
	}
	if _, err := h.loginFrom("bob@example.com", "bob-password", "203.0.113.9"); err != nil {
		t.Errorf("another email throttled: %v", err)
	}

	h.clock.Advance(10 * time.Minute)
	if _, err := h.loginFrom("alice@example.com", "alice-password", "203.0.113.9"); err != nil {
		t.Errorf("Login after the window: %v", err)
	}
}

func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	const addr = "2001:db8::1"
	for i := range testConfig.Throttle.MaxAttemptsPerAddr {
		email := "nobody" + string(rune('a'+i)) + "@example.com"
		if _, err := h.loginFrom(email, "guess", addr); status.Code(err) != codes.Unauthenticated {
			t.Fatalf("attempt %d: %v, want Unauthenticated", i+1, err)
		}
	}
	// The same address spelled differently is the same address.
	_, err := h.loginFrom("alice@example.com", "alice-password", "2001:0db8:0:0::1")
	if got := status.Code(err); got != codes.ResourceExhausted {
		t.Fatalf("Login past the limit: %v, want ResourceExhausted", err)
	}
	if got, want := retryDelay(t, err), 15*time.Minute; got != want {
		t.Errorf("retry delay = %v, want %v", got, want)
	}
	if _, err := h.loginFrom("alice@example.com", "alice-password", "2001:db8::2"); err != nil {
		t.Errorf("another address throttled: %v", err)
	}
}

func TestSuccessfulLoginsAreNotThrottled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	for i := range 2 * testConfig.Throttle.MaxAttemptsPerAddr {
		if _, err := h.loginFrom("alice@example.com", "alice-password", "198.51.100.7"); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
}

func TestSessionEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(t *testing.T, h *harness, victim, other *authv1.LoginResponse)
	}{
		{"logout", func(t *testing.T, h *harness, victim, _ *authv1.LoginResponse) {
			if _, err := h.public.Logout(as(victim.GetSessionToken()), &authv1.LogoutRequest{}); err != nil {
				t.Fatalf("Logout: %v", err)
			}
		}},
		{"revoked from another session", func(t *testing.T, h *harness, victim, other *authv1.LoginResponse) {
			_, err := h.public.RevokeSession(as(other.GetSessionToken()),
				&authv1.RevokeSessionRequest{SessionId: victim.GetSession().GetSessionId()})
			if err != nil {
				t.Fatalf("RevokeSession: %v", err)
			}
		}},
		{"expired", func(t *testing.T, h *harness, _, _ *authv1.LoginResponse) {
			h.clock.Advance(sessionTTL)
		}},
		{"all sessions of the user revoked", func(t *testing.T, h *harness, _, _ *authv1.LoginResponse) {
			resp, err := h.internal.RevokeUserSessions(context.Background(), &authv1.RevokeUserSessionsRequest{UserId: "id-alice"})
			if err != nil {
				t.Fatalf("RevokeUserSessions: %v", err)
			}
			if got, want := resp.GetRevokedCount(), int32(2); got != want {
				t.Errorf("revoked %d, want %d", got, want)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testConfig)
			victim := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
			other := h.login(t, "alice@example.com", "alice-password", "198.51.100.8")

			tc.end(t, h, victim, other)

			if _, err := h.validate(victim.GetSessionToken()); status.Code(err) != codes.Unauthenticated {
				t.Errorf("ValidateSession after the end: %v, want Unauthenticated", err)
			}
			_, err := h.public.ListSessions(as(victim.GetSessionToken()), &authv1.ListSessionsRequest{})
			if status.Code(err) != codes.Unauthenticated {
				t.Errorf("ListSessions after the end: %v, want Unauthenticated", err)
			}
		})
	}
}

func TestLogoutLeavesOtherSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	first := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
	second := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
	if _, err := h.public.Logout(as(first.GetSessionToken()), &authv1.LogoutRequest{}); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, err := h.validate(second.GetSessionToken()); err != nil {
		t.Errorf("other session refused after logout: %v", err)
	}
}

func TestRevokeSessionOnlyOwn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	alice := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
	bob := h.login(t, "bob@example.com", "bob-password", "198.51.100.8")
	tests := []struct {
		name      string
		sessionID string
		wantCode  codes.Code
	}{
		{"another user's session", bob.GetSession().GetSessionId(), codes.NotFound},
		{"unknown session", "no-such-session", codes.NotFound},
		{"missing id", "", codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.public.RevokeSession(as(alice.GetSessionToken()), &authv1.RevokeSessionRequest{SessionId: tc.sessionID})
			if got := status.Code(err); got != tc.wantCode {
				t.Errorf("RevokeSession: %v, want %v", err, tc.wantCode)
			}
		})
	}
	if _, err := h.validate(bob.GetSessionToken()); err != nil {
		t.Errorf("bob's session refused after alice tried to revoke it: %v", err)
	}
}

func TestListSessionsMarksCurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	older := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
	h.clock.Advance(time.Minute)
	newer := h.login(t, "alice@example.com", "alice-password", "::ffff:198.51.100.8")
	h.login(t, "bob@example.com", "bob-password", "198.51.100.9")

	tests := []struct {
		name        string
		token       string
		wantCurrent string
	}{
		{"from the newer session", newer.GetSessionToken(), newer.GetSession().GetSessionId()},
		{"from the older session", older.GetSessionToken(), older.GetSession().GetSessionId()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := h.public.ListSessions(as(tc.token), &authv1.ListSessionsRequest{})
			if err != nil {
				t.Fatalf("ListSessions: %v", err)
			}
			var got []string
			for _, s := range resp.GetSessions() {
				got = append(got, s.GetSessionId())
				if s.GetCurrent() != (s.GetSessionId() == tc.wantCurrent) {
					t.Errorf("session %s current = %v", s.GetSessionId(), s.GetCurrent())
				}
			}
			want := []string{newer.GetSession().GetSessionId(), older.GetSession().GetSessionId()}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("sessions = %v, want %v (newest first, alice's only)", got, want)
			}
			first := resp.GetSessions()[0]
			if first.GetClientAddress() != "198.51.100.8" || first.GetUserAgent() != "TestBrowser/1.0" {
				t.Errorf("newest session address %q, agent %q; want 198.51.100.8, TestBrowser/1.0",
					first.GetClientAddress(), first.GetUserAgent())
			}
		})
	}
}

func TestRevokeUserSessionsKeepsOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	var logins []*authv1.LoginResponse
	for range 3 {
		logins = append(logins, h.login(t, "alice@example.com", "alice-password", "198.51.100.7"))
	}
	keep := logins[1]
	resp, err := h.internal.RevokeUserSessions(context.Background(), &authv1.RevokeUserSessionsRequest{
		UserId: "id-alice", KeepSessionId: keep.GetSession().GetSessionId(),
	})
	if err != nil {
		t.Fatalf("RevokeUserSessions: %v", err)
	}
	if got, want := resp.GetRevokedCount(), int32(2); got != want {
		t.Errorf("revoked %d, want %d", got, want)
	}
	for i, l := range logins {
		_, err := h.validate(l.GetSessionToken())
		want := codes.Unauthenticated
		if l == keep {
			want = codes.OK
		}
		if got := status.Code(err); got != want {
			t.Errorf("session %d: ValidateSession = %v, want %v", i, got, want)
		}
	}
}

func TestInternalMethodsNeedServiceCredential(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	alice := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
	tests := []struct {
		name     string
		ctx      context.Context
		wantCode codes.Code
	}{
		{"user token only", as(alice.GetSessionToken()), codes.Unauthenticated},
		{"wrong credential", metadata.AppendToOutgoingContext(as(alice.GetSessionToken()),
			authn.ServiceCredentialKey, "not-the-secret-at-all"), codes.PermissionDenied},
	}
	client := authv1.NewAuthInternalServiceClient(h.conn)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.ValidateSession(tc.ctx, &authv1.ValidateSessionRequest{SessionToken: alice.GetSessionToken()})
			if got := status.Code(err); got != tc.wantCode {
				t.Errorf("ValidateSession: %v, want %v", err, tc.wantCode)
			}
			_, err = client.RevokeUserSessions(tc.ctx, &authv1.RevokeUserSessionsRequest{UserId: "id-alice"})
			if got := status.Code(err); got != tc.wantCode {
				t.Errorf("RevokeUserSessions: %v, want %v", err, tc.wantCode)
			}
		})
	}
	if _, err := h.validate(alice.GetSessionToken()); err != nil {
		t.Errorf("session refused after refused internal calls: %v", err)
	}
}

func TestSessionMethodsNeedValidToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"no token", context.Background()},
		{"garbage token", as("garbage")},
		{"well-formed unknown token", as(newToken())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.public.ListSessions(tc.ctx, &authv1.ListSessionsRequest{}); status.Code(err) != codes.Unauthenticated {
				t.Errorf("ListSessions: %v, want Unauthenticated", err)
			}
			if _, err := h.public.Logout(tc.ctx, &authv1.LogoutRequest{}); status.Code(err) != codes.Unauthenticated {
				t.Errorf("Logout: %v, want Unauthenticated", err)
			}
		})
	}
}

func TestSweepDeletesExpiredSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig)
	expiring := h.login(t, "alice@example.com", "alice-password", "198.51.100.7")
	h.clock.Advance(time.Hour)
	live := h.login(t, "bob@example.com", "bob-password", "198.51.100.7")
	h.clock.Advance(sessionTTL - time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() {
		h.server.SweepExpired(ctx, time.Millisecond)
		close(swept)
	}()
	defer func() {
		cancel()
		<-swept
	}()

	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := h.store.GetSession(context.Background(), hashToken(expiring.GetSessionToken()))
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired session not swept within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := h.store.GetSession(context.Background(), hashToken(live.GetSessionToken())); err != nil {
		t.Errorf("live session swept: %v", err)
	}
}

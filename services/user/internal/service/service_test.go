package service_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"

	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/service"
	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/sqlite"
)

const serviceSecret = "test-service-secret-0123456789"

// env is a user service on a real gRPC server on a free port, with fakes
// for the auth and image services.
type env struct {
	users    userv1.UserServiceClient
	internal userv1.UserInternalServiceClient
	// noCredential reaches the internal service without the service
	// credential.
	noCredential userv1.UserInternalServiceClient
	sessions     *fakeSessions
	posts        *fakePosts
	validator    *fakeValidator
	// images and feed stand in for those services' parts of a deletion,
	// writing what they are asked to erasures.
	images, feed *fakeEraser
	erasures     *erasureLog
	// store is the store the service runs on, and svc the service.
	store store.Store
	svc   *service.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, func(s store.Store) store.Store { return s })
}

// newEnvOn is newEnv with the service on the store wrap makes of a fresh
// SQLite one, and its configuration changed by configure.
func newEnvOn(t *testing.T, wrap func(store.Store) store.Store, configure ...func(*service.Config)) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "user.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := wrap(db)
	hasher, err := password.NewHasher(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		sessions:  &fakeSessions{revoked: 3},
		posts:     &fakePosts{counts: map[string]int64{}},
		validator: &fakeValidator{callers: map[string]authn.Caller{}},
		erasures:  &erasureLog{},
		store:     st,
	}
	e.images = &fakeEraser{name: "image", batches: 3, log: e.erasures}
	e.feed = &fakeEraser{name: "feed", batches: 2, log: e.erasures}
	policy := authn.Policy{Public: service.PublicMethods, Validator: e.validator, ServiceSecret: serviceSecret}
	srv, err := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, zap.NewNop(), "user",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.Config{Store: st, Hasher: hasher, Posts: e.posts, Sessions: e.sessions,
		Images: e.images, Feed: e.feed, DeletionSettle: deletionSettle, UsernameHold: usernameHold}
	for _, c := range configure {
		c(&cfg)
	}
	e.svc = service.New(cfg)
	e.svc.Register(srv.GRPC())
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()

	conn := dial(t, srv.Addr(), "")
	internalConn := dial(t, srv.Addr(), serviceSecret)
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	e.users = userv1.NewUserServiceClient(conn)
	e.internal = userv1.NewUserInternalServiceClient(internalConn)
	e.noCredential = userv1.NewUserInternalServiceClient(conn)
	return e
}

func dial(t *testing.T, addr, secret string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcclient.Dial(addr, grpcclient.Options{ServiceSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// fakeValidator knows the tokens handed out by env.register.
type fakeValidator struct {
	mu      sync.Mutex
	callers map[string]authn.Caller
}

func (v *fakeValidator) ValidateSession(_ context.Context, token string) (authn.Caller, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.callers[token]
	if !ok {
		return authn.Caller{}, status.Error(codes.Unauthenticated, "unknown token")
	}
	return c, nil
}

// fakeSessions records RevokeUserSessions calls.
type fakeSessions struct {
	mu      sync.Mutex
	calls   []string
	revoked int32
}

func (s *fakeSessions) RevokeUserSessions(_ context.Context, userID, keepSessionID string) (int32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, userID+" keep "+keepSessionID)
	return s.revoked, nil
}

// fakePosts answers from counts, or fails with err.
type fakePosts struct {
	mu     sync.Mutex
	counts map[string]int64
	err    error
}

func (p *fakePosts) set(userID string, n int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[userID], p.err = n, err
}

func (p *fakePosts) CountPosts(_ context.Context, userID string) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[userID], p.err
}

// person is a registered user and the context of their session.
type person struct {
	user *userv1.User
	ctx  context.Context
}

const testPassword = "correct horse battery"

// register registers username and opens a session for them.
func (e *env) register(t *testing.T, username string) person {
	t.Helper()
	resp, err := e.users.Register(context.Background(), &userv1.RegisterRequest{
		Email:    strings.ToLower(username) + "@example.com",
		FullName: "Full " + username,
		Username: username,
		Password: testPassword,
	})
	if err != nil {
		t.Fatalf("Register(%s): %v", username, err)
	}
	token := "token-" + username
	e.validator.mu.Lock()
	e.validator.callers[token] = authn.Caller{UserID: resp.GetUser().GetUserId(), SessionID: "session-" + username}
	e.validator.mu.Unlock()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	return person{user: resp.GetUser(), ctx: ctx}
}

// wantCode fails unless err has code want.
func wantCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("got %v (%v), want %v", got, err, want)
	}
}

func TestRegister(t *testing.T) {
	e := newEnv(t)
	resp, err := e.users.Register(context.Background(), &userv1.RegisterRequest{
		Email: " Ann@Example.com ", FullName: " Ann Lee ", Username: "Ann_Lee", Password: testPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	u := resp.GetUser()
	if u.GetUserId() == "" || u.GetEmail() != "Ann@Example.com" || u.GetFullName() != "Ann Lee" || u.GetUsername() != "Ann_Lee" {
		t.Errorf("got %v", u)
	}
	if u.GetIsPrivate() || u.GetAvatarUrl() != "" || u.GetCreateTime() == nil {
		t.Errorf("got %v, want a public account without avatar, with its creation time", u)
	}
}

func TestRegisterValidation(t *testing.T) {
	e := newEnv(t)
	valid := func() *userv1.RegisterRequest {
		return &userv1.RegisterRequest{Email: "val@example.com", FullName: "Val", Username: "val_1", Password: testPassword}
	}
	tests := []struct {
		name   string
		change func(*userv1.RegisterRequest)
		field  string
	}{
		{"username too short", func(r *userv1.RegisterRequest) { r.Username = "abc" }, "username"},
		{"username too long", func(r *userv1.RegisterRequest) { r.Username = strings.Repeat("a", 31) }, "username"},
		{"username with a dot", func(r *userv1.RegisterRequest) { r.Username = "ann.lee" }, "username"},
		{"username not ASCII", func(r *userv1.RegisterRequest) { r.Username = "anné_lee" }, "username"},
		{"password too short", func(r *userv1.RegisterRequest) { r.Password = "123456789" }, "password"},
		{"password too long", func(r *userv1.RegisterRequest) { r.Password = strings.Repeat("p", 129) }, "password"},
		{"full name missing", func(r *userv1.RegisterRequest) { r.FullName = "  " }, "full_name"},
		{"full name too long", func(r *userv1.RegisterRequest) { r.FullName = strings.Repeat("é", 501) }, "full_name"},
		{"email missing", func(r *userv1.RegisterRequest) { r.Email = "" }, "email"},
		{"email without domain", func(r *userv1.RegisterRequest) { r.Email = "val@" }, "email"},
		{"email with a display name", func(r *userv1.RegisterRequest) { r.Email = "Val <val@example.com>" }, "email"},
		{"email too long", func(r *userv1.RegisterRequest) { r.Email = strings.Repeat("v", 245) + "@example.com" }, "email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := valid()
			tc.change(req)
			_, err := e.users.Register(context.Background(), req)
			wantCode(t, err, codes.InvalidArgument)
			if msg := status.Convert(err).Message(); !strings.HasPrefix(msg, tc.field+": ") {
				t.Errorf("message %q does not name %s", msg, tc.field)
			}
			if got := violatedFields(err); len(got) != 1 || got[0] != tc.field {
				t.Errorf("field violations %v, want [%s]", got, tc.field)
			}
		})
	}

	t.Run("limits themselves are valid", func(t *testing.T) {
		req := &userv1.RegisterRequest{
			Email:    strings.Repeat("v", 242) + "@example.com",
			FullName: strings.Repeat("é", 500),
			Username: strings.Repeat("a", 30),
			Password: strings.Repeat("p", 128),
		}
		if _, err := e.users.Register(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("every invalid field is named", func(t *testing.T) {
		_, err := e.users.Register(context.Background(), &userv1.RegisterRequest{})
		wantCode(t, err, codes.InvalidArgument)
		if got, want := strings.Join(violatedFields(err), ","), "email,full_name,username,password"; got != want {
			t.Errorf("fields %s, want %s", got, want)
		}
	})
}

// violatedFields returns the fields of the BadRequest detail of err.
func violatedFields(err error) []string {
	var fields []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return fields
}

func TestRegisterUniqueness(t *testing.T) {
	e := newEnv(t)
	e.register(t, "Taken_1")
	tests := []struct {
		name     string
		req      *userv1.RegisterRequest
		wantText string
	}{
		{"email in another case", &userv1.RegisterRequest{Email: "TAKEN_1@example.COM", FullName: "X", Username: "other_1", Password: testPassword}, "email"},
		{"username in another case", &userv1.RegisterRequest{Email: "other@example.com", FullName: "X", Username: "tAKEN_1", Password: testPassword}, "username"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.users.Register(context.Background(), tc.req)
			wantCode(t, err, codes.AlreadyExists)
			if msg := status.Convert(err).Message(); !strings.HasPrefix(msg, tc.wantText) {
				t.Errorf("message %q does not name %s", msg, tc.wantText)
			}
		})
	}
}

func TestRegisterConcurrentlyOneUsername(t *testing.T) {
	e := newEnv(t)
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.users.Register(context.Background(), &userv1.RegisterRequest{
				Email: fmt.Sprintf("racer%d@example.com", i), FullName: "Racer", Username: "racer_1", Password: testPassword,
			})
		})
	}
	wg.Wait()
	var won int
	for i, err := range errs {
		switch status.Code(err) {
		case codes.OK:
			won++
		case codes.AlreadyExists:
		default:
			t.Errorf("registration %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d registrations succeeded, want exactly 1", won)
	}
}

func TestSessionRequired(t *testing.T) {
	e := newEnv(t)
	_, err := e.users.GetMe(context.Background(), &userv1.GetMeRequest{})
	wantCode(t, err, codes.Unauthenticated)
	bad := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer forged")
	_, err = e.users.GetProfile(bad, &userv1.GetProfileRequest{Username: "anyone"})
	wantCode(t, err, codes.Unauthenticated)
}

func TestGetMe(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	resp, err := e.users.GetMe(ann.ctx, &userv1.GetMeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.GetUser().GetEmail(), "ann_1@example.com"; got != want {
		t.Errorf("email %q, want %q", got, want)
	}
	assertNoSecrets(t, resp)
}

// assertNoSecrets fails if the JSON of msg carries a password or its hash.
func assertNoSecrets(t *testing.T, msg proto.Message) {
	t.Helper()
	text := protojson.Format(msg)
	for _, secret := range []string{testPassword, "argon2", "password"} {
		if strings.Contains(strings.ToLower(text), secret) {
			t.Errorf("%s carries %q", text, secret)
		}
	}
}

func TestGetProfileShowsPublicFieldsOnly(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	bob := e.register(t, "Bob_1")
	_, err := e.users.UpdateProfile(bob.ctx, &userv1.UpdateProfileRequest{
		Bio: new("hello"), Gender: new("secret-gender"), Website: new("https://bob.example"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.posts.set(bob.user.GetUserId(), 7, nil)

	resp, err := e.users.GetProfile(ann.ctx, &userv1.GetProfileRequest{Username: "BOB_1"})
	if err != nil {
		t.Fatal(err)
	}
	p := resp.GetProfile()
	if p.GetUsername() != "Bob_1" || p.GetBio() != "hello" || p.GetWebsite() != "https://bob.example" || p.GetPostCount() != 7 {
		t.Errorf("got %v", p)
	}
	if p.GetFollowState() != userv1.FollowState_FOLLOW_STATE_NONE || p.GetFollowsYou() || !p.GetCanView() {
		t.Errorf("got %v, want no relationship and a visible public account", p)
	}
	text, err := protojson.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	for _, private := range []string{"bob_1@example.com", "email", "secret-gender", "gender", "argon2", "password"} {
		if strings.Contains(strings.ToLower(string(text)), private) {
			t.Errorf("profile JSON %s carries %q", text, private)
		}
	}

	t.Run("own profile", func(t *testing.T) {
		resp, err := e.users.GetProfile(bob.ctx, &userv1.GetProfileRequest{Username: "bob_1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.GetProfile().GetFollowState(); got != userv1.FollowState_FOLLOW_STATE_SELF {
			t.Errorf("follow state %v, want SELF", got)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		_, err := e.users.GetProfile(ann.ctx, &userv1.GetProfileRequest{Username: "nobody"})
		wantCode(t, err, codes.NotFound)
	})

	t.Run("loads with 0 posts when the image service fails", func(t *testing.T) {
		e.posts.set(bob.user.GetUserId(), 7, errors.New("image service down"))
		resp, err := e.users.GetProfile(ann.ctx, &userv1.GetProfileRequest{Username: "bob_1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.GetProfile().GetPostCount(); got != 0 {
			t.Errorf("post count %d, want 0", got)
		}
	})
}

func TestUpdateProfile(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")

	resp, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{Bio: new("first bio"), IsPrivate: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	u := resp.GetUser()
	if u.GetBio() != "first bio" || !u.GetIsPrivate() || u.GetFullName() != "Full Ann_1" {
		t.Errorf("got %v, want the new bio, private, the name untouched", u)
	}
	resp, err = e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{FullName: new("Ann Lee")})
	if err != nil {
		t.Fatal(err)
	}
	if u := resp.GetUser(); u.GetBio() != "first bio" || !u.GetIsPrivate() || u.GetFullName() != "Ann Lee" {
		t.Errorf("got %v, want only the name changed", u)
	}

	tests := []struct {
		name  string
		req   *userv1.UpdateProfileRequest
		field string
	}{
		{"empty full name", &userv1.UpdateProfileRequest{FullName: new("")}, "full_name"},
		{"full name too long", &userv1.UpdateProfileRequest{FullName: new(strings.Repeat("n", 501))}, "full_name"},
		{"bio too long", &userv1.UpdateProfileRequest{Bio: new(strings.Repeat("b", 3001))}, "bio"},
		{"website not a URL", &userv1.UpdateProfileRequest{Website: new("bob.example")}, "website"},
		{"website ftp", &userv1.UpdateProfileRequest{Website: new("ftp://bob.example")}, "website"},
		{"website too long", &userv1.UpdateProfileRequest{Website: new("https://e.com/" + strings.Repeat("p", 190))}, "website"},
		{"gender too long", &userv1.UpdateProfileRequest{Gender: new(strings.Repeat("g", 101))}, "gender"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.users.UpdateProfile(ann.ctx, tc.req)
			wantCode(t, err, codes.InvalidArgument)
			if msg := status.Convert(err).Message(); !strings.HasPrefix(msg, tc.field+": ") {
				t.Errorf("message %q does not name %s", msg, tc.field)
			}
		})
	}

	t.Run("professional can be set and unset", func(t *testing.T) {
		for _, professional := range []bool{true, false} {
			resp, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{IsProfessional: new(professional)})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetUser().GetIsProfessional(); got != professional {
				t.Errorf("UpdateProfile(is_professional %v): got %v", professional, got)
			}
			me, err := e.users.GetMe(ann.ctx, &userv1.GetMeRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if got := me.GetUser().GetIsProfessional(); got != professional {
				t.Errorf("GetMe after is_professional %v: got %v", professional, got)
			}
			profile, err := e.users.GetProfile(ann.ctx, &userv1.GetProfileRequest{Username: "ann_1"})
			if err != nil {
				t.Fatal(err)
			}
			if got := profile.GetProfile().GetIsProfessional(); got != professional {
				t.Errorf("GetProfile after is_professional %v: got %v", professional, got)
			}
		}
	})

	t.Run("professional stays when other fields change", func(t *testing.T) {
		if _, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{IsProfessional: new(true)}); err != nil {
			t.Fatal(err)
		}
		resp, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{Bio: new("second bio")})
		if err != nil {
			t.Fatal(err)
		}
		if u := resp.GetUser(); !u.GetIsProfessional() || u.GetBio() != "second bio" {
			t.Errorf("got %v, want the new bio and still professional", u)
		}
	})

	t.Run("website can be cleared", func(t *testing.T) {
		if _, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{Website: new("http://ann.example")}); err != nil {
			t.Fatal(err)
		}
		resp, err := e.users.UpdateProfile(ann.ctx, &userv1.UpdateProfileRequest{Website: new("")})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.GetUser().GetWebsite(); got != "" {
			t.Errorf("website %q, want it cleared", got)
		}
	})
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	ann := e.register(t, "Ann_1")
	const newPassword = "a brand new passphrase"

	_, err := e.users.ChangePassword(ann.ctx, &userv1.ChangePasswordRequest{OldPassword: "not the password", NewPassword: newPassword})
	wantCode(t, err, codes.PermissionDenied)
	_, err = e.users.ChangePassword(ann.ctx, &userv1.ChangePasswordRequest{OldPassword: testPassword, NewPassword: "short"})
	wantCode(t, err, codes.InvalidArgument)
	if len(e.sessions.calls) != 0 {
		t.Fatalf("sessions revoked after failed changes: %v", e.sessions.calls)
	}

	resp, err := e.users.ChangePassword(ann.ctx, &userv1.ChangePasswordRequest{OldPassword: testPassword, NewPassword: newPassword})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.GetRevokedSessionCount(), e.sessions.revoked; got != want {
		t.Errorf("revoked %d, want %d", got, want)
	}
	if got, want := strings.Join(e.sessions.calls, ";"), ann.user.GetUserId()+" keep session-Ann_1"; got != want {
		t.Errorf("RevokeUserSessions calls %q, want %q", got, want)
	}

	_, err = e.internal.CheckCredentials(context.Background(), &userv1.CheckCredentialsRequest{Email: "ann_1@example.com", Password: testPassword})
	wantCode(t, err, codes.Unauthenticated)
	if _, err := e.internal.CheckCredentials(context.Background(), &userv1.CheckCredentialsRequest{Email: "ann_1@example.com", Password: newPassword}); err != nil {
		t.Errorf("the new password does not log in: %v", err)
	}
}

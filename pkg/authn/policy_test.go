package authn_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/authn"
)

// fakeValidator knows the tokens "good" (user u1) and "broken" (a transport
// error); every other token is Unauthenticated.
type fakeValidator struct{}

func (fakeValidator) ValidateSession(_ context.Context, token string) (authn.Caller, error) {
	switch token {
	case "good":
		return authn.Caller{UserID: "u1", SessionID: "s1"}, nil
	case "broken":
		return authn.Caller{}, status.Error(codes.Unavailable, "auth service down")
	}
	return authn.Caller{}, status.Error(codes.Unauthenticated, "no such session")
}

const (
	registerMethod = "/fotogal.user.v1.UserService/Register"
	profileMethod  = "/fotogal.user.v1.UserService/GetProfile"
	internalMethod = "/fotogal.user.v1.UserInternalService/BatchGetUsers"
)

func incoming(pairs ...string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs(pairs...))
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	policy := authn.Policy{
		Public:        map[string]bool{registerMethod: true},
		Validator:     fakeValidator{},
		ServiceSecret: "s3cret",
	}
	noSecret := policy
	noSecret.ServiceSecret = ""
	noValidator := policy
	noValidator.Validator = nil
	custom := policy
	custom.Internal = func(m string) bool { return m == profileMethod }

	const (
		bearer = authn.AuthorizationKey
		cred   = authn.ServiceCredentialKey
	)
	tests := []struct {
		name       string
		policy     authn.Policy
		method     string
		ctx        context.Context
		wantCode   codes.Code
		wantCaller string
	}{
		{"health needs nothing", policy, "/grpc.health.v1.Health/Check", context.Background(), codes.OK, ""},
		{"reflection needs nothing", policy, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", context.Background(), codes.OK, ""},

		{"public without token", policy, registerMethod, context.Background(), codes.OK, ""},
		{"public with valid token sets caller", policy, registerMethod, incoming(bearer, "Bearer good"), codes.OK, "u1"},
		{"public with bad token ignored", policy, registerMethod, incoming(bearer, "Bearer junk"), codes.OK, ""},
		{"public with broken validator ignored", policy, registerMethod, incoming(bearer, "Bearer broken"), codes.OK, ""},

		{"session valid", policy, profileMethod, incoming(bearer, "Bearer good"), codes.OK, "u1"},
		{"session scheme any case", policy, profileMethod, incoming(bearer, "bearer good"), codes.OK, "u1"},
		{"session missing", policy, profileMethod, context.Background(), codes.Unauthenticated, ""},
		{"session empty token", policy, profileMethod, incoming(bearer, "Bearer "), codes.Unauthenticated, ""},
		{"session wrong scheme", policy, profileMethod, incoming(bearer, "Basic good"), codes.Unauthenticated, ""},
		{"session invalid", policy, profileMethod, incoming(bearer, "Bearer junk"), codes.Unauthenticated, ""},
		{"session validator down", policy, profileMethod, incoming(bearer, "Bearer broken"), codes.Unavailable, ""},
		{"session without validator", noValidator, profileMethod, incoming(bearer, "Bearer good"), codes.Unauthenticated, ""},
		{"service credential is no session", policy, profileMethod, incoming(cred, "s3cret"), codes.Unauthenticated, ""},

		{"internal with credential", policy, internalMethod, incoming(cred, "s3cret"), codes.OK, ""},
		{"internal missing credential", policy, internalMethod, context.Background(), codes.Unauthenticated, ""},
		{"internal user token is not enough", policy, internalMethod, incoming(bearer, "Bearer good"), codes.Unauthenticated, ""},
		{"internal wrong credential", policy, internalMethod, incoming(cred, "guess", bearer, "Bearer good"), codes.PermissionDenied, ""},
		{"internal credential prefix", policy, internalMethod, incoming(cred, "s3cre"), codes.PermissionDenied, ""},
		{"internal without secret refused", noSecret, internalMethod, incoming(cred, ""), codes.PermissionDenied, ""},
		{"internal without secret, none sent", noSecret, internalMethod, context.Background(), codes.PermissionDenied, ""},
		{"custom internal", custom, profileMethod, incoming(bearer, "Bearer good"), codes.Unauthenticated, ""},
		{"custom internal leaves default", custom, internalMethod, incoming(bearer, "Bearer good"), codes.OK, "u1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := func(ctx context.Context, called bool, err error) {
				t.Helper()
				if got := status.Code(err); got != tc.wantCode {
					t.Fatalf("code = %v (%v), want %v", got, err, tc.wantCode)
				}
				if called != (tc.wantCode == codes.OK) {
					t.Fatalf("handler called = %v, want %v", called, tc.wantCode == codes.OK)
				}
				if !called {
					return
				}
				caller, ok := authn.CallerFrom(ctx)
				if caller.UserID != tc.wantCaller || ok != (tc.wantCaller != "") {
					t.Errorf("caller = %+v, %v; want user %q", caller, ok, tc.wantCaller)
				}
			}

			t.Run("unary", func(t *testing.T) {
				var (
					handlerCtx context.Context
					called     bool
				)
				_, err := tc.policy.UnaryServerInterceptor()(tc.ctx, "req", &grpc.UnaryServerInfo{FullMethod: tc.method},
					func(ctx context.Context, _ any) (any, error) {
						handlerCtx, called = ctx, true
						return "resp", nil
					})
				check(handlerCtx, called, err)
			})
			t.Run("stream", func(t *testing.T) {
				var (
					handlerCtx context.Context
					called     bool
				)
				err := tc.policy.StreamServerInterceptor()(nil, fakeStream{ctx: tc.ctx}, &grpc.StreamServerInfo{FullMethod: tc.method},
					func(_ any, ss grpc.ServerStream) error {
						handlerCtx, called = ss.Context(), true
						return nil
					})
				check(handlerCtx, called, err)
			})
		})
	}
}

func TestPolicyMessages(t *testing.T) {
	t.Parallel()
	p := authn.Policy{Validator: fakeValidator{}}
	tests := []struct {
		ctx  context.Context
		want string
	}{
		{context.Background(), "missing session token"},
		{incoming(authn.AuthorizationKey, "Bearer junk"), "invalid or expired session"},
	}
	for _, tc := range tests {
		_, err := p.UnaryServerInterceptor()(tc.ctx, nil, &grpc.UnaryServerInfo{FullMethod: profileMethod},
			func(context.Context, any) (any, error) { return nil, nil })
		if got := status.Convert(err).Message(); got != tc.want {
			t.Errorf("message = %q, want %q", got, tc.want)
		}
	}
}

func TestPolicyCancelledValidation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(incoming(authn.AuthorizationKey, "Bearer x"))
	cancel()
	p := authn.Policy{Validator: validatorFunc(func(ctx context.Context, _ string) (authn.Caller, error) {
		return authn.Caller{}, status.FromContextError(ctx.Err()).Err()
	})}
	_, err := p.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: profileMethod},
		func(context.Context, any) (any, error) { return nil, nil })
	if got := status.Code(err); got != codes.Canceled {
		t.Errorf("code = %v, want Canceled", got)
	}
}

func TestIsInternalService(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		internalMethod: true,
		"/fotogal.auth.v1.AuthInternalService/ValidateSession": true,
		profileMethod:                     false,
		"/InternalService/X":              true,
		"/fotogal.v1.InternalServiceX/Y":  false,
		"/fotogal.InternalService.v1.A/B": false,
		"":                                false,
	}
	for method, want := range tests {
		if got := authn.IsInternalService(method); got != want {
			t.Errorf("IsInternalService(%q) = %v, want %v", method, got, want)
		}
	}
}

func TestRequireCaller(t *testing.T) {
	t.Parallel()
	if _, err := authn.RequireCaller(context.Background()); status.Code(err) != codes.Unauthenticated {
		t.Errorf("RequireCaller(no caller) = %v, want Unauthenticated", err)
	}
	want := authn.Caller{UserID: "u", SessionID: "s"}
	got, err := authn.RequireCaller(authn.WithCaller(context.Background(), want))
	if err != nil || got != want {
		t.Errorf("RequireCaller = %+v, %v; want %+v", got, err, want)
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ctx    context.Context
		want   string
		wantOK bool
	}{
		{"none", context.Background(), "", false},
		{"bearer", incoming("authorization", "Bearer abc"), "abc", true},
		{"upper case scheme", incoming("authorization", "BEARER abc"), "abc", true},
		{"no scheme", incoming("authorization", "abc"), "", false},
		{"basic", incoming("authorization", "Basic abc"), "", false},
		{"first value wins", incoming("authorization", "Bearer one", "authorization", "Bearer two"), "one", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := authn.BearerToken(tc.ctx)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("BearerToken = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestForwardBearer(t *testing.T) {
	t.Parallel()
	ctx := authn.ForwardBearer(incoming("authorization", "Bearer tok"))
	md, _ := metadata.FromOutgoingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer tok" {
		t.Errorf("outgoing authorization = %q, want [Bearer tok]", got)
	}
	if _, ok := metadata.FromOutgoingContext(authn.ForwardBearer(context.Background())); ok {
		t.Error("ForwardBearer without a token set outgoing metadata")
	}
}

func TestServiceCredentials(t *testing.T) {
	t.Parallel()
	creds := authn.ServiceCredentials("s3cret")
	if creds.RequireTransportSecurity() {
		t.Error("RequireTransportSecurity() = true, want false")
	}
	md, err := creds.GetRequestMetadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := md[authn.ServiceCredentialKey]; got != "s3cret" {
		t.Errorf("metadata %s = %q, want s3cret", authn.ServiceCredentialKey, got)
	}
}

type validatorFunc func(ctx context.Context, token string) (authn.Caller, error)

func (f validatorFunc) ValidateSession(ctx context.Context, token string) (authn.Caller, error) {
	return f(ctx, token)
}

type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s fakeStream) Context() context.Context { return s.ctx }

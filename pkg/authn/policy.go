package authn

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Policy says what each method of a server requires, and enforces it with
// its interceptors:
//
//   - gRPC health and reflection methods require nothing;
//   - internal methods require the service credential, whatever session
//     token comes with them; an empty ServiceSecret refuses them all;
//   - public methods require nothing, but a valid session token sent anyway
//     sets the Caller;
//   - every other method requires a valid session token, and its Caller is
//     put on the context.
//
// Internal methods get no Caller: they carry the people they act for in
// their requests.
type Policy struct {
	// Public holds the full names of the methods that need no session,
	// e.g. "/fotogal.user.v1.UserService/Register".
	Public map[string]bool
	// Internal reports whether a method (by full name) is internal. Nil
	// means IsInternalService: its service's name ends in "InternalService".
	Internal func(fullMethod string) bool
	// Validator checks session tokens. Nil refuses every method that
	// needs a session.
	Validator Validator
	// ServiceSecret is the service credential internal methods require.
	ServiceSecret string
}

// IsInternalService reports whether the service of fullMethod
// ("/package.Service/Method") has a name that ends in "InternalService".
func IsInternalService(fullMethod string) bool {
	service, _, _ := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	return strings.HasSuffix(service[strings.LastIndexByte(service, '.')+1:], "InternalService")
}

// UnaryServerInterceptor returns an interceptor that enforces p on unary
// calls.
func (p Policy) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := p.authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor returns an interceptor that enforces p on
// streaming calls.
func (p Policy) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := p.authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

// authenticate returns ctx, with the Caller when there is one, or the status
// error refusing the call.
func (p Policy) authenticate(ctx context.Context, fullMethod string) (context.Context, error) {
	switch {
	case strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/"),
		strings.HasPrefix(fullMethod, "/grpc.reflection."):
		return ctx, nil
	case p.isInternal(fullMethod):
		return ctx, p.checkServiceCredential(ctx)
	case p.Public[fullMethod]:
		if token, ok := BearerToken(ctx); ok && p.Validator != nil {
			if caller, err := p.Validator.ValidateSession(ctx, token); err == nil {
				ctx = WithCaller(ctx, caller)
			}
		}
		return ctx, nil
	}
	token, ok := BearerToken(ctx)
	return p.requireSession(ctx, token, ok)
}

// AuthenticateHTTP applies the rule of methods that need a session to an
// HTTP request: the token of its Authorization header ("Bearer <token>")
// must be a valid session. It returns the request's context with the
// Caller, or the status error refusing the request.
func (p Policy) AuthenticateHTTP(r *http.Request) (context.Context, error) {
	token, ok := ParseBearer(r.Header.Get("Authorization"))
	return p.requireSession(r.Context(), token, ok)
}

// requireSession returns ctx with the Caller of token (ok says there is
// one), or the status error refusing it.
func (p Policy) requireSession(ctx context.Context, token string, ok bool) (context.Context, error) {
	if !ok {
		return ctx, status.Error(codes.Unauthenticated, "missing session token")
	}
	if p.Validator == nil {
		return ctx, status.Error(codes.Unauthenticated, "invalid or expired session")
	}
	caller, err := p.Validator.ValidateSession(ctx, token)
	switch {
	case err == nil:
		return WithCaller(ctx, caller), nil
	case status.Code(err) == codes.Unauthenticated:
		return ctx, status.Error(codes.Unauthenticated, "invalid or expired session")
	case ctx.Err() != nil:
		return ctx, status.FromContextError(ctx.Err()).Err()
	default:
		return ctx, status.Error(codes.Unavailable, "session validation unavailable")
	}
}

func (p Policy) isInternal(fullMethod string) bool {
	if p.Internal != nil {
		return p.Internal(fullMethod)
	}
	return IsInternalService(fullMethod)
}

func (p Policy) checkServiceCredential(ctx context.Context) error {
	if p.ServiceSecret == "" {
		return status.Error(codes.PermissionDenied, "internal methods are disabled: no service secret configured")
	}
	got, ok := serviceCredential(ctx)
	if !ok {
		return status.Error(codes.Unauthenticated, "missing service credential")
	}
	if !secretMatches(got, p.ServiceSecret) {
		return status.Error(codes.PermissionDenied, "invalid service credential")
	}
	return nil
}

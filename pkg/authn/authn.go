// Package authn authenticates gRPC calls between FotoGal's services.
//
// Two kinds of callers exist. People send a session token as
// "authorization: Bearer <token>"; a Validator (the auth service) turns it
// into a Caller that handlers read with CallerFrom or RequireCaller. Services
// calling each other's internal methods send a shared secret, the service
// credential, in "x-fotogal-service-credential". Policy's interceptors decide
// which of the two each method needs.
package authn

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// AuthorizationKey is the gRPC metadata key of the session token.
const AuthorizationKey = "authorization"

// Caller is the person a request is made for, as established from their
// session token.
type Caller struct {
	UserID    string
	SessionID string
}

type callerKey struct{}

// WithCaller returns a copy of ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// RequireCaller returns the caller carried by ctx or, when there is none, an
// Unauthenticated status error to return as is.
func RequireCaller(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return Caller{}, status.Error(codes.Unauthenticated, "missing session token")
	}
	return c, nil
}

// Validator turns a session token into the Caller it belongs to.
//
// For a token that is malformed, unknown, expired or revoked, ValidateSession
// returns an error whose gRPC status code is Unauthenticated. Any other error
// means validation could not be done (the auth service is unreachable, say).
type Validator interface {
	ValidateSession(ctx context.Context, token string) (Caller, error)
}

// BearerToken returns the session token of the incoming metadata of ctx: the
// first "authorization" value, when it has the form "Bearer <token>" (the
// scheme in any case).
func BearerToken(ctx context.Context) (string, bool) {
	values := metadata.ValueFromIncomingContext(ctx, AuthorizationKey)
	if len(values) == 0 {
		return "", false
	}
	return ParseBearer(values[0])
}

// ParseBearer returns the token of an authorization value of the form
// "Bearer <token>" (the scheme in any case).
func ParseBearer(authorization string) (string, bool) {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// ForwardBearer returns ctx with the session token of its incoming metadata
// added to its outgoing metadata, for a service that calls another on the
// person's behalf. Without an incoming token it returns ctx unchanged.
func ForwardBearer(ctx context.Context) context.Context {
	token, ok := BearerToken(ctx)
	if !ok {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, AuthorizationKey, "Bearer "+token)
}

// wrappedStream is a grpc.ServerStream whose Context is replaced.
type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *wrappedStream) Context() context.Context { return s.ctx }

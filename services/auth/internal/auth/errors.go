package auth

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"
	"github.com/fotogal/fotogal/services/auth/internal/store"
)

// Domain errors of the auth service, turned into gRPC status by toStatus.
var (
	// errInvalidCredentials is the one answer to an unknown email and a
	// wrong password alike.
	errInvalidCredentials = errors.New("invalid email or password")
	// errInvalidSession means a token is malformed, unknown, expired or
	// revoked.
	errInvalidSession = errors.New("invalid or expired session")
	// errUserServiceUnavailable means the user service could not check
	// credentials right now.
	errUserServiceUnavailable = errors.New("user service unavailable")
)

// throttledError refuses a login attempt past the throttle's limits.
type throttledError struct {
	retryAfter time.Duration
}

func (e *throttledError) Error() string { return "too many login attempts" }

// fieldError is an invalid request field.
type fieldError struct {
	field, description string
}

func (e *fieldError) Error() string { return e.field + ": " + e.description }

// toStatus turns an error of this package or of the store into the gRPC
// status error to return. Unexpected errors become Internal, logged with
// ctx's logger, their text hidden.
func toStatus(ctx context.Context, err error) error {
	var (
		throttled *throttledError
		invalid   *fieldError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &invalid):
		return grpcerr.InvalidArgument(invalid.field, invalid.description)
	case errors.As(err, &throttled):
		return grpcerr.ResourceExhausted("too many login attempts, try again later", throttled.retryAfter)
	case errors.Is(err, errInvalidCredentials):
		return status.Error(codes.Unauthenticated, errInvalidCredentials.Error())
	case errors.Is(err, errInvalidSession):
		return status.Error(codes.Unauthenticated, errInvalidSession.Error())
	case errors.Is(err, errUserServiceUnavailable):
		return status.Error(codes.Unavailable, "cannot check credentials now, try again")
	case errors.Is(err, store.ErrNotFound):
		return status.Error(codes.NotFound, "session not found")
	}
	return grpcerr.Internal(ctx, err)
}

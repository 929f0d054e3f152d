package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// The service's domain errors; toStatus gives each its gRPC status.
var (
	errUserNotFound       = errors.New("user not found")
	errNoFollowRequest    = errors.New("no such follow request")
	errPrivateAccount     = errors.New("this account is private")
	errBadCredentials     = errors.New("invalid email or password")
	errWrongPassword      = errors.New("old_password: incorrect")
	errPasswordChangedNow = errors.New("the password changed meanwhile")
	errCannotFollow       = errors.New("you cannot follow this account")
)

// throttledError refuses a registration past the throttle's limit.
type throttledError struct {
	retryAfter time.Duration
}

func (e *throttledError) Error() string { return "too many registrations from this address" }

// fieldErrors are the invalid fields of a request.
type fieldErrors []grpcerr.Violation

func (e fieldErrors) Error() string {
	messages := make([]string, len(e))
	for i, v := range e {
		messages[i] = v.Field + ": " + v.Description
	}
	return strings.Join(messages, "; ")
}

// check records field as invalid with description unless description is
// empty.
func (e *fieldErrors) check(field, description string) {
	if description != "" {
		*e = append(*e, grpcerr.Violation{Field: field, Description: description})
	}
}

// err returns e as an error, or nil when no field is invalid.
func (e fieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// invalid returns the error of one invalid field.
func invalid(field, description string) error {
	return fieldErrors{{Field: field, Description: description}}
}

// toStatus is the one place where the service's errors become gRPC status
// errors. Anything unexpected is Internal: logged, its text hidden.
func toStatus(ctx context.Context, err error) error {
	var (
		fields    fieldErrors
		throttled *throttledError
	)
	switch {
	case errors.As(err, &fields):
		return grpcerr.InvalidArguments(fields...)
	case errors.As(err, &throttled):
		return grpcerr.ResourceExhausted("too many registrations from this address, try again later",
			throttled.retryAfter)
	case errors.Is(err, store.ErrInvalidPageToken):
		return grpcerr.InvalidArgument("page_token", "invalid")
	case errors.Is(err, errUserNotFound), errors.Is(err, errNoFollowRequest):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, store.ErrEmailTaken):
		return status.Error(codes.AlreadyExists, "email: already registered")
	case errors.Is(err, store.ErrUsernameTaken):
		return status.Error(codes.AlreadyExists, "username: already taken")
	case errors.Is(err, errBadCredentials):
		return status.Error(codes.Unauthenticated, err.Error())
	case errors.Is(err, errWrongPassword), errors.Is(err, errWrongDeletePassword),
		errors.Is(err, errPrivateAccount), errors.Is(err, errCannotFollow):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, errPasswordChangedNow):
		return status.Error(codes.Aborted, err.Error())
	}
	return grpcerr.Internal(ctx, err)
}

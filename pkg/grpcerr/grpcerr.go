// Package grpcerr builds the gRPC status errors FotoGal's handlers return,
// with the google.rpc error details clients and the gateway understand.
package grpcerr

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/fotogal/fotogal/pkg/logging"
)

// Violation is one invalid field of a request.
type Violation struct {
	// Field is the field's name as in the request, e.g. "username".
	Field string
	// Description says what a valid value is, e.g. "must be 4-30 letters,
	// digits or underscores".
	Description string
}

// InvalidArgument returns an InvalidArgument error for one invalid field,
// with the message "field: description" and an errdetails.BadRequest.
func InvalidArgument(field, description string) error {
	return InvalidArguments(Violation{Field: field, Description: description})
}

// InvalidArguments returns an InvalidArgument error for several invalid
// fields, with the message "field1: description1; field2: description2" and
// an errdetails.BadRequest listing each.
func InvalidArguments(violations ...Violation) error {
	if len(violations) == 0 {
		return status.Error(codes.InvalidArgument, "invalid argument")
	}
	messages := make([]string, len(violations))
	badRequest := &errdetails.BadRequest{}
	for i, v := range violations {
		messages[i] = v.Field + ": " + v.Description
		badRequest.FieldViolations = append(badRequest.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: v.Description,
		})
	}
	return withDetails(status.New(codes.InvalidArgument, strings.Join(messages, "; ")), badRequest)
}

// ResourceExhausted returns a ResourceExhausted error with msg, telling the
// caller with an errdetails.RetryInfo to retry after retryAfter, rounded up
// to whole seconds (at least one), as HTTP's Retry-After counts them.
func ResourceExhausted(msg string, retryAfter time.Duration) error {
	if r := retryAfter % time.Second; r != 0 {
		retryAfter += time.Second - r
	}
	return withDetails(status.New(codes.ResourceExhausted, msg), &errdetails.RetryInfo{
		RetryDelay: durationpb.New(max(retryAfter, time.Second)),
	})
}

// Internal logs err with the logger of ctx and returns an Internal error
// whose message, "internal error", does not reveal it. When err is the end
// of ctx (cancelled or past its deadline), it returns Canceled or
// DeadlineExceeded instead, without logging an error. When err carries a
// retryable status of its own (a storage backend throttled, ResourceExhausted,
// or out of reach, Unavailable), it returns that status, logged as a warning.
func Internal(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return status.FromContextError(err).Err()
	}
	var backend interface{ GRPCStatus() *status.Status }
	if errors.As(err, &backend) {
		if st := backend.GRPCStatus(); st.Code() == codes.Unavailable || st.Code() == codes.ResourceExhausted {
			logging.FromContext(ctx).Warn("backend refused", zap.Error(err))
			return st.Err()
		}
	}
	logging.FromContext(ctx).Error("internal error", zap.Error(err))
	return status.Error(codes.Internal, "internal error")
}

// withDetails returns st as an error with details attached. Attaching a
// well-formed errdetails message cannot fail; if it did, st is returned
// without them.
func withDetails(st *status.Status, details ...protoadapt.MessageV1) error {
	if withDetails, err := st.WithDetails(details...); err == nil {
		return withDetails.Err()
	}
	return st.Err()
}

package nosqlclient

import (
	"context"
	"errors"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"
)

// throttledRetryAfter is what a throttled caller is told to wait: the
// service's limits are per second.
const throttledRetryAfter = time.Second

// Error is a failure of Oracle NoSQL that outlasted the SDK's retries:
// throttling or an outage. It carries the gRPC status the service answers
// with, so that it reaches the caller as ResourceExhausted or Unavailable
// and never as Internal.
type Error struct {
	// Throttled is set when the table's read, write or operation limits
	// refused the request; otherwise the service was unavailable.
	Throttled bool
	err       error
}

func (e *Error) Error() string { return "oracle nosql: " + e.err.Error() }

// Unwrap returns the SDK's error.
func (e *Error) Unwrap() error { return e.err }

// GRPCStatus is the answer to a caller: ResourceExhausted with a retry
// delay when throttled, Unavailable otherwise. Neither shows the SDK's text.
func (e *Error) GRPCStatus() *status.Status {
	if e.Throttled {
		return status.Convert(grpcerr.ResourceExhausted("the service is busy, try again shortly", throttledRetryAfter))
	}
	return status.New(codes.Unavailable, "storage is unavailable, try again")
}

// classify wraps the SDK's throttling and outage errors in an *Error and
// returns the others as they are.
func classify(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var sdkErr *nosqlerr.Error
	if !errors.As(err, &sdkErr) {
		// Not the service's answer: the connection failed.
		return &Error{err: err}
	}
	// Retries that ran out of time end in RequestTimeout, caused by what
	// was refused last: a throttled request is still a throttled one.
	if cause, ok := sdkErr.Cause.(*nosqlerr.Error); ok && sdkErr.Code == nosqlerr.RequestTimeout && isThrottling(cause.Code) {
		return &Error{Throttled: true, err: err}
	}
	if isThrottling(sdkErr.Code) {
		return &Error{Throttled: true, err: err}
	}
	switch sdkErr.Code {
	case nosqlerr.RequestTimeout, nosqlerr.ServerError, nosqlerr.ServiceUnavailable, nosqlerr.TableBusy,
		nosqlerr.TableNotReady, nosqlerr.SecurityInfoUnavailable, nosqlerr.RetryAuthentication, nosqlerr.UnknownError:
		return &Error{err: err}
	}
	return err
}

// isThrottling reports whether code is a refusal by the table's limits.
func isThrottling(code nosqlerr.ErrorCode) bool {
	switch code {
	case nosqlerr.ReadLimitExceeded, nosqlerr.WriteLimitExceeded, nosqlerr.OperationLimitExceeded, nosqlerr.SizeLimitExceeded:
		return true
	}
	return false
}

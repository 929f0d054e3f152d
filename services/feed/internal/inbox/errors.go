package inbox

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"
)

// Domain errors of the inbox, turned into gRPC status by toStatus.
var (
	// errInvalidPageSize reports a negative page size.
	errInvalidPageSize = errors.New("invalid page size")
	// errInvalidUpToTime reports a read mark that is not a valid time.
	errInvalidUpToTime = errors.New("invalid up_to_time")
	// errUnavailable reports that the user or image service could not be
	// reached.
	errUnavailable = errors.New("upstream service unavailable")
)

// toStatus maps the errors of the inbox to gRPC status errors: invalid
// requests to InvalidArgument naming the field, an unreachable upstream to
// Unavailable, anything else to Internal (logged, its text hidden).
func toStatus(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, errInvalidPageToken):
		return grpcerr.InvalidArgument("page_token", "invalid")
	case errors.Is(err, errInvalidPageSize):
		return grpcerr.InvalidArgument("page_size", "must not be negative")
	case errors.Is(err, errInvalidUpToTime):
		return grpcerr.InvalidArgument("up_to_time", "not a valid time")
	case errors.Is(err, errUnavailable):
		return status.Error(codes.Unavailable, "notifications temporarily unavailable")
	default:
		return grpcerr.Internal(ctx, err)
	}
}

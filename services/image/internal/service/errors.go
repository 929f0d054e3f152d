package service

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/services/image/internal/imaging"
	"github.com/fotogal/fotogal/services/image/internal/store"

	"go.uber.org/zap"
)

// The service's domain errors; toStatus gives each its gRPC status.
var (
	// errImageNotFound is the answer for a missing photo and for one the
	// caller may not see alike.
	errImageNotFound  = errors.New("image not found")
	errAvatarNotFound = errors.New("this person has no avatar")
	errNotOwner       = errors.New("only the owner may change or delete a photo")
	errPrivate        = errors.New("this account is private: only its approved followers see its photos")
	errOutOfRange     = errors.New("the requested range is beyond the content")
	// errCommentNotFound is the answer for a missing comment under a photo
	// the caller may see.
	errCommentNotFound  = errors.New("comment not found")
	errNotCommentAuthor = errors.New("only the comment's author or the photo's owner may delete a comment")
	errCommentsDisabled = errors.New("the photo's owner turned comments off")
	// errUpstream wraps the failures of the services this one calls.
	errUpstream = errors.New("upstream service unavailable")
)

// ErrUserNotFound is what Users returns for an unknown username.
var ErrUserNotFound = errors.New("user not found")

// fieldError is an invalid request field.
type fieldError struct {
	field, description string
}

func (e *fieldError) Error() string { return e.field + ": " + e.description }

// tooLargeError refuses an upload over the size limit.
type tooLargeError struct {
	limit int64
}

func (e *tooLargeError) Error() string {
	if e.limit%(1<<20) == 0 {
		return fmt.Sprintf("file too large: at most %d MiB", e.limit>>20)
	}
	return fmt.Sprintf("file too large: at most %d bytes", e.limit)
}

// toStatus turns an error of the service into the gRPC status error its
// caller gets. Status errors (from the stream itself) pass as they are;
// anything unknown is Internal, logged, its text hidden.
func toStatus(ctx context.Context, err error) error {
	var (
		field    *fieldError
		tooLarge *tooLargeError
		bad      *imaging.InvalidError
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errImageNotFound), errors.Is(err, ErrUserNotFound), errors.Is(err, errAvatarNotFound),
		errors.Is(err, errCommentNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, errNotOwner), errors.Is(err, errPrivate), errors.Is(err, errNotCommentAuthor):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, errCommentsDisabled):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, errOutOfRange):
		return status.Error(codes.OutOfRange, err.Error())
	case errors.As(err, &field):
		return grpcerr.InvalidArgument(field.field, field.description)
	case errors.As(err, &bad):
		return grpcerr.InvalidArgument("file", bad.Reason)
	case errors.As(err, &tooLarge):
		return status.Error(codes.ResourceExhausted, tooLarge.Error())
	case errors.Is(err, store.ErrConflict):
		// Writes that kept losing races to concurrent ones gave up.
		return status.Error(codes.Aborted, "too many concurrent changes, try again")
	case errors.Is(err, errUpstream):
		logging.FromContext(ctx).Warn("upstream call failed", zap.Error(err))
		return status.Error(codes.Unavailable, errUpstream.Error())
	}
	// A status from another service or from the storage backend keeps its
	// code; its own status is returned, not err, whose text would show the
	// wrapping messages.
	var withStatus interface{ GRPCStatus() *status.Status }
	if errors.As(err, &withStatus) {
		if st := withStatus.GRPCStatus(); st.Code() != codes.Unavailable && st.Code() != codes.ResourceExhausted {
			return st.Err()
		}
	}
	return grpcerr.Internal(ctx, err)
}

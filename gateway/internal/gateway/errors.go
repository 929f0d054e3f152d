package gateway

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/logging"
)

// handleError answers with err as google.rpc.Status JSON and the HTTP status
// of its code (grpc-gateway's mapping, or the one a runtime.HTTPStatusError
// names). On the way it sets Retry-After from a RetryInfo, clears the
// session cookie that proved invalid, and hides the text of Unavailable
// and DeadlineExceeded errors, which names internal addresses.
func (g *Gateway) handleError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if requestInfoFrom(ctx).bodyTooLarge {
		// The JSON decoder failed because the capped body ran out.
		err = g.bodyTooLarge()
	}
	err = clientSideError(err)
	var withHTTPStatus *runtime.HTTPStatusError
	grpcErr := err
	if errors.As(err, &withHTTPStatus) {
		grpcErr = withHTTPStatus.Err
	}
	st := status.Convert(grpcErr)
	switch st.Code() {
	case codes.ResourceExhausted:
		if seconds, ok := retryAfterSeconds(st); ok {
			w.Header().Set("Retry-After", strconv.Itoa(seconds))
		}
	case codes.Unauthenticated:
		if info := requestInfoFrom(ctx); info.cookieAuth {
			clearSessionCookie(w, info.secure)
		}
	case codes.Unavailable, codes.DeadlineExceeded:
		// Raised by the gateway's own client, their text names internal
		// addresses.
		logging.FromContext(ctx).Warn("upstream failed", zap.Error(grpcErr))
		msg := "service unavailable"
		if st.Code() == codes.DeadlineExceeded {
			msg = "the service did not answer in time"
		}
		// Either way the service is not there for the client now: 503, not
		// 504, which would say a gateway further up timed out.
		httpStatus := http.StatusServiceUnavailable
		if withHTTPStatus != nil {
			httpStatus = withHTTPStatus.HTTPStatus
		}
		err = &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: status.Error(st.Code(), msg)}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// The texts of grpc-go's refusals of a message over a size limit: the
// gateway's client refusing to send one, or a service refusing to receive
// one. A service's own status never starts with "grpc: ".
const (
	grpcSendTooLarge    = "grpc: trying to send message larger than max"
	grpcReceiveTooLarge = "grpc: received message larger than max"
)

// clientSideError maps grpc-go's refusals of a message too large, whose
// code (ResourceExhausted) would otherwise read as throttling (429) and
// whose text is internal, to 413. The requests are what grows past the
// limits (4 MiB a message): the answers, pages of at most 100 items, stay
// far below them.
func clientSideError(err error) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.ResourceExhausted {
		return err
	}
	if strings.HasPrefix(st.Message(), grpcSendTooLarge) || strings.HasPrefix(st.Message(), grpcReceiveTooLarge) {
		return &runtime.HTTPStatusError{
			HTTPStatus: http.StatusRequestEntityTooLarge,
			Err:        status.Error(codes.InvalidArgument, "request too large"),
		}
	}
	return err
}

// retryAfterSeconds returns the delay of st's RetryInfo in whole seconds,
// rounded up.
func retryAfterSeconds(st *status.Status) (int, bool) {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok && info.GetRetryDelay() != nil {
			return int(math.Ceil(info.GetRetryDelay().AsDuration().Seconds())), true
		}
	}
	return 0, false
}

// handleRoutingError answers a request no route matches: 404 for an unknown
// path, 405 for a known path with another method.
func handleRoutingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	code := codes.InvalidArgument
	switch httpStatus {
	case http.StatusNotFound:
		code = codes.NotFound
	case http.StatusMethodNotAllowed:
		code = codes.Unimplemented
	}
	err := status.Error(code, "no route: "+r.Method+" "+r.URL.Path)
	runtime.HTTPError(ctx, mux, m, w, r, &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: err})
}

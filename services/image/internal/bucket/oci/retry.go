package oci

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// firstBackoff is the wait after a first failed attempt; each further one
// doubles it, up to Config.MaxBackoff.
const firstBackoff = 100 * time.Millisecond

// Error is a failure of Object Storage that outlasted the retries: the
// service throttling (429) or failing (5xx), a connection that broke or
// stalled. It carries the gRPC status Unavailable, so that callers are
// told to try again (HTTP 503) rather than given an internal error.
type Error struct {
	// Attempts is how many times the request was tried.
	Attempts int
	err      error
}

func (e *Error) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("object storage unavailable after %d attempts: %v", e.Attempts, e.err)
	}
	return "object storage unavailable: " + e.err.Error()
}

// Unwrap returns the last attempt's error.
func (e *Error) Unwrap() error { return e.err }

// GRPCStatus is the answer to a caller: Unavailable, without the details.
func (e *Error) GRPCStatus() *status.Status {
	return status.New(codes.Unavailable, "photo storage is unavailable, try again")
}

// serviceError is an error answer of Object Storage, told in one line.
// It unwraps to the SDK's common.ServiceError.
type serviceError struct {
	se  common.ServiceError
	err error
}

func (e serviceError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s (opc-request-id %s)", e.se.GetHTTPStatusCode(), errorCode(e.se), errorMessage(e.se), e.se.GetOpcRequestID())
}

// badErrorResponse is the code the SDK gives an error answer without an
// error document, such as every answer to a HEAD.
const badErrorResponse = "BadErrorResponse"

// errorCode returns the service's code for an error ("NotAuthenticated"),
// or the HTTP status text when the answer had none.
func errorCode(se common.ServiceError) string {
	if code := se.GetCode(); code != "" && code != badErrorResponse {
		return code
	}
	return strings.ReplaceAll(http.StatusText(se.GetHTTPStatusCode()), " ", "")
}

func errorMessage(se common.ServiceError) string {
	if se.GetCode() == badErrorResponse {
		return "no error document"
	}
	return se.GetMessage()
}

func (e serviceError) Unwrap() error { return e.err }

// httpStatus returns the HTTP status of an error answer of Object Storage,
// or 0 when err is not one.
func httpStatus(err error) int {
	var se common.ServiceError
	if errors.As(err, &se) {
		return se.GetHTTPStatusCode()
	}
	return 0
}

// errStalled cuts an attempt that made no progress for RequestTimeout.
var errStalled = errors.New("no progress")

// stallError is the error of an attempt cut for making no progress.
type stallError struct {
	limit time.Duration
	err   error
}

func (e *stallError) Error() string {
	return fmt.Sprintf("no progress for %s (FOTOGAL_OCI_REQUEST_TIMEOUT): %v", e.limit, e.err)
}

func (e *stallError) Unwrap() error { return e.err }

// attempt is one try of a request. It is cancelled when the caller's
// context is done or when the attempt makes no progress for the limit: the
// watchdog timer runs while the attempt waits on the network and is pushed
// back by every stretch of body that moves.
//
// The SDK is handed ctx, which carries the attempt's cancellation as a
// value rather than as its own (see attemptTransport): when the context
// the SDK waits on is cancelled, it returns at once and leaves the request
// running in its own goroutine, racing on the response it then writes.
// This way the request itself fails and the SDK returns its error.
type attempt struct {
	// ctx is the context of the SDK call.
	ctx    context.Context
	live   context.Context
	cancel context.CancelCauseFunc
	limit  time.Duration
	timer  *time.Timer
	// kept is set by a call that hands its context on to a response body,
	// which then ends the attempt itself.
	kept bool
}

// attemptKey is the context key under which an attempt's ctx carries its
// live, cancellable context.
type attemptKey struct{}

func startAttempt(parent context.Context, limit time.Duration) *attempt {
	live, cancel := context.WithCancelCause(parent)
	return &attempt{
		ctx:    context.WithoutCancel(context.WithValue(live, attemptKey{}, live)),
		live:   live,
		cancel: cancel,
		limit:  limit,
		timer:  time.AfterFunc(limit, func() { cancel(errStalled) }),
	}
}

// progress restarts the watchdog: something moved.
func (a *attempt) progress() { a.timer.Reset(a.limit) }

// pause stops the watchdog while the caller, not the network, holds the
// attempt up (between reads of a download).
func (a *attempt) pause() { a.timer.Stop() }

// end releases the attempt's context and timer.
func (a *attempt) end() {
	a.timer.Stop()
	a.cancel(context.Canceled)
}

// explain returns err, told as a stall when the watchdog cut the attempt.
func (a *attempt) explain(err error) error {
	if errors.Is(context.Cause(a.live), errStalled) {
		return &stallError{a.limit, err}
	}
	return err
}

// attemptTransport sends each request under the live context of its
// attempt, so that cancelling the attempt aborts the request and its
// response body.
type attemptTransport struct {
	base http.RoundTripper
}

func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if live, ok := req.Context().Value(attemptKey{}).(context.Context); ok {
		req = req.WithContext(live)
	}
	return t.base.RoundTrip(req)
}

// retry runs call, each time with a new attempt, until it succeeds, fails
// with an error that trying again cannot mend, or has been tried
// Config.Attempts times, which ends in an *Error. Service errors come back
// as serviceError. On success the attempt ends, unless call kept it.
func (b *Bucket) retry(ctx context.Context, call func(*attempt) error) error {
	for n := 1; ; n++ {
		a := startAttempt(ctx, b.cfg.RequestTimeout)
		err := call(a)
		if err == nil {
			if !a.kept {
				a.end()
			}
			return nil
		}
		err = a.explain(err)
		a.end()
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var se common.ServiceError
		if errors.As(err, &se) {
			err = serviceError{se, err}
		}
		if !transient(err) {
			return err
		}
		if n >= b.cfg.Attempts {
			return &Error{Attempts: n, err: err}
		}
		if err := sleep(ctx, b.backoff(n)); err != nil {
			return err
		}
	}
}

// transient reports whether trying again may mend err: throttling, an
// error of the service itself, a broken or stalled connection. Other
// answers of the service (4xx) and bad certificates are final.
func transient(err error) bool {
	if status := httpStatus(err); status != 0 {
		return status == 429 || status >= 500
	}
	var stall *stallError
	if errors.As(err, &stall) {
		return true
	}
	var (
		badCert     *tls.CertificateVerificationError
		unknownCA   x509.UnknownAuthorityError
		badHostname x509.HostnameError
	)
	if errors.As(err, &badCert) || errors.As(err, &unknownCA) || errors.As(err, &badHostname) {
		return false
	}
	var (
		urlErr *url.Error
		netErr net.Error
	)
	return errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// backoff returns the wait after the nth failed attempt: it doubles from
// firstBackoff up to MaxBackoff, and a random half of it is jitter, so
// that callers throttled together do not come back together.
func (b *Bucket) backoff(n int) time.Duration {
	d := min(firstBackoff, b.cfg.MaxBackoff)
	for i := 1; i < n && d < b.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, b.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

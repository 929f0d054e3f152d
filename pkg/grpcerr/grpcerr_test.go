package grpcerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/grpcerr"
	"github.com/fotogal/fotogal/pkg/logging"
)

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantMsg    string
		wantFields []string
	}{
		{
			name:       "one field",
			err:        grpcerr.InvalidArgument("username", "must be 4-30 letters, digits or underscores"),
			wantMsg:    "username: must be 4-30 letters, digits or underscores",
			wantFields: []string{"username"},
		},
		{
			name: "several fields",
			err: grpcerr.InvalidArguments(
				grpcerr.Violation{Field: "email", Description: "must be an email address"},
				grpcerr.Violation{Field: "password", Description: "must be at least 8 characters"},
			),
			wantMsg:    "email: must be an email address; password: must be at least 8 characters",
			wantFields: []string{"email", "password"},
		},
		{
			name:    "none",
			err:     grpcerr.InvalidArguments(),
			wantMsg: "invalid argument",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := status.Convert(tc.err)
			if st.Code() != codes.InvalidArgument || st.Message() != tc.wantMsg {
				t.Errorf("status = %v %q, want InvalidArgument %q", st.Code(), st.Message(), tc.wantMsg)
			}
			var gotFields []string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						gotFields = append(gotFields, v.GetField())
					}
				}
			}
			if fmt.Sprint(gotFields) != fmt.Sprint(tc.wantFields) {
				t.Errorf("field violations = %v, want %v", gotFields, tc.wantFields)
			}
		})
	}
}

func TestResourceExhausted(t *testing.T) {
	t.Parallel()
	st := status.Convert(grpcerr.ResourceExhausted("too many login attempts", 30*time.Second))
	if st.Code() != codes.ResourceExhausted || st.Message() != "too many login attempts" {
		t.Errorf("status = %v %q", st.Code(), st.Message())
	}
	details := st.Details()
	if len(details) != 1 {
		t.Fatalf("details = %v, want one RetryInfo", details)
	}
	info, ok := details[0].(*errdetails.RetryInfo)
	if !ok || info.GetRetryDelay().AsDuration() != 30*time.Second {
		t.Errorf("details[0] = %v, want RetryInfo of 30s", details[0])
	}
}

// The delay is whole seconds, at least one, as Retry-After counts them.
func TestResourceExhaustedRoundsUp(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want time.Duration }{
		{0, time.Second},
		{time.Millisecond, time.Second},
		{time.Second, time.Second},
		{90*time.Second + time.Nanosecond, 91 * time.Second},
	}
	for _, tc := range tests {
		info := status.Convert(grpcerr.ResourceExhausted("later", tc.in)).Details()[0].(*errdetails.RetryInfo)
		if got := info.GetRetryDelay().AsDuration(); got != tc.want {
			t.Errorf("retry after %v: RetryInfo %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestInternal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantCode codes.Code
		wantLogs int
	}{
		{"hidden and logged", errors.New("open /var/db.sqlite: disk full"), codes.Internal, 1},
		{"cancelled", fmt.Errorf("query: %w", context.Canceled), codes.Canceled, 0},
		{"deadline", context.DeadlineExceeded, codes.DeadlineExceeded, 0},
		{"backend unavailable", fmt.Errorf("get user: %w", status.Error(codes.Unavailable, "storage is unavailable")), codes.Unavailable, 0},
		{"backend throttled", fmt.Errorf("put: %w", status.Error(codes.ResourceExhausted, "busy")), codes.ResourceExhausted, 0},
		{"other status hidden", fmt.Errorf("put: %w", status.Error(codes.NotFound, "no table")), codes.Internal, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zap.DebugLevel)
			ctx := logging.WithLogger(context.Background(), zap.New(core))
			st := status.Convert(grpcerr.Internal(ctx, tc.err))
			if st.Code() != tc.wantCode {
				t.Errorf("code = %v, want %v", st.Code(), tc.wantCode)
			}
			if tc.wantCode == codes.Internal && st.Message() != "internal error" {
				t.Errorf("message = %q, want \"internal error\"", st.Message())
			}
			entries := logs.FilterLevelExact(zap.ErrorLevel).AllUntimed()
			if len(entries) != tc.wantLogs {
				t.Fatalf("%d error log lines, want %d", len(entries), tc.wantLogs)
			}
			if tc.wantLogs > 0 && entries[0].ContextMap()["error"] != tc.err.Error() {
				t.Errorf("logged error = %v, want %q", entries[0].ContextMap()["error"], tc.err)
			}
		})
	}
}

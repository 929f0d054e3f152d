package service_test

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fotogal/fotogal/pkg/testimages"
	"github.com/fotogal/fotogal/services/image/internal/service"
)

// TestUploadsThrottledPerAccount checks that an account's uploads stop at
// the hourly limit with a retry delay, that a refused upload leaves
// nothing behind, and that another account is not held back.
func TestUploadsThrottledPerAccount(t *testing.T) {
	const limit = 2
	e := newEnv(t, withConfig(func(cfg *service.Config) { cfg.MaxUploadsPerHour = limit }))
	photo := testimages.PNG(40, 30)
	for range limit {
		mustUpload(t, e, "alice", photo, "within the limit")
	}
	rowsBefore, _, objectsBefore, _ := e.counts(t)

	_, err := e.upload("alice", photo, uploadOptions{caption: "one too many"})
	if got := status.Code(err); got != codes.ResourceExhausted {
		t.Fatalf("upload past the limit: %v, want ResourceExhausted", err)
	}
	var delay time.Duration
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok {
			delay = info.GetRetryDelay().AsDuration()
		}
	}
	if delay < time.Second || delay > time.Hour {
		t.Errorf("retry delay %v, want between 1s and 1h", delay)
	}
	if rows, _, objects, _ := e.counts(t); rows != rowsBefore || objects != objectsBefore {
		t.Errorf("after the refusal: %d rows, %d objects; want %d, %d as before", rows, objects, rowsBefore, objectsBefore)
	}
	mustUpload(t, e, "bob", photo, "another account")
}

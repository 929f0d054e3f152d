package service

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/counters"
	"github.com/fotogal/fotogal/pkg/grpcerr"
	"github.com/fotogal/fotogal/pkg/logging"
)

// DefaultMaxUploadsPerHour is the upload throttle's limit when
// Config.MaxUploadsPerHour is zero: far more than a person posts, few
// enough that one account cannot fill the bucket.
const DefaultMaxUploadsPerHour = 200

// uploadWindow is the window of the upload throttle: its limit is per hour.
const uploadWindow = time.Hour

// uploadCounterKey is the key of userID's upload counter.
func uploadCounterKey(userID string) string { return counters.Key("uploads", userID) }

// countUpload counts an upload by userID in the store, which every replica
// shares, and returns ResourceExhausted with a retry delay (429 with
// Retry-After at the gateway) when the account is past its limit. Every
// attempt counts, whether or not its photo is then accepted.
func (s *Server) countUpload(ctx context.Context, userID string) error {
	limit := s.cfg.MaxUploadsPerHour
	if limit <= 0 {
		limit = DefaultMaxUploadsPerHour
	}
	at := now()
	c, err := s.store.IncrementCounter(ctx, uploadCounterKey(userID), at, uploadWindow)
	if err != nil {
		return toStatus(ctx, fmt.Errorf("count upload: %w", err))
	}
	if c.Count > limit {
		logging.FromContext(ctx).Warn("upload throttled", zap.String("user_id", userID))
		return grpcerr.ResourceExhausted(fmt.Sprintf("at most %d uploads an hour, try again later", limit),
			c.ExpireTime.Sub(at))
	}
	return nil
}

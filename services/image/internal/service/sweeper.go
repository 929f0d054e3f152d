package service

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
)

// sweepBatch is how many objects the sweeper checks against the store at
// once.
const sweepBatch = 500

// Sweep deletes the bucket objects written before cutoff that no image row
// names: those of uploads whose row was never written and of deleted
// images whose objects outlived their row. It looks only at the objects of
// its own naming scheme (img/<image id>/...), finding their rows by ID, and
// leaves any other object alone. It returns how many it deleted.
func (s *Server) Sweep(ctx context.Context, cutoff time.Time) (int, error) {
	deleted := 0
	var batch []string
	flush := func() error {
		n, err := s.sweepBatch(ctx, batch)
		deleted += n
		batch = batch[:0]
		return err
	}
	err := s.bucket.List(ctx, func(obj bucket.ObjectInfo) error {
		if _, ours := imageIDOf(obj.Name); !ours || !obj.ModTime.Before(cutoff) {
			return nil
		}
		batch = append(batch, obj.Name)
		if len(batch) < sweepBatch {
			return nil
		}
		return flush()
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	if err != nil {
		return deleted, fmt.Errorf("sweep: %w", err)
	}
	return deleted, nil
}

// sweepBatch deletes the objects among names that no row names.
func (s *Server) sweepBatch(ctx context.Context, names []string) (int, error) {
	ids := make([]string, len(names))
	for i, name := range names {
		ids[i], _ = imageIDOf(name)
	}
	imgs, err := s.store.BatchGetImages(ctx, ids)
	if err != nil {
		return 0, fmt.Errorf("read rows: %w", err)
	}
	named := make(map[string]bool, 3*len(imgs))
	for _, img := range imgs {
		for _, obj := range img.Objects() {
			named[obj] = true
		}
	}
	deleted := 0
	for _, name := range names {
		if named[name] {
			continue
		}
		if err := s.bucket.Delete(ctx, name); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// RunSweeper sweeps every interval the objects older than grace, until ctx
// is done.
func (s *Server) RunSweeper(ctx context.Context, interval, grace time.Duration) {
	logger := logging.FromContext(ctx)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n, err := s.Sweep(ctx, time.Now().Add(-grace))
		if err != nil && ctx.Err() == nil {
			logger.Error("sweep the bucket", zap.Error(err))
		}
		if n > 0 {
			logger.Info("swept orphaned objects", zap.Int("deleted", n))
		}
	}
}

package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
)

// commentStats are the figures of the comments row: a photo with
// o.comments comments, its first page oldest first and newest first, and
// adding one more.
type commentStats struct {
	// filled is the rate at which the comments were added.
	filled                 float64
	oldest, newest, adding stats
}

// benchComments uploads a photo as the first reader of the manifest, adds
// o.comments comments under it (o.concurrency at once), then times the
// first page oldest first (as "view all" opens it) and newest first (the
// latest two under each photo of a timeline, at the page size asked), and
// adding a comment to the full photo.
func benchComments(ctx context.Context, m manifest, auth authv1.AuthServiceClient, images imagev1.ImageServiceClient, o options) (commentStats, error) {
	rctx, err := logIn(ctx, auth, m.Readers[0].Email, m.Password)
	if err != nil {
		return commentStats{}, err
	}
	id, err := upload(rctx, images)
	if err != nil {
		return commentStats{}, err
	}
	add := func(ctx context.Context) error {
		_, err := images.AddComment(ctx, &imagev1.AddCommentRequest{ImageId: id, Text: "a comment of the bench, of a usual length"})
		return err
	}
	var c commentStats
	fmt.Fprintf(os.Stderr, "feed-bench: adding %d comments\n", o.comments)
	if c.filled, err = addComments(rctx, o, add); err != nil {
		return commentStats{}, fmt.Errorf("add comments: %w", err)
	}
	list := func(newestFirst bool) func(context.Context) error {
		return func(ctx context.Context) error {
			resp, err := images.ListComments(ctx, &imagev1.ListCommentsRequest{ImageId: id, PageSize: int32(o.pageSize), NewestFirst: newestFirst})
			if err == nil && len(resp.GetComments()) != o.pageSize {
				err = fmt.Errorf("a first page of %d comments, want %d", len(resp.GetComments()), o.pageSize)
			}
			return err
		}
	}
	if c.oldest, err = timeCalls(rctx, o, list(false)); err != nil {
		return commentStats{}, fmt.Errorf("list comments: %w", err)
	}
	if c.newest, err = timeCalls(rctx, o, list(true)); err != nil {
		return commentStats{}, fmt.Errorf("list comments: %w", err)
	}
	if c.adding, err = timeCalls(rctx, o, add); err != nil {
		return commentStats{}, fmt.Errorf("add comments: %w", err)
	}
	// Every comment added is there, each counted once.
	got, err := images.GetImage(rctx, &imagev1.GetImageRequest{ImageId: id})
	if err != nil {
		return commentStats{}, err
	}
	if want := int64(o.comments + o.requests + min(10, o.requests)); got.GetImage().GetCommentCount() != want {
		return commentStats{}, fmt.Errorf("the photo counts %d comments, want %d", got.GetImage().GetCommentCount(), want)
	}
	return c, nil
}

// addComments makes add o.comments times, o.concurrency at once, and
// returns the rate.
func addComments(ctx context.Context, o options, add func(context.Context) error) (float64, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	start := time.Now()
	for range o.concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(o.comments) {
				if err := add(ctx); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(o.comments) / time.Since(start).Seconds(), firstErr
}

func printComments(w io.Writer, o options, c commentStats) {
	fmt.Fprintf(w, "\nComments: a photo with %d comments (added at %.0f/s, %d at once); %d requests per cell at concurrency %d, page size %d\n\n",
		o.comments, c.filled, o.concurrency, o.requests, o.concurrency, o.pageSize)
	fmt.Fprintln(w, "| request | p50 | p99 | rps |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, r := range []struct {
		name string
		s    stats
	}{
		{"first page, oldest first", c.oldest},
		{"first page, newest first", c.newest},
		{"add one comment", c.adding},
	} {
		fmt.Fprintf(w, "| %s | %s | %s | %.0f |\n", r.name, ms(r.s.p50), ms(r.s.p99), r.s.rps)
	}
}

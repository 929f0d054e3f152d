// Package followup bounds the follow-up writes of a change that has
// committed: the activity events it appends, the index rows it keeps. Such
// writes must not be undone by a caller that goes away, must not make the
// answer late when their backend struggles (a throttled table can make a
// write retry until its deadline), and are best-effort: their failure is
// logged, and the change still stands.
package followup

import (
	"context"
	"time"
)

// MaxTime is the most a change's follow-ups may take.
const MaxTime = 2 * time.Second

// Context returns the context of ctx's follow-ups: not cancelled with ctx,
// and ending after half the time ctx has left, or MaxTime when ctx has no
// deadline or more than twice that left, so that the answer still makes
// it in time after them.
func Context(ctx context.Context) (context.Context, context.CancelFunc) {
	budget := MaxTime
	if deadline, ok := ctx.Deadline(); ok {
		budget = max(0, min(budget, time.Until(deadline)/2))
	}
	return context.WithTimeout(context.WithoutCancel(ctx), budget)
}

package followup

import (
	"context"
	"testing"
	"time"
)

func TestContext(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline time.Duration // 0: none
		want     time.Duration
	}{
		{"no deadline", 0, MaxTime},
		{"a far deadline", time.Minute, MaxTime},
		{"a near deadline", 2 * time.Second, time.Second},
		{"a deadline passed", -time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, cancelParent := context.WithCancel(context.Background())
			if tc.deadline != 0 {
				parent, cancelParent = context.WithTimeout(context.Background(), tc.deadline)
			}
			ctx, cancel := Context(parent)
			defer cancel()
			cancelParent()
			deadline, ok := ctx.Deadline()
			if !ok {
				t.Fatal("no deadline")
			}
			if got := time.Until(deadline); got > tc.want || got < tc.want-100*time.Millisecond {
				t.Errorf("time left %v, want about %v", got, tc.want)
			}
			if tc.want > 0 && ctx.Err() != nil {
				t.Errorf("cancelled with its parent: %v", ctx.Err())
			}
		})
	}
}

package service

import (
	"context"
	"testing"
	"time"
)

// Image work runs on at most Config.Workers at once: the next upload waits
// for a worker to be freed, or for its caller to give up.
func TestWorkersBoundImageWork(t *testing.T) {
	s := New(Config{Workers: 2}, nil, nil, nil)
	ctx := context.Background()
	first, err := s.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.acquire(ctx); err != nil {
		t.Fatal(err)
	}

	third := make(chan func(), 1)
	go func() {
		release, err := s.acquire(ctx)
		if err == nil {
			third <- release
		}
	}()
	select {
	case <-third:
		t.Fatal("a third image got a worker while two were busy")
	case <-time.After(50 * time.Millisecond):
	}
	first()
	select {
	case release := <-third:
		release()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting image got no worker after one was freed")
	}

	// Busy both workers again: a caller that gives up stops waiting.
	if _, err := s.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.acquire(cancelled); err == nil {
		t.Error("acquire with a cancelled context got a worker while all were busy")
	}
}

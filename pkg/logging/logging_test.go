package logging_test

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/logging"
)

func TestNewLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level   string
		wantErr bool
		debug   bool
	}{
		{level: "", debug: false},
		{level: "debug", debug: true},
		{level: "info"},
		{level: "warn"},
		{level: "error"},
		{level: "loud", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			t.Parallel()
			l, err := logging.New("auth", tc.level)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("New(%q) = nil error, want one", tc.level)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tc.level, err)
			}
			if got := l.Core().Enabled(zap.DebugLevel); got != tc.debug {
				t.Errorf("debug enabled = %v, want %v", got, tc.debug)
			}
		})
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	if logging.FromContext(context.Background()) == nil {
		t.Fatal("FromContext(empty) = nil, want a fallback logger")
	}
	l := zap.NewExample()
	if got := logging.FromContext(logging.WithLogger(context.Background(), l)); got != l {
		t.Errorf("FromContext = %p, want %p", got, l)
	}
}

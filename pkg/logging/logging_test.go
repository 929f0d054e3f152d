package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

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

// logSample logs the same entries on l wherever it is called from, so that
// two loggers report the same caller.
func logSample(l *zap.Logger) {
	l.With(zap.String("request_id", "r-1")).Info("rpc", zap.String("method", "/fotogal.user.v1.UserService/GetUser"), zap.Int("code", 0))
	l.Error("failed", zap.Error(errors.New("boom")))
}

// decodeLines parses JSON lines, dropping the time (which differs between
// two runs) after checking that it is RFC 3339.
func decodeLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range bytes.Lines(b) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ts, _ := m["time"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("time %q: %v", ts, err)
		}
		delete(m, "time")
		out = append(out, m)
	}
	return out
}

// TestNewToMatchesProductionConfig checks that NewTo prints what zap's
// production configuration, as New configured it before NewTo existed,
// prints: same keys, same values.
func TestNewToMatchesProductionConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "want.log")
	cfg := zap.NewProductionConfig()
	cfg.Sampling = nil
	cfg.OutputPaths = []string{path}
	cfg.EncoderConfig.TimeKey = "time"
	cfg.EncoderConfig.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.InitialFields = map[string]any{"service": "auth"}
	want, err := cfg.Build()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	got, err := logging.NewTo(zapcore.AddSync(&buf), "auth", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*zap.Logger{want, got} {
		logSample(l) // one call site: same caller and stack for both
	}
	_ = want.Sync()
	wantBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gotLines, wantLines := decodeLines(t, buf.Bytes()), decodeLines(t, wantBytes)
	if len(gotLines) != 2 || !reflect.DeepEqual(gotLines, wantLines) {
		t.Errorf("NewTo lines:\n%v\nwant:\n%v", gotLines, wantLines)
	}
	if gotLines[0]["service"] != "auth" || gotLines[0]["request_id"] != "r-1" {
		t.Errorf("first line %v lacks service or request_id", gotLines[0])
	}
	if _, ok := gotLines[1]["stacktrace"]; !ok {
		t.Errorf("error line %v has no stacktrace", gotLines[1])
	}
}

// TestTee checks that a teed core gets every entry, with the fields added
// after Tee, at its own level.
func TestTee(t *testing.T) {
	t.Parallel()
	var stdout, teed bytes.Buffer
	l, err := logging.NewTo(zapcore.AddSync(&stdout), "feed", "debug")
	if err != nil {
		t.Fatal(err)
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(logging.EncoderConfig()), zapcore.AddSync(&teed), zapcore.InfoLevel)
	l = logging.Tee(l, core).With(zap.String("request_id", "r-2"))
	l.Debug("only on stdout")
	l.Info("on both")
	if n := bytes.Count(stdout.Bytes(), []byte("\n")); n != 2 {
		t.Errorf("stdout has %d lines, want 2:\n%s", n, stdout.Bytes())
	}
	lines := decodeLines(t, teed.Bytes())
	if len(lines) != 1 || lines[0]["msg"] != "on both" || lines[0]["request_id"] != "r-2" {
		t.Errorf("teed core got %v, want the info line with request_id", lines)
	}
}

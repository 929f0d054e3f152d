package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestLoaderValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		load func(l *config.Loader) any
		want any
	}{
		{"string default", nil, func(l *config.Loader) any { return l.String("X", "d") }, "d"},
		{"string set", map[string]string{"X": "v"}, func(l *config.Loader) any { return l.String("X", "d") }, "v"},
		{"string empty takes default", map[string]string{"X": "  "}, func(l *config.Loader) any { return l.String("X", "d") }, "d"},
		{"required set", map[string]string{"X": "v"}, func(l *config.Loader) any { return l.Required("X") }, "v"},
		{"int", map[string]string{"X": "-42"}, func(l *config.Loader) any { return l.Int("X", 1) }, -42},
		{"int default", nil, func(l *config.Loader) any { return l.Int("X", 1) }, 1},
		{"int64", map[string]string{"X": "9000000000"}, func(l *config.Loader) any { return l.Int64("X", 1) }, int64(9000000000)},
		{"duration", map[string]string{"X": "1h30m"}, func(l *config.Loader) any { return l.Duration("X", time.Second) }, 90 * time.Minute},
		{"duration default", nil, func(l *config.Loader) any { return l.Duration("X", time.Second) }, time.Second},
		{"bool true", map[string]string{"X": "true"}, func(l *config.Loader) any { return l.Bool("X", false) }, true},
		{"bool 0", map[string]string{"X": "0"}, func(l *config.Loader) any { return l.Bool("X", true) }, false},
		{"bytes plain", map[string]string{"X": "1024"}, func(l *config.Loader) any { return l.Bytes("X", 1) }, int64(1024)},
		{"bytes MiB", map[string]string{"X": "16MiB"}, func(l *config.Loader) any { return l.Bytes("X", 1) }, int64(16 << 20)},
		{"bytes kb lower case", map[string]string{"X": "2kb"}, func(l *config.Loader) any { return l.Bytes("X", 1) }, int64(2000)},
		{"bytes with space", map[string]string{"X": "3 GiB"}, func(l *config.Loader) any { return l.Bytes("X", 1) }, int64(3 << 30)},
		{"bytes B", map[string]string{"X": "7B"}, func(l *config.Loader) any { return l.Bytes("X", 1) }, int64(7)},
		{"bytes default", nil, func(l *config.Loader) any { return l.Bytes("X", 16<<20) }, int64(16 << 20)},
		{"one of", map[string]string{"X": "nosql"}, func(l *config.Loader) any { return l.OneOf("X", "sqlite", "sqlite", "nosql") }, "nosql"},
		{"one of default", nil, func(l *config.Loader) any { return l.OneOf("X", "sqlite", "sqlite", "nosql") }, "sqlite"},
		{"secret", map[string]string{"X": " 0123456789abcdef "}, func(l *config.Loader) any { return l.Secret("X", 16) }, "0123456789abcdef"},
		{"addr", map[string]string{"X": "0.0.0.0:80"}, func(l *config.Loader) any { return l.Addr("X", "127.0.0.1:1") }, "0.0.0.0:80"},
		{"addr any interface", map[string]string{"X": ":8080"}, func(l *config.Loader) any { return l.Addr("X", "127.0.0.1:1") }, ":8080"},
		{"addr IPv6", map[string]string{"X": "[::1]:9091"}, func(l *config.Loader) any { return l.Addr("X", "127.0.0.1:1") }, "[::1]:9091"},
		{"addr default", nil, func(l *config.Loader) any { return l.Addr("X", "127.0.0.1:1") }, "127.0.0.1:1"},
		{"addr empty takes default", map[string]string{"X": ""}, func(l *config.Loader) any { return l.Addr("X", "127.0.0.1:1") }, "127.0.0.1:1"},
		{"optional addr", map[string]string{"X": "metrics:9190"}, func(l *config.Loader) any { return l.OptionalAddr("X", "127.0.0.1:1") }, "metrics:9190"},
		{"optional addr unset takes default", nil, func(l *config.Loader) any { return l.OptionalAddr("X", "127.0.0.1:1") }, "127.0.0.1:1"},
		{"optional addr empty is off", map[string]string{"X": ""}, func(l *config.Loader) any { return l.OptionalAddr("X", "127.0.0.1:1") }, ""},
		{"optional addr blank is off", map[string]string{"X": " "}, func(l *config.Loader) any { return l.OptionalAddr("X", "127.0.0.1:1") }, ""},
		{"optional url", map[string]string{"X": "http://image:9083"}, func(l *config.Loader) any { return l.OptionalURL("X", "http://127.0.0.1:1") }, "http://image:9083"},
		{"optional url unset takes default", nil, func(l *config.Loader) any { return l.OptionalURL("X", "http://127.0.0.1:1") }, "http://127.0.0.1:1"},
		{"optional url empty is off", map[string]string{"X": ""}, func(l *config.Loader) any { return l.OptionalURL("X", "http://127.0.0.1:1") }, ""},
		{"positive int", map[string]string{"X": "3"}, func(l *config.Loader) any { return l.PositiveInt("X", 1) }, 3},
		{"positive int default", nil, func(l *config.Loader) any { return l.PositiveInt("X", 1) }, 1},
		{"positive duration", map[string]string{"X": "250ms"}, func(l *config.Loader) any { return l.PositiveDuration("X", time.Second) }, 250 * time.Millisecond},
		{"positive duration default", nil, func(l *config.Loader) any { return l.PositiveDuration("X", time.Second) }, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := config.NewLoader(lookup(tc.env))
			got := tc.load(l)
			if got != tc.want {
				t.Errorf("got %v (%T), want %v (%T)", got, got, tc.want, tc.want)
			}
			if err := l.Err(); err != nil {
				t.Errorf("Err() = %v, want nil", err)
			}
		})
	}
}

func TestLoaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   string
		load    func(l *config.Loader) any
		want    any
		wantErr string
	}{
		{"int", "abc", func(l *config.Loader) any { return l.Int("FOTOGAL_X", 3) }, 3, `FOTOGAL_X: "abc" is not an integer`},
		{"int64", "1.5", func(l *config.Loader) any { return l.Int64("FOTOGAL_X", 3) }, int64(3), `FOTOGAL_X: "1.5" is not an integer`},
		{"duration", "abc", func(l *config.Loader) any { return l.Duration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "abc" is not a duration`},
		{"duration without unit", "5", func(l *config.Loader) any { return l.Duration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "5" is not a duration`},
		{"negative duration", "-5s", func(l *config.Loader) any { return l.Duration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "-5s" is negative`},
		{"bool", "yes please", func(l *config.Loader) any { return l.Bool("FOTOGAL_X", true) }, true, `FOTOGAL_X: "yes please" is not a boolean`},
		{"bytes unit", "16XB", func(l *config.Loader) any { return l.Bytes("FOTOGAL_X", 1) }, int64(1), `FOTOGAL_X: "16XB" is not a size (e.g. 16MiB)`},
		{"bytes no number", "MiB", func(l *config.Loader) any { return l.Bytes("FOTOGAL_X", 1) }, int64(1), `FOTOGAL_X: "MiB" is not a size (e.g. 16MiB)`},
		{"bytes negative", "-1", func(l *config.Loader) any { return l.Bytes("FOTOGAL_X", 1) }, int64(1), `FOTOGAL_X: "-1" is not a size (e.g. 16MiB)`},
		{"bytes overflow", "9000000000GiB", func(l *config.Loader) any { return l.Bytes("FOTOGAL_X", 1) }, int64(1), `FOTOGAL_X: "9000000000GiB" is not a size (e.g. 16MiB)`},
		{"one of", "DEBUG", func(l *config.Loader) any { return l.OneOf("FOTOGAL_X", "info", "debug", "info") }, "info", `FOTOGAL_X: "DEBUG" is not one of debug, info`},
		{"required", "", func(l *config.Loader) any { return l.Required("FOTOGAL_X") }, "", `FOTOGAL_X: required but not set`},
		{"secret missing", "", func(l *config.Loader) any { return l.Secret("FOTOGAL_X", 16) }, "", `FOTOGAL_X: required but not set`},
		// The message leaves the secret out.
		{"secret too short", "0123456789abcde", func(l *config.Loader) any { return l.Secret("FOTOGAL_X", 16) }, "", `FOTOGAL_X: must be at least 16 characters`},
		{"addr without port", "9094", func(l *config.Loader) any { return l.Addr("FOTOGAL_X", ":1") }, ":1", `FOTOGAL_X: "9094" is not a host:port address`},
		{"addr URI", "dns:///user:9092", func(l *config.Loader) any { return l.Addr("FOTOGAL_X", ":1") }, ":1", `FOTOGAL_X: "dns:///user:9092" is not a host:port address`},
		{"optional addr without port", "localhost", func(l *config.Loader) any { return l.OptionalAddr("FOTOGAL_X", ":1") }, ":1", `FOTOGAL_X: "localhost" is not a host:port address`},
		{"optional url without scheme", "image:9083", func(l *config.Loader) any { return l.OptionalURL("FOTOGAL_X", "http://a:1") }, "http://a:1", `FOTOGAL_X: "image:9083" is not a base URL like http://host:port`},
		{"optional url with a path", "http://image:9083/v1", func(l *config.Loader) any { return l.OptionalURL("FOTOGAL_X", "http://a:1") }, "http://a:1", `FOTOGAL_X: "http://image:9083/v1" is not a base URL like http://host:port`},
		{"positive int zero", "0", func(l *config.Loader) any { return l.PositiveInt("FOTOGAL_X", 3) }, 3, `FOTOGAL_X: "0" must be positive`},
		{"positive int negative", "-2", func(l *config.Loader) any { return l.PositiveInt("FOTOGAL_X", 3) }, 3, `FOTOGAL_X: "-2" must be positive`},
		{"positive int not a number", "ten", func(l *config.Loader) any { return l.PositiveInt("FOTOGAL_X", 3) }, 3, `FOTOGAL_X: "ten" is not an integer`},
		{"positive duration zero", "0s", func(l *config.Loader) any { return l.PositiveDuration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "0s" must be positive`},
		{"positive duration bare zero", "0", func(l *config.Loader) any { return l.PositiveDuration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "0" must be positive`},
		{"positive duration negative", "-1m", func(l *config.Loader) any { return l.PositiveDuration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "-1m" must be positive`},
		{"positive duration not a duration", "soon", func(l *config.Loader) any { return l.PositiveDuration("FOTOGAL_X", time.Second) }, time.Second, `FOTOGAL_X: "soon" is not a duration`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := config.NewLoader(lookup(map[string]string{"FOTOGAL_X": tc.value}))
			if got := tc.load(l); got != tc.want {
				t.Errorf("got %v, want default %v", got, tc.want)
			}
			err := l.Err()
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Err() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoaderJoinsErrors(t *testing.T) {
	t.Parallel()
	l := config.NewLoader(lookup(map[string]string{"FOTOGAL_A": "x", "FOTOGAL_B": "y"}))
	l.Int("FOTOGAL_A", 0)
	l.Duration("FOTOGAL_B", 0)
	l.String("FOTOGAL_C", "fine")
	l.Required("FOTOGAL_D")
	err := l.Err()
	if err == nil {
		t.Fatal("Err() = nil, want three errors")
	}
	for _, want := range []string{"FOTOGAL_A", "FOTOGAL_B", "FOTOGAL_D"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %q, does not name %s", err, want)
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != 2 {
		t.Errorf("Err() has %d lines, want 3:\n%s", got+1, err)
	}
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good", "qzxwvkjqzxwvkjqz\n")
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"file", map[string]string{"FOTOGAL_X_FILE": good}, "qzxwvkjqzxwvkjqz", ""},
		{"both", map[string]string{"FOTOGAL_X_FILE": good, "FOTOGAL_X": "qzxwvkjqzxwvkjqz"}, "", "FOTOGAL_X and FOTOGAL_X_FILE: set one, not both"},
		{"missing file", map[string]string{"FOTOGAL_X_FILE": filepath.Join(dir, "nope")}, "", "FOTOGAL_X_FILE: open "},
		{"empty file", map[string]string{"FOTOGAL_X_FILE": write("empty", "\n")}, "", "is empty"},
		{"short file", map[string]string{"FOTOGAL_X_FILE": write("short", "qzxw")}, "", "FOTOGAL_X: must be at least 16 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := config.NewLoader(lookup(tc.env))
			got := l.Secret("FOTOGAL_X", 16)
			err := l.Err()
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "qzxw") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

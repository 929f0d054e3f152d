// Package config reads a binary's configuration from environment variables.
//
// A binary fills its one config struct with a Loader, then checks Err once:
//
//	l := config.NewLoader(os.LookupEnv)
//	cfg.GRPCAddr = l.Addr("FOTOGAL_GRPC_ADDR", "127.0.0.1:9091")
//	cfg.MetricsAddr = l.OptionalAddr("FOTOGAL_METRICS_ADDR", "127.0.0.1:9191")
//	cfg.ServiceSecret = l.Secret("FOTOGAL_SERVICE_SECRET", 16)
//	cfg.SessionTTL = l.PositiveDuration("FOTOGAL_SESSION_TTL", 7*24*time.Hour)
//	if err := l.Err(); err != nil {
//		return fmt.Errorf("load config: %w", err)
//	}
//
// A variable that is unset or empty takes its default, with one exception:
// a variable read by OptionalAddr that is set but empty turns its feature
// off. Every bad value is reported, each message naming the variable and,
// except for secrets, the value.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Loader reads typed values from environment variables and collects the
// errors of those it cannot parse. It is not safe for concurrent use.
type Loader struct {
	lookup func(string) (string, bool)
	errs   []error
}

// NewLoader returns a Loader that reads variables with lookup, usually
// os.LookupEnv (tests pass a map's lookup).
func NewLoader(lookup func(string) (string, bool)) *Loader {
	return &Loader{lookup: lookup}
}

// Err returns the errors met so far joined into one, or nil.
func (l *Loader) Err() error {
	return errors.Join(l.errs...)
}

// value returns the trimmed value of name and whether it is set and not empty.
func (l *Loader) value(name string) (string, bool) {
	v, ok := l.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Fail records err, a problem a caller found in values it read (two
// settings that contradict each other, say); its message names the
// variables.
func (l *Loader) Fail(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

func (l *Loader) fail(name, value, problem string) {
	l.errs = append(l.errs, fmt.Errorf("%s: %q %s", name, value, problem))
}

// String returns the value of name, or def when it is unset or empty.
func (l *Loader) String(name, def string) string {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	return v
}

// Required returns the value of name and records an error when it is unset
// or empty.
func (l *Loader) Required(name string) string {
	v, ok := l.value(name)
	if !ok {
		l.errs = append(l.errs, fmt.Errorf("%s: required but not set", name))
	}
	return v
}

// Secret returns the value of name, a credential, and records an error when
// it is unset, empty or shorter than minLen bytes (characters, for the ASCII
// secrets one generates); it returns "" then. Errors never include the value.
//
// Instead of name, name_FILE may give the path of a file holding the
// credential (a Compose or Kubernetes secret mounted as a file), so that it
// never appears in the process's environment; surrounding white space and
// the final newline are dropped. Setting both is an error.
func (l *Loader) Secret(name string, minLen int) string {
	var v string
	if path, ok := l.value(name + "_FILE"); ok {
		if _, both := l.value(name); both {
			l.errs = append(l.errs, fmt.Errorf("%s and %s_FILE: set one, not both", name, name))
			return ""
		}
		data, err := os.ReadFile(path)
		if err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s_FILE: %w", name, err))
			return ""
		}
		v = strings.TrimSpace(string(data))
		if v == "" {
			l.errs = append(l.errs, fmt.Errorf("%s_FILE: %s is empty", name, path))
			return ""
		}
	} else {
		v = l.Required(name)
	}
	if v != "" && len(v) < minLen {
		l.errs = append(l.errs, fmt.Errorf("%s: must be at least %d characters", name, minLen))
		return ""
	}
	return v
}

// Addr returns the value of name, a host:port address such as
// "127.0.0.1:9091" or ":8080", or def when it is unset or empty. A value
// net.SplitHostPort rejects is an error. Dial targets that may be URIs
// ("dns:///user:9092") are read with String instead.
func (l *Loader) Addr(name, def string) string {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	return l.checkAddr(name, v, def)
}

// OptionalAddr returns the address of an optional listener: def when name is
// unset, "" (the feature is off) when it is set but empty, and otherwise the
// value, checked as Addr checks it.
func (l *Loader) OptionalAddr(name, def string) string {
	v, ok := l.lookup(name)
	if !ok {
		return def
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	return l.checkAddr(name, v, def)
}

// OptionalURL returns the base URL of an optional peer, "http://host:port"
// (or https): def when name is unset, "" (the feature is off) when it is
// set but empty, and otherwise the value, which must be such a URL with no
// path, query or fragment.
func (l *Loader) OptionalURL(name, def string) string {
	v, ok := l.lookup(name)
	if !ok {
		return def
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		l.fail(name, v, "is not a base URL like http://host:port")
		return def
	}
	return v
}

// checkAddr returns v when it is a host:port address, and otherwise records
// an error and returns def.
func (l *Loader) checkAddr(name, v, def string) string {
	if _, _, err := net.SplitHostPort(v); err != nil {
		l.fail(name, v, "is not a host:port address")
		return def
	}
	return v
}

// Int returns the value of name as an int, or def when it is unset or empty.
func (l *Loader) Int(name string, def int) int {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.fail(name, v, "is not an integer")
		return def
	}
	return n
}

// PositiveInt returns the value of name as an int, or def when it is unset or
// empty. Zero and negative values are errors.
func (l *Loader) PositiveInt(name string, def int) int {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		l.fail(name, v, "is not an integer")
		return def
	}
	if n <= 0 {
		l.fail(name, v, "must be positive")
		return def
	}
	return n
}

// Int64 returns the value of name as an int64, or def when it is unset or
// empty.
func (l *Loader) Int64(name string, def int64) int64 {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		l.fail(name, v, "is not an integer")
		return def
	}
	return n
}

// Duration returns the value of name parsed by time.ParseDuration ("5s",
// "1h30m"), or def when it is unset or empty. Negative durations are errors.
func (l *Loader) Duration(name string, def time.Duration) time.Duration {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.fail(name, v, "is not a duration")
		return def
	}
	if d < 0 {
		l.fail(name, v, "is negative")
		return def
	}
	return d
}

// PositiveDuration returns the value of name parsed by time.ParseDuration,
// or def when it is unset or empty. Zero and negative durations are errors.
func (l *Loader) PositiveDuration(name string, def time.Duration) time.Duration {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.fail(name, v, "is not a duration")
		return def
	}
	if d <= 0 {
		l.fail(name, v, "must be positive")
		return def
	}
	return d
}

// Bool returns the value of name parsed by strconv.ParseBool ("true",
// "false", "1", "0", ...), or def when it is unset or empty.
func (l *Loader) Bool(name string, def bool) bool {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, v, "is not a boolean")
		return def
	}
	return b
}

// byteUnits maps the (lower-case) size suffixes Bytes accepts to their
// multipliers: binary (KiB) and decimal (KB) units.
var byteUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1000,
	"mb":  1000 * 1000,
	"gb":  1000 * 1000 * 1000,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
}

// Bytes returns the value of name as a number of bytes, or def when it is
// unset or empty. The value is a non-negative integer with an optional unit:
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), in any
// case, e.g. "16MiB" or "16777216".
func (l *Loader) Bytes(name string, def int64) int64 {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	n, ok := parseBytes(v)
	if !ok {
		l.fail(name, v, "is not a size (e.g. 16MiB)")
		return def
	}
	return n
}

func parseBytes(s string) (int64, bool) {
	digits := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if digits == -1 {
		digits = len(s)
	}
	if digits == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil {
		return 0, false
	}
	unit, ok := byteUnits[strings.ToLower(strings.TrimSpace(s[digits:]))]
	if !ok || n > math.MaxInt64/unit {
		return 0, false
	}
	return n * unit, true
}

// OneOf returns the value of name, or def when it is unset or empty, and
// records an error when the value is not one of allowed (compared exactly).
func (l *Loader) OneOf(name, def string, allowed ...string) string {
	v, ok := l.value(name)
	if !ok {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	l.fail(name, v, "is not one of "+strings.Join(allowed, ", "))
	return def
}

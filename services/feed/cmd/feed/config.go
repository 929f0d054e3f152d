package main

import (
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/config"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocilog"

	"github.com/fotogal/fotogal/services/feed/internal/feed"
	"github.com/fotogal/fotogal/services/feed/internal/inbox"
)

// Config is the feed binary's whole configuration, read from the
// environment once at start.
type Config struct {
	// Server: FOTOGAL_GRPC_ADDR (default 127.0.0.1:9094) and
	// FOTOGAL_METRICS_ADDR (default 127.0.0.1:9194; set and empty
	// disables the metrics endpoint).
	Server grpcserver.Config
	// LogLevel is FOTOGAL_LOG_LEVEL (default info): debug, info, warn or
	// error.
	LogLevel string
	// Logs is FOTOGAL_OCI_LOG_*: OCI Logging as a second destination of
	// the log entries, when FOTOGAL_OCI_LOG_ID is set.
	Logs ocilog.Config
	// OCIAuth is FOTOGAL_OCI_AUTH and its settings: the identity of every
	// OCI client.
	OCIAuth ociauth.Config
	// ServiceSecret is FOTOGAL_SERVICE_SECRET (required, at least 16
	// characters): the credential of the internal RPCs the feed calls.
	ServiceSecret string
	// AuthAddr, UserAddr and ImageAddr are where the feed dials the other
	// services: FOTOGAL_AUTH_ADDR, FOTOGAL_USER_ADDR, FOTOGAL_IMAGE_ADDR
	// (defaults 127.0.0.1:9091, :9092, :9093).
	AuthAddr, UserAddr, ImageAddr string
	// CallTimeout is FOTOGAL_CALL_TIMEOUT (default 5s): the deadline of
	// outbound calls.
	CallTimeout time.Duration
	// Store says where the timelines live.
	Store StoreConfig
	// Timeline says how they are kept.
	Timeline TimelineConfig
	// Notifications says how the inboxes are filled.
	Notifications NotificationsConfig
}

// StoreConfig selects and places the store.
type StoreConfig struct {
	// Backend: FOTOGAL_STORE (sqlite): sqlite, or nosql for Oracle NoSQL.
	Backend string
	// DataDir: FOTOGAL_DATA_DIR (default ./var); the SQLite file is
	// <DataDir>/feed.db.
	DataDir string
	// NoSQL: FOTOGAL_NOSQL_*, the Oracle NoSQL service of the nosql backend.
	NoSQL nosqlclient.Config
}

// TimelineConfig tunes the materialised timelines (see package feed).
type TimelineConfig struct {
	// Backfill: FOTOGAL_FEED_BACKFILL (default 500), how many photos fill a
	// new timeline, or come in with a newly followed account.
	Backfill int
	// TailInterval: FOTOGAL_FEED_TAIL_INTERVAL (default 250ms), how often
	// the posting log is read.
	TailInterval time.Duration
	// TailOverlap: FOTOGAL_FEED_TAIL_OVERLAP (default 15s), how far behind
	// its cursor the posting log is re-read for photos committed late.
	TailOverlap time.Duration
	// CelebrityFollowers: FOTOGAL_FEED_CELEBRITY_FOLLOWERS (default
	// 10000), the follower count from which an account's photos are merged
	// into its followers' pages when read, not copied into their
	// timelines.
	CelebrityFollowers int
}

// NotificationsConfig tunes the tailers of the activity logs that fill the
// notification inboxes (see package inbox).
type NotificationsConfig struct {
	// ActivityInterval: FOTOGAL_FEED_ACTIVITY_INTERVAL (default 250ms), how
	// often the image and user services' activity logs are read.
	ActivityInterval time.Duration
	// ActivityOverlap: FOTOGAL_FEED_ACTIVITY_OVERLAP (default 15s), how far
	// behind their cursors the activity logs are re-read for events
	// committed late.
	ActivityOverlap time.Duration
}

// loadConfig reads the Config from the variables lookup (os.LookupEnv)
// returns. Every bad value is reported, naming its variable.
func loadConfig(lookup func(string) (string, bool)) (Config, error) {
	l := config.NewLoader(lookup)
	cfg := Config{
		Server: grpcserver.Config{
			Addr:            l.Addr("FOTOGAL_GRPC_ADDR", "127.0.0.1:9094"),
			MetricsAddr:     l.OptionalAddr("FOTOGAL_METRICS_ADDR", "127.0.0.1:9194"),
			Pprof:           l.Bool("FOTOGAL_PPROF", false),
			ShutdownTimeout: l.PositiveDuration("FOTOGAL_SHUTDOWN_TIMEOUT", grpcserver.DefaultShutdownTimeout),
		},
		LogLevel:      l.OneOf("FOTOGAL_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Logs:          ocilog.LoadConfig(l),
		OCIAuth:       ociauth.Load(l),
		ServiceSecret: l.Secret("FOTOGAL_SERVICE_SECRET", 16),
		AuthAddr:      l.String("FOTOGAL_AUTH_ADDR", "127.0.0.1:9091"),
		UserAddr:      l.String("FOTOGAL_USER_ADDR", "127.0.0.1:9092"),
		ImageAddr:     l.String("FOTOGAL_IMAGE_ADDR", "127.0.0.1:9093"),
		CallTimeout:   l.PositiveDuration("FOTOGAL_CALL_TIMEOUT", 5*time.Second),
		Store: StoreConfig{
			Backend: l.OneOf("FOTOGAL_STORE", "sqlite", "sqlite", "nosql"),
			DataDir: l.String("FOTOGAL_DATA_DIR", "./var"),
		},
		Timeline: TimelineConfig{
			Backfill:           l.PositiveInt("FOTOGAL_FEED_BACKFILL", feed.DefaultBackfill),
			TailInterval:       l.PositiveDuration("FOTOGAL_FEED_TAIL_INTERVAL", feed.DefaultTailInterval),
			TailOverlap:        l.PositiveDuration("FOTOGAL_FEED_TAIL_OVERLAP", feed.DefaultTailOverlap),
			CelebrityFollowers: l.PositiveInt("FOTOGAL_FEED_CELEBRITY_FOLLOWERS", feed.DefaultCelebrityFollowers),
		},
		Notifications: NotificationsConfig{
			ActivityInterval: l.PositiveDuration("FOTOGAL_FEED_ACTIVITY_INTERVAL", inbox.DefaultActivityInterval),
			ActivityOverlap:  l.PositiveDuration("FOTOGAL_FEED_ACTIVITY_OVERLAP", inbox.DefaultActivityOverlap),
		},
	}
	if cfg.Store.Backend == "nosql" {
		cfg.Store.NoSQL = nosqlclient.LoadConfig(l)
	}
	if err := l.Err(); err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	return cfg, nil
}

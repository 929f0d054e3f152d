// Command feed serves FotoGal's FeedService: a person's timeline,
// materialised in its own store from the user and image services' internal
// APIs, and kept up to date by tailing the image service's posting log;
// its NotificationService: a person's inbox, kept in the same store,
// filled by tailing the image and user services' activity logs; and its
// FeedInternalService, the feed's part of the deletion of an account.
// Configuration is read from the environment (see Config).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authclient"
	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/healthcheck"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ocilog"
	"github.com/fotogal/fotogal/services/feed/internal/erase"
	"github.com/fotogal/fotogal/services/feed/internal/feed"
	"github.com/fotogal/fotogal/services/feed/internal/inbox"
	"github.com/fotogal/fotogal/services/feed/internal/store"
	"github.com/fotogal/fotogal/services/feed/internal/store/nosql"
	"github.com/fotogal/fotogal/services/feed/internal/store/sqlite"

	// CA roots for TLS to OCI where the system has none, as in the
	// FROM scratch image.
	_ "golang.org/x/crypto/x509roots/fallback"
)

// Session validation answers are cached this long (a revoked session is
// refused within it), for at most sessionCacheEntries tokens.
const (
	sessionCacheTTL     = 5 * time.Second
	sessionCacheEntries = 10000
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck.GRPC("127.0.0.1:9094", feedv1.FeedService_ServiceDesc.ServiceName))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "feed: %v\n", err)
		os.Exit(1)
	}
	logger, logs, err := ocilog.NewLogger(ctx, "feed", cfg.LogLevel, cfg.Logs, cfg.OCIAuth)
	if err != nil {
		fmt.Fprintf(os.Stderr, "feed: %v\n", err)
		os.Exit(1)
	}
	ctx = logging.WithLogger(ctx, logger)
	err = realMain(ctx, cfg, logs)
	if err != nil {
		logger.Error("feed failed", zap.Error(err))
	} else {
		logger.Info("successful shutdown")
	}
	logs.CloseWithin(cfg.Server.ShutdownTimeout)
	_ = logger.Sync()
	if err != nil {
		os.Exit(1)
	}
}

// realMain opens the feed's store, dials the auth, user and image
// services, and serves the FeedService, the NotificationService and the
// FeedInternalService while tailing the posting log and the activity logs,
// until ctx is done.
func realMain(ctx context.Context, cfg Config, logs *ocilog.Shipper) error {
	logger := logging.FromContext(ctx)
	st, err := openStore(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	dial := func(name, addr string) (*grpc.ClientConn, error) {
		conn, err := grpcclient.Dial(addr, grpcclient.Options{Timeout: cfg.CallTimeout, ServiceSecret: cfg.ServiceSecret, WaitForReady: true})
		if err != nil {
			return nil, fmt.Errorf("dial %s service: %w", name, err)
		}
		return conn, nil
	}
	authConn, err := dial("auth", cfg.AuthAddr)
	if err != nil {
		return err
	}
	defer authConn.Close()
	userConn, err := dial("user", cfg.UserAddr)
	if err != nil {
		return err
	}
	defer userConn.Close()
	imageConn, err := dial("image", cfg.ImageAddr)
	if err != nil {
		return err
	}
	defer imageConn.Close()

	users := userv1.NewUserInternalServiceClient(userConn)
	images := imagev1.NewImageInternalServiceClient(imageConn)
	timelines, err := feed.New(ctx, feed.Config{
		Users:              users,
		Images:             images,
		Store:              st,
		Backfill:           cfg.Timeline.Backfill,
		TailInterval:       cfg.Timeline.TailInterval,
		TailOverlap:        cfg.Timeline.TailOverlap,
		CelebrityFollowers: cfg.Timeline.CelebrityFollowers,
	})
	if err != nil {
		return fmt.Errorf("create feed: %w", err)
	}
	inboxes, err := inbox.New(inbox.Config{
		Users:            users,
		Images:           images,
		Store:            st,
		ActivityInterval: cfg.Notifications.ActivityInterval,
		ActivityOverlap:  cfg.Notifications.ActivityOverlap,
	})
	if err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	policy := authn.Policy{
		Validator:     authn.NewCachingValidator(authclient.NewValidator(authConn), sessionCacheTTL, sessionCacheEntries),
		ServiceSecret: cfg.ServiceSecret,
	}
	srv, err := grpcserver.New(cfg.Server, logger, "feed",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		return fmt.Errorf("create server: %w", err)
	}
	srv.Registry().MustRegister(logs.Collector())
	srv.Registry().MustRegister(timelines.Collectors()...)
	srv.Registry().MustRegister(inboxes.Collectors()...)
	feedv1.RegisterFeedServiceServer(srv.GRPC(), timelines)
	feedv1.RegisterNotificationServiceServer(srv.GRPC(), inboxes)
	feedv1.RegisterFeedInternalServiceServer(srv.GRPC(), erase.New(erase.Config{Store: st}))
	srv.SetServing(feedv1.FeedService_ServiceDesc.ServiceName)
	srv.SetServing(feedv1.NotificationService_ServiceDesc.ServiceName)
	srv.SetServing(feedv1.FeedInternalService_ServiceDesc.ServiceName)

	tailCtx, stopTailing := context.WithCancel(ctx)
	var tailing sync.WaitGroup
	tailing.Go(func() { timelines.Tail(tailCtx) })
	tailing.Go(func() { inboxes.Tail(tailCtx) })
	err = srv.Serve(ctx)
	stopTailing()
	tailing.Wait()
	return err
}

// openStore opens the backend cfg names. It lives here rather than in
// package store because the adapters import that package.
func openStore(ctx context.Context, cfg StoreConfig) (store.Store, error) {
	switch cfg.Backend {
	case "sqlite":
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "feed.db"))
	case "nosql":
		c, err := nosqlclient.Open(cfg.NoSQL)
		if err != nil {
			return nil, err
		}
		st, err := nosql.Open(ctx, c)
		if err != nil {
			c.Close()
			return nil, err
		}
		return st, nil
	}
	return nil, errors.New("unknown store backend " + cfg.Backend)
}

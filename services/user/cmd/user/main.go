// Command user runs FotoGal's user service: accounts, profiles and the
// follow graph, over gRPC (fotogal.user.v1.UserService and
// UserInternalService), and the saga that deletes an account across the
// services. See Config for its environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"google.golang.org/grpc"

	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
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

	"github.com/fotogal/fotogal/services/user/internal/password"
	"github.com/fotogal/fotogal/services/user/internal/service"
	"github.com/fotogal/fotogal/services/user/internal/store"
	"github.com/fotogal/fotogal/services/user/internal/store/nosql"
	"github.com/fotogal/fotogal/services/user/internal/store/sqlite"

	// CA roots for TLS to OCI where the system has none, as in the
	// FROM scratch image.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck.GRPC("127.0.0.1:9092", userv1.UserService_ServiceDesc.ServiceName))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "user:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context) error {
	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		return err
	}
	logger, logs, err := ocilog.NewLogger(ctx, "user", cfg.LogLevel, cfg.Logs, cfg.OCIAuth)
	if err != nil {
		return err
	}
	defer logs.CloseWithin(cfg.Server.ShutdownTimeout)
	defer func() { _ = logger.Sync() }() // Syncing stdout fails harmlessly on some systems.
	ctx = logging.WithLogger(ctx, logger)

	st, err := openStore(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	hasher, err := password.NewHasher(cfg.Argon2)
	if err != nil {
		return fmt.Errorf("create password hasher: %w", err)
	}
	dial := grpcclient.Options{Timeout: cfg.CallTimeout, ServiceSecret: cfg.ServiceSecret, WaitForReady: true}
	authConn, err := grpcclient.Dial(cfg.AuthAddr, dial)
	if err != nil {
		return fmt.Errorf("dial auth: %w", err)
	}
	defer authConn.Close()
	imageConn, err := grpcclient.Dial(cfg.ImageAddr, dial)
	if err != nil {
		return fmt.Errorf("dial image: %w", err)
	}
	defer imageConn.Close()
	feedConn, err := grpcclient.Dial(cfg.FeedAddr, dial)
	if err != nil {
		return fmt.Errorf("dial feed: %w", err)
	}
	defer feedConn.Close()

	policy := authn.Policy{
		Public:        service.PublicMethods,
		Validator:     authn.NewCachingValidator(authclient.NewValidator(authConn), authn.DefaultCacheTTL, authn.DefaultCacheMaxEntries),
		ServiceSecret: cfg.ServiceSecret,
	}
	srv, err := grpcserver.New(cfg.Server, logger, "user",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		return fmt.Errorf("create server: %w", err)
	}
	srv.Registry().MustRegister(logs.Collector())
	images := imagev1.NewImageInternalServiceClient(imageConn)
	svc := service.New(service.Config{
		Store:          st,
		Hasher:         hasher,
		Posts:          service.NewImagePostCounter(images),
		Sessions:       service.NewAuthSessionRevoker(authv1.NewAuthInternalServiceClient(authConn)),
		Images:         service.NewImageEraser(images),
		Feed:           service.NewFeedEraser(feedv1.NewFeedInternalServiceClient(feedConn)),
		DeletionSettle: cfg.DeletionSettle,

		MaxRegistrationsPerAddr: cfg.MaxRegistrationsPerAddr,
	})
	svc.Register(srv.GRPC())
	sweepCtx, stopSweep := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() {
		defer close(sweepDone)
		svc.RunDeletions(sweepCtx, cfg.DeletionInterval)
	}()
	defer func() {
		stopSweep()
		<-sweepDone
	}()
	srv.SetServing(userv1.UserService_ServiceDesc.ServiceName)
	srv.SetServing(userv1.UserInternalService_ServiceDesc.ServiceName)

	if err := srv.Serve(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("successful shutdown")
	return nil
}

// openStore opens the backend cfg names. It lives here rather than in
// package store because the adapters import that package.
func openStore(ctx context.Context, cfg StoreConfig) (store.Store, error) {
	switch cfg.Backend {
	case "sqlite":
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "user.db"))
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

// Command auth serves FotoGal's authentication service: login, sessions and
// session validation for the other services (fotogal.auth.v1.AuthService
// and AuthInternalService). Its configuration is in FOTOGAL_* environment
// variables; see Config.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/healthcheck"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ocilog"
	authv1 "github.com/fotogal/fotogal/proto/fotogal/auth/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"
	"github.com/fotogal/fotogal/services/auth/internal/auth"
	"github.com/fotogal/fotogal/services/auth/internal/store"
	"github.com/fotogal/fotogal/services/auth/internal/store/nosql"
	"github.com/fotogal/fotogal/services/auth/internal/store/sqlite"

	// CA roots for TLS to OCI where the system has none, as in the
	// FROM scratch image.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck.GRPC("127.0.0.1:9091", authv1.AuthService_ServiceDesc.ServiceName))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "auth: load config: %v\n", err)
		os.Exit(2)
	}
	logger, logs, err := ocilog.NewLogger(ctx, "auth", cfg.LogLevel, cfg.Logs, cfg.OCIAuth)
	if err != nil {
		fmt.Fprintf(os.Stderr, "auth: %v\n", err)
		os.Exit(2)
	}
	defer logger.Sync()
	ctx = logging.WithLogger(ctx, logger)

	err = realMain(ctx, cfg, logs)
	if err != nil {
		logger.Error("auth stopped", zap.Error(err))
	} else {
		logger.Info("successful shutdown")
	}
	logs.CloseWithin(cfg.Server.ShutdownTimeout)
	if err != nil {
		os.Exit(1)
	}
}

// realMain opens the store, dials the user service and serves until ctx is
// done.
func realMain(ctx context.Context, cfg Config, logs *ocilog.Shipper) error {
	logger := logging.FromContext(ctx)

	st, err := openStore(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	userConn, err := grpcclient.Dial(cfg.UserAddr, grpcclient.Options{
		Timeout:       cfg.CallTimeout,
		ServiceSecret: cfg.ServiceSecret,
		WaitForReady:  true,
	})
	if err != nil {
		return fmt.Errorf("dial user service: %w", err)
	}
	defer userConn.Close()

	server := auth.NewServer(st, userv1.NewUserInternalServiceClient(userConn), cfg.Auth)
	policy := server.Policy(cfg.ServiceSecret)
	srv, err := grpcserver.New(cfg.Server, logger, "auth",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		return fmt.Errorf("create server: %w", err)
	}
	srv.Registry().MustRegister(logs.Collector())
	server.Register(srv.GRPC())
	srv.SetServing(authv1.AuthService_ServiceDesc.ServiceName)
	srv.SetServing(authv1.AuthInternalService_ServiceDesc.ServiceName)

	sweepCtx, stopSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		server.SweepExpired(sweepCtx, cfg.SweepInterval)
	}()
	defer func() {
		stopSweep()
		<-swept
	}()

	if err := srv.Serve(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// openStore opens the session store cfg names. It lives here rather than in
// package store because the adapters import that package.
func openStore(ctx context.Context, cfg StoreConfig) (store.Store, error) {
	switch cfg.Backend {
	case "sqlite":
		return sqlite.Open(ctx, cfg.SQLitePath())
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
	default:
		return nil, fmt.Errorf("unknown store backend %q", cfg.Backend)
	}
}

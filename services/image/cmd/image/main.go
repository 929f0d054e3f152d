// Command image runs FotoGal's image service: photos and avatars, their
// variants, access-controlled downloads, captions, reactions, comments,
// hashtags and the explore grid, and its part of account deletions, on the
// embedded backends (a SQLite file and a directory bucket) or on Oracle
// Cloud (Oracle NoSQL and Object Storage). See loadConfig for its FOTOGAL_*
// environment variables.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/fotogal/fotogal/pkg/authclient"
	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/grpcclient"
	"github.com/fotogal/fotogal/pkg/grpcserver"
	"github.com/fotogal/fotogal/pkg/healthcheck"
	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/pkg/ociauth"
	"github.com/fotogal/fotogal/pkg/ocilog"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/bucket"
	"github.com/fotogal/fotogal/services/image/internal/bucket/fs"
	"github.com/fotogal/fotogal/services/image/internal/bucket/oci"
	"github.com/fotogal/fotogal/services/image/internal/service"
	"github.com/fotogal/fotogal/services/image/internal/store"
	"github.com/fotogal/fotogal/services/image/internal/store/nosql"
	"github.com/fotogal/fotogal/services/image/internal/store/sqlite"

	// CA roots for TLS to OCI where the system has none, as in the
	// FROM scratch image.
	_ "golang.org/x/crypto/x509roots/fallback"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck.GRPC("127.0.0.1:9093", imagev1.ImageService_ServiceDesc.ServiceName))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx); err != nil {
		stop()
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context) error {
	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	logger, logs, err := ocilog.NewLogger(ctx, "image", cfg.LogLevel, cfg.Logs, cfg.OCIAuth)
	if err != nil {
		return fmt.Errorf("create logger: %w", err)
	}
	defer logs.CloseWithin(cfg.Server.ShutdownTimeout)
	defer logger.Sync()
	ctx = logging.WithLogger(ctx, logger)

	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	b, err := openBucket(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open bucket: %w", err)
	}
	if c, ok := b.(io.Closer); ok {
		defer c.Close()
	}
	// Spool files of uploads cut short by a previous crash are garbage.
	if err := os.RemoveAll(cfg.SpoolDir()); err != nil {
		return fmt.Errorf("clean spool directory: %w", err)
	}
	if err := os.MkdirAll(cfg.SpoolDir(), 0o750); err != nil {
		return fmt.Errorf("create spool directory: %w", err)
	}

	dial := grpcclient.Options{Timeout: cfg.CallTimeout, ServiceSecret: cfg.ServiceSecret, WaitForReady: true}
	authConn, err := grpcclient.Dial(cfg.AuthAddr, dial)
	if err != nil {
		return fmt.Errorf("dial auth: %w", err)
	}
	defer authConn.Close()
	userConn, err := grpcclient.Dial(cfg.UserAddr, dial)
	if err != nil {
		return fmt.Errorf("dial user: %w", err)
	}
	defer userConn.Close()

	policy := authn.Policy{
		Validator:     authn.NewCachingValidator(authclient.NewValidator(authConn), 5*time.Second, 10000),
		ServiceSecret: cfg.ServiceSecret,
	}
	srv, err := grpcserver.New(cfg.Server, logger, "image",
		[]grpc.UnaryServerInterceptor{policy.UnaryServerInterceptor()},
		[]grpc.StreamServerInterceptor{policy.StreamServerInterceptor()})
	if err != nil {
		return fmt.Errorf("create server: %w", err)
	}
	srv.Registry().MustRegister(logs.Collector())
	images := service.New(service.Config{
		MaxUploadBytes: cfg.MaxUploadBytes,
		Limits:         cfg.Limits,
		Workers:        cfg.Workers,
		PixelBudget:    cfg.PixelBudget,
		SpoolDir:       cfg.SpoolDir(),

		ContentAccessTTL:  cfg.ContentAccessTTL,
		MaxUploadsPerHour: cfg.MaxUploadsPerHour,
		ExploreRefresh:    cfg.ExploreRefresh,
	}, st, b, service.NewUserClient(userConn))
	images.Register(srv.GRPC())
	srv.Registry().MustRegister(images.Collectors()...)
	if cfg.ContentAddr != "" {
		if _, err := srv.AddHTTP("content", cfg.ContentAddr, images.ContentHandler(policy, logger)); err != nil {
			return fmt.Errorf("listen for content: %w", err)
		}
	}
	srv.SetServing(imagev1.ImageService_ServiceDesc.ServiceName)
	srv.SetServing(imagev1.ImageInternalService_ServiceDesc.ServiceName)

	go images.RunSweeper(ctx, cfg.SweepInterval, cfg.SweepGrace)
	if err := srv.Serve(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("successful shutdown")
	return nil
}

// openBucket opens the configured object storage.
func openBucket(ctx context.Context, cfg Config) (bucket.Bucket, error) {
	switch cfg.Bucket {
	case "fs":
		return fs.New(cfg.BucketDir())
	case "oci":
		provider, err := ociauth.Provider(cfg.OCIAuth)
		if err != nil {
			return nil, err
		}
		return oci.Open(ctx, cfg.OCIBucket, provider)
	default:
		return nil, fmt.Errorf("unknown bucket %q", cfg.Bucket)
	}
}

// openStore opens the configured table storage.
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	switch cfg.Store {
	case "sqlite":
		return sqlite.Open(ctx, cfg.DBPath())
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
		return nil, fmt.Errorf("unknown store %q", cfg.Store)
	}
}

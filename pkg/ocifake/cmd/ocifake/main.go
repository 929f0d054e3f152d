// Command ocifake serves FotoGal's fakes of the Oracle Cloud services it
// uses (package ocifake) on one HTTP address, for running the whole stack
// on its OCI adapters without the cloud: Oracle NoSQL Database on
// /V2/nosql/data, Object Storage on /n/..., and Logging ingestion on
// /20200831/logs/.../actions/push. Point FOTOGAL_NOSQL_ENDPOINT,
// FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT and FOTOGAL_OCI_LOGGING_ENDPOINT at it.
//
// Flags:
//
//   - -addr: the address to listen on (default 127.0.0.1:8181; port 0
//     picks a free one);
//   - -data: a directory to keep the tables (data/nosql) and the objects
//     (data/objectstorage) in across restarts (default: in memory);
//   - -key: a directory to write a new API signing key and an OCI config
//     file naming it into (oci_api_key.pem, config). With it, every
//     request must be signed with that key, as the cloud requires, and
//     NoSQL clients use cloud mode; without it, any caller is served and
//     NoSQL clients use cloudsim mode. Each start makes a new key.
//   - -namespace, -bucket: the Object Storage namespace and the bucket that
//     exists in it (fotogalns, fotogal_bucket_images). Every log OCID is
//     accepted.
//
// It logs one line with the address it serves on (and the config file,
// with -key), and stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/logging"
	"github.com/fotogal/fotogal/pkg/ocifake"
)

// shutdownTimeout bounds how long a stop waits for requests in flight.
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ocifake:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	addr      string
	dir       string
	keyDir    string
	namespace string
	bucket    string
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("ocifake", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8181", "address to listen on")
	fs.StringVar(&cfg.dir, "data", "", "directory to keep the tables and objects in (empty: in memory)")
	fs.StringVar(&cfg.keyDir, "key", "", "directory to write a signing key and OCI config file into; requests must then be signed with it (empty: no signatures checked)")
	fs.StringVar(&cfg.namespace, "namespace", "fotogalns", "the Object Storage namespace")
	fs.StringVar(&cfg.bucket, "bucket", "fotogal_bucket_images", "the Object Storage bucket that exists")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return cfg, nil
}

func realMain(ctx context.Context, args []string) (err error) {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	logger, err := logging.New("ocifake", "")
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }() // Syncing stdout fails harmlessly on some systems.

	var verifier *ocifake.Verifier
	configFile := ""
	if cfg.keyDir != "" {
		if err := os.MkdirAll(cfg.keyDir, 0o700); err != nil {
			return fmt.Errorf("-key: %w", err)
		}
		key, err := ocifake.GenerateKey(cfg.keyDir, "us-ashburn-1")
		if err != nil {
			return fmt.Errorf("-key: %w", err)
		}
		verifier = &ocifake.Verifier{Keys: []ocifake.Key{key}}
		configFile = key.ConfigFile
	}
	nosqlDir, objectsDir := "", ""
	if cfg.dir != "" {
		nosqlDir, objectsDir = filepath.Join(cfg.dir, "nosql"), filepath.Join(cfg.dir, "objectstorage")
	}
	nosql, err := ocifake.NewNoSQL(ocifake.NoSQLOptions{Dir: nosqlDir, Verifier: verifier})
	if err != nil {
		return fmt.Errorf("open the NoSQL fake: %w", err)
	}
	defer func() {
		if closeErr := nosql.Close(); closeErr != nil {
			err = errors.Join(err, fmt.Errorf("close the NoSQL fake: %w", closeErr))
		}
	}()
	objects, err := ocifake.NewObjectStorage(ocifake.ObjectStorageOptions{
		Namespace: cfg.namespace,
		Buckets:   []string{cfg.bucket},
		Dir:       objectsDir,
		Verifier:  verifier,
	})
	if err != nil {
		return fmt.Errorf("open the Object Storage fake: %w", err)
	}
	logs := ocifake.NewLogging(ocifake.LoggingOptions{Verifier: verifier})

	mux := http.NewServeMux()
	mux.Handle("/V2/nosql/", nosql)
	mux.Handle("/n", objects) // GetNamespace; without it the mux would redirect to /n/
	mux.Handle("/n/", objects)
	mux.Handle("/20200831/", logs)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("serving the fake OCI services (NoSQL, Object Storage, Logging)",
		zap.String("addr", ln.Addr().String()), zap.String("data", cfg.dir),
		zap.String("oci_config_file", configFile), zap.String("namespace", cfg.namespace), zap.String("bucket", cfg.bucket))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		err = srv.Shutdown(shutdownCtx)
		cancel()
		if err != nil {
			err = fmt.Errorf("shut down: %w", err)
		} else if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
			err = fmt.Errorf("serve: %w", serveErr)
		}
	}
	if err == nil {
		logger.Info("successful shutdown")
	}
	return err
}

// Command ocifake serves FotoGal's fake of Oracle NoSQL Database Cloud
// Service (package ocifake) over HTTP, for running the services on their
// NoSQL adapters without the cloud: point FOTOGAL_NOSQL_ENDPOINT at it in
// cloudsim mode.
//
// Flags: -addr is the address to listen on (default 127.0.0.1:8181; port 0
// picks a free one), -data a directory to keep the tables in across
// restarts (default: in memory). It logs one line with the address it
// serves on, and stops gracefully on SIGINT or SIGTERM.
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
	addr string
	dir  string
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("ocifake", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8181", "address to listen on")
	fs.StringVar(&cfg.dir, "data", "", "directory to keep the tables in (empty: in memory)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return cfg, nil
}

func realMain(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	logger, err := logging.New("ocifake", "")
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }() // Syncing stdout fails harmlessly on some systems.

	fake, err := ocifake.NewNoSQL(ocifake.NoSQLOptions{Dir: cfg.dir})
	if err != nil {
		return fmt.Errorf("open fake: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fake.Close()
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("serving the fake Oracle NoSQL service",
		zap.String("addr", ln.Addr().String()), zap.String("data", cfg.dir))

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
	if closeErr := fake.Close(); closeErr != nil {
		err = errors.Join(err, fmt.Errorf("close fake: %w", closeErr))
	}
	if err == nil {
		logger.Info("successful shutdown")
	}
	return err
}

// Package ocilog ships a FotoGal binary's log entries to OCI Logging: a
// zap core that sends every entry, as PutLogs requests of the Logging
// Ingestion API, to the custom log named by FOTOGAL_OCI_LOG_ID, beside
// the JSON lines on stdout, which stay as they are.
//
// A binary tees the Shipper's Core onto its root logger:
//
//	shipper, err := ocilog.New(ctx, cfg.Log, "auth", provider)
//	if err != nil {
//		return fmt.Errorf("log shipping: %w", err)
//	}
//	defer shipper.Close(shutdownCtx)
//	logger = logging.Tee(logger, shipper.Core(logger.Core()))
//	registry.MustRegister(shipper.Collector())
//
// New returns nil when FOTOGAL_OCI_LOG_ID is empty, and a nil Shipper does
// nothing, so these lines need no condition.
//
// # Fields
//
// The data of each entry is its stdout line, byte for byte: the same keys
// ("level", "time", "msg", "caller", "stacktrace"), "service" and every
// field a logger carries (request_id, method, code, duration, ...). Each
// entry has a new random UUID as its id and the entry's time. Each request
// holds one batch whose source is the host name (the pod's, on
// Kubernetes), whose type is "fotogal.<service>" and whose subject is the
// service.
//
// # Batching and bounds
//
// Core.Write encodes the entry and puts it on a queue of
// FOTOGAL_OCI_LOG_BUFFER entries; it never waits for the network. When the
// queue is full the entry is dropped. One goroutine takes entries off the
// queue and sends a request when it holds FOTOGAL_OCI_LOG_BATCH entries,
// when one more entry would take it over 1 MiB of JSON, or when
// FOTOGAL_OCI_LOG_FLUSH_INTERVAL has passed; an entry of 1 MB or more (the
// service takes entries under 1 MB) is dropped. Each attempt is bounded
// by FOTOGAL_OCI_LOG_REQUEST_TIMEOUT. A request that gets no answer, 429
// or a 5xx is sent again, with the same entry ids, after a backoff
// doubling from 100 ms (with jitter) up to four attempts in all; a request
// refused otherwise (400, 401, 404, ...) or failing four times is dropped,
// with one warning on stderr.
//
// # Metrics
//
// Collector reports fotogal_log_entries_dropped_total by reason
// (queue_full, too_large, send_failed, shutdown),
// fotogal_log_entries_shipped_total and fotogal_log_put_failures_total by
// HTTP status ("none" when no answer came), retried attempts included.
//
// # Start and shutdown
//
// New sends a first entry ("log shipping to OCI Logging started") and
// waits for the answer, so that a wrong key, a clock far off, a wrong log
// OCID or a missing policy stops the binary at start with a message
// naming FOTOGAL_OCI_AUTH or FOTOGAL_OCI_LOG_ID. If the service does not
// answer or fails (5xx, 429), New only warns. Close, called on SIGTERM
// with the shutdown timeout, sends everything queued, and gives up when
// its context ends: the request in flight is abandoned and the rest is
// counted as dropped.
//
// # What it does not do
//
// It does not read logs back or create logs, log groups or policies. It
// does not keep entries across a restart: what is queued when the
// process dies without Close is lost. It does not sample: a binary that
// logs faster than OCI Logging takes its entries drops the excess. Its
// own warnings go to stderr only, never through itself, and logging.Tee
// leaves stdout untouched. The SDK's circuit breaker is off: the retries
// above are the only policy.
package ocilog

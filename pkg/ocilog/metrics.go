package ocilog

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// The reasons an entry is dropped, the values of the label "reason".
const (
	// reasonQueueFull: the buffer was full when the entry was logged.
	reasonQueueFull = "queue_full"
	// reasonTooLarge: the entry is over the service's limit for one entry.
	reasonTooLarge = "too_large"
	// reasonSendFailed: its batch was refused, or kept failing until the
	// attempts ran out.
	reasonSendFailed = "send_failed"
	// reasonShutdown: still queued, or logged, when Close gave up or had
	// returned.
	reasonShutdown = "shutdown"
)

// metrics counts what becomes of the entries.
type metrics struct {
	dropped  *prometheus.CounterVec
	shipped  prometheus.Counter
	failures *prometheus.CounterVec

	droppedQueueFull, droppedTooLarge, droppedSendFailed, droppedShutdown prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fotogal_log_entries_dropped_total",
			Help: "Log entries not shipped to OCI Logging, by reason: queue_full, too_large, send_failed, shutdown.",
		}, []string{"reason"}),
		shipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fotogal_log_entries_shipped_total",
			Help: "Log entries OCI Logging accepted.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fotogal_log_put_failures_total",
			Help: "PutLogs attempts that failed, retried or not, by HTTP status (\"none\" when no answer came).",
		}, []string{"status"}),
	}
	m.droppedQueueFull = m.dropped.WithLabelValues(reasonQueueFull)
	m.droppedTooLarge = m.dropped.WithLabelValues(reasonTooLarge)
	m.droppedSendFailed = m.dropped.WithLabelValues(reasonSendFailed)
	m.droppedShutdown = m.dropped.WithLabelValues(reasonShutdown)
	return m
}

// failure counts a failed PutLogs attempt by its HTTP status.
func (m *metrics) failure(err error) {
	status := "none"
	if code, _, _ := describe(err); code != 0 {
		status = strconv.Itoa(code)
	}
	m.failures.WithLabelValues(status).Inc()
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.dropped.Describe(ch)
	m.shipped.Describe(ch)
	m.failures.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.dropped.Collect(ch)
	m.shipped.Collect(ch)
	m.failures.Collect(ch)
}

// Package profiling serves a binary's runtime profiles (net/http/pprof) on
// its metrics endpoint, for `go tool pprof` on a running FotoGal binary.
// The profiles show the process's memory and calls: a binary serves them
// only when FOTOGAL_PPROF is true, and only where its metrics endpoint is
// not reachable by strangers.
package profiling

import (
	"net/http"
	"net/http/pprof"
)

// Handle serves the profiles under /debug/pprof/ on mux, where
// `go tool pprof http://ADDR/debug/pprof/profile` finds them.
func Handle(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

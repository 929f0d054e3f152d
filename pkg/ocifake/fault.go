package ocifake

import (
	"slices"
	"strings"
	"time"

	"github.com/oracle/nosql-go-sdk/nosqldb/nosqlerr"
)

// Fault is a failure the fake injects into the requests it matches, for
// tests of how a client copes. A request hit by a Code or an HTTPStatus is
// not applied. A Delay holds the answer back; if the client gives up
// meanwhile, the request is not applied, otherwise it is served as usual
// (or fails with Code or HTTPStatus when those are set too).
type Fault struct {
	// Op is the operation it matches; "" matches every operation.
	Op Op
	// Table is the table it matches, ignoring case; "" matches every table.
	Table string
	// Code is a protocol error to answer (ReadLimitExceeded,
	// WriteLimitExceeded, OperationLimitExceeded, SecurityInfoUnavailable,
	// ServiceUnavailable, ...), or 0.
	Code nosqlerr.ErrorCode
	// HTTPStatus is an HTTP status to answer (503, 500, ...) with a body
	// that is not the protocol's, or 0.
	HTTPStatus int
	// Delay is how long to hold the answer back, or 0.
	Delay time.Duration
	// Times is how many matching requests it hits; 0 means until cleared.
	Times int
}

// faultEntry is an injected fault with the hits it has left.
type faultEntry struct {
	Fault
	left int // -1: unlimited
}

// InjectFault adds fl after the faults already injected; a request is hit
// by the first one that matches. The returned function removes it.
func (f *NoSQL) InjectFault(fl Fault) (clear func()) {
	e := &faultEntry{Fault: fl, left: fl.Times}
	if fl.Times <= 0 {
		e.left = -1
	}
	f.faultMu.Lock()
	f.faults = append(f.faults, e)
	f.faultMu.Unlock()
	return func() {
		f.faultMu.Lock()
		defer f.faultMu.Unlock()
		f.faults = slices.DeleteFunc(f.faults, func(x *faultEntry) bool { return x == e })
	}
}

// matchFault returns the fault that hits a request of op on table, and
// counts the hit.
func (f *NoSQL) matchFault(op Op, table string) (Fault, bool) {
	f.faultMu.Lock()
	defer f.faultMu.Unlock()
	for i, e := range f.faults {
		if e.Op != "" && e.Op != op {
			continue
		}
		if e.Table != "" && !strings.EqualFold(e.Table, table) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				f.faults = slices.Delete(f.faults, i, i+1)
			}
		}
		return e.Fault, true
	}
	return Fault{}, false
}

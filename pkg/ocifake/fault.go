package ocifake

import (
	"slices"
	"strings"
	"sync"
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

// InjectFault adds fl after the faults already injected; a request is hit
// by the first one that matches. The returned function removes it.
func (f *NoSQL) InjectFault(fl Fault) (clear func()) {
	return f.faults.add(fl, fl.Times)
}

// matchFault returns the fault that hits a request of op on table, and
// counts the hit.
func (f *NoSQL) matchFault(op Op, table string) (Fault, bool) {
	return f.faults.match(func(fl Fault) bool {
		return (fl.Op == "" || fl.Op == op) && (fl.Table == "" || strings.EqualFold(fl.Table, table))
	})
}

// faults are the faults injected into one fake, in the order they were
// added. It is safe for concurrent use.
type faults[F any] struct {
	mu      sync.Mutex
	entries []*injected[F]
}

// injected is a fault with the hits it has left; -1 means until cleared.
type injected[F any] struct {
	fault F
	left  int
}

// add appends fl, to hit times requests (0: until cleared), and returns
// the function that removes it.
func (l *faults[F]) add(fl F, times int) (clear func()) {
	e := &injected[F]{fault: fl, left: times}
	if times <= 0 {
		e.left = -1
	}
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.entries = slices.DeleteFunc(l.entries, func(x *injected[F]) bool { return x == e })
	}
}

// match returns the first fault that matches accepts, and counts the hit:
// a fault whose last hit it is goes.
func (l *faults[F]) match(matches func(F) bool) (F, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.entries {
		if !matches(e.fault) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				l.entries = slices.Delete(l.entries, i, i+1)
			}
		}
		return e.fault, true
	}
	var none F
	return none, false
}

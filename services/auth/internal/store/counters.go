package store

import "github.com/fotogal/fotogal/pkg/counters"

// Counter is the state of a key's counter: the events counted in its
// current window, and when that window ends.
type Counter = counters.Counter

// Counters are the login throttle's counters: increments of a failed
// attempt, taken back when the attempt did not fail on the credentials,
// and an email's window ended when its login succeeds. See pkg/counters
// for the semantics.
type Counters = counters.Reversible

package store

import "github.com/fotogal/fotogal/pkg/counters"

// Counter is the state of a key's counter: the events counted in its
// current window, and when that window ends.
type Counter = counters.Counter

// Counters count the upload throttle's uploads per account, in fixed
// windows shared by every replica and kept across restarts, and delete an
// account's counter with the account. See pkg/counters for the semantics.
type Counters = counters.Reversible

package sqlite

// countersTable holds the login throttle's counters, which the Store
// keeps through its sqlitecounters.Counters.
const countersTable = "fotogal_ntable_auththrottle"

package nosql

// countersTable holds the login throttle's counters, which the Store
// keeps through its nosqlcounters.Counters.
const countersTable = "fotogal_ntable_auththrottle"

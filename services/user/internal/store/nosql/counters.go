package nosql

// countersTable holds the registration throttle's counters, which the Store
// keeps through its nosqlcounters.Counters.
const countersTable = "fotogal_ntable_userthrottle"

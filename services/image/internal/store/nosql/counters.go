package nosql

// countersTable holds the upload throttle's counters, which the Store
// keeps through its nosqlcounters.Counters.
const countersTable = "fotogal_ntable_imagethrottle"

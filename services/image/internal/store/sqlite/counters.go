package sqlite

// countersTable holds the upload throttle's counters, which the Store
// keeps through its sqlitecounters.Counters.
const countersTable = "fotogal_ntable_imagethrottle"

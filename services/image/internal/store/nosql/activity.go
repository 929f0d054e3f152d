package nosql

// activityTable holds the image service's activity log, which the Store
// keeps through its nosqlactivity.Log.
const activityTable = "fotogal_ntable_imageactivity"

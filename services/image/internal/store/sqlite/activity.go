package sqlite

// activityTable holds the image service's activity log, which the Store
// keeps through its sqliteactivity.Log.
const activityTable = "fotogal_ntable_imageactivity"

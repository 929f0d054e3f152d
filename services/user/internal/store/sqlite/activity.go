package sqlite

// activityTable holds the activity log of follows and follow requests,
// which the Store keeps through its sqliteactivity.Log.
const activityTable = "fotogal_ntable_useractivity"

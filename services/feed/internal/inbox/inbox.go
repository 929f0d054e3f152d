// Package inbox keeps each person's notifications: likes of their photos,
// comments under them, mentions, new followers, follow requests and
// accepted requests. It serves them through fotogal.feed.v1's
// NotificationService.
//
// # Tailing the activity logs
//
// The image service (likes, comments, mentions) and the user service
// (follows, follow requests, acceptances) each keep an activity log and
// serve it through their internal ListActivityAfter. One tailer per log
// (tailer.go) reads it every ActivityInterval, in the manner of the
// feed's posting-log tailer: from the cursor the feed's store keeps for
// that log less ActivityOverlap (an event may be committed after a newer
// one), page by page, and writes each event as the notification it makes
// (ApplyNotifications), then moves the cursor to the newest event read.
//
// A notification's id is derived from what it is about: its kind, its
// actor, its photo and its comment (notificationID). So every event about
// one thing lands on one row of the recipient's inbox, which the newest of
// them decides (the store compares event times): a second like by the same
// person on the same photo notifies once, an unlike leaves a tombstone
// that an older like read later cannot bring back, and each comment is a
// notification of its own. Writes are idempotent, so several feed
// replicas may tail at once and a pass that fails is simply done again.
// Nobody is notified of their own actions.
//
// # Checked when read
//
// Rows are candidates, as timeline rows are. Each page of the inbox
// checks its rows in one batch of calls: BatchGetImages for their photos
// (a photo gone drops its notifications and deletes them from the store),
// CanView once per owner of a photo the recipient does not own (a mention
// of a photo they may no longer see is dropped, not deleted, as it may
// become visible again), and BatchGetUsers for their actors (an account
// gone drops its notifications). A page shortened by the checks reads on
// from the store, at most maxStoreReads times a call. The unread count
// makes the same checks over the notifications newer than the read mark,
// up to MaxUnreadCount.
package inbox

import (
	"cmp"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// Paging and counting limits.
const (
	// DefaultPageSize is the page size of a request that sets none.
	DefaultPageSize = 20
	// MaxPageSize is the largest page served; larger requests are cut to it.
	MaxPageSize = 100
	// MaxUnreadCount is the most GetUnreadCount counts: it means "that
	// many or more".
	MaxUnreadCount = 100
)

// Defaults of Config.
const (
	// DefaultActivityInterval is how often each activity log is read: a
	// notification shows well within two seconds of the action.
	DefaultActivityInterval = 250 * time.Millisecond
	// DefaultActivityOverlap is how far behind its cursor each log is
	// re-read: longer than the user and image stores may wait for their
	// write locks (10s) between taking an event's time and committing it.
	DefaultActivityOverlap = 15 * time.Second
)

// Config holds what a Server is built from.
type Config struct {
	// Users and Images are the user and image services' internal APIs;
	// both clients must carry the service credential.
	Users  userv1.UserInternalServiceClient
	Images imagev1.ImageInternalServiceClient
	// Store keeps the inboxes and where the tailers stand.
	Store store.Store
	// ActivityInterval is how often each activity log is read
	// (DefaultActivityInterval when 0).
	ActivityInterval time.Duration
	// ActivityOverlap is how far behind its cursor each log is re-read,
	// for events committed after newer ones (DefaultActivityOverlap when
	// 0). It must exceed the time between an event's time and its commit.
	ActivityOverlap time.Duration
	// Now is the clock (time.Now when nil): what MarkNotificationsRead
	// marks when it is given no time, or one to come.
	Now func() time.Time
}

// Server implements feedv1.NotificationServiceServer, and its Tail method
// fills the inboxes it reads.
type Server struct {
	feedv1.UnimplementedNotificationServiceServer

	users  userv1.UserInternalServiceClient
	images imagev1.ImageInternalServiceClient
	store  store.Store
	now    func() time.Time

	// tailers are those of the image and the user services' logs.
	tailers []*tailer
	// applied counts the notifications the tailers wrote, by log.
	applied *prometheus.CounterVec
}

// New returns a Server built from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.ActivityInterval < 0 || cfg.ActivityOverlap < 0 {
		return nil, errors.New("inbox: negative activity interval or overlap")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		users:  cfg.Users,
		images: cfg.Images,
		store:  cfg.Store,
		now:    now,
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fotogal_feed_notifications_applied_total",
			Help: "Notifications the activity-log tailers wrote (tombstones of retractions included), by log.",
		}, []string{"log"}),
	}
	interval := cmp.Or(cfg.ActivityInterval, DefaultActivityInterval)
	overlap := cmp.Or(cfg.ActivityOverlap, DefaultActivityOverlap)
	s.tailers = []*tailer{
		s.newTailer(imageLog, s.imageActivity, interval, overlap),
		s.newTailer(userLog, s.userActivity, interval, overlap),
	}
	return s, nil
}

// Collectors returns the inbox's metrics, for the binary's registry.
func (s *Server) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.applied}
}

package inbox

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// The activity logs, by the names the store keeps their cursors under.
const (
	imageLog = "image"
	userLog  = "user"
)

// readActivity returns up to activityPageSize events of a log strictly
// after `after`, oldest first.
type readActivity func(ctx context.Context, after activity.Cursor) ([]activity.Event, error)

// tailer turns one activity log into notifications (see Server.Tail).
type tailer struct {
	source            string
	read              readActivity
	store             store.Store
	interval, overlap time.Duration

	// mu makes passes one at a time.
	mu sync.Mutex
	// applied holds the ids of the events applied in the last overlap,
	// with their times, so that re-reading the overlap skips them.
	applied map[string]time.Time
	// written counts the notifications written (see Server.Collectors).
	written prometheus.Counter
}

// newTailer returns the tailer of the log named source, which read reads.
func (s *Server) newTailer(source string, read readActivity, interval, overlap time.Duration) *tailer {
	return &tailer{
		source:   source,
		read:     read,
		store:    s.store,
		interval: interval,
		overlap:  overlap,
		applied:  make(map[string]time.Time),
		written:  s.applied.WithLabelValues(source),
	}
}

// Tail fills the inboxes from the image and user services' activity logs
// until ctx is done, and returns once both tailers have stopped. Each
// tailer makes a pass every ActivityInterval: it reads its log
// (ListActivityAfter) from the store's cursor for it less
// ActivityOverlap, or from the oldest event the log keeps when there is
// no cursor yet, a page of up to activityPageSize events at a time; it
// writes each event not applied yet as the notification it makes
// (ApplyNotifications, a page at once), and moves the cursor to the
// newest event read. The store keeps the newest event about each thing,
// whatever order the events come in, so several feed replicas may tail
// at once, and a pass that fails is simply done again: errors are logged.
func (s *Server) Tail(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range s.tailers {
		wg.Go(func() { t.run(ctx) })
	}
	wg.Wait()
}

// run makes a pass every t.interval until ctx is done.
func (t *tailer) run(ctx context.Context) {
	ticker := time.NewTicker(t.interval)
	defer ticker.Stop()
	for {
		if err := t.once(ctx); err != nil && ctx.Err() == nil {
			logging.FromContext(ctx).Warn("tail the activity log", zap.String("log", t.source), zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// once is one pass of the tailer.
func (t *tailer) once(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	newest, err := t.store.ActivityCursor(ctx, t.source)
	var after activity.Cursor // The zero cursor: from the oldest event kept.
	switch {
	case errors.Is(err, store.ErrNotFound):
		newest = activity.Cursor{}
	case err != nil:
		return fmt.Errorf("read the %s log's cursor: %w", t.source, err)
	default:
		after = activity.Cursor{Time: newest.Time.Add(-t.overlap)}
	}
	for {
		events, err := t.read(ctx, after)
		if err != nil {
			return t.tailed(ctx, newest, err)
		}
		var ns []store.Notification
		for _, ev := range events {
			if _, done := t.applied[ev.ID]; !done && ev.ActorID != ev.RecipientID {
				ns = append(ns, notificationOf(ev))
			}
		}
		if len(ns) > 0 {
			if err := t.store.ApplyNotifications(ctx, ns); err != nil {
				return t.tailed(ctx, newest, fmt.Errorf("apply %d notifications of the %s log: %w", len(ns), t.source, err))
			}
			t.written.Add(float64(len(ns)))
		}
		for _, ev := range events {
			t.applied[ev.ID] = ev.Time
			if newest.After(ev) {
				newest = activity.CursorOf(ev)
			}
		}
		if len(events) < activityPageSize {
			return t.tailed(ctx, newest, nil)
		}
		after = activity.CursorOf(events[len(events)-1])
	}
}

// tailed ends a pass that applied every event up to newest, and failed
// with err if it is not nil: it moves the log's cursor there, unless no
// event was ever read, and forgets the events the next pass will not
// re-read.
func (t *tailer) tailed(ctx context.Context, newest activity.Cursor, err error) error {
	if newest == (activity.Cursor{}) {
		return err
	}
	if advErr := t.store.AdvanceActivityCursor(ctx, t.source, newest); advErr != nil && err == nil {
		err = fmt.Errorf("advance the %s log's cursor: %w", t.source, advErr)
	}
	horizon := newest.Time.Add(-t.overlap)
	for id, at := range t.applied {
		if at.Before(horizon) {
			delete(t.applied, id)
		}
	}
	return err
}

// notificationOf returns the notification ev makes: the state of the
// thing ev is about, as ev leaves it.
func notificationOf(ev activity.Event) store.Notification {
	return store.Notification{
		RecipientID: ev.RecipientID,
		ID:          notificationID(ev),
		Kind:        ev.Kind,
		ActorID:     ev.ActorID,
		ImageID:     ev.ImageID,
		CommentID:   ev.CommentID,
		Text:        ev.Text,
		EventTime:   ev.Time,
		EventID:     ev.ID,
		Retracted:   ev.Retracted,
	}
}

// idEncoding spells notification ids: lower-case base32, unpadded.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// notificationIDLen is the length of a notification id: 15 bytes of hash
// in base32.
const notificationIDLen = 24

// notificationID names the thing ev is about within its recipient's
// inbox: 24 lower-case base32 characters of the SHA-256 of its kind,
// actor, photo and comment. Every event about the same thing (a like and
// the unlike after it) gets the same id; two comments get two.
func notificationID(ev activity.Event) string {
	key := strings.Join([]string{strconv.Itoa(int(ev.Kind)), ev.ActorID, ev.ImageID, ev.CommentID}, "|")
	sum := sha256.Sum256([]byte(key))
	return strings.ToLower(idEncoding.EncodeToString(sum[:15]))
}

package inbox

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/timestamppb"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/feed/internal/store"
)

// maxStoreReads is how many times one call reads the store at most when
// the read-time checks leave its page short.
const maxStoreReads = 5

// ListNotifications returns one page of the caller's notifications,
// newest first.
func (s *Server) ListNotifications(ctx context.Context, req *feedv1.ListNotificationsRequest) (*feedv1.ListNotificationsResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := s.page(ctx, caller.UserID, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resp, nil
}

// GetUnreadCount counts the caller's notifications newer than their read
// mark, up to MaxUnreadCount.
func (s *Server) GetUnreadCount(ctx context.Context, _ *feedv1.GetUnreadCountRequest) (*feedv1.GetUnreadCountResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.unreadCount(ctx, caller.UserID)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &feedv1.GetUnreadCountResponse{UnreadCount: int32(n)}, nil
}

// MarkNotificationsRead moves the caller's read mark to the time asked
// for, or to now when none is given or it is still to come; the mark
// never moves back.
func (s *Server) MarkNotificationsRead(ctx context.Context, req *feedv1.MarkNotificationsReadRequest) (*feedv1.MarkNotificationsReadResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	mark, err := s.markRead(ctx, caller.UserID, req.GetUpToTime())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &feedv1.MarkNotificationsReadResponse{ReadUpToTime: timestamppb.New(mark)}, nil
}

// page builds the page of req for recipient.
func (s *Server) page(ctx context.Context, recipient string, req *feedv1.ListNotificationsRequest) (*feedv1.ListNotificationsResponse, error) {
	pageSize, err := normalizePageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	before, err := decodePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	mark, err := s.store.ReadMark(ctx, recipient)
	if err != nil {
		return nil, fmt.Errorf("read %s's read mark: %w", recipient, err)
	}
	// One more than the page tells whether a next page exists.
	found, err := s.collect(ctx, recipient, before, time.Time{}, pageSize+1)
	if err != nil {
		return nil, err
	}
	shown := found.shown
	resp := &feedv1.ListNotificationsResponse{}
	switch {
	case len(shown) > pageSize:
		shown = shown[:pageSize]
		resp.NextPageToken = encodePageToken(cursorOf(shown[pageSize-1].n))
	case !found.end:
		// The reads ran out before the page was full: the next page reads
		// on after the last notification looked at.
		resp.NextPageToken = encodePageToken(found.last)
	}
	resp.Notifications = make([]*feedv1.Notification, len(shown))
	for i, c := range shown {
		resp.Notifications[i] = c.message(mark)
	}
	return resp, nil
}

// unreadCount counts recipient's notifications newer than their read mark
// that pass the read-time checks, up to MaxUnreadCount.
func (s *Server) unreadCount(ctx context.Context, recipient string) (int, error) {
	mark, err := s.store.ReadMark(ctx, recipient)
	if err != nil {
		return 0, fmt.Errorf("read %s's read mark: %w", recipient, err)
	}
	found, err := s.collect(ctx, recipient, store.NotificationCursor{}, mark, MaxUnreadCount)
	if err != nil {
		return 0, err
	}
	return len(found.shown), nil
}

// markRead moves recipient's read mark to upTo, or to now when upTo is
// nil or after now, and returns the mark as it stands.
func (s *Server) markRead(ctx context.Context, recipient string, upTo *timestamppb.Timestamp) (time.Time, error) {
	t := s.now().UTC()
	if upTo != nil {
		if upTo.CheckValid() != nil {
			return time.Time{}, errInvalidUpToTime
		}
		if asked := upTo.AsTime(); asked.Before(t) {
			t = asked
		}
	}
	mark, err := s.store.AdvanceReadMark(ctx, recipient, t)
	if err != nil {
		return time.Time{}, fmt.Errorf("advance %s's read mark: %w", recipient, err)
	}
	return mark, nil
}

// normalizePageSize applies the default and the maximum to a requested
// page size.
func normalizePageSize(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, errInvalidPageSize
	case n == 0:
		return DefaultPageSize, nil
	default:
		return min(int(n), MaxPageSize), nil
	}
}

// checked is a notification that passed the read-time checks, with what
// they found of it.
type checked struct {
	n     store.Notification
	actor *userv1.UserSummary
	// image is the photo, nil for a notification without one.
	image *imagev1.Image
}

// message returns c as the API shows it, unread when newer than mark.
func (c checked) message(mark time.Time) *feedv1.Notification {
	m := &feedv1.Notification{
		NotificationId: c.n.ID,
		Kind:           activityv1.Kind(c.n.Kind),
		Actor: &feedv1.Actor{
			UserId:    c.actor.GetUserId(),
			Username:  c.actor.GetUsername(),
			FullName:  c.actor.GetFullName(),
			AvatarUrl: c.actor.GetAvatarUrl(),
		},
		ImageId:    c.n.ImageID,
		CommentId:  c.n.CommentID,
		Text:       c.n.Text,
		CreateTime: timestamppb.New(c.n.EventTime),
		Unread:     c.n.EventTime.After(mark),
	}
	if c.image != nil {
		m.ThumbUrl = c.image.GetThumbUrl()
	}
	return m
}

// cursorOf returns the inbox position of n, for reading on after it.
func cursorOf(n store.Notification) store.NotificationCursor {
	return store.NotificationCursor{EventTime: n.EventTime, ID: n.ID}
}

// collection is what collect found.
type collection struct {
	// shown holds the notifications that passed the checks, newest first.
	shown []checked
	// last is the position of the last notification read from the store.
	last store.NotificationCursor
	// end reports whether the reads got to the end of what was asked for.
	end bool
}

// collect returns up to limit of recipient's notifications strictly
// before `before` and newer than `after` that pass the read-time checks,
// newest first. It reads the store at most maxStoreReads times, each time
// for as many as the page still lacks, and checks each read in one batch.
func (s *Server) collect(ctx context.Context, recipient string, before store.NotificationCursor, after time.Time, limit int) (collection, error) {
	c := collection{last: before}
	for range maxStoreReads {
		want := limit - len(c.shown)
		rows, err := s.store.ListNotifications(ctx, recipient, c.last, want)
		if err != nil {
			return collection{}, fmt.Errorf("list %s's notifications: %w", recipient, err)
		}
		c.end = len(rows) < want
		if i := slices.IndexFunc(rows, func(n store.Notification) bool { return !n.EventTime.After(after) }); i >= 0 {
			rows, c.end = rows[:i], true
		}
		if len(rows) > 0 {
			c.last = cursorOf(rows[len(rows)-1])
		}
		shown, err := s.check(ctx, recipient, rows)
		if err != nil {
			return collection{}, err
		}
		c.shown = append(c.shown, shown...)
		if c.end || len(c.shown) == limit {
			break
		}
	}
	return c, nil
}

// check returns those of rows, recipient's notifications (at most
// maxBatch), that recipient may still see, in order: their actor exists
// and, for those with a photo, the photo exists and recipient owns it or
// may see its owner's photos. It deletes from the store the
// notifications of photos that are gone.
func (s *Server) check(ctx context.Context, recipient string, rows []store.Notification) ([]checked, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var imageIDs, actorIDs []string
	for _, n := range rows {
		if n.ImageID != "" && !slices.Contains(imageIDs, n.ImageID) {
			imageIDs = append(imageIDs, n.ImageID)
		}
		if !slices.Contains(actorIDs, n.ActorID) {
			actorIDs = append(actorIDs, n.ActorID)
		}
	}
	var (
		wg                   sync.WaitGroup
		images               map[string]*imagev1.Image
		actors               map[string]*userv1.UserSummary
		imagesErr, actorsErr error
	)
	wg.Go(func() { images, imagesErr = s.batchGetImages(ctx, imageIDs, recipient) })
	wg.Go(func() { actors, actorsErr = s.batchGetUsers(ctx, actorIDs) })
	wg.Wait()
	if imagesErr != nil {
		return nil, imagesErr
	}
	if actorsErr != nil {
		return nil, actorsErr
	}
	var others []string
	for _, img := range images {
		if img.GetOwnerId() != recipient {
			others = append(others, img.GetOwnerId())
		}
	}
	viewable, err := s.viewableOwners(ctx, recipient, others)
	if err != nil {
		return nil, err
	}
	var (
		shown []checked
		gone  []string
	)
	for _, n := range rows {
		img := images[n.ImageID]
		switch {
		case n.ImageID != "" && img == nil:
			gone = append(gone, n.ID)
		case img != nil && img.GetOwnerId() != recipient && !viewable[img.GetOwnerId()]:
			// Hidden, not deleted: the recipient may be let in again.
		case actors[n.ActorID] == nil:
			// The actor's account is gone.
		default:
			shown = append(shown, checked{n: n, actor: actors[n.ActorID], image: img})
		}
	}
	if len(gone) > 0 {
		// Failing to tidy up costs a later request the same check, not
		// this one its page.
		if err := s.store.DeleteNotifications(ctx, recipient, gone); err != nil {
			logging.FromContext(ctx).Warn("delete the notifications of deleted photos", zap.Error(err))
		}
	}
	return shown, nil
}

package service

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/followup"
	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// Every change of the follow graph that has committed appends what it did
// to the activity log, which the feed tails for notifications. Each event
// is dated as its change (the edge's date where the change dates one) and
// only a change that happened writes one: an idempotent retry that finds
// the edge already in place, or already gone, writes nothing.
//
//	Follow (public account)         Follow{follower → followee}
//	Follow (private account)        FollowRequest{requester → account}
//	Unfollow                        retracted Follow or FollowRequest
//	RemoveFollower                  retracted Follow{follower → caller}
//	RejectFollowRequest             retracted FollowRequest{requester → caller}
//	BlockUser                       retracted Follow or FollowRequest, each
//	                                way there was one (as Unfollow)
//	AcceptFollowRequest, or the     retracted FollowRequest{requester → account},
//	account turning public          Follow{requester → account},
//	                                RequestAccepted{account → requester}

// activityReadTimeout bounds each read of recordAccepted, which goes on
// when the caller stops waiting: the accept has committed already.
const activityReadTimeout = 10 * time.Second

// acceptedPageSize is how many follows one page of recordAccepted reads.
const acceptedPageSize = 100

// recordActivity appends events to the activity log after their change has
// committed. A failure is logged, not returned: the change stands and the
// caller is told so, since failing the request would only make it retry a
// change already made; what is lost is the change's notifications.
func (s *Service) recordActivity(ctx context.Context, events ...activity.Event) {
	if len(events) == 0 {
		return
	}
	// The change has committed: the caller going away does not undo it,
	// and a struggling log does not make the answer late.
	ctx, cancel := followup.Context(ctx)
	defer cancel()
	if err := s.store.AppendEvents(ctx, events...); err != nil {
		logging.FromContext(ctx).Error("append activity events", zap.Int("count", len(events)), zap.Error(err))
	}
}

// followEvent returns a new event of kind: actorID did it to recipientID at
// at, or took it back when retracted.
func followEvent(kind activity.Kind, actorID, recipientID string, at time.Time, retracted bool) activity.Event {
	return activity.Event{
		ID:          activity.NewID(),
		Time:        at.UTC(),
		Kind:        kind,
		ActorID:     actorID,
		RecipientID: recipientID,
		Retracted:   retracted,
	}
}

// edgeKind returns the kind of event an edge in state stands for.
func edgeKind(state store.FollowState) activity.Kind {
	if state == store.FollowRequested {
		return activity.FollowRequest
	}
	return activity.Follow
}

// acceptEvents returns the events of accountID accepting requesterID's
// follow request at at: the request is answered, requesterID follows
// accountID, and requesterID learns that accountID accepted.
func acceptEvents(requesterID, accountID string, at time.Time) []activity.Event {
	return []activity.Event{
		followEvent(activity.FollowRequest, requesterID, accountID, at, true),
		followEvent(activity.Follow, requesterID, accountID, at, false),
		followEvent(activity.RequestAccepted, accountID, requesterID, at, false),
	}
}

// acceptAllRequests turns every pending request to accountID into a
// follow, as an account turned public does, and records each as an accept.
func (s *Service) acceptAllRequests(ctx context.Context, accountID string) error {
	at := now()
	_, err := s.store.AcceptFollowRequests(ctx, accountID, at)
	// Those it accepted before any failure are recorded all the same.
	if recErr := s.recordAccepted(ctx, accountID, at); recErr != nil {
		logging.FromContext(ctx).Error("record accepted follow requests", zap.Error(recErr))
	}
	if err != nil {
		return fmt.Errorf("accept follow requests: %w", err)
	}
	return nil
}

// recordAccepted records as accepts the requests to accountID that
// AcceptFollowRequests accepted at at.
//
// AcceptFollowRequests says only how many it accepted, and a list of the
// requests read before it would include those cancelled or answered in
// between; but it dates every follow it makes at at, so the follows of
// accountID dated at exactly are the requests it accepted. They are read
// afterwards a page at a time, however many there are.
func (s *Service) recordAccepted(ctx context.Context, accountID string, at time.Time) error {
	// The accept has committed: the caller going away does not stop the
	// recording, and each page, not the whole, gets the time limit, since
	// there may be any number of them.
	ctx = context.WithoutCancel(ctx)
	q := store.ListFollowsQuery{
		UserID: accountID, Direction: store.Followers, State: store.FollowFollowing,
		Limit: acceptedPageSize, FollowedAfter: at.Add(-time.Nanosecond),
	}
	for {
		pageCtx, cancel := context.WithTimeout(ctx, activityReadTimeout)
		page, err := s.store.ListFollows(pageCtx, q)
		cancel()
		if err != nil {
			return fmt.Errorf("list the follows of %s since %v: %w", accountID, at, err)
		}
		var events []activity.Event
		for _, f := range page.Follows {
			if f.CreatedAt.Equal(at) {
				events = append(events, acceptEvents(f.FollowerID, accountID, at)...)
			}
		}
		s.recordActivity(ctx, events...)
		if page.NextPageToken == "" {
			return nil
		}
		q.PageToken = page.NextPageToken
	}
}

package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/fotogal/fotogal/pkg/activity"
	"github.com/fotogal/fotogal/pkg/activity/activitypb"
	"github.com/fotogal/fotogal/pkg/followup"
	"github.com/fotogal/fotogal/pkg/logging"
	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// record gives each of events a fresh ID and appends those whose actor is
// not their recipient (nobody hears of their own doing) to the activity
// log, at once.
//
// It runs after the action the events tell of has committed, and a
// failure is logged, not returned: the action stands and its caller is
// told so, at the cost of the notifications it would have made. Failing
// the call instead would tell of a failure that did not happen and invite
// a retry of an action that did.
func (s *Server) record(ctx context.Context, events ...activity.Event) {
	kept := make([]activity.Event, 0, len(events))
	for _, ev := range events {
		if ev.ActorID != ev.RecipientID {
			ev.ID = activity.NewID()
			kept = append(kept, ev)
		}
	}
	if len(kept) == 0 {
		return
	}
	// The action is done: the caller going away does not undo it, and a
	// struggling log does not make its answer late.
	ctx, cancel := followup.Context(ctx)
	defer cancel()
	if err := s.store.AppendEvents(ctx, kept...); err != nil {
		logging.FromContext(ctx).Error("append activity events; their notifications are lost",
			zap.Int("events", len(kept)), zap.String("image_id", kept[0].ImageID), zap.Error(err))
	}
}

// mentionEvents returns the Mention events of a text written on img: ev,
// its kind set to Mention, addressed to each person of mentioned who may
// see img and is not across a block from the author (neither of two
// people, one of whom blocked the other, can mention the other), and
// retracted to each person of unmentioned, who need not. The
// usernames are those parseMentions returns, resolved in one call to the
// user service; the people in skip get nothing.
func (s *Server) mentionEvents(ctx context.Context, img store.Image, ev activity.Event, mentioned, unmentioned []string, skip ...string) ([]activity.Event, error) {
	if len(mentioned)+len(unmentioned) == 0 {
		return nil, nil
	}
	people, err := s.users.PeopleNamed(ctx, append(slices.Clip(mentioned), unmentioned...))
	if err != nil {
		return nil, fmt.Errorf("look up mentioned people: %w", err)
	}
	var blocked []string
	if len(mentioned) > 0 {
		if blocked, err = s.users.BlockedIDs(ctx, ev.ActorID); err != nil {
			return nil, fmt.Errorf("list the people across a block from the author: %w", err)
		}
	}
	ev.Kind = activity.Mention
	var events []activity.Event
	for _, p := range people {
		if p.ID == ev.ActorID || slices.Contains(skip, p.ID) {
			continue
		}
		e := ev
		e.RecipientID = p.ID
		if !slices.Contains(mentioned, strings.ToLower(p.Username)) {
			e.Retracted = true
			events = append(events, e)
			continue
		}
		if slices.Contains(blocked, p.ID) {
			continue
		}
		allowed, err := s.users.CanView(ctx, p.ID, img.OwnerID)
		if err != nil {
			return nil, fmt.Errorf("check whether a mentioned person sees the photo: %w", err)
		}
		if allowed {
			events = append(events, e)
		}
	}
	return events, nil
}

// recordCaptionMentions records the mentions a change of img's caption
// from before makes (the people newly mentioned who may see it) and takes
// back (the people no longer mentioned), dated as the change. For a new
// photo, before is "".
func (s *Server) recordCaptionMentions(ctx context.Context, img store.Image, before string) {
	was, is := parseMentions(before), parseMentions(img.Caption)
	added := slices.DeleteFunc(slices.Clone(is), func(name string) bool { return slices.Contains(was, name) })
	removed := slices.DeleteFunc(was, func(name string) bool { return slices.Contains(is, name) })
	ev := activity.Event{Time: img.UpdateTime, ActorID: img.OwnerID, ImageID: img.ID, Text: activity.Excerpt(img.Caption)}
	events, err := s.mentionEvents(ctx, img, ev, added, removed)
	if err != nil {
		logging.FromContext(ctx).Warn("caption mentions make no notifications", zap.String("image_id", img.ID), zap.Error(err))
		return
	}
	s.record(ctx, events...)
}

// ListActivityAfter returns a page of the activity log: likes, comments
// and mentions, and their retractions, oldest first, strictly after a
// position. The feed tails it to make notifications.
func (in *InternalServer) ListActivityAfter(ctx context.Context, req *imagev1.ListActivityAfterRequest) (*imagev1.ListActivityAfterResponse, error) {
	events, err := in.listActivityAfter(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &imagev1.ListActivityAfterResponse{Events: make([]*activityv1.Event, len(events))}
	for i, ev := range events {
		resp.Events[i] = activitypb.ToProto(ev)
	}
	return resp, nil
}

func (in *InternalServer) listActivityAfter(ctx context.Context, req *imagev1.ListActivityAfterRequest) ([]activity.Event, error) {
	limit, err := logPageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	if a := req.GetAfter(); a != nil {
		if err := a.GetTime().CheckValid(); err != nil {
			return nil, &fieldError{"after", "needs a valid time"}
		}
	}
	events, err := in.s.store.ListEventsAfter(ctx, activitypb.CursorFromProto(req.GetAfter()), limit)
	if err != nil {
		return nil, fmt.Errorf("list activity after: %w", err)
	}
	return events, nil
}

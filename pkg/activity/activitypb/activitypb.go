// Package activitypb converts activity log events to and from their
// protobuf form, fotogal.activity.v1, in which the user and image services
// serve their logs and the feed service reads them.
package activitypb

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	activityv1 "github.com/fotogal/fotogal/proto/fotogal/activity/v1"

	"github.com/fotogal/fotogal/pkg/activity"
)

// ToProto returns ev as a protobuf message.
func ToProto(ev activity.Event) *activityv1.Event {
	return &activityv1.Event{
		EventId:     ev.ID,
		Time:        timestamppb.New(ev.Time),
		Kind:        activityv1.Kind(ev.Kind),
		ActorId:     ev.ActorID,
		RecipientId: ev.RecipientID,
		ImageId:     ev.ImageID,
		CommentId:   ev.CommentID,
		Text:        ev.Text,
		Retracted:   ev.Retracted,
	}
}

// FromProto returns the event m carries.
func FromProto(m *activityv1.Event) activity.Event {
	return activity.Event{
		ID:          m.GetEventId(),
		Time:        m.GetTime().AsTime(),
		Kind:        activity.Kind(m.GetKind()),
		ActorID:     m.GetActorId(),
		RecipientID: m.GetRecipientId(),
		ImageID:     m.GetImageId(),
		CommentID:   m.GetCommentId(),
		Text:        m.GetText(),
		Retracted:   m.GetRetracted(),
	}
}

// CursorToProto returns c as a protobuf message; nil for the zero Cursor.
func CursorToProto(c activity.Cursor) *activityv1.Cursor {
	if c.Time.IsZero() && c.ID == "" {
		return nil
	}
	return &activityv1.Cursor{Time: timestamppb.New(c.Time), EventId: c.ID}
}

// CursorFromProto returns the cursor m carries; the zero Cursor for nil.
func CursorFromProto(m *activityv1.Cursor) activity.Cursor {
	if m == nil {
		return activity.Cursor{}
	}
	return activity.Cursor{Time: m.GetTime().AsTime(), ID: m.GetEventId()}
}

// Package activity is the port of the activity logs that the user and
// image services keep in their stores: what one person did that concerns
// another (a like, a comment, a mention, a follow, a follow request, an
// accepted request) and its retraction when it is taken back. The feed
// service tails both logs through the services' ListActivityAfter and
// turns them into notifications. The adapters are sqliteactivity and
// nosqlactivity; activitytest is the contract both pass.
//
// # Order
//
// A log is read oldest first by (Time, ID), strictly after a Cursor. A
// service takes an event's time before it commits it, so an event may
// become visible after a newer one: a reader re-reads a few seconds behind
// its cursor and applies events idempotently.
//
// # Retention
//
// Events are kept for Retention and then go by themselves: on Oracle NoSQL
// each row has that time to live; on SQLite each append deletes a few rows
// older than it. A reader that falls further behind misses events, which
// for notifications means a few old ones are never shown.
package activity

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
	"unicode/utf8"
)

// Retention is how long an event is kept.
const Retention = 7 * 24 * time.Hour

// MaxTextLen is the most characters of an event's Text.
const MaxTextLen = 200

// Kind says what happened. The values are those of fotogal.activity.v1.Kind.
type Kind int

// The kinds of event.
const (
	Unspecified Kind = iota
	// Like: the actor likes the recipient's photo.
	Like
	// Comment: the actor commented on the recipient's photo.
	Comment
	// Mention: the actor mentioned the recipient in a caption or comment.
	Mention
	// Follow: the actor follows the recipient.
	Follow
	// FollowRequest: the actor asks to follow the recipient.
	FollowRequest
	// RequestAccepted: the actor accepted the recipient's follow request.
	RequestAccepted
)

// Event is one entry of a log. Events with the same Kind, RecipientID,
// ActorID, ImageID and CommentID are about the same thing; the newest says
// whether it stands or was taken back (Retracted).
type Event struct {
	// ID is unique to the entry (NewID), at most 26 bytes.
	ID string
	// Time is when it happened (UTC, nanoseconds).
	Time time.Time
	Kind Kind
	// ActorID did it; RecipientID is whom it concerns.
	ActorID, RecipientID string
	// ImageID is the photo, for likes, comments and mentions.
	ImageID string
	// CommentID is the comment, for comments and mentions made in one.
	CommentID string
	// Text is the start of the comment's or caption's text, at most
	// MaxTextLen characters (Excerpt).
	Text string
	// Retracted is set when the actor took it back.
	Retracted bool
}

// Cursor is a position in a log: strictly after (Time, ID). The zero
// Cursor starts at the oldest event kept.
type Cursor struct {
	Time time.Time
	ID   string
}

// CursorOf returns the position of ev, for reading on after it.
func CursorOf(ev Event) Cursor { return Cursor{Time: ev.Time, ID: ev.ID} }

// After reports whether ev comes strictly after c in log order.
func (c Cursor) After(ev Event) bool {
	if c.Time.IsZero() && c.ID == "" {
		return true
	}
	return ev.Time.After(c.Time) || (ev.Time.Equal(c.Time) && ev.ID > c.ID)
}

// Log is an activity log. Implementations are safe for concurrent use.
type Log interface {
	// AppendEvents writes events to the log at once as far as the backend
	// allows; an event whose ID is already there is left as it is, so a
	// retry appends nothing twice. Events older than Retention are not
	// written; a call with an event whose ID is empty or over 26 bytes is
	// refused and writes nothing.
	AppendEvents(ctx context.Context, events ...Event) error
	// ListEventsAfter returns up to limit events strictly after after,
	// oldest first (Time, then ID, ascending).
	ListEventsAfter(ctx context.Context, after Cursor, limit int) ([]Event, error)
	// DeleteEventsOf deletes every event whose actor or recipient is
	// userID, for the deletion of that account. Deleting none is no error,
	// and a call cut short deletes the rest when it is made again.
	DeleteEventsOf(ctx context.Context, userID string) error
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a fresh event id: 26 lower-case base32 characters.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return strings.ToLower(idEncoding.EncodeToString(b))
}

// Excerpt returns the first MaxTextLen characters of text, for Event.Text.
func Excerpt(text string) string {
	if utf8.RuneCountInString(text) <= MaxTextLen {
		return text
	}
	n := 0
	for i := range text {
		if n == MaxTextLen {
			return text[:i]
		}
		n++
	}
	return text
}

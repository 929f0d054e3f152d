// Package store is the feed's persistence port: the materialised
// timelines, one row per photo per reader, the state of each reader's
// timeline, where the posting-log tailer stands, the celebrities (the
// accounts whose photos are merged into timelines at read time rather
// than copied into them), and the notification inboxes, one row per
// notification per recipient, with where each activity-log tailer stands.
//
// It is shaped for what Oracle NoSQL can do as well as SQLite. Every row of
// a reader (its timeline entries and its state) has the reader's id as
// shard key, so that Backfill and DeleteEntries, which write several of
// them at once, are atomic within one shard; the keys are at most 64 bytes
// (reader id up to 26, created_ts 8, image id up to 26); no row grows with
// anyone's popularity; the reader state changes by conditional writes
// (Backfill's update, the version DeleteEntries checks), not by
// read-modify-write races; and timelines are read by keyset ranges on
// (created_ts, image_id). Likewise every row of an inbox (its
// notifications and its read mark) has the recipient's id as shard key,
// and an inbox is read by keyset ranges on (EventTime, ID). The deletion
// of an account finds the entries of its photos in other readers'
// timelines, and the notifications it caused in other inboxes, through
// secondary indexes on the owner and on the actor, and deletes them a
// bounded batch at a time.
package store

import (
	"cmp"
	"context"
	"errors"
	"math"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
)

// Errors the adapters return, to be tested with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
)

// Position is a place in posting order: CreatedAt, then ImageID, both
// ascending. A timeline lists photos in the reverse order, newest first.
type Position struct {
	CreatedAt time.Time
	ImageID   string
}

// The two ends of posting order, which no photo occupies. The stores keep
// times as nanoseconds since 1970 in an int64, so these are its limits.
var (
	// Top comes after every photo.
	Top = Position{CreatedAt: time.Unix(0, math.MaxInt64).UTC()}
	// Bottom comes before every photo.
	Bottom = Position{CreatedAt: time.Unix(0, math.MinInt64).UTC()}
)

// Compare returns -1 when p comes before q in posting order (p is older),
// +1 when after, and 0 when they are the same position.
func (p Position) Compare(q Position) int {
	return cmp.Or(p.CreatedAt.Compare(q.CreatedAt), cmp.Compare(p.ImageID, q.ImageID))
}

// After reports whether p comes after q in posting order: p is newer.
func (p Position) After(q Position) bool { return p.Compare(q) > 0 }

// Entry is one photo in one reader's timeline.
type Entry struct {
	ReaderID string
	// Position is the photo's: its create time and id.
	Position
	OwnerID string
}

// Reader is the state of one reader's timeline.
type Reader struct {
	ID string
	// FollowsSyncedAt is the user service's read time of the follows the
	// timeline was last filled from: the photos of every account the reader
	// followed at or before it are in the timeline down to Floor.
	FollowsSyncedAt time.Time
	// Floor is the oldest position down to which the timeline is complete:
	// it holds every photo at Floor or newer of the accounts followed as of
	// FollowsSyncedAt (and of the reader), as far as the posting-log tailer
	// has copied them. Bottom when it holds them all; Top while the
	// timeline is being filled for the first time.
	Floor Position
	// Version changes with every Backfill. DeleteEntries is conditional on
	// it, so that a deletion decided before a backfill cannot undo it.
	Version int64
}

// EntryQuery asks for a stretch of a reader's timeline, newest first.
type EntryQuery struct {
	ReaderID string
	// Before bounds the stretch from above: only entries strictly older
	// than it, and the entry at Before too when IncludeBefore is set.
	Before        Position
	IncludeBefore bool
	// Floor bounds the stretch from below: only entries at Floor or newer.
	Floor Position
	// Limit is the most entries returned; the caller bounds it.
	Limit int
}

// Store keeps the timelines. Implementations are safe for concurrent use.
type Store interface {
	// GetReader returns the state of readerID's timeline, or ErrNotFound
	// when it has none.
	GetReader(ctx context.Context, readerID string) (Reader, error)
	// CreateReader writes r, with Version 1, unless the reader exists, and
	// returns the reader as it stands afterwards (r, or the existing one
	// untouched).
	CreateReader(ctx context.Context, r Reader) (Reader, error)
	// Backfill adds entries, all of readerID, to the timeline (an entry
	// already there is left as it is), lets update change the reader's
	// state and writes it with a new Version, all at once. update may run
	// more than once and must only change *Reader. It returns the reader as
	// written, or ErrNotFound when the reader does not exist.
	Backfill(ctx context.Context, readerID string, entries []Entry, update func(*Reader)) (Reader, error)
	// ListEntries returns up to q.Limit entries of q.ReaderID's timeline
	// between q.Before and q.Floor, newest first.
	ListEntries(ctx context.Context, q EntryQuery) ([]Entry, error)
	// DeleteEntries deletes readerID's entries at positions, all at once,
	// provided the reader's Version is still version, and reports whether
	// it did.
	DeleteEntries(ctx context.Context, readerID string, positions []Position, version int64) (bool, error)

	// FilterReaders returns those of ids that have a timeline, in no
	// particular order.
	FilterReaders(ctx context.Context, ids []string) ([]string, error)
	// AddEntries adds entries of any readers to their timelines; an entry
	// already there is left as it is.
	AddEntries(ctx context.Context, entries []Entry) error

	// TailCursor returns the position in the posting log up to which the
	// tailer has copied photos into timelines, or ErrNotFound before
	// InitTailCursor.
	TailCursor(ctx context.Context) (Position, error)
	// InitTailCursor sets the tail cursor to p unless it is set, and
	// returns the cursor as it stands afterwards.
	InitTailCursor(ctx context.Context, p Position) (Position, error)
	// AdvanceTailCursor moves the tail cursor to p if p is after it; it
	// never moves back. ErrNotFound before InitTailCursor.
	AdvanceTailCursor(ctx context.Context, p Position) error

	// MarkCelebrity records ownerID as a celebrity, marked at `at`, unless
	// it is recorded already (the first mark stands). A mark is removed
	// only with its account (DeleteCelebrity): the photos a celebrity
	// posted while marked are in no follower's timeline.
	MarkCelebrity(ctx context.Context, ownerID string, at time.Time) error
	// ListCelebrities returns the ids of every celebrity, in no particular
	// order. It sees every mark that returned before it was called.
	ListCelebrities(ctx context.Context) ([]string, error)

	// ApplyNotifications writes each of ns, of any recipients, unless the
	// row under its (RecipientID, ID) is newer by (EventTime, EventID): the
	// last event about a thing wins, whatever order the events come in. A
	// retracted notification is written too, as a tombstone that keeps an
	// older event read later from bringing it back; tombstones are kept
	// for TombstoneRetention, live notifications for NotificationRetention.
	ApplyNotifications(ctx context.Context, ns []Notification) error
	// ListNotifications returns up to limit live (not retracted)
	// notifications of recipientID strictly before before, newest first
	// (EventTime, then ID, descending). The zero cursor starts at the
	// newest. A notification whose EventTime is NotificationRetention or
	// more ago is never listed, whether or not its row is gone yet.
	ListNotifications(ctx context.Context, recipientID string, before NotificationCursor, limit int) ([]Notification, error)
	// DeleteNotifications deletes those of recipientID's notifications
	// whose ids are given; ids that do not exist are ignored.
	DeleteNotifications(ctx context.Context, recipientID string, ids []string) error
	// ReadMark returns the time up to which recipientID has read their
	// notifications; the zero time when they never marked any.
	ReadMark(ctx context.Context, recipientID string) (time.Time, error)
	// AdvanceReadMark moves recipientID's read mark to t if t is after it
	// (it never moves back) and returns the mark as it stands afterwards.
	AdvanceReadMark(ctx context.Context, recipientID string, t time.Time) (time.Time, error)

	// ActivityCursor returns where the tailer of the activity log named
	// source ("image" or "user") stands, or ErrNotFound before its first
	// AdvanceActivityCursor.
	ActivityCursor(ctx context.Context, source string) (activity.Cursor, error)
	// AdvanceActivityCursor moves source's cursor to c if c is after it (by
	// Time, then ID); it never moves back. It creates the cursor when there
	// is none.
	AdvanceActivityCursor(ctx context.Context, source string, c activity.Cursor) error

	// The deletion of an account, in bounded batches. Each method deletes
	// up to limit rows (limit > 0) and returns how many it deleted: fewer
	// than limit when it found no more. A call cut short has deleted some
	// rows and not others; calling again deletes the rest.

	// DeleteTimeline deletes readerID's timeline: the reader's state
	// first, so that the tailer, which copies only into the timelines
	// FilterReaders names, and Backfill stop adding to it, then its
	// entries.
	DeleteTimeline(ctx context.Context, readerID string, limit int) (int, error)
	// DeleteOwnerEntries deletes the entries of ownerID's photos from every
	// reader's timeline, without changing the readers' Versions: it is for
	// an account whose photos are gone, whose entries no timeline misses.
	DeleteOwnerEntries(ctx context.Context, ownerID string, limit int) (int, error)
	// DeleteCelebrity removes ownerID's celebrity mark, if there is one.
	DeleteCelebrity(ctx context.Context, ownerID string) error
	// DeleteInbox deletes recipientID's inbox: their notifications,
	// tombstones included, and their read mark.
	DeleteInbox(ctx context.Context, recipientID string, limit int) (int, error)
	// DeleteActorNotifications deletes the notifications whose actor is
	// actorID from every inbox, tombstones included.
	DeleteActorNotifications(ctx context.Context, actorID string, limit int) (int, error)

	// Close releases the store's resources.
	Close() error
}

// How long notification rows are kept. A tombstone only has to outlive the
// few seconds by which the tailers re-read their logs.
const (
	NotificationRetention = 90 * 24 * time.Hour
	TombstoneRetention    = 24 * time.Hour
)

// Notification is one entry of a recipient's inbox: the state of one thing
// that happened to them, as the newest event about it left it.
type Notification struct {
	// RecipientID is whose inbox it is in.
	RecipientID string
	// ID names the thing it is about (at most 26 bytes): the feed derives
	// it from the kind, the actor, the photo and the comment, so that a
	// second like by the same person on the same photo lands on the same
	// row.
	ID string
	// Kind is what happened.
	Kind activity.Kind
	// ActorID is who did it.
	ActorID string
	// ImageID and CommentID are the photo and the comment, where there
	// are; Text is the start of the comment's or caption's text.
	ImageID, CommentID, Text string
	// EventTime and EventID are those of the event that wrote it last:
	// the inbox's order, and what ApplyNotifications compares.
	EventTime time.Time
	EventID   string
	// Retracted marks a tombstone: the thing was taken back.
	Retracted bool
}

// NotificationCursor is a position in an inbox, newest first: strictly
// before (EventTime, ID). The zero cursor starts at the newest.
type NotificationCursor struct {
	EventTime time.Time
	ID        string
}

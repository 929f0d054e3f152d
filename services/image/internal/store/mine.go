package store

import "time"

// UserReaction is one reaction as its giver's own list shows it: a
// person's like or dislike of a photo, dated when it was last set.
type UserReaction struct {
	// ImageID is the photo reacted to.
	ImageID string
	// UserID is the user_id of the person who reacted.
	UserID string
	// Kind is Like or Dislike.
	Kind Kind
	// CreateTime is when the reaction was set (UTC, nanoseconds): a like
	// turned into a dislike is dated when it turned.
	CreateTime time.Time
}

// Cursor returns the position of r in its giver's list, for the page
// after it.
func (r UserReaction) Cursor() Cursor { return Cursor{CreateTime: r.CreateTime, ID: r.ImageID} }

// AuthorCursor returns the position of c in its author's list of
// comments, for the page after it: its create time and comment id.
func (c Comment) AuthorCursor() Cursor { return Cursor{CreateTime: c.CreateTime, ID: c.ID} }

package store

import (
	"context"
	"time"
)

// DeletionStep is how far an account deletion has got: the last step done.
type DeletionStep int

// The steps of an account deletion, in the order the user service takes
// them; a deletion only ever moves to a later one.
const (
	DeletionRequested    DeletionStep = iota + 1 // recorded; nothing deleted yet
	DeletionAccountDone                          // the user service's own rows are gone
	DeletionSessionsDone                         // the auth service ended every session
	DeletionImagesDone                           // the image service's part is gone
	DeletionFeedDone                             // the feed service's part is gone (first pass)
	DeletionComplete                             // a last pass over the feed is done
)

// Deletion is the record of one account's deletion: the saga's progress, and
// the hold on the username until ReleaseAt.
type Deletion struct {
	UserID      string
	Username    string // as registered; its claim is held until ReleaseAt
	Step        DeletionStep
	RequestedAt time.Time
	StepAt      time.Time // when Step was reached
	ReleaseAt   time.Time // when the username becomes free
}

// Deletions keeps account deletions. A deletion is recorded (PutDeletion)
// before anything of the account is deleted, and its record is what keeps
// the username taken once the account row is gone, until ReleaseUsername
// removes both.
type Deletions interface {
	// PutDeletion records d unless a deletion of d.UserID is recorded, and
	// returns the record as it stands afterwards (d, or the existing one untouched).
	PutDeletion(ctx context.Context, d Deletion) (Deletion, error)
	// GetDeletion returns the deletion of userID, or ErrNotFound.
	GetDeletion(ctx context.Context, userID string) (Deletion, error)
	// AdvanceDeletion moves the deletion of userID to step, dated at, if step is
	// after its current step; it never moves back. ErrNotFound when none is recorded.
	AdvanceDeletion(ctx context.Context, userID string, step DeletionStep, at time.Time) error
	// ListDeletions returns up to limit deletions with user ids strictly after
	// afterUserID, by user id ascending ("" starts at the first).
	ListDeletions(ctx context.Context, afterUserID string, limit int) ([]Deletion, error)
	// DeleteAccount deletes the account row of userID with its email claim and
	// its search rows, and keeps its username claim (held by the deletion
	// record). It is idempotent: an account already gone is no error.
	DeleteAccount(ctx context.Context, userID string) error
	// DeleteRelations deletes up to limit rows of what links userID to other
	// people — follow edges and requests in both directions, blocks in both
	// directions, mutes in both directions — and reports whether none is left.
	// (Follower counts are counted from the edges, so they follow by themselves.)
	DeleteRelations(ctx context.Context, userID string, limit int) (done bool, err error)
	// ReleaseUsername deletes the username claim of the deletion of userID if
	// the claim still names userID, and then the deletion record. Idempotent.
	ReleaseUsername(ctx context.Context, userID string) error
}

package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/timestamppb"

	feedv1 "github.com/fotogal/fotogal/proto/fotogal/feed/v1"
	imagev1 "github.com/fotogal/fotogal/proto/fotogal/image/v1"
	userv1 "github.com/fotogal/fotogal/proto/fotogal/user/v1"

	"github.com/fotogal/fotogal/pkg/authn"
	"github.com/fotogal/fotogal/pkg/logging"

	"github.com/fotogal/fotogal/services/user/internal/store"
)

// Deleting an account is a saga across the services, each of which owns
// its part of the person's data. The user service runs it, and records
// how far it got in the deletion record (store.Deletion), so that any
// replica resumes it after a crash of any service at any point:
//
//  1. The account's own rows: the user row, its email claim and search
//     rows first, so that the person is gone from sight and the email free
//     at once; then follow edges, blocks and mutes both ways, and the
//     activity events the person took part in. The username claim stays,
//     held by the record, until the username hold (30 days) has passed.
//  2. The auth service ends every session.
//  3. The image service deletes photos, avatars, objects, the reactions
//     and comments the person gave, and its activity events.
//  4. The feed service deletes timelines, timeline rows of the person's
//     photos and notifications, last, once nothing upstream can make more.
//
// Every step is idempotent: a step that fails, or whose answer is lost,
// is simply run again. A request made with a session in the moments before
// its end (validations are cached for seconds) or a tailer's page read
// before step 3 could still write after its step has run, so once
// DeletionSettle has passed after step 4 the data steps run once more,
// and only then is the deletion complete.

// DefaultUsernameHold is how long a deleted account's username stays taken
// after the deletion was asked for, so that nobody else can pose as the
// person at once.
const DefaultUsernameHold = 30 * 24 * time.Hour

// Defaults of the deletion sweep.
const (
	// DefaultDeletionInterval is how often a replica looks for deletions
	// to resume and usernames to release.
	DefaultDeletionInterval = 30 * time.Second
	// DefaultDeletionSettle is how long after the feed's part the last
	// pass over every service's part runs: longer than a session's cached
	// validation and an outbound call's deadline, so that nothing the
	// person set off before their sessions ended can still be writing.
	DefaultDeletionSettle = time.Minute
)

const (
	// relationsBatch is how many follow edges, blocks and mutes one store
	// call deletes.
	relationsBatch = 500
	// deletionListPage is how many deletion records the sweep reads at a
	// time.
	deletionListPage = 100
	// sweepRunTimeout bounds the sweep's run of one deletion, so that a
	// service that never finishes its part cannot hold up the others.
	sweepRunTimeout = 5 * time.Minute
	// inlineShare is the share of a DeleteAccount call's remaining time
	// spent on the saga before it answers; the sweep does the rest.
	inlineShare = 0.75
)

// errWrongDeletePassword refuses a deletion whose password is wrong.
var errWrongDeletePassword = errors.New("password: incorrect")

// DataEraser deletes what another service holds of a deleted account.
type DataEraser interface {
	// DeleteUserData deletes a batch of userID's data and reports
	// whether none is left.
	DeleteUserData(ctx context.Context, userID string) (done bool, err error)
}

// eraserFunc is a DataEraser made of a function.
type eraserFunc func(ctx context.Context, userID string) (bool, error)

func (f eraserFunc) DeleteUserData(ctx context.Context, userID string) (bool, error) {
	return f(ctx, userID)
}

// NewImageEraser returns a DataEraser asking the image service over
// client, whose connection carries the service credential, to delete a
// batch of a person's photos, reactions and comments.
func NewImageEraser(client imagev1.ImageInternalServiceClient) DataEraser {
	return eraserFunc(func(ctx context.Context, userID string) (bool, error) {
		resp, err := client.DeleteUserData(ctx, &imagev1.DeleteUserDataRequest{UserId: userID})
		return resp.GetDone(), err
	})
}

// NewFeedEraser returns a DataEraser asking the feed service over client,
// whose connection carries the service credential, to delete a batch of a
// person's timeline rows and notifications.
func NewFeedEraser(client feedv1.FeedInternalServiceClient) DataEraser {
	return eraserFunc(func(ctx context.Context, userID string) (bool, error) {
		resp, err := client.DeleteUserData(ctx, &feedv1.DeleteUserDataRequest{UserId: userID})
		return resp.GetDone(), err
	})
}

// DeleteAccount checks the caller's password, records the deletion and
// runs as much of it as a share of the call's time allows.
func (h *userServer) DeleteAccount(ctx context.Context, req *userv1.DeleteAccountRequest) (*userv1.DeleteAccountResponse, error) {
	caller, err := authn.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	d, err := h.s.requestDeletion(ctx, caller.UserID, req.GetPassword())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	inline, cancel := inlineContext(ctx)
	defer cancel()
	d, err = h.s.runDeletion(inline, d)
	if err != nil {
		logging.FromContext(ctx).Warn("account deletion continues in the background",
			zap.String("user_id", d.UserID), zap.Int("step", int(d.Step)), zap.Error(err))
	}
	return &userv1.DeleteAccountResponse{
		DeletionComplete:    d.Step >= store.DeletionFeedDone,
		UsernameReleaseTime: timestamppb.New(d.ReleaseAt),
	}, nil
}

// requestDeletion checks password against userID's account and records
// its deletion. An account whose deletion is recorded already, and whose
// row is gone, gets its record back: asking twice is no error.
func (s *Service) requestDeletion(ctx context.Context, userID, password string) (store.Deletion, error) {
	u, err := s.userByID(ctx, userID)
	if errors.Is(err, errUserNotFound) {
		if d, derr := s.store.GetDeletion(ctx, userID); derr == nil {
			return d, nil
		}
	}
	if err != nil {
		return store.Deletion{}, err
	}
	ok, err := s.hasher.Verify(password, u.PasswordHash)
	if err != nil {
		return store.Deletion{}, fmt.Errorf("verify password of %s: %w", u.ID, err)
	}
	if !ok {
		return store.Deletion{}, errWrongDeletePassword
	}
	at := now()
	d, err := s.store.PutDeletion(ctx, store.Deletion{
		UserID:      u.ID,
		Username:    u.Username,
		Step:        store.DeletionRequested,
		RequestedAt: at,
		StepAt:      at,
		ReleaseAt:   at.Add(s.usernameHold),
	})
	if err != nil {
		return store.Deletion{}, fmt.Errorf("record the deletion of %s: %w", u.ID, err)
	}
	logging.FromContext(ctx).Info("account deletion requested", zap.String("user_id", u.ID))
	return d, nil
}

// inlineContext bounds the part of the saga a DeleteAccount call runs
// before it answers, so that the answer arrives within the caller's
// deadline.
func inlineContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Duration(float64(time.Until(deadline))*inlineShare))
}

// sagaStep is one step of the deletion: what it runs, the step it
// reaches, and whether the last pass runs it again.
type sagaStep struct {
	reaches  store.DeletionStep
	name     string
	run      func(ctx context.Context, userID string) error
	lastPass bool
}

// steps are the saga's steps in order; see the comment at the top.
func (s *Service) steps() []sagaStep {
	return []sagaStep{
		{store.DeletionAccountDone, "account", s.deleteOwnRows, true},
		// No session can open for an account without a row: once is enough.
		{store.DeletionSessionsDone, "sessions", func(ctx context.Context, userID string) error {
			_, err := s.sessions.RevokeUserSessions(ctx, userID, "")
			return err
		}, false},
		{store.DeletionImagesDone, "images", untilDone(s.images), true},
		{store.DeletionFeedDone, "feed", untilDone(s.feed), true},
	}
}

// runDeletion runs the steps of d not done yet, in order, recording each,
// and the last pass once DeletionSettle has passed since the feed's part.
// It stops at the first step that fails and returns the record as far as
// it got, with the error.
func (s *Service) runDeletion(ctx context.Context, d store.Deletion) (store.Deletion, error) {
	log := logging.FromContext(ctx).With(zap.String("user_id", d.UserID))
	for _, step := range s.steps() {
		if d.Step >= step.reaches {
			continue
		}
		if err := step.run(ctx, d.UserID); err != nil {
			return d, fmt.Errorf("delete the %s part of %s: %w", step.name, d.UserID, err)
		}
		if err := s.advance(ctx, &d, step.reaches); err != nil {
			return d, err
		}
		log.Info("account deletion step done", zap.String("step", step.name))
	}
	if d.Step != store.DeletionFeedDone || now().Sub(d.StepAt) < s.deletionSettle {
		return d, nil
	}
	for _, step := range s.steps() {
		if !step.lastPass {
			continue
		}
		if err := step.run(ctx, d.UserID); err != nil {
			return d, fmt.Errorf("last pass over the %s part of %s: %w", step.name, d.UserID, err)
		}
	}
	if err := s.advance(ctx, &d, store.DeletionComplete); err != nil {
		return d, err
	}
	log.Info("account deletion complete")
	return d, nil
}

// advance records that d reached step.
func (s *Service) advance(ctx context.Context, d *store.Deletion, step store.DeletionStep) error {
	at := now()
	if err := s.store.AdvanceDeletion(ctx, d.UserID, step, at); err != nil {
		return fmt.Errorf("record deletion step %d of %s: %w", step, d.UserID, err)
	}
	d.Step, d.StepAt = step, at
	return nil
}

// deleteOwnRows deletes the account's rows in the user service's store:
// the account row first, then its relations in batches, then its activity
// events.
func (s *Service) deleteOwnRows(ctx context.Context, userID string) error {
	if err := s.store.DeleteAccount(ctx, userID); err != nil {
		return err
	}
	for {
		done, err := s.store.DeleteRelations(ctx, userID, relationsBatch)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	return s.store.DeleteEventsOf(ctx, userID)
}

// untilDone returns a step that calls e until it reports nothing left.
func untilDone(e DataEraser) func(ctx context.Context, userID string) error {
	return func(ctx context.Context, userID string) error {
		for {
			done, err := e.DeleteUserData(ctx, userID)
			if err != nil {
				return err
			}
			if done {
				return nil
			}
		}
	}
}

// RunDeletions resumes unfinished deletions and releases the usernames
// whose hold has passed, every interval, until ctx is done. Several
// replicas may run it at once: every step is idempotent.
func (s *Service) RunDeletions(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.sweepDeletions(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepDeletions makes one pass over the deletion records.
func (s *Service) sweepDeletions(ctx context.Context) {
	log := logging.FromContext(ctx)
	after := ""
	for ctx.Err() == nil {
		page, err := s.store.ListDeletions(ctx, after, deletionListPage)
		if err != nil {
			log.Error("list account deletions", zap.Error(err))
			return
		}
		for _, d := range page {
			switch {
			case d.Step < store.DeletionComplete:
				runCtx, cancel := context.WithTimeout(ctx, sweepRunTimeout)
				_, err := s.runDeletion(runCtx, d)
				cancel()
				if err != nil {
					log.Warn("account deletion not finished; retrying later", zap.String("user_id", d.UserID), zap.Error(err))
				}
			case !now().Before(d.ReleaseAt):
				if err := s.store.ReleaseUsername(ctx, d.UserID); err != nil {
					log.Error("release username", zap.String("user_id", d.UserID), zap.Error(err))
				} else {
					log.Info("username of a deleted account released", zap.String("user_id", d.UserID))
				}
			}
		}
		if len(page) < deletionListPage {
			return
		}
		after = page[len(page)-1].UserID
	}
}

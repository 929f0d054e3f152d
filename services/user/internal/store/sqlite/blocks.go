package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/fotogal/fotogal/pkg/unixnano"
	"github.com/fotogal/fotogal/services/user/internal/store"
)

// pairTable is a table of one person's relation to another (a block, a
// mute): subject blocked or muted object, dated created_ts.
type pairTable struct {
	name, subject, object string
}

var (
	blocksTable = pairTable{name: "fotogal_ntable_blocks", subject: "blocker_id", object: "blocked_id"}
	mutesTable  = pairTable{name: "fotogal_ntable_mutes", subject: "muter_id", object: "muted_id"}
)

// blocksSchema creates the tables of blocks and mutes: keyed by (subject,
// object), with an index for the newest first lists, and one for the
// reverse direction (who blocked or muted a person), which BlockedIDs and
// an account's deletion (DeleteRelations) read.
const blocksSchema = `
CREATE TABLE IF NOT EXISTS fotogal_ntable_blocks (
	blocker_id TEXT NOT NULL,
	blocked_id TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	PRIMARY KEY (blocker_id, blocked_id)
) STRICT;
CREATE INDEX IF NOT EXISTS blocks_by_blocked ON fotogal_ntable_blocks (blocked_id, blocker_id);
CREATE INDEX IF NOT EXISTS blocks_by_date ON fotogal_ntable_blocks (blocker_id, created_ts, blocked_id);
CREATE TABLE IF NOT EXISTS fotogal_ntable_mutes (
	muter_id   TEXT NOT NULL,
	muted_id   TEXT NOT NULL,
	created_ts INTEGER NOT NULL,
	PRIMARY KEY (muter_id, muted_id)
) STRICT;
CREATE INDEX IF NOT EXISTS mutes_by_date ON fotogal_ntable_mutes (muter_id, created_ts, muted_id);
CREATE INDEX IF NOT EXISTS mutes_by_muted ON fotogal_ntable_mutes (muted_id, muter_id);
`

// PutBlock inserts the block unless it is in place.
func (s *Store) PutBlock(ctx context.Context, blockerID, blockedID string, at time.Time) error {
	return s.putPair(ctx, blocksTable, blockerID, blockedID, at)
}

// DeleteBlock deletes the block.
func (s *Store) DeleteBlock(ctx context.Context, blockerID, blockedID string) (bool, error) {
	return s.deletePair(ctx, blocksTable, blockerID, blockedID)
}

// BlocksBetween reads the blocks between a and b, both ways, in one query.
func (s *Store) BlocksBetween(ctx context.Context, a, b string) (aBlockedB, bBlockedA bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT blocker_id FROM fotogal_ntable_blocks
		WHERE (blocker_id = ? AND blocked_id = ?) OR (blocker_id = ? AND blocked_id = ?)`, a, b, b, a)
	if err != nil {
		return false, false, err
	}
	for rows.Next() {
		var blocker string
		if err := rows.Scan(&blocker); err != nil {
			rows.Close()
			return false, false, err
		}
		aBlockedB, bBlockedA = aBlockedB || blocker == a, bBlockedA || blocker == b
	}
	return aBlockedB, bBlockedA, closeRows(rows)
}

// BlockedIDs reads the people userID blocked and those who blocked userID.
func (s *Store) BlockedIDs(ctx context.Context, userID string) ([]string, error) {
	return s.ids(ctx, `SELECT blocked_id FROM fotogal_ntable_blocks WHERE blocker_id = ?
		UNION SELECT blocker_id FROM fotogal_ntable_blocks WHERE blocked_id = ?`, userID, userID)
}

// ListBlocks returns a page of the people q.UserID blocked, newest first.
func (s *Store) ListBlocks(ctx context.Context, q store.ListPeopleQuery) (store.PeoplePage, error) {
	return s.listPairs(ctx, blocksTable, q)
}

// PutMute inserts the mute unless it is in place.
func (s *Store) PutMute(ctx context.Context, muterID, mutedID string, at time.Time) error {
	return s.putPair(ctx, mutesTable, muterID, mutedID, at)
}

// DeleteMute deletes the mute.
func (s *Store) DeleteMute(ctx context.Context, muterID, mutedID string) (bool, error) {
	return s.deletePair(ctx, mutesTable, muterID, mutedID)
}

// IsMuted reads the mute by its key.
func (s *Store) IsMuted(ctx context.Context, muterID, mutedID string) (bool, error) {
	ids, err := s.ids(ctx, `SELECT muted_id FROM fotogal_ntable_mutes WHERE muter_id = ? AND muted_id = ?`, muterID, mutedID)
	return len(ids) > 0, err
}

// MutedIDs reads the people muterID muted.
func (s *Store) MutedIDs(ctx context.Context, muterID string) ([]string, error) {
	return s.ids(ctx, `SELECT muted_id FROM fotogal_ntable_mutes WHERE muter_id = ?`, muterID)
}

// ListMutes returns a page of the people q.UserID muted, newest first.
func (s *Store) ListMutes(ctx context.Context, q store.ListPeopleQuery) (store.PeoplePage, error) {
	return s.listPairs(ctx, mutesTable, q)
}

func (s *Store) putPair(ctx context.Context, t pairTable, subject, object string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO `+t.name+` (`+t.subject+`, `+t.object+`, created_ts)
		VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, subject, object, at.UnixNano())
	return err
}

func (s *Store) deletePair(ctx context.Context, t pairTable, subject, object string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+t.name+` WHERE `+t.subject+` = ? AND `+t.object+` = ?`, subject, object)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ids runs a query of one text column and returns its values.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, closeRows(rows)
}

// listPairs returns one page of the objects of q.UserID in t, newest
// first, keyset-paged on (created_ts, object id).
func (s *Store) listPairs(ctx context.Context, t pairTable, q store.ListPeopleQuery) (store.PeoplePage, error) {
	if q.Limit <= 0 {
		return store.PeoplePage{}, fmt.Errorf("sqlite: page size %d", q.Limit)
	}
	query := `SELECT ` + t.object + `, created_ts FROM ` + t.name + ` WHERE ` + t.subject + ` = ?`
	args := []any{q.UserID}
	if q.PageToken != "" {
		after, err := store.DecodePageToken(q.PageToken)
		if err != nil {
			return store.PeoplePage{}, err
		}
		ts := after.CreatedAt.UnixNano()
		query += ` AND (created_ts < ? OR (created_ts = ? AND ` + t.object + ` < ?))`
		args = append(args, ts, ts, after.UserID)
	}
	query += ` ORDER BY created_ts DESC, ` + t.object + ` DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, append(args, q.Limit+1)...)
	if err != nil {
		return store.PeoplePage{}, err
	}
	var (
		page  store.PeoplePage
		times []time.Time
	)
	for rows.Next() {
		var (
			id string
			ts int64
		)
		if err := rows.Scan(&id, &ts); err != nil {
			rows.Close()
			return store.PeoplePage{}, err
		}
		page.UserIDs, times = append(page.UserIDs, id), append(times, unixnano.ToTime(ts))
	}
	if err := closeRows(rows); err != nil {
		return store.PeoplePage{}, err
	}
	if len(page.UserIDs) > q.Limit {
		page.UserIDs = page.UserIDs[:q.Limit]
		page.NextPageToken = store.EncodePageToken(store.Cursor{CreatedAt: times[q.Limit-1], UserID: page.UserIDs[q.Limit-1]})
	}
	return page, nil
}

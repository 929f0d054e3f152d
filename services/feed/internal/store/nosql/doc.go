// Package nosql is the Oracle NoSQL Database backend of the feed service's
// store: the materialised timelines with the state of each, and the
// posting-log tailer's cursor, reached through pkg/nosqlclient.
//
// # Data model
//
// fotogal_ntable_timelines holds every row of a reader under the reader's
// id as shard key, so that the writes that touch several of them are
// WriteMultiple requests within one table and one shard. Its primary key is
// (reader_id, created_ts, image_id), sharded by reader_id: at most 26 + 8 +
// 26 = 60 bytes. Two kinds of rows share it:
//   - an entry, one per photo in the reader's timeline, at the photo's
//     position, with owner_id; the state columns are NULL;
//   - the reader's state, one row at created_ts = math.MinInt64 and
//     image_id = "", the position store.Bottom, which no photo occupies
//     (the adapter refuses an entry there), with follows_synced_ts,
//     floor_ts, floor_image_id and version; owner_id is NULL.
//
// Times are LONG UTC nanoseconds since the epoch, as on SQLite, clamped to
// the int64 range, whose ends are store.Bottom and store.Top. A stretch of a
// timeline is one query over the primary key in the reader's shard,
// ORDER BY reader_id DESC, created_ts DESC, image_id DESC: newest first, ties on
// created_ts broken by image_id, as on SQLite. Its lower bound is the floor
// the caller gives, inclusive, and exclusive when that floor is
// store.Bottom, so that no stretch holds the state row.
//
// No row grows with anyone's popularity: a photo copied into a million
// timelines is a million rows, one in each reader's shard.
//
// fotogal_ntable_feedstate holds the tail cursor, one row keyed by
// name = 'tail_cursor' with cursor_ts and cursor_image_id.
//
// # Writes
//
// Every write is conditional and safe to repeat, so that a retry after a
// lost answer, or a crash between two requests, leaves the timelines
// correct.
//
// CreateReader writes the state row put-if-absent and returns the row in
// place when there is one. InitTailCursor does the same with the cursor.
// AdvanceTailCursor reads the cursor and its version and writes a later
// position put-if-version, reading again after a lost race, so that the
// cursor never moves back.
//
// Backfill reads the state row and its version, applies update, and writes
// in WriteMultiple requests of at most 49 entries, each put-if-absent (an
// entry already there fails its condition alone and is left as it is),
// plus the state row put-if-version, with abort-if-unsuccessful, at the
// version the previous request left. The earlier requests rewrite the state
// unchanged; the last one writes the new state with Version + 1. Up to 49
// entries, Backfill is therefore one atomic request. With more (the
// service backfills up to 500), what is atomic is each request, and the
// chain of versions orders them: a request that finds the state row written
// by anyone in between (another Backfill, a DeleteEntries) aborts whole,
// and Backfill starts again from the read, update included, writing every
// entry again. When the new state commits, no other write has reached the
// reader's state since the first request, so every entry of the backfill
// is in place: the floor and FollowsSyncedAt move only in the request that
// completes the set, and the timeline is complete down to its floor.
//
// The entries of the earlier requests are written before the state that
// accounts for them, and a failure or a crash may leave them without it.
// They are harmless. The Store promises only that the timeline is complete
// at or above its floor, not that every row there was accounted for: the
// tailer's AddEntries adds rows unconditionally too, and the feed checks
// every entry it reads (followed, photo still there) before it shows it,
// deleting those that fail. Those below the current floor are not even
// read, by the floor rule: ListEntries stops at the floor the feed passes,
// the reader's. When a later backfill lowers the floor over them, they lie
// in a stretch that backfill made complete, and are checked on read like
// any other entry. A lost answer that the SDK retries counts one Backfill
// twice in Version; Version only has to change.
//
// DeleteEntries reads the state row and, while its Version is the one the
// caller gives, deletes the entries in WriteMultiple requests of at most
// 49 deletes plus the state row rewritten unchanged put-if-version, with
// abort-if-unsuccessful. Up to 49 positions it is one atomic request. With
// more, a request that finds the state row changed aborts; the row is read
// again, and the deletion goes on only if the Version has not moved, and
// otherwise stops and reports false. The requests of Backfill and of
// DeleteEntries all write the state row at the version the one before
// left, so they commit in one order. What a deletion request that commits
// before a Backfill's first request deletes, that Backfill puts back; one that commits between a Backfill's requests makes its next
// request abort, and the Backfill starts over, writing every entry again;
// one that comes after a Backfill's last request finds the Version moved
// and is refused. So no deletion decided before a backfill undoes it. The
// entries a stopped deletion leaves are stale candidates, checked again
// when read.
//
// AddEntries groups the entries by reader and writes each group
// put-if-absent, in WriteMultiple requests of up to 50 entries in the reader's
// shard, without abort-if-unsuccessful, eight requests at a time: writing
// again adds only what is missing.
//
// FilterReaders reads the state rows of 50 readers per query, by primary
// key (reader_id IN (...) AND created_ts = $state_ts AND image_id =
// $state_image_id; a short batch repeats its last id, so that one prepared
// statement serves all): the tailer asks about a photo owner's followers,
// thousands of ids, and a query per 50 costs a fiftieth of the requests of
// a Get per id, for the same rows read.
//
// # Schema
//
// The statements Open sends, in order, when table creation is on:
//
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_timelines (reader_id STRING, created_ts LONG, image_id STRING, owner_id STRING, follows_synced_ts LONG, floor_ts LONG, floor_image_id STRING, version LONG, PRIMARY KEY (SHARD(reader_id), created_ts, image_id))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_feedstate (name STRING, cursor_ts LONG NOT NULL, cursor_image_id STRING NOT NULL, PRIMARY KEY (name))
package nosql

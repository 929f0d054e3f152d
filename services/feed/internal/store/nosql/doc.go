// Package nosql is the Oracle NoSQL Database backend of the feed service's
// store: the materialised timelines with the state of each, the
// posting-log tailer's cursor, the celebrities, and the notification
// inboxes with their read marks and the activity-log tailers' cursors,
// reached through pkg/nosqlclient.
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
// the int64 range, whose ends are store.Bottom and store.Top. A stretch of
// a timeline is one query over the primary key in the reader's shard,
// ORDER BY reader_id DESC, created_ts DESC, image_id DESC: newest first,
// ties on created_ts broken by image_id, as on SQLite. Its lower bound is
// the floor the caller gives, inclusive, and exclusive when that floor is
// store.Bottom, so that no stretch holds the state row.
//
// No row grows with anyone's popularity: a photo copied into a million
// timelines is a million rows, one in each reader's shard.
//
// timeline_owner_idx, on owner_id (26 bytes), finds the entries of a
// deleted account's photos across every reader's shard; the state rows,
// whose owner_id is NULL, never match it.
//
// fotogal_ntable_feedstate holds the cursors of the tailers, one row each
// keyed by name, with cursor_ts and cursor_image_id: the tail cursor of the
// posting log under name = 'tail_cursor', and the cursor of each activity
// log under 'activity_cursor/' and its source ('activity_cursor/image',
// 'activity_cursor/user'), whose cursor_image_id holds the id of the event
// it stands at.
//
// fotogal_ntable_celebrities holds one row per celebrity, keyed (and
// sharded) by owner_id, 26 bytes, with marked_ts: a row per account with a
// huge following, not one that grows with it. MarkCelebrity writes it
// put-if-absent, so that marking again, from any replica, changes nothing.
// ListCelebrities reads the whole table with one query at absolute
// consistency, across its shards: it holds the few accounts above the
// feed's follower threshold, and the feed reads it again only when the tail
// cursor has moved.
//
// fotogal_ntable_notifications holds the inboxes, every row of a recipient
// under the recipient's id as shard key. Its primary key is (recipient_id,
// notification_id), sharded by recipient_id; the adapter refuses ids over
// 26 bytes, so that notification_time_idx, on (recipient_id, event_ts,
// notification_id), is at most 26 + 8 + 26 = 60 bytes. Two kinds of rows
// share it:
//   - a notification, with kind, actor_id, image_id, comment_id,
//     notification_text, event_ts and event_id (the event that wrote it
//     last) and retracted, true for a tombstone; read_ts is NULL;
//   - the recipient's read mark, one row at notification_id = '#read'
//     (notification ids hold no '#'; the adapter refuses that one), with
//     read_ts alone: every notification column is NULL.
//
// A notification row lives until its event is past its retention:
// store.NotificationRetention for a live one, store.TombstoneRetention for
// a tombstone. Each write gives it a TTL of the time left, rounded up to
// whole days and at least one, and the service drops it at the next day
// boundary after; until then reads leave out the live rows past their
// retention by event_ts. The read-mark row has no TTL: one small row per
// recipient who ever marked any.
//
// notification_actor_idx, on actor_id (26 bytes), finds the notifications
// a deleted account caused across every recipient's shard; the read-mark
// rows, whose actor_id is NULL, never match it.
//
// # Writes
//
// Every write is conditional or safe to repeat, so that a retry after a
// lost answer, or a crash between two requests, leaves the timelines
// correct.
//
// CreateReader writes the state row put-if-absent and returns the row in
// place when there is one. InitTailCursor does the same with the cursor.
// AdvanceTailCursor reads the cursor and its version and writes a later
// position put-if-version, reading again after a lost race, so that the
// cursor never moves back.
//
// Backfill reads the state row and its version, applies update, and then
// writes the entries put-if-absent (an entry already there fails its
// condition alone, without aborting its request, and is left as it is).
// Its last WriteMultiple holds up to 49 entries and the new state row,
// Version + 1, put-if-version at the version read, with
// abort-if-unsuccessful. The entries that do not fit in it (the service
// backfills up to 500) go first, in WriteMultiple requests of up to 50,
// eight at a time, without the state row. Up to 49 entries, Backfill is
// therefore one atomic request. With more, what is atomic is the last
// request: the new floor, FollowsSyncedAt and Version commit together with
// its entries, and only if nothing wrote the state row since it was read.
// The only write that removes entries of photos that still exist,
// DeleteEntries, rewrites the state row in each of its requests, and the
// earlier entries are written after the read; so when the new state
// commits, every entry of the backfill is in place, and the timeline is
// complete down to its new floor (the deletion of an account removes the
// entries of photos already gone: see below). When the
// last request aborts (another Backfill or a DeleteEntries came in
// between), Backfill starts again from the read, update included, writing
// every entry again. A lost answer that the SDK retries counts one
// Backfill twice in Version; Version only has to change.
//
// A failure or a crash before the last request leaves the entries of the
// earlier requests without the state that accounts for them. Those below
// the reader's floor, the stretch a backfill that lowers the floor fills,
// are invisible: ListEntries stops at the floor the feed passes, the
// reader's, and the feed reads below it by fan-out on read. Those at or
// above the floor (photos of a newly followed account, copied before
// FollowsSyncedAt moves) are harmless: they are photos of accounts the
// reader follows, which the Store allows in the timeline as it allows the
// tailer's AddEntries, and the feed checks every entry it reads (owner
// followed, photo still there) before it shows it. The next Backfill,
// which the unmoved state makes the feed run again, writes them again
// alongside the rest.
//
// DeleteEntries reads the state row and, while its Version is the one the
// caller gives, deletes the entries in WriteMultiple requests of at most
// 49 deletes plus the state row rewritten unchanged put-if-version, with
// abort-if-unsuccessful, each at the row version the one before left. Up
// to 49 positions it is one atomic request. With more, each request is
// atomic; one that finds the state row changed aborts whole, the row is
// read again, and the deletion goes on only if the Version has not moved,
// and otherwise stops and reports false. No deletion decided before a
// backfill undoes it: a deletion request that commits before the
// Backfill's read deletes what the Backfill then writes again; one that
// commits after the read changes the state row, so that the Backfill's
// last request aborts and the Backfill starts over; one that comes after
// the Backfill's last request finds the Version moved and is refused. The
// entries a stopped deletion leaves are stale, and checked again when
// read.
//
// AddEntries groups the entries by reader and writes each group
// put-if-absent, in WriteMultiple requests of up to 50 entries in the
// reader's shard, without abort-if-unsuccessful, eight requests at a time:
// writing again adds only what is missing.
//
// ApplyNotifications is last-writer-wins by (event_ts, event_id), which
// Oracle NoSQL cannot compare in a write: for each notification it reads
// the row and its version, leaves it when it is as new or newer, and
// otherwise writes the notification put-if-version (put-if-absent when
// there is no row) with its TTL, reading again after a lost race; eight
// notifications at a time. A tombstone is such a write too, so that an
// older event read later finds it and is left out. DeleteNotifications
// deletes by key, in WriteMultiple requests of up to 50 in the recipient's
// shard; a missing row is no failure. AdvanceReadMark and
// AdvanceActivityCursor read their row and its version and write a later
// time or position put-if-version (put-if-absent when there is none),
// reading again after a lost race, so that neither moves back.
//
// The deletion of an account reads the primary keys of up to a batch of
// its rows with one query (DeleteTimeline and DeleteInbox in the account's
// shard; DeleteOwnerEntries through timeline_owner_idx and
// DeleteActorNotifications through notification_actor_idx, across shards)
// and deletes them by key, in WriteMultiple requests of up to 50 within one
// shard, eight at a time; a row already gone is no failure, so a call cut
// short is finished by the next. DeleteTimeline reads in key order, so
// that the reader's state row, at the bottom, is in the first request,
// which goes before the others: once it is gone FilterReaders no longer
// names the reader and Backfill finds no reader. DeleteOwnerEntries leaves
// the other readers' state rows as they are, unlike DeleteEntries: the
// photos it removes are gone from the image service, so that no timeline
// is incomplete for their lack. DeleteCelebrity deletes the mark's row by
// key.
//
// # Reads
//
// FilterReaders reads the state rows of 50 readers per query: reader_id IN
// (...) AND created_ts = $state_ts AND image_id = $state_image_id, the
// complete primary key of each, so that the service reads the rows by key
// and scans no entries; a short batch repeats its last id, so that one
// prepared statement serves all. The tailer asks about a photo owner's
// followers, thousands of ids for a popular account, with every photo it
// copies. Parallel Gets would read the same rows with fifty times the
// requests, each paying its own round trip and per-request minimum; one
// query per 50 ids keeps the request count, and the throttling it draws,
// a fiftieth of that.
//
// ListNotifications is one query of notification_time_idx in the
// recipient's shard, ORDER BY recipient_id DESC, event_ts DESC,
// notification_id DESC: newest first, ties on event_ts broken by id, as on
// SQLite. It keeps retracted = false and event_ts after the retention
// cutoff in the query, so that LIMIT counts live notifications and no page
// is short because of tombstones. The read-mark row, whose event_ts and
// retracted are NULL, fails both conditions (a comparison with NULL is
// never true), so that no page holds it.
//
// # Schema
//
// The statements Open sends, in order, when table creation is on:
//
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_timelines (reader_id STRING, created_ts LONG, image_id STRING, owner_id STRING, follows_synced_ts LONG, floor_ts LONG, floor_image_id STRING, version LONG, PRIMARY KEY (SHARD(reader_id), created_ts, image_id))
//	CREATE INDEX IF NOT EXISTS timeline_owner_idx ON fotogal_ntable_timelines (owner_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_feedstate (name STRING, cursor_ts LONG NOT NULL, cursor_image_id STRING NOT NULL, PRIMARY KEY (name))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_celebrities (owner_id STRING, marked_ts LONG NOT NULL, PRIMARY KEY (owner_id))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_notifications (recipient_id STRING, notification_id STRING, kind INTEGER, actor_id STRING, image_id STRING, comment_id STRING, notification_text STRING, event_ts LONG, event_id STRING, retracted BOOLEAN, read_ts LONG, PRIMARY KEY (SHARD(recipient_id), notification_id))
//	CREATE INDEX IF NOT EXISTS notification_time_idx ON fotogal_ntable_notifications (recipient_id, event_ts, notification_id)
//	CREATE INDEX IF NOT EXISTS notification_actor_idx ON fotogal_ntable_notifications (actor_id)
package nosql

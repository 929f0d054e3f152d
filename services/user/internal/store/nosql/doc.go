// Package nosql is the Oracle NoSQL Database backend of the user service's
// store: the accounts under their original table name,
// fotogal_ntable_users, the lookup rows that make email and username
// unique, the follow graph, its activity log, blocks and mutes, the search
// index of people and the deletions of accounts, reached through
// pkg/nosqlclient.
//
// # Data model
//
// fotogal_ntable_users holds one row per account, keyed (and sharded) by
// user_id, 26 bytes. Its columns keep the names of the SQLite adapter;
// is_private and is_professional are BOOLEAN, created_ts and updated_ts
// LONG UTC nanoseconds since the epoch. The index suggestion_idx on
// (is_private, is_professional, created_ts) serves ListSuggestions: public
// accounts, professional ones first, newest first, ties broken by the
// primary key, user_id, descending, as on SQLite. The accounts userID has an
// edge to are dropped batch by batch, after reading the edges from userID to
// the batch by primary key, until the page is full.
//
// fotogal_ntable_emails and fotogal_ntable_usernames hold the claims: one
// row per email or username in use, keyed by store.EmailKey (43 bytes,
// whatever the email's length) or store.UsernameKey (at most 30 bytes),
// naming the user_id that holds it and the time claimed_ts it was claimed.
// Oracle NoSQL has no unique secondary index; these keys are the
// uniqueness. A lookup by email or username reads the claim, then the
// account it names, and finds nobody unless that account holds the key.
// A deleted account's username claim outlives its row: the deletion record
// holds it (see below).
//
// fotogal_ntable_follows holds one row per edge, keyed by (followee_id,
// follower_id), 52 bytes, and sharded by followee_id, so that every edge
// towards one account is in one shard: accepting that account's pending
// requests is a series of WriteMultiple requests. No row grows with a
// person's popularity: a million followers are a million rows. Two
// indexes serve the two directions, each with its counts, pages and
// FollowedAfter:
//   - followee_idx on (followee_id, state, created_ts): a person's
//     followers or requests, newest first;
//   - follower_idx on (follower_id, state, created_ts): whom a person
//     follows or asked to follow, newest first.
//
// Their keys are 26 + 9 + 8 bytes, under the 64-byte limit. Ties on
// created_ts fall to the primary key in the same direction, which, with the
// listed user fixed, is the other user's id descending: the order and the
// page tokens of the SQLite adapter. CountFollows is a count(*) over the
// same index entries the lists read, so it always agrees with them.
//
// fotogal_ntable_userthrottle holds the throttle's counters, one row per key:
// counter_key (at most 64 bytes; the service's are "addr:" and the
// base32 SHA-256 of the client address, 57 bytes),
// event_count (INTEGER) and expire_time, the end of its window (LONG UTC
// nanoseconds). Each row gets a time to live from the end of its window,
// rounded up to whole hours, so that it goes by itself within two hours of
// it; until then IncrementCounter treats a row whose expire_time has
// passed as no window. IncrementCounter reads the row with its version and
// writes the next count put-if-version (put-if-absent when there is no
// row), reading again after a lost race, so that n concurrent increments
// count exactly n. An answer lost after the write succeeded makes a retry
// count the event twice: the throttle errs towards refusing.
//
// fotogal_ntable_useractivity is the activity log of the follow graph
// (follows, follow requests, acceptances and their retractions), which the
// feed tails for notifications, kept by nosqlactivity: one row per event,
// keyed by its event_id (26 bytes), read in the order of event_ts_idx on
// (event_ts, event_id) (8 + 26 bytes), each row going by itself once the
// log's retention has passed (a time to live in whole days); actor_idx and
// recipient_idx find a person's events when their account is deleted
// (DeleteEventsOf).
//
// fotogal_ntable_blocks holds one row per block, keyed by (blocker_id,
// blocked_id), 52 bytes, sharded by blocker_id, dated created_ts.
// BlocksBetween reads both directions in one query by primary key
// (blocker_id and blocked_id each IN the two ids); blocked_idx on
// (blocked_id, blocker_id) makes "who blocked me" one index read for
// BlockedIDs; blocker_date_idx on (blocker_id, created_ts) serves
// ListBlocks, newest first, ties falling to blocked_id descending as on
// SQLite. fotogal_ntable_mutes is the same for mutes, keyed by (muter_id,
// muted_id) and sharded by muter_id, with muter_date_idx for ListMutes;
// MutedIDs reads one shard, and muted_idx on (muted_id, muter_id) finds
// who muted a person, for the deletion of that person's account.
//
// fotogal_ntable_usersearch is the search index of people: one row per
// (user_id, term), term being the account's folded username or a folded
// word of its full name (store.SearchTerms, at most 20, each cut to 32
// bytes on a character boundary), keyed and sharded by user_id (26 + 32
// bytes). term_idx on (term, user_id) makes a prefix one index range, term
// from the prefix up to store.PrefixEnd, in (term, user_id) order; the
// accounts the rows name are then read by primary key and checked against
// the whole prefix (store.RunSearch), so that a row an account no longer
// has finds nobody.
//
// fotogal_ntable_userdeletions holds one row per account being deleted,
// keyed (and sharded) by user_id: the username as registered, the step
// the deletion has reached (INTEGER, store.DeletionStep), and requested_ts,
// step_ts and release_ts (LONG UTC nanoseconds). ListDeletions reads it by
// primary key, user_id ascending.
//
// # Writes
//
// Every write touches one row, except those of AcceptFollowRequests, of
// the search index and of DeleteRelations, which use WriteMultiple within
// one shard. AppendEvents puts each event put-if-absent on its own, the
// events being on different shards. Every write is conditional except the
// delete of DeleteFollow in any state and the deletes of an account's
// deletion (below), which deleting twice cannot harm. A block or a mute is
// written put-if-absent (one in place keeps its date) and deleted
// unconditionally.
//
// An account's search rows are written in one WriteMultiple in its shard
// (puts and deletes, unconditional, each harmless to repeat): CreateUser
// puts them after claiming the username and before writing the account
// row; UpdateUser, when the terms change, puts the new ones before writing
// the row and deletes the old ones after it. A crash or a lost race thus
// leaves at most rows the account no longer has, which searches check away,
// never an account unfound by a name it has. (Two renames of one account at
// the same moment can still delete each other's rows; the next rename puts
// them back.) Open backfills the index when it has no row, putting the
// terms of every account, read by id 200 at a time.
//
// CreateUser takes four steps, each conditional, any of them safe to retry
// after a lost answer and to crash after:
//  1. claim the email put-if-absent;
//  2. claim the username put-if-absent;
//  3. write the account row put-if-absent;
//  4. confirm both claims: rewrite each put-if-version at the version step
//     1 or 2 wrote.
//
// A claim found in place is this registration's own, from an earlier
// attempt, when it names the same user_id, and is adopted. Another id's
// claim is in force when that account's row exists and holds the key: the
// email or username is taken, and CreateUser deletes the claims it wrote
// (delete-if-version: only at the version it wrote) and returns
// ErrEmailTaken or ErrUsernameTaken. A claim whose account row is missing
// is either a registration between steps 1 and 3 or one left behind by a
// crash; younger than a minute it counts as taken, older it is deleted
// delete-if-version and the claim tried again, so that a crash never blocks
// a name for longer (the username of an account being deleted is the one
// exception: see Deleting an account). Step 4 makes that deletion safe: a claimer that
// judged a claim left behind deletes it only at the version it read, which
// the confirm of a registration that did write its row has moved on, and a
// registration whose confirm fails lost its claim and undoes itself (its
// row, then its other claim). An account row that is already there is an
// earlier attempt's when it is equal in every column; otherwise the id is
// another account's, the claims are deleted and CreateUser returns
// ErrConflict. A crash after step 3 leaves a complete account.
//
// UpdateUser reads the row and its version, applies the update and writes
// put-if-version, reading again after a lost race. PutFollowIfAbsent is a
// put-if-absent that returns the row in place when there is one.
// SetFollowState and DeleteFollow with a state read the edge and its
// version and write put-if-version or delete-if-version. DeleteFollow in
// any state is a plain delete.
//
// AcceptFollowRequests reads the oldest pending requests to the account
// from followee_idx, at most 50 at a time; reads each row and its version;
// and rewrites those still pending as follows, put-if-version, in one
// WriteMultiple of at most 50 operations, all with the account's shard key
// followee_id. Each operation stands alone (none aborts the others), so an
// edge changed meanwhile is skipped, and the next round reads what is still
// pending: a retry or a crash between rounds accepts nothing twice and
// leaves every edge either pending or accepted.
//
// # Deleting an account
//
// The deletion record is written first (PutDeletion, put-if-absent) and
// moved forward put-if-version (AdvanceDeletion: read, and write only a
// later step, reading again after a lost race). DeleteAccount reads the
// account row, deletes its email claim if the claim still names the
// account (delete-if-version at the version read), deletes the row, and
// then every search row of the account, read from its shard. The email
// claim goes before the row because the row is where its key comes from;
// every step is harmless to repeat, and a repeat after the row is gone
// finds the search rows still by user_id. The email is free at once.
//
// The username claim stays. A claim whose account row is missing is
// taken over after claimGrace, as one left behind by a crash, unless the
// deletion record of the claim's holder names that username: then it is
// in force, whatever its age, and CreateUser returns ErrUsernameTaken.
// ReleaseUsername deletes the claim (delete-if-version, only while it
// names the account) and then the record, in that order, so that a crash
// between them leaves a record the next call finishes, never a held
// username without its record.
//
// DeleteRelations reads in turn the rows that name the account:
// the edges to it (followee_idx, its own shard), the edges from it
// (follower_idx), the blocks it made (its shard) and those of it
// (blocked_idx), the mutes it made (its shard) and those of it
// (muted_idx), one row more than it may still delete, and deletes them
// unconditionally: those in its shard in WriteMultiple requests of at most
// 50, the others one by one.
//
// # Schema
//
// The statements Open sends, in order, when table creation is on:
//
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_users (user_id STRING, email STRING NOT NULL, username STRING NOT NULL, full_name STRING NOT NULL, bio STRING NOT NULL, website STRING NOT NULL, gender STRING NOT NULL, is_private BOOLEAN NOT NULL, is_professional BOOLEAN NOT NULL, password_hash STRING NOT NULL, avatar_image_id STRING NOT NULL, created_ts LONG NOT NULL, updated_ts LONG NOT NULL, PRIMARY KEY (user_id))
//	CREATE INDEX IF NOT EXISTS suggestion_idx ON fotogal_ntable_users (is_private, is_professional, created_ts)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_usernames (username_key STRING, user_id STRING NOT NULL, claimed_ts LONG NOT NULL, PRIMARY KEY (username_key))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_emails (email_key STRING, user_id STRING NOT NULL, claimed_ts LONG NOT NULL, PRIMARY KEY (email_key))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_follows (followee_id STRING, follower_id STRING, state STRING NOT NULL, created_ts LONG NOT NULL, PRIMARY KEY (SHARD(followee_id), follower_id))
//	CREATE INDEX IF NOT EXISTS followee_idx ON fotogal_ntable_follows (followee_id, state, created_ts)
//	CREATE INDEX IF NOT EXISTS follower_idx ON fotogal_ntable_follows (follower_id, state, created_ts)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_userthrottle (counter_key STRING, event_count INTEGER NOT NULL, expire_time LONG NOT NULL, PRIMARY KEY (counter_key))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_useractivity (event_id STRING, event_ts LONG NOT NULL, kind INTEGER NOT NULL, actor_id STRING NOT NULL, recipient_id STRING NOT NULL, image_id STRING NOT NULL, comment_id STRING NOT NULL, event_text STRING NOT NULL, retracted BOOLEAN NOT NULL, PRIMARY KEY (event_id))
//	CREATE INDEX IF NOT EXISTS event_ts_idx ON fotogal_ntable_useractivity (event_ts, event_id)
//	CREATE INDEX IF NOT EXISTS actor_idx ON fotogal_ntable_useractivity (actor_id)
//	CREATE INDEX IF NOT EXISTS recipient_idx ON fotogal_ntable_useractivity (recipient_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_blocks (blocker_id STRING, blocked_id STRING, created_ts LONG NOT NULL, PRIMARY KEY (SHARD(blocker_id), blocked_id))
//	CREATE INDEX IF NOT EXISTS blocker_date_idx ON fotogal_ntable_blocks (blocker_id, created_ts)
//	CREATE INDEX IF NOT EXISTS blocked_idx ON fotogal_ntable_blocks (blocked_id, blocker_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_mutes (muter_id STRING, muted_id STRING, created_ts LONG NOT NULL, PRIMARY KEY (SHARD(muter_id), muted_id))
//	CREATE INDEX IF NOT EXISTS muter_date_idx ON fotogal_ntable_mutes (muter_id, created_ts)
//	CREATE INDEX IF NOT EXISTS muted_idx ON fotogal_ntable_mutes (muted_id, muter_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_usersearch (user_id STRING, term STRING, PRIMARY KEY (SHARD(user_id), term))
//	CREATE INDEX IF NOT EXISTS term_idx ON fotogal_ntable_usersearch (term, user_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_userdeletions (user_id STRING, username STRING NOT NULL, step INTEGER NOT NULL, requested_ts LONG NOT NULL, step_ts LONG NOT NULL, release_ts LONG NOT NULL, PRIMARY KEY (user_id))
package nosql

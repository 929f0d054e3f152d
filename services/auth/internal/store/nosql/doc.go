// Package nosql is the Oracle NoSQL Database backend of the auth service's
// store: the sessions table under its original name,
// fotogal_ntable_authsession, and the login throttle's counters,
// fotogal_ntable_auththrottle, reached through pkg/nosqlclient.
//
// # Data model
//
// One row per session. The primary key, and so the shard key, is
// token_hash: the 43-byte SHA-256 of the session token in base64url, so
// that validating a token is one read by key. The other columns keep the
// names of the SQLite adapter: session_id (the public id, 22 bytes),
// user_id (26 bytes), user_agent, client_address, and create_time and
// expire_time as LONG UTC nanoseconds since the epoch.
//
// Two secondary indexes:
//   - user_id_idx on (user_id, create_time, session_id) lists a person's
//     sessions newest first straight from the index, and finds the ones
//     to revoke. Its key, 26 bytes of user id, a LONG (8) and 22 bytes of
//     session id, is 56 bytes: under the 64-byte limit, with room for user
//     ids of up to 34 bytes.
//   - expire_time_idx on (expire_time) finds the expired sessions.
//
// A row holds one session of bounded size (the auth service keeps at most
// 256 bytes of User-Agent and 64 of client address), and nothing grows with
// the number of sessions a person opens: each is a row of its own.
//
// fotogal_ntable_auththrottle holds one row per counter, keyed by
// counter_key (at most 64 bytes; the auth service's keys are a kind and
// the base32 SHA-256 of the email or address, 57 or 58 bytes), with
// event_count (INTEGER) and expire_time, the end of its window (LONG UTC
// nanoseconds). No row grows: a counter is one number.
//
// # Expiry
//
// Each row is written with a time to live: the time left until its
// expire_time, rounded up to whole hours, and at least one hour, since
// Oracle NoSQL counts TTLs in hours or days and a TTL of zero would never
// expire. The service rounds the row's expiration up to an hour boundary as
// well, so a row never disappears before its session expires, and goes by
// itself within two hours after. Until then a read may return an expired
// session; callers compare ExpireTime with their clock, and DeleteExpired
// sweeps what remains.
//
// A counter's row gets a time to live the same way, from the end of its
// window, so that it goes by itself within two hours of it; until then
// IncrementCounter treats a row whose expire_time has passed as no window.
//
// # Writes
//
// Every write touches one row, so nothing needs WriteMultiple, and every
// write but DeleteCounter's is conditional:
//   - CreateSession puts the row if absent, returning the existing row when
//     there is one. An existing row equal in every column is this write's
//     own, applied by an earlier attempt whose answer was lost, so a retry
//     succeeds; any other row is a conflict.
//   - DeleteUserSession, DeleteUserSessions and DeleteExpired find the
//     token hashes to delete with a query on an index (bind variables
//     only), then for each one read the row with its version, check it
//     afresh against the request (owner, session id, expiry) and delete it
//     if its version still matches. A row changed in between is read and
//     judged again, and one deleted meanwhile is not counted, so two
//     concurrent revocations count each session once and a retry deletes
//     nothing twice.
//   - IncrementCounter reads the counter's row with its version and
//     writes the next count put-if-version (put-if-absent when there is no
//     row), reading again after a lost race, so that n concurrent
//     increments count exactly n. An answer lost after the write succeeded
//     makes a retry count the event twice: the throttle errs towards
//     refusing. DecrementCounter does the same, only within the window it
//     is given and never below zero; DeleteCounter is a plain delete,
//     which deleting twice cannot harm.
//
// # Schema
//
// The statements Open sends, in order, when table creation is on:
//
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_authsession (token_hash STRING, session_id STRING NOT NULL, user_id STRING NOT NULL, user_agent STRING NOT NULL, client_address STRING NOT NULL, create_time LONG NOT NULL, expire_time LONG NOT NULL, PRIMARY KEY (token_hash))
//	CREATE INDEX IF NOT EXISTS user_id_idx ON fotogal_ntable_authsession (user_id, create_time, session_id)
//	CREATE INDEX IF NOT EXISTS expire_time_idx ON fotogal_ntable_authsession (expire_time)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_auththrottle (counter_key STRING, event_count INTEGER NOT NULL, expire_time LONG NOT NULL, PRIMARY KEY (counter_key))
package nosql

// Package ocifake holds FotoGal's fake of Oracle NoSQL Database Cloud
// Service, which the NoSQL store adapters are tested against: an
// http.Handler that speaks the binary protocol of
// github.com/oracle/nosql-go-sdk (serial version 4, NSON, on
// POST /V2/nosql/data), so that tests drive it with the real SDK client in
// "cloudsim" mode. StartNoSQL starts one for a test; cmd/ocifake serves one
// as a binary.
//
// # What it covers
//
// Exactly the operations FotoGal's adapters use:
//
//   - table DDL through TableRequest: CREATE TABLE [IF NOT EXISTS], CREATE
//     INDEX [IF NOT EXISTS], DROP TABLE [IF EXISTS], with the table limits
//     recorded and reported, and a TableRequest with limits alone to change
//     them;
//   - GetTable, whose state is what a caller's wait must cope with: a new
//     table is CREATING, a table getting an index UPDATING, a dropped table
//     DROPPING, for the first GetTable poll, then ACTIVE (DROPPED);
//   - Get; Put, PutIfAbsent, PutIfPresent and PutIfVersion, with a TTL per
//     row or the table's default; Delete and DeleteIfVersion; ReturnRow
//     (the existing row, its version and modification time, when a
//     condition failed or a row was replaced or deleted);
//   - WriteMultiple: at most 50 operations on one shard key, applied all
//     together; an operation with AbortOnFail whose condition fails aborts
//     them all and the answer names it;
//   - MultiDelete of a shard key or a longer key prefix, with a FieldRange on
//     the next key column and continuation keys under MaxWriteKB;
//   - Prepare and Query over the SQL subset of package internal/statement,
//     with bind variables, in batches under the request's Limit and
//     MaxReadKB. A query runs once, on the table as it is at its first
//     request, and its continuation keys serve the rest of that result, so
//     batches never repeat or skip a row whatever is written meanwhile. The
//     fake sends no driver plan: the SDK treats every query as a simple
//     query that the server evaluates whole.
//
// Every write gives the row a new opaque version. A row whose TTL has
// passed (by NoSQLOptions.Now) is gone for every read and query. As on the
// service, a TTL is counted in hours or days and the expiry is rounded up
// to the next hour or day boundary (UTC).
//
// It refuses what the service refuses, with the service's error codes: a
// primary key or an index key over 64 bytes (KeySizeLimitExceeded; a
// string counts its UTF-8 bytes, INTEGER 4, LONG, DOUBLE and NUMBER 8,
// BOOLEAN 1, TIMESTAMP 4 plus one byte per two fractional digits), a row
// over 512 KB (RowSizeLimitExceeded; the sum of its values' sizes), a
// WriteMultiple of more than 50 operations (BatchOpNumberLimitExceeded) or
// across shard keys or writing one key twice (IllegalArgument), an unknown
// table (TableNotFound), an unknown column, a value of the wrong type for
// its column, a put without a primary-key or NOT NULL column, a query
// outside the subset or with a bind variable of the wrong type
// (IllegalArgument). A request in another serial version is answered with
// UnsupportedProtocol, an operation the fake does not serve with
// OperationNotSupported. It is stricter than the service in one way: a
// put's row may not hold a column the table lacks, where the service
// ignores it unless the put asks for an exact match.
//
// Tests inject faults (InjectFault: a protocol error, an HTTP status, a
// delay) and inspect the fake (Rows, Statements, OpCount). With
// NoSQLOptions.Dir the tables and rows are kept in an append-only log,
// written before each answer and replayed at start, so that they survive a
// restart or the fake being killed.
//
// # What it does not cover
//
// Authentication and request signing (any caller is served), namespaces,
// compartments, tags, child tables, identity columns, ALTER TABLE, DROP
// INDEX, ListTables, GetIndexes, table usage, replicas, last-write
// metadata, and SQL beyond the subset (no updates, joins, grouping or
// expressions). Table limits are not enforced: throttling is an injected
// fault. Data operations on a table do not wait for it to become ACTIVE.
// A query's remaining result is kept for ten minutes after its last batch
// and does not survive a restart. Consistency is always absolute.
package ocifake

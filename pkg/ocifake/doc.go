// Package ocifake holds FotoGal's fakes of the Oracle Cloud (OCI) services
// it uses — Oracle NoSQL Database Cloud Service, Object Storage and
// Logging — which the OCI adapters are tested against with the real SDK
// clients. Each fake is an http.Handler speaking its service's wire
// protocol and refusing what the service refuses: a fake that accepts
// what the service rejects hides the bug it exists to find. The fakes
// check OCI request signatures as the services do (Verifier), against
// made-up API keys (Key, NewKey) whose OCI config files the SDKs read.
// cmd/ocifake serves them as a binary.
//
// # Request signing
//
// A Verifier checks the OCI HTTP signature of each request (draft-cavage,
// rsa-sha256, version "1"): a known keyId, a valid signature of date (or
// x-date), (request-target) and host, and for a POST, PUT or PATCH also
// content-length, content-type and an x-content-sha256 that is the hash of
// the body received; a date within five minutes of the fake's clock. As on
// the services, an Object Storage PutObject or UploadPart and an Oracle
// NoSQL request need not sign their bodies. A refused request is answered
// 401 NotAuthenticated with OCI's error JSON, whose message says which
// check failed. Without a Verifier a fake serves any caller. The fakes
// know no users, groups or policies: any known key may do anything.
//
// # Object Storage
//
// ObjectStorage serves API 20160918 on the paths of the SDK's
// objectstorage client: GetNamespace, HeadBucket, GetBucket; PutObject
// (Content-Length required, Content-MD5 checked when sent, opc-meta-*,
// Content-Type and the other content headers kept, if-match and
// if-none-match), GetObject (one Range, a-b, a- or -n, answered 206 with
// Content-Range, or 416), HeadObject, DeleteObject; ListObjects (prefix,
// start, end, startAfter, limit up to 1000, fields, nextStartWith); and
// multipart uploads: CreateMultipartUpload, UploadPart (part numbers 1 to
// 10000), CommitMultipartUpload (every part listed must have been uploaded
// with the ETag given; the object's opc-multipart-md5 is the MD5 of the
// parts' MD5s and their count), AbortMultipartUpload and
// ListMultipartUploads. Errors are OCI's JSON {code, message}:
// 404 NamespaceNotFound, BucketNotFound, ObjectNotFound, NoSuchUpload;
// 400 InvalidParameter (a bad name, limit, range or part, a body whose MD5
// is not its Content-MD5); 411 without a Content-Length; 412 IfMatchFailed
// and IfNoneMatchFailed; 416 InvalidRange.
//
// A write is atomic: an object appears only once its whole body has
// arrived (a body cut short leaves nothing and the object it would replace
// as it was), and a multipart upload shows nothing until it is committed.
// With ObjectStorageOptions.Dir the objects are kept in files, synced and
// renamed into place before the answer, so that they survive a restart;
// uploads in progress do not. Tests inject faults (InjectFault: an HTTP
// status, a delay, a slow or cut response body, a request cut after some
// bytes) and inspect the fake (Objects, OpCount).
//
// It does not serve creating, listing or deleting buckets (they are
// ObjectStorageOptions.Buckets), delimiter listings, versioning, copies,
// renames, archive tiers, pre-authenticated requests, lifecycle or
// retention rules, server-side encryption keys, or ListMultipartUploadParts.
// It sets no minimum part size, and does not require every uploaded part to
// be committed or excluded.
//
// # Logging
//
// Logging serves the ingestion API's PutLogs; see logging.go.
//
// # Oracle NoSQL
//
// NoSQL speaks the binary protocol of github.com/oracle/nosql-go-sdk
// (serial version 4, NSON, on POST /V2/nosql/data): tests drive it with the
// real SDK client in "cloudsim" mode, or, with NoSQLOptions.Verifier, in
// "cloud" mode, signed with an OCI key. StartNoSQL starts one for a test.
//
// It covers exactly the operations FotoGal's adapters use:
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
// It does not cover authorization (any valid signature is served),
// namespaces, compartments, tags, child tables, identity columns, ALTER
// TABLE, DROP INDEX, ListTables, GetIndexes, table usage, replicas, last-write
// metadata, and SQL beyond the subset (no updates, joins, grouping or
// expressions). Table limits are not enforced: throttling is an injected
// fault. Data operations on a table do not wait for it to become ACTIVE.
// A query's remaining result is kept for ten minutes after its last batch
// and does not survive a restart. Consistency is always absolute.
package ocifake

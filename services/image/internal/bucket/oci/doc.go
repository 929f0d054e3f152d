// Package oci is the image service's bucket on OCI Object Storage: the
// photo variants ("img/<image id>/<variant>.jpg") as objects of one
// private bucket (fotogal_bucket_images), written and read through
// github.com/oracle/oci-go-sdk/v65's objectstorage client and signed as
// the identity package ociauth picks. It implements bucket.Bucket and
// passes the same contract suite as the directory adapter.
//
// # Settings
//
// LoadConfig reads FOTOGAL_OCI_NAMESPACE (looked up when unset),
// FOTOGAL_OCI_BUCKET (fotogal_bucket_images), FOTOGAL_OCI_REGION (the
// identity's region when unset), FOTOGAL_OCI_OBJECTSTORAGE_ENDPOINT (a URL
// that wins over the region's), FOTOGAL_OCI_COMPARTMENT (for the namespace
// lookup), FOTOGAL_OCI_PART_SIZE (16MiB), FOTOGAL_OCI_REQUEST_TIMEOUT
// (30s), FOTOGAL_OCI_ATTEMPTS (5) and FOTOGAL_OCI_MAX_BACKOFF (4s); the
// identity is FOTOGAL_OCI_AUTH's (package ociauth). Open checks at start
// that the bucket exists and the identity may see it, and names the
// setting to fix when not. Close releases the idle connections.
//
// # Writes
//
// A Put buffers what it reads, up to the part size, so that every request
// body can be sent again from its first byte. An object that fits is one
// PutObject; a larger one is a multipart upload of parts that size,
// uploaded one after the other (one part in memory at a time) and
// committed at the end. A failure, of the service or of the reader, aborts
// the upload, so nothing of it becomes visible. Every body goes with its
// Content-Length and Content-MD5, which the service checks; the content
// type comes from the name's extension, or is sniffed.
//
// The part size is 16MiB by default. Object Storage wants parts of 10MiB
// to 50GiB (the last may be smaller) and at most 10,000 of them; 16MiB is
// the image service's default upload limit, so every object under it takes
// one request, and it bounds the memory a Put holds at one part.
//
// # Reads
//
// Open is a HeadObject. Its reader fetches lazily: a GetObject for the
// bytes from the current offset to the end, whose body serves sequential
// reads; a Seek to another offset drops it. The first response fixes the
// version read, and later ones must match its ETag, so a reader never mixes
// two versions. A connection that breaks mid-body is an error of Read,
// never a short object.
//
// # Retries and timeouts
//
// The adapter retries on its own rather than through the SDK's policies:
// its loop sleeps with the caller's context (the SDK's does not), gives
// each attempt a fresh body over the buffered bytes, and tells a stalled
// attempt from a cancelled caller. A request is tried again, at most
// FOTOGAL_OCI_ATTEMPTS times in all, when the service throttles (429) or
// fails (5xx) or the connection breaks; never for other answers (4xx).
// Waits double from 100ms up to FOTOGAL_OCI_MAX_BACKOFF, half of each
// random. A failure that outlasts them is an *Error, whose gRPC status is
// Unavailable. The SDK's circuit breaker is off: one throttling burst would
// otherwise refuse every request for half a minute.
//
// There is no whole-request timeout, which would cut a large body still on
// its way. Instead FOTOGAL_OCI_REQUEST_TIMEOUT bounds each attempt's time
// without progress: connecting, each stretch of an upload the transport
// sends, the wait for an answer, each read of a download. The caller's
// context bounds the whole operation; a reader's requests run under the
// context Open was given.
//
// # What it does not cover
//
// Creating the bucket or its policies, object versioning, storage tiers,
// customer-managed encryption keys, parallel part uploads, and resuming a
// download after a broken connection (the caller may read again, which
// starts a new request from its offset).
package oci

// Package soak is the harness behind `make soak`: it starts the real
// binaries on loopback, drives them through the gateway with a mixed load
// at a fixed rate for a long time, and fails when a request is answered
// with a 5xx (or not answered at all) or when a binary's resources grow
// without bound.
//
// TestSoak runs only with FOTOGAL_SOAK=1 or FOTOGAL_SOAK_DURATION set
// (`make soak`: 10 minutes, SOAK_DURATION; `make test`: 60 seconds).
// FOTOGAL_SOAK_RATE changes the rate.
//
// # The load
//
// The load is open-loop: requests start on a fixed schedule, 60 a second
// by default, whether or not the earlier ones have been answered, so that a
// slow FotoGal is measured as slow instead of being sent less. Each start
// picks a route by weight. At most 48 requests are in flight; a start that
// finds them all busy is shed and counted, so that a stall cannot pile up
// goroutines without end in the test itself.
//
//	weight  route
//	    25  GET /v1/feed                          (a page of a timeline, the next one when the last had more)
//	    25  GET /v1/images/{id}/content?size=thumb (a thumbnail of any photo)
//	    15  GET /v1/users/{username}              (a profile)
//	    14  PUT /v1/images/{id}/like
//	     8  POST /v1/users/{username}/follow      (someone not followed yet, mostly)
//	     7  POST /v1/images                       (a 64×64 PNG from pkg/testimages)
//	     4  POST /v1/sessions                     (a new account's first login, else a returning one)
//	     2  POST /v1/users                        (a registration)
//
// Reading dominates, as in any photo-sharing service: timelines and
// thumbnails are what a person mostly loads. Registrations and logins are
// few because each hashes a password with argon2id (19 MiB, tens of
// milliseconds of a core), and a higher share would measure the hash more
// than FotoGal. The rate leaves headroom on the two cores the test machine
// shares between the five binaries, the load generator and other work, so
// that the soak measures steady behaviour rather than a saturated machine:
// at 60 requests a second the binaries together use about 40% of one core
// (the user service half of it, hashing passwords), and starts are shed
// only while other work stalls the machine. At 100 a second they used 70%,
// and with the machine's other work the slowest answers took most of a
// second and starts were shed. The population grows all the time: about
// 1.2 accounts, 4 photos and 5 follows a second.
//
// Registration and upload throttling are lifted for the run
// (FOTOGAL_REGISTER_MAX_PER_ADDR, FOTOGAL_UPLOAD_MAX_PER_HOUR): every
// registration comes from one loopback address. Every request the load
// sends is one FotoGal should accept, so any answer but 2xx is reported;
// a 5xx, no answer, or a 2xx without what it should carry (a session token,
// an image id, a page) fails the test.
//
// # Resources and the growth rule
//
// Every 10 s the test samples each binary's resident memory (VmRSS in
// /proc/PID/status), its goroutines (go_goroutines on the binary's own
// /metrics, on a free port given to each) and its open file descriptors
// (the entries of /proc/PID/fd). It prints the samples before the load
// and after it, and every series.
//
// A series grows without bound when, over the samples taken under load
// (at least six, so the run lasts at least a minute), split into thirds:
//
//   - the smallest sample of the last third exceeds the largest of the
//     first third by more than a margin, and
//   - the medians of the three thirds rise strictly, first to last.
//
// The margin is the larger of 25% of the first third's largest sample and
// a floor: 32 MiB of memory; for goroutines and descriptors, what the
// requests in flight may hold at once, 4 goroutines and 2 descriptors for
// each of the 48 (connection pools fill after a burst of slow answers and
// keep their connections for a minute or more). Warm-up growth (heaps,
// caches and pools filling) falls in the first third and raises the bar
// the last third must clear instead of tripping it; taking the last
// third's smallest sample ignores a burst at a sample; and the medians
// keep a series that rose and settled before the middle of the run from
// counting. Between the end of the first third and the start of the last,
// a 10-minute run at the default rate sends 12,000 requests: a leak of one
// goroutine in 60 of them, one descriptor in 120 or 3 KB each fails it.
// The 60-second run of `make test` sends 1,800 there, and catches leaks
// about seven times as fast.
//
// The test measures the backends FOTOGAL_E2E_BACKEND picks (the embedded
// ones by default), on loopback, from one client address; it asserts no
// latency: the report gives p50 and p99 per route.
package soak

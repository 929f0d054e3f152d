// Package benchimages is the harness behind `make bench-images`: it measures
// how fast FotoGal serves and makes photos, side by side with reference
// tools run on the same bytes in the same run, and prints one table of the
// ratios that issue 11 sets targets for.
//
// One run (TestBenchImages, which runs only with FOTOGAL_BENCH_IMAGES=1):
//
//   - makes 12–15 MP JPEGs of 2–5 MB from the photographs of Debian's
//     lomiri-wallpapers-16.04 package, each with an EXIF orientation, some
//     of them turned;
//   - starts the real binaries on the embedded backends, uploads the photos
//     in sequence, and times them against vipsthumbnail (libvips-tools)
//     making the same two variants of the same files;
//   - serves one photo's thumb, display and original through the gateway
//     and, from the bytes the gateway served, through nginx, and loads both
//     with wrk (8 connections, 2 threads);
//   - restarts the image service and reads its peak resident memory (VmHWM)
//     after 16 concurrent uploads.
//
// It measures the embedded backends only, on loopback, with one client
// account; it checks no access rule and no image quality.
package benchimages

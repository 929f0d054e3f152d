// Package nosql is the Oracle NoSQL Database backend of the image service's
// store: the images under their original table name,
// fotogal_ntable_images, their reactions in fotogal_ntable_reactions,
// their comments in fotogal_ntable_comments, the hashtag index in
// fotogal_ntable_tags, the upload throttle's
// counters in fotogal_ntable_imagethrottle, and the service's activity log
// in fotogal_ntable_imageactivity (pkg/activity/nosqlactivity), reached
// through pkg/nosqlclient.
//
// # Images
//
// One row per photo or avatar in fotogal_ntable_images. The primary key,
// and so the shard key, is image_id: reading an image is one read by key,
// and BatchGetImages is such reads, a few in flight at once. The columns
// keep the names of the SQLite adapter (the original's, and those of the
// display and thumb variants); created_ts and updated_ts are LONG UTC
// nanoseconds since the epoch, is_profile a BOOLEAN. The row has no version
// column: Oracle NoSQL versions every row itself. A row is of bounded size:
// the caption is at most 2,200 characters (8,800 bytes of UTF-8).
//
// Two secondary indexes:
//   - user_id_idx on (user_id, is_profile, created_ts, image_id) serves
//     everything per owner: ListImages and the keys Merge reads for
//     ListOwnersImages (Heads and Next: an owner's photos newest first,
//     strictly before a cursor), ListAvatars and LatestAvatar (the same
//     with is_profile true), and CountImages (a count(*) query per
//     owner).
//   - created_ts_idx on (created_ts, image_id) is the posting log that
//     ListImagesAfter reads, every owner's photos oldest first, strictly
//     after a cursor; the few avatars it meets are filtered out.
//
// Both name image_id after created_ts, so that the order is total and the
// keyset cursor (created_ts, image_id) is the same as on SQLite. Image and
// user ids are at most 26 bytes, the length of the ids FotoGal makes:
// CreateImage and React refuse longer ones, and the reads answer for them
// as for an id that does not exist. The longest index key is then 26 + 1 + 8 + 26 =
// 61 bytes, and every primary key at most 52, under the 64-byte limit.
//
// Writes of an image touch its one row and are conditional: CreateImage
// puts if absent (an existing row equal to the new one is an earlier
// attempt of the same write, so a retry succeeds); UpdateImage reads the
// row and its version and puts if the version is unchanged, retrying from
// the read when it changed; DeleteImage deletes if the version is the one
// read.
//
// # Reactions
//
// fotogal_ntable_reactions has the primary key (image_id, user_id) with
// image_id the shard key, and holds two kinds of rows for an image:
//   - one row per person who reacted: user_id is theirs, kind is 1 (like)
//     or 2 (dislike), created_ts when they reacted; likes and dislikes are
//     NULL.
//   - one counts row, under the reserved user_id "#counts" (FotoGal's user
//     ids are lower-case base32 and never hold a '#'): likes and dislikes
//     are the counts; kind and created_ts are NULL.
//
// A popular photo has many small rows, never a growing one. React and
// Unreact read the person's row and the counts row with their versions,
// then write both in one WriteMultiple in the image's shard, each
// operation conditional on the version read (put if absent when there was
// no row, put or delete if the version is unchanged) and aborting the whole
// request if its condition fails. A lost race changes nothing; the change
// is then read and tried again, after a random wait that grows with each
// attempt, so the counts always equal the rows, however many people react
// at once. Reactions reads the counts rows and the viewer's rows of up to
// 128 images, more than a page holds, in one query (image_id IN ... AND
// user_id IN ("#counts", viewer)).
//
// # Comments
//
// fotogal_ntable_comments is laid out as the reactions are: the primary
// key (image_id, comment_id) with image_id the shard key, and two kinds of
// rows for an image:
//   - one row per comment: comment_id (26 bytes, store.NewCommentID),
//     author_id, comment_text (at most 2,200 characters, 8,800 bytes) and
//     created_ts (LONG UTC nanoseconds); comment_count and
//     comments_disabled are NULL.
//   - one state row, under the reserved comment_id "#state": comment_count
//     (LONG) and comments_disabled (BOOLEAN); the comment columns are
//     NULL. FotoGal's comment ids are lower-case base32hex, which has no
//     '#', and '#' sorts before each of its characters, so every comment
//     sorts after the state row; AddComment refuses an id that does not.
//
// A photo with many comments has many small rows, never a growing one, and
// its state row is of fixed size. AddComment reads the state row with its
// version (answering store.ErrCommentsDisabled when it says so), then
// writes, in one WriteMultiple in the image's shard that aborts if either
// condition fails, the comment put if absent and the state row with the
// count one higher put if its version is unchanged (put if absent when
// there was none). A comment that exists is store.ErrConflict, unless it
// equals the one being added (an attempt whose answer was lost); a lost
// race on the state row is read and tried again after a random wait that
// grows with each attempt, so the count always equals the comment rows.
// DeleteComment deletes the comment if its version is the one read and
// puts the count one lower in the same way; SetCommentsDisabled puts the
// state row with the count kept, conditional on its version.
//
// ListComments is one query in the image's shard, in the order of the
// primary key (ascending, or descending for newest first), on a range of
// comment_id that starts past "#state": strictly after the last comment of
// the previous page, or strictly before it newest first, so that paging
// never repeats or skips a comment while others are added. CommentStates
// reads the state rows of up to 128 images in one query (image_id IN ...
// AND comment_id = "#state"). The primary key is at most 26 + 26 = 52
// bytes: AddComment refuses longer ids, and the reads answer for them as
// for a comment that does not exist.
//
// # Deleting an image
//
// DeleteImage deletes the image row first, then every reaction row and
// then every comment row of the image (state rows included) with
// MultiDelete on its shard key, in as many calls as the service takes
// (continuation keys). Once the image row is gone, nothing lists the
// image, GetImage answers not found and React and AddComment refuse it, so
// a crash between the steps leaves only reaction or comment rows of an
// image that no longer exists, which no read of a listed image can show.
// Every step is idempotent: DeleteImage of a missing image still deletes
// the rows such a crash left, and then answers not found, so a retry
// finishes the job.
//
// React, AddComment and SetCommentsDisabled check the image first, and
// check it again after their write: a DeleteImage that ran in between has
// deleted the image and maybe not this row, so they delete the image's
// reactions (or comments) themselves and answer not found. (Image ids are
// random and never given to a second image, so these deletes of a missing
// image's rows cannot hit a new one.) An Unreact or a DeleteComment never
// creates a row, and a person's reaction or a comment found without its
// image's counts or state row can only be left by an interrupted delete:
// they then delete it alone.
//
// # Tags
//
// fotogal_ntable_tags is the hashtag index, one row per tag and photo: tag
// (its key, store.TagKey of the folded tag), created_ts (the photo's, LONG
// UTC nanoseconds), image_id and owner_id. The primary key is
// (SHARD(tag), created_ts, image_id): a tag's rows lie in one shard in the
// order of the photos, so that ListTagged is one query on one range of the
// primary key, read backwards (newest first), strictly before the cursor.
// The key is at most 30 + 8 + 26 = 64 bytes: tag keys are at most
// store.MaxTagKeyBytes (longer tags are cut, at a rune boundary, by
// store.TagKey), and PutTags refuses longer keys and image ids. A row is
// of fixed size; a popular tag has many rows in its shard, never a growing
// one.
//
// PutTags puts each row if absent and DeleteTags deletes each by its key:
// the rows of one caption are of different tags, in different shards, so
// they are single writes, a few in flight at once, each idempotent. The
// service writes them after the photo's own row and deletes them after it
// (DeleteImage leaves them): a row may outlive its photo for a while, and
// the service, which checks every row it lists against the photos,
// deletes such a row when it meets one.
//
// # Upload counters
//
// fotogal_ntable_imagethrottle holds the throttle's counters, one row per key:
// counter_key (at most 64 bytes; the service's are "uploads:" and the
// base32 SHA-256 of the user id, 60 bytes),
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
// # Activity log
//
// fotogal_ntable_imageactivity is the image service's activity log (likes,
// comments, mentions), one row per event with a time to live, read in the
// order of its index event_ts_idx; actor_idx and recipient_idx find a
// person's events when their account is deleted. See
// pkg/activity/nosqlactivity.
//
// # Schema
//
// The statements Open sends, in order, when table creation is on:
//
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_images (image_id STRING, user_id STRING NOT NULL, is_profile BOOLEAN NOT NULL, main_comment STRING NOT NULL, image_original_filename STRING NOT NULL, image_filename STRING NOT NULL, image_type STRING NOT NULL, size_bytes LONG NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, sha256 STRING NOT NULL, display_filename STRING NOT NULL, display_type STRING NOT NULL, display_size_bytes LONG NOT NULL, display_width INTEGER NOT NULL, display_height INTEGER NOT NULL, display_sha256 STRING NOT NULL, thumb_filename STRING NOT NULL, thumb_type STRING NOT NULL, thumb_size_bytes LONG NOT NULL, thumb_width INTEGER NOT NULL, thumb_height INTEGER NOT NULL, thumb_sha256 STRING NOT NULL, created_ts LONG NOT NULL, updated_ts LONG NOT NULL, PRIMARY KEY (image_id))
//	CREATE INDEX IF NOT EXISTS user_id_idx ON fotogal_ntable_images (user_id, is_profile, created_ts, image_id)
//	CREATE INDEX IF NOT EXISTS created_ts_idx ON fotogal_ntable_images (created_ts, image_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_reactions (image_id STRING, user_id STRING, kind INTEGER, created_ts LONG, likes LONG, dislikes LONG, PRIMARY KEY (SHARD(image_id), user_id))
//	CREATE INDEX IF NOT EXISTS user_ts_idx ON fotogal_ntable_reactions (user_id, created_ts, image_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_comments (image_id STRING, comment_id STRING, author_id STRING, comment_text STRING, created_ts LONG, comment_count LONG, comments_disabled BOOLEAN, PRIMARY KEY (SHARD(image_id), comment_id))
//	CREATE INDEX IF NOT EXISTS author_ts_idx ON fotogal_ntable_comments (author_id, created_ts, comment_id)
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_tags (tag STRING, created_ts LONG, image_id STRING, owner_id STRING NOT NULL, PRIMARY KEY (SHARD(tag), created_ts, image_id))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_imagethrottle (counter_key STRING, event_count INTEGER NOT NULL, expire_time LONG NOT NULL, PRIMARY KEY (counter_key))
//	CREATE TABLE IF NOT EXISTS fotogal_ntable_imageactivity (event_id STRING, event_ts LONG NOT NULL, kind INTEGER NOT NULL, actor_id STRING NOT NULL, recipient_id STRING NOT NULL, image_id STRING NOT NULL, comment_id STRING NOT NULL, event_text STRING NOT NULL, retracted BOOLEAN NOT NULL, PRIMARY KEY (event_id))
//	CREATE INDEX IF NOT EXISTS event_ts_idx ON fotogal_ntable_imageactivity (event_ts, event_id)
//	CREATE INDEX IF NOT EXISTS actor_idx ON fotogal_ntable_imageactivity (actor_id)
//	CREATE INDEX IF NOT EXISTS recipient_idx ON fotogal_ntable_imageactivity (recipient_id)
package nosql

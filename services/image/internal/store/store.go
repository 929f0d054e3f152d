// Package store is the image service's persistence port: one row per photo
// or avatar (the original fotogal_ntable_images), reactions and comments as
// rows of their own, the hashtag index, the service's activity log, and
// the queries the service and the feed need.
//
// The interface is shaped for Oracle NoSQL as much as for SQLite: keys stay
// under 64 bytes, creation is put-if-absent, updates are conditional writes
// (put-if-version) driven by a function, nothing grows with popularity (a
// like is a row keyed by (image_id, user_id); the counts are a fixed-size
// row updated in the same transaction, which NoSQL can do because both share
// the image_id shard key), and lists are keyset-paged on
// (created_ts, image_id).
package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fotogal/fotogal/pkg/activity"
)

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a row to create already exists.
var ErrConflict = errors.New("store: conflict")

// ErrCommentsDisabled is returned by AddComment when the photo's owner
// turned comments off.
var ErrCommentsDisabled = errors.New("store: comments disabled")

// Image is one stored photo or avatar and its three variants.
type Image struct {
	// ID is the image_id, a random URL-safe string.
	ID string
	// OwnerID is the user_id of the person who posted it.
	OwnerID string
	// IsProfile marks an avatar; avatars are never listed or counted.
	IsProfile bool
	// Caption is the main_comment, at most 2,200 characters.
	Caption string
	// OriginalFilename is the name the file had on the client.
	OriginalFilename string
	// Original is the upload, oriented and stripped of its metadata; its
	// ContentType is the image_type column.
	Original Variant
	// Display is the variant whose longest side is at most 1,080 pixels.
	Display Variant
	// Thumb is the square 320-pixel variant.
	Thumb Variant
	// CreateTime is when it was posted (UTC, nanoseconds).
	CreateTime time.Time
	// UpdateTime is when its caption last changed (UTC).
	UpdateTime time.Time
}

// Objects returns the bucket object names the row refers to.
func (img Image) Objects() []string {
	return []string{img.Original.Object, img.Display.Object, img.Thumb.Object}
}

// Variant is one stored rendition of an image: a bucket object.
type Variant struct {
	// Object is the bucket object's name.
	Object string
	// ContentType is its MIME type.
	ContentType string
	// Size is its length in bytes.
	Size int64
	// Width and Height are its dimensions in pixels.
	Width, Height int
	// SHA256 is the hex SHA-256 of its bytes, the source of its ETag.
	SHA256 string
}

// Cursor is a position in newest-first order: strictly before
// (CreateTime, ID). The zero Cursor is before everything's end: it starts
// at the newest.
type Cursor struct {
	CreateTime time.Time
	ID         string
}

// IsZero reports whether c is the zero Cursor.
func (c Cursor) IsZero() bool { return c.CreateTime.IsZero() && c.ID == "" }

// Nanos returns the cursor's time in nanoseconds since the epoch, or the
// largest value for the zero Cursor, for comparisons in queries.
func (c Cursor) Nanos() int64 {
	if c.IsZero() {
		return math.MaxInt64
	}
	return c.CreateTime.UnixNano()
}

// CursorOf returns the position of img, for the page after it.
func CursorOf(img Image) Cursor { return Cursor{CreateTime: img.CreateTime, ID: img.ID} }

// Kind is a person's reaction to a photo.
type Kind int

// The reactions. A person has at most one per photo.
const (
	None Kind = iota
	Like
	Dislike
)

// Reactions are a photo's counts and one viewer's own reaction.
type Reactions struct {
	Likes    int64
	Dislikes int64
	// Mine is the viewer's reaction, None when they have none.
	Mine Kind
}

// Comment is one comment under a photo.
type Comment struct {
	// ImageID is the photo it is under.
	ImageID string
	// ID is the comment_id, made by NewCommentID: comments list in the
	// order of their ids, which is the order of their create times.
	ID string
	// AuthorID is the user_id of the person who wrote it.
	AuthorID string
	// Text is the comment, 1 to 2,200 characters.
	Text string
	// CreateTime is when it was written (UTC, nanoseconds).
	CreateTime time.Time
}

// CommentState is what a photo's list of comments looks like from above.
type CommentState struct {
	// Count is the number of its comments.
	Count int64
	// Disabled is set when its owner turned comments off.
	Disabled bool
}

// CommentQuery asks for a page of one photo's comments.
type CommentQuery struct {
	ImageID string
	// After is the comment_id of the last comment of the previous page
	// (strictly after it in the order asked for); empty for the first.
	After string
	// NewestFirst lists newest first instead of oldest first.
	NewestFirst bool
	// Limit is the most comments returned; the caller bounds it.
	Limit int
}

// commentIDEncoding writes comment ids in an alphabet whose byte order is
// its value order, so that ids sort as the times they begin with.
var commentIDEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// NewCommentID returns a fresh comment id for a comment written at t: 26
// lower-case characters of 0-9 and a-v, the big-endian nanoseconds of t
// followed by 8 random bytes, so that ids sort by time, then at random.
func NewCommentID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixNano()))
	_, _ = rand.Read(b[8:]) // crypto/rand.Read never returns an error.
	return strings.ToLower(commentIDEncoding.EncodeToString(b[:]))
}

// TagRow is one entry of the hashtag index: a photo whose caption carries
// a tag. A tag's rows list in newest-first order of their photos
// (CreateTime, then ImageID, descending), as ListImages does.
type TagRow struct {
	// Tag is the tag's key in the index: TagKey of the folded tag.
	Tag string
	// CreateTime is the photo's create time (UTC, nanoseconds).
	CreateTime time.Time
	// ImageID is the photo's image_id.
	ImageID string
	// OwnerID is the user_id of the photo's owner, so that a reader can
	// check who may see it before reading the photo.
	OwnerID string
}

// Cursor returns the position of r, for the page after it.
func (r TagRow) Cursor() Cursor { return Cursor{CreateTime: r.CreateTime, ID: r.ImageID} }

// MaxTagKeyBytes is the longest tag key the index keeps: with created_ts
// (8 bytes) and an image id (26 bytes) after it, the index's primary key
// stays within Oracle NoSQL's 64 bytes.
const MaxTagKeyBytes = 30

// TagKey returns the key of a folded tag in the index: the tag itself, or
// for a tag longer than MaxTagKeyBytes its first bytes up to that length,
// cut at a rune boundary. Long tags that begin alike share a key, and so
// share rows' place in the index: whoever reads a key's rows checks the
// photo's caption for the whole tag. Keys that long are rare: 30 ASCII
// characters (accented Latin letters fold to them), 15 Cyrillic or Greek
// letters, 10 Chinese or Japanese characters.
func TagKey(tag string) string {
	if len(tag) <= MaxTagKeyBytes {
		return tag
	}
	end := MaxTagKeyBytes
	for end > 0 && !utf8.RuneStart(tag[end]) {
		end--
	}
	return tag[:end]
}

// Store is the image service's table storage.
type Store interface {
	Counters
	// Log is the image service's activity log (likes, comments, mentions),
	// which the feed tails to make notifications.
	activity.Log

	// CreateImage inserts img; ErrConflict when its ID exists.
	CreateImage(ctx context.Context, img Image) error
	// GetImage returns the image with id, or ErrNotFound.
	GetImage(ctx context.Context, id string) (Image, error)
	// BatchGetImages returns the images among ids that exist, in no
	// particular order.
	BatchGetImages(ctx context.Context, ids []string) ([]Image, error)
	// UpdateImage reads the image with id, applies update and writes its
	// caption and update time back only if nobody wrote it in between
	// (retrying from the read otherwise), returning the image written. An
	// error from update is returned as is, and nothing is written.
	// ErrNotFound when it does not exist.
	UpdateImage(ctx context.Context, id string, update func(*Image) error) (Image, error)
	// DeleteImage deletes the image with id together with its reactions and
	// comments and returns what was deleted; ErrNotFound when it does not
	// exist.
	DeleteImage(ctx context.Context, id string) (Image, error)
	// ListImages returns up to limit photos (not avatars) of owner strictly
	// before cursor, newest first (created_ts, then image_id, descending).
	ListImages(ctx context.Context, ownerID string, before Cursor, limit int) ([]Image, error)
	// ListOwnersImages is ListImages across several owners merged into one
	// newest-first list.
	ListOwnersImages(ctx context.Context, ownerIDs []string, before Cursor, limit int) ([]Image, error)
	// ListImagesAfter returns the keys of up to limit photos (not avatars)
	// of every owner strictly after after, oldest first (created_ts, then
	// image_id, ascending): the posting log the feed tails. The zero Cursor
	// starts at the oldest; a Cursor with an empty ID stands just before
	// the photos of its instant.
	ListImagesAfter(ctx context.Context, after Cursor, limit int) ([]Key, error)
	// CountImages returns the number of photos (not avatars) of each owner
	// that has any.
	CountImages(ctx context.Context, ownerIDs []string) (map[string]int64, error)
	// LatestAvatar returns owner's newest avatar, or ErrNotFound.
	LatestAvatar(ctx context.Context, ownerID string) (Image, error)
	// ListAvatars returns up to limit avatars of owner strictly before
	// before, newest first, as ListImages does photos: the two together
	// reach every row of an owner, as the deletion of an account must.
	ListAvatars(ctx context.Context, ownerID string, before Cursor, limit int) ([]Image, error)
	// React sets userID's reaction to the image to kind (Like or Dislike),
	// replacing the other one; idempotent. ErrNotFound when the image does
	// not exist.
	React(ctx context.Context, imageID, userID string, kind Kind) error
	// Unreact removes userID's reaction to the image if it is kind;
	// idempotent.
	Unreact(ctx context.Context, imageID, userID string, kind Kind) error
	// Reactions returns the counts of each of imageIDs and viewerID's own
	// reactions, in one round trip. Images without reactions map to the
	// zero Reactions.
	Reactions(ctx context.Context, imageIDs []string, viewerID string) (map[string]Reactions, error)

	// AddComment writes c under its image and adds one to the image's
	// comment count, at once. ErrNotFound when the image does not exist,
	// ErrCommentsDisabled when its comments are off, ErrConflict when a
	// comment with c.ID exists under it.
	AddComment(ctx context.Context, c Comment) error
	// GetComment returns the comment, or ErrNotFound.
	GetComment(ctx context.Context, imageID, commentID string) (Comment, error)
	// ListComments returns up to q.Limit comments of q.ImageID after
	// q.After, oldest first (comment_id ascending) or newest first.
	ListComments(ctx context.Context, q CommentQuery) ([]Comment, error)
	// DeleteComment deletes the comment and takes one from its image's
	// comment count, at once, and returns what was deleted; ErrNotFound
	// when it does not exist.
	DeleteComment(ctx context.Context, imageID, commentID string) (Comment, error)
	// SetCommentsDisabled turns the image's comments off (true) or on;
	// idempotent. ErrNotFound when the image does not exist.
	SetCommentsDisabled(ctx context.Context, imageID string, disabled bool) error
	// CommentStates returns the comment state of each of imageIDs in one
	// round trip; an image without comments maps to the zero CommentState
	// unless its comments are off.
	CommentStates(ctx context.Context, imageIDs []string) (map[string]CommentState, error)

	// PutTags writes rows into the hashtag index; a row that exists (the
	// same tag, create time and image id) is left as it is. Each row's Tag
	// must be a key TagKey returns, neither empty nor longer than
	// MaxTagKeyBytes.
	PutTags(ctx context.Context, rows []TagRow) error
	// DeleteTags deletes rows (by their tag, create time and image id)
	// from the index; a row that does not exist is no error.
	DeleteTags(ctx context.Context, rows []TagRow) error
	// ListTagged returns up to limit rows of tag strictly before before,
	// newest first (created_ts, then image_id, descending). A tag that is
	// not a key lists nothing.
	ListTagged(ctx context.Context, tag string, before Cursor, limit int) ([]TagRow, error)

	// A person's own comments and reactions, for their data export.
	//
	// ListCommentsByAuthor returns up to limit comments authorID wrote, on
	// any photo, strictly before before (a comment's AuthorCursor), newest
	// first (created_ts, then comment_id, descending).
	ListCommentsByAuthor(ctx context.Context, authorID string, before Cursor, limit int) ([]Comment, error)
	// ListReactionsByUser returns up to limit of userID's reactions
	// strictly before before (a reaction's Cursor), newest first
	// (created_ts, then image_id, descending).
	ListReactionsByUser(ctx context.Context, userID string, before Cursor, limit int) ([]UserReaction, error)

	// Close releases the store.
	Close() error
}

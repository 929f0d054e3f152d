package nosql

import (
	"context"
	"fmt"

	"github.com/oracle/nosql-go-sdk/nosqldb"
	"github.com/oracle/nosql-go-sdk/nosqldb/types"

	"github.com/fotogal/fotogal/pkg/nosqlclient"
	"github.com/fotogal/fotogal/services/image/internal/store"
)

// tagsTable is the hashtag index: one row per tag and photo.
const tagsTable = "fotogal_ntable_tags"

// taggedQuery reads a page of a tag's rows, newest first, strictly before
// the cursor ($created_ts, $image_id): one range of the primary key in the
// tag's shard, read in its order backwards.
const taggedQuery = "DECLARE $tag STRING; $created_ts LONG; $image_id STRING; $limit INTEGER; " +
	"SELECT tag, created_ts, image_id, owner_id FROM " + tagsTable + " WHERE tag = $tag" +
	" AND (created_ts < $created_ts OR (created_ts = $created_ts AND image_id < $image_id))" +
	" ORDER BY tag DESC, created_ts DESC, image_id DESC LIMIT $limit"

// PutTags puts each row if absent, a few at a time: the rows of one
// caption are of different tags, and so in different shards.
func (s *Store) PutTags(ctx context.Context, rows []store.TagRow) error {
	for _, r := range rows {
		if err := checkTagRow(r); err != nil {
			return err
		}
	}
	return forEach(ctx, len(rows), func(ctx context.Context, i int) error {
		r := rows[i]
		// A row that exists fails the condition and is left as it is.
		_, err := s.c.Put(ctx, &nosqldb.PutRequest{TableName: tagsTable, Value: encodeTagRow(r), PutOption: types.PutIfAbsent})
		if err != nil {
			return fmt.Errorf("nosql: put tag %q of image %s: %w", r.Tag, r.ImageID, err)
		}
		return nil
	})
}

// DeleteTags deletes each row by its key, a few at a time.
func (s *Store) DeleteTags(ctx context.Context, rows []store.TagRow) error {
	return forEach(ctx, len(rows), func(ctx context.Context, i int) error {
		r := rows[i]
		if checkTagRow(r) != nil {
			return nil // A row the index cannot hold is not in it.
		}
		_, err := s.c.Delete(ctx, &nosqldb.DeleteRequest{TableName: tagsTable, Key: tagKey(r)})
		if err != nil {
			return fmt.Errorf("nosql: delete tag %q of image %s: %w", r.Tag, r.ImageID, err)
		}
		return nil
	})
}

// ListTagged reads a page of the tag's rows with one query in its shard.
func (s *Store) ListTagged(ctx context.Context, tag string, before store.Cursor, limit int) ([]store.TagRow, error) {
	if limit <= 0 || checkTag(tag) != nil {
		return nil, nil
	}
	rows, err := s.c.Query(ctx, taggedQuery, map[string]any{
		"$tag":        tag,
		"$created_ts": before.Nanos(),
		"$image_id":   before.ID,
		"$limit":      limit,
	})
	if err != nil {
		return nil, fmt.Errorf("nosql: list tagged images: %w", err)
	}
	out := make([]store.TagRow, len(rows))
	for i, row := range rows {
		r := nosqlclient.ReadRow(row)
		out[i] = store.TagRow{Tag: r.String("tag"), CreateTime: r.Time("created_ts"), ImageID: r.String("image_id"), OwnerID: r.String("owner_id")}
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("nosql: list tagged images: %w", err)
		}
	}
	return out, nil
}

// checkTag refuses a tag that store.TagKey cannot have returned: the key
// would not fit.
func checkTag(tag string) error {
	if tag == "" || store.TagKey(tag) != tag {
		return fmt.Errorf("nosql: tag key %q: want 1 to %d bytes", tag, store.MaxTagKeyBytes)
	}
	return nil
}

// checkTagRow refuses a row whose key would not fit.
func checkTagRow(r store.TagRow) error {
	if err := checkTag(r.Tag); err != nil {
		return err
	}
	return checkID("image", r.ImageID)
}

// tagKey is the primary key of r.
func tagKey(r store.TagRow) *types.MapValue {
	return types.NewMapValue(map[string]any{"tag": r.Tag, "created_ts": r.CreateTime.UnixNano(), "image_id": r.ImageID})
}

// encodeTagRow returns the row of r.
func encodeTagRow(r store.TagRow) *types.MapValue {
	return types.NewMapValue(map[string]any{
		"tag":        r.Tag,
		"created_ts": r.CreateTime.UnixNano(),
		"image_id":   r.ImageID,
		"owner_id":   r.OwnerID,
	})
}

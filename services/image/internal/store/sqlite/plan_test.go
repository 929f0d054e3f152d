package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueriesSeekInOrder checks that listing (photos and avatars) and the
// feed's merge read the per-owner index in order instead of sorting an owner's photos, and that
// a page of a photo's comments, or of a tag's photos, is a range seek on
// its table's primary key, read in the order asked for, and a page of a
// person's own comments or reactions one on its index.
func TestQueriesSeekInOrder(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const ownerSeek = "images_by_owner (user_id=? AND is_profile=? AND"
	queries := map[string]struct {
		query string
		args  []any
		want  string
	}{
		"list":            {listQuery, []any{"o", 1, "x", 10}, ownerSeek},
		"avatars":         {avatarsQuery, []any{"o", 1, "x", 10}, ownerSeek},
		"next":            {nextQuery, []any{"o", 1, "x", 10}, ownerSeek},
		"heads":           {headsQuery, []any{`["o"]`, 1, "x"}, ownerSeek},
		"oldest comments": {oldestCommentsQuery, []any{"i", "c", 10}, "SEARCH fotogal_ntable_comments USING PRIMARY KEY (image_id=? AND comment_id>?)"},
		"newest comments": {newestCommentsQuery, []any{"i", 10}, "SEARCH fotogal_ntable_comments USING PRIMARY KEY (image_id=?)"},
		"older comments":  {olderCommentsQuery, []any{"i", "c", 10}, "SEARCH fotogal_ntable_comments USING PRIMARY KEY (image_id=? AND comment_id<?)"},
		"tagged":          {taggedQuery, []any{"t", 1, "x", 10}, "SEARCH fotogal_ntable_tags USING PRIMARY KEY (tag=? AND"},
		"author comments": {authorCommentsQuery, []any{"a", 1, "c", 10}, "SEARCH fotogal_ntable_comments USING INDEX comments_by_author (author_id=? AND"},
		"user reactions":  {userReactionsQuery, []any{"u", 1, "i", 10}, "SEARCH reactions USING INDEX reactions_by_user (user_id=? AND"},
	}
	for name, q := range queries {
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.query, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		t.Logf("%s:\n%s", name, text)
		if !strings.Contains(text, q.want) || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s is not an ordered seek (%s):\n%s", name, q.want, text)
		}
	}
}

package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostingLogUsesTheTimeIndex checks that the posting log is one
// ordered range seek on images_by_time, read from the index alone.
func TestPostingLogUsesTheTimeIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+afterQuery, 1, "x", 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "COVERING INDEX images_by_time (is_profile=? AND (created_ts,image_id)>(?,?))") || strings.Contains(text, "TEMP B-TREE") {
		t.Errorf("the posting log is not an ordered seek of images_by_time:\n%s", text)
	}
}

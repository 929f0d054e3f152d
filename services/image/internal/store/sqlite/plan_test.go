package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueriesUseTheOwnerIndex checks that listing and the feed's merge
// read the per-owner index in order instead of sorting an owner's photos.
func TestQueriesUseTheOwnerIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "image.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	queries := map[string]struct {
		query string
		args  []any
	}{
		"list":  {listQuery, []any{"o", 1, "x", 10}},
		"next":  {nextQuery, []any{"o", 1, "x", 10}},
		"heads": {headsQuery, []any{`["o"]`, 1, "x"}},
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
		if !strings.Contains(text, "images_by_owner (user_id=? AND is_profile=? AND") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s does not seek the owner index in order:\n%s", name, text)
		}
	}
}

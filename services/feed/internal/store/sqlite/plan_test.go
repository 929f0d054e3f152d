package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestTimelineIsOneRangeScan checks that a stretch of a timeline is read
// by seeking the primary key at both ends, in order: its cost does not
// grow with the depth of the page nor with the size of the timeline.
func TestTimelineIsOneRangeScan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "feed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, inclusive := range []bool{false, true} {
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+entriesQuery(inclusive), "r", 2, "b", 1, "a", 20)
		if err != nil {
			t.Fatal(err)
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
		if err := closeRows(rows); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "PRIMARY KEY (reader_id=? AND (created_ts,image_id)>(?,?) AND (created_ts,image_id)<(?,?))") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("inclusive %v: not one ordered range scan of the primary key:\n%s", inclusive, text)
		}
	}
}

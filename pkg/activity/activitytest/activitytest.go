// Package activitytest is the contract every activity.Log implementation
// meets: each adapter's test, and each service's store suite, calls Run
// with a function that returns a new, empty log.
//
// The logs keep events for activity.Retention against the wall clock, so
// the suite's events happen an hour before it starts, well inside it.
package activitytest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/pkg/activity"
)

// base is when the suite's first event happens: an hour before it
// started, with nanoseconds, to check that the log keeps them.
var base = time.Now().UTC().Add(-time.Hour).Truncate(time.Second).Add(123456789 * time.Nanosecond)

// Run runs the contract on the logs newLog returns; each subtest gets a
// new, empty one.
func Run(t *testing.T, newLog func(t *testing.T) activity.Log) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, l activity.Log)
	}{
		{"RoundTrip", testRoundTrip},
		{"OrderByTimeThenID", testOrder},
		{"StrictlyAfterCursor", testStrictlyAfter},
		{"PagingSeesEachEventOnce", testPaging},
		{"AppendIsIdempotent", testIdempotent},
		{"ConcurrentAppendsAllKept", testConcurrentAppends},
		{"RetentionHidesOldEvents", testRetention},
		{"Limit", testLimit},
		{"BadIDsRefused", testBadIDs},
		{"DeleteEventsOfOnePerson", testDeleteEventsOf},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newLog(t))
		})
	}
}

// event returns a like by actor of recipient's photo, at base+at.
func event(id string, at time.Duration) activity.Event {
	return activity.Event{
		ID:          id,
		Time:        base.Add(at),
		Kind:        activity.Like,
		ActorID:     "actor",
		RecipientID: "recipient",
		ImageID:     "image",
	}
}

// appendEvents appends events in one call and fails the test on an error.
func appendEvents(t *testing.T, l activity.Log, events ...activity.Event) {
	t.Helper()
	if err := l.AppendEvents(context.Background(), events...); err != nil {
		t.Fatalf("AppendEvents(%s): %v", strings.Join(ids(events), ", "), err)
	}
}

// list returns the events after c, at most limit, failing the test on an
// error.
func list(t *testing.T, l activity.Log, c activity.Cursor, limit int) []activity.Event {
	t.Helper()
	got, err := l.ListEventsAfter(context.Background(), c, limit)
	if err != nil {
		t.Fatalf("ListEventsAfter(%v, %q, %d): %v", c.Time, c.ID, limit, err)
	}
	return got
}

// ids returns the ids of events, in order.
func ids(events []activity.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.ID
	}
	return out
}

// assertIDs checks that events are exactly those with want ids, in order.
func assertIDs(t *testing.T, what string, events []activity.Event, want ...string) {
	t.Helper()
	if got := ids(events); !slices.Equal(got, want) {
		t.Errorf("%s: events %q, want %q", what, got, want)
	}
}

// assertEvent compares events field by field, times with Equal.
func assertEvent(t *testing.T, got, want activity.Event) {
	t.Helper()
	gotTime, wantTime := got.Time, want.Time
	got.Time, want.Time = time.Time{}, time.Time{}
	if got != want || !gotTime.Equal(wantTime) {
		t.Errorf("event %s = %+v at %v, want %+v at %v", want.ID, got, gotTime, want, wantTime)
	}
}

func testRoundTrip(t *testing.T, l activity.Log) {
	text := strings.Repeat("é🙂", activity.MaxTextLen/2)
	events := []activity.Event{
		{
			ID: activity.NewID(), Time: base, Kind: activity.Comment,
			ActorID: activity.NewID(), RecipientID: activity.NewID(), ImageID: activity.NewID(), CommentID: activity.NewID(),
			Text: text,
		},
		{
			ID: activity.NewID(), Time: base.Add(time.Nanosecond), Kind: activity.Like,
			ActorID: "ann", RecipientID: "bob", ImageID: "img", Retracted: true,
		},
		{
			ID: activity.NewID(), Time: base.Add(time.Second).In(time.FixedZone("BRT", -3*3600)), Kind: activity.Follow,
			ActorID: "ann", RecipientID: "bob",
		},
		{
			ID: activity.NewID(), Time: base.Add(2 * time.Second), Kind: activity.Mention,
			ActorID: "ann", RecipientID: "cat", ImageID: "img", Text: "@cat look",
		},
		{ID: activity.NewID(), Time: base.Add(3 * time.Second), Kind: activity.FollowRequest, ActorID: "dan", RecipientID: "bob"},
		{ID: activity.NewID(), Time: base.Add(4 * time.Second), Kind: activity.RequestAccepted, ActorID: "bob", RecipientID: "dan"},
	}
	appendEvents(t, l, events...)
	got := list(t, l, activity.Cursor{}, 10)
	if len(got) != len(events) {
		t.Fatalf("listed %d events, want %d: %q", len(got), len(events), ids(got))
	}
	for i, want := range events {
		assertEvent(t, got[i], want)
		if got[i].Time.Location() != time.UTC {
			t.Errorf("event %s: time in %v, want UTC", want.ID, got[i].Time.Location())
		}
	}
}

func testOrder(t *testing.T, l activity.Log) {
	// Appended out of order, in two calls; three share a time.
	appendEvents(t, l, event("e", 2*time.Second), event("c", time.Second), event("a", time.Second))
	appendEvents(t, l, event("b", time.Second), event("z", 0), event("d", 3*time.Second))
	assertIDs(t, "from the start", list(t, l, activity.Cursor{}, 10), "z", "a", "b", "c", "e", "d")
}

func testStrictlyAfter(t *testing.T, l activity.Log) {
	appendEvents(t, l, event("a", 0), event("b1", time.Second), event("b2", time.Second), event("b3", time.Second), event("c", 2*time.Second))
	at := func(d time.Duration, id string) activity.Cursor { return activity.Cursor{Time: base.Add(d), ID: id} }
	tests := []struct {
		name   string
		cursor activity.Cursor
		want   []string
	}{
		{"zero cursor", activity.Cursor{}, []string{"a", "b1", "b2", "b3", "c"}},
		{"at the first event", activity.CursorOf(event("a", 0)), []string{"b1", "b2", "b3", "c"}},
		{"at an event among equal times", at(time.Second, "b2"), []string{"b3", "c"}},
		{"equal time, smaller id than all", at(time.Second, ""), []string{"b1", "b2", "b3", "c"}},
		{"equal time, id between two", at(time.Second, "b1x"), []string{"b2", "b3", "c"}},
		{"equal time, larger id than all", at(time.Second, "zz"), []string{"c"}},
		{"a nanosecond earlier, any id", at(time.Second-time.Nanosecond, "zz"), []string{"b1", "b2", "b3", "c"}},
		{"at the last event", at(2*time.Second, "c"), nil},
		{"after the last event", at(time.Hour, ""), nil},
		{"far in the future", activity.Cursor{Time: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"far in the past", activity.Cursor{Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), ID: "zz"}, []string{"a", "b1", "b2", "b3", "c"}},
	}
	for _, tc := range tests {
		assertIDs(t, tc.name, list(t, l, tc.cursor, 10), tc.want...)
	}
}

// testPaging reads a log of more events than a page in pages, as the feed
// tails it: each event once, in order.
func testPaging(t *testing.T, l activity.Log) {
	const n, page = 250, 100
	var want []activity.Event
	for i := range n {
		// Three events per microsecond, so that pages end among equal times.
		want = append(want, event(activity.NewID(), time.Duration(i/3)*time.Microsecond))
	}
	for batch := range slices.Chunk(want, 3) {
		appendEvents(t, l, batch...)
	}
	slices.SortFunc(want, func(a, b activity.Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var (
		got    []activity.Event
		cursor activity.Cursor
		sizes  []int
	)
	for range n/page + 2 {
		events := list(t, l, cursor, page)
		sizes = append(sizes, len(events))
		if len(events) == 0 {
			break
		}
		got = append(got, events...)
		cursor = activity.CursorOf(events[len(events)-1])
	}
	if want := []int{page, page, n - 2*page, 0}; !slices.Equal(sizes, want) {
		t.Errorf("page sizes %v, want %v", sizes, want)
	}
	assertIDs(t, "the pages", got, ids(want)...)
}

func testIdempotent(t *testing.T, l activity.Log) {
	first := event("a", 0)
	first.Text = "first"
	again := first
	again.Time, again.Text, again.Retracted = base.Add(time.Minute), "again", true
	appendEvents(t, l, first)
	appendEvents(t, l, again)

	second := event("b", time.Second)
	second.Text = "second"
	twin := second
	twin.Text, twin.Retracted = "twin", true
	appendEvents(t, l, second, twin)

	got := list(t, l, activity.Cursor{}, 10)
	if len(got) != 2 {
		t.Fatalf("listed %q, want one event per id", ids(got))
	}
	assertEvent(t, got[0], first)
	assertEvent(t, got[1], second)
}

func testConcurrentAppends(t *testing.T, l activity.Log) {
	const writers, each = 8, 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		want []string
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each / 2 {
				// Every writer at the same times, two events a call.
				evs := []activity.Event{
					event(fmt.Sprintf("w%d-%02d", w, 2*i), time.Duration(i)*time.Millisecond),
					event(fmt.Sprintf("w%d-%02d", w, 2*i+1), time.Duration(i)*time.Millisecond),
				}
				if err := l.AppendEvents(context.Background(), evs...); err != nil {
					t.Errorf("writer %d: AppendEvents: %v", w, err)
					return
				}
				mu.Lock()
				want = append(want, ids(evs)...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got := list(t, l, activity.Cursor{}, 2*writers*each)
	if len(got) != writers*each {
		t.Errorf("listed %d events, want %d", len(got), writers*each)
	}
	slices.Sort(want)
	gotIDs := ids(got)
	slices.Sort(gotIDs)
	if !slices.Equal(gotIDs, want) {
		t.Errorf("listed %q, want %q", gotIDs, want)
	}
}

func testRetention(t *testing.T, l activity.Log) {
	now := time.Now()
	old := event("old", 0)
	old.Time = now.Add(-activity.Retention - time.Hour)
	older := event("older", 0)
	older.Time = now.Add(-30 * 24 * time.Hour)
	// Inside the retention for as long as the suite can take.
	kept := event("kept", 0)
	kept.Time = now.Add(-activity.Retention + time.Hour)
	recent := event("recent", 0)
	appendEvents(t, l, old, kept)
	appendEvents(t, l, older)
	appendEvents(t, l, recent)
	assertIDs(t, "from the start", list(t, l, activity.Cursor{}, 10), "kept", "recent")
	assertIDs(t, "from before the old ones", list(t, l, activity.Cursor{Time: older.Time.Add(-time.Hour)}, 10), "kept", "recent")
}

func testLimit(t *testing.T, l activity.Log) {
	appendEvents(t, l, event("a", 0), event("b", time.Second), event("c", 2*time.Second))
	tests := []struct {
		limit int
		want  []string
	}{
		{0, nil},
		{-1, nil},
		{1, []string{"a"}},
		{2, []string{"a", "b"}},
		{1000, []string{"a", "b", "c"}},
	}
	for _, tc := range tests {
		assertIDs(t, fmt.Sprintf("limit %d", tc.limit), list(t, l, activity.Cursor{}, tc.limit), tc.want...)
	}
}

// testBadIDs checks that ids longer than NewID's, which would not fit the
// NoSQL keys, or empty ones, are refused, and that their call writes
// nothing.
func testBadIDs(t *testing.T, l activity.Log) {
	tests := []struct {
		name string
		id   string
	}{
		{"empty", ""},
		{"27 bytes", strings.Repeat("a", 27)},
		{"27 bytes of UTF-8", strings.Repeat("é", 13) + "a"},
	}
	for _, tc := range tests {
		if err := l.AppendEvents(context.Background(), event("good", 0), event(tc.id, time.Second)); err == nil {
			t.Errorf("AppendEvents with an id %s (%q) succeeded", tc.name, tc.id)
		}
	}
	assertIDs(t, "after the refused calls", list(t, l, activity.Cursor{}, 10))
	longest := activity.NewID()
	appendEvents(t, l, event(longest, 0))
	assertIDs(t, "a NewID", list(t, l, activity.Cursor{}, 10), longest)
}

func testDeleteEventsOf(t *testing.T, l activity.Log) {
	ctx := context.Background()
	var events []activity.Event
	for i, pair := range [][2]string{
		{"gone", "other"}, {"other", "gone"}, {"other", "third"}, {"third", "other"}, {"gone", "gone"},
	} {
		// More than a page of the NoSQL adapter's deletion as actor.
		for j := range 60 {
			ev := event(fmt.Sprintf("ev-%d-%02d", i, j), time.Duration(i*100+j)*time.Millisecond)
			ev.ActorID, ev.RecipientID = pair[0], pair[1]
			events = append(events, ev)
		}
	}
	appendEvents(t, l, events...)
	if err := l.DeleteEventsOf(ctx, "gone"); err != nil {
		t.Fatalf("DeleteEventsOf: %v", err)
	}
	var want []string
	for _, ev := range events {
		if ev.ActorID != "gone" && ev.RecipientID != "gone" {
			want = append(want, ev.ID)
		}
	}
	assertIDs(t, "after deleting the events of gone", list(t, l, activity.Cursor{}, len(events)), want...)
	if err := l.DeleteEventsOf(ctx, "gone"); err != nil {
		t.Errorf("DeleteEventsOf again: %v", err)
	}
	if err := l.DeleteEventsOf(ctx, "nobody"); err != nil {
		t.Errorf("DeleteEventsOf of someone without events: %v", err)
	}
	assertIDs(t, "after deleting again", list(t, l, activity.Cursor{}, len(events)), want...)
}

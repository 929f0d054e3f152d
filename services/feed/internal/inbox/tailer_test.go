package inbox

import (
	"context"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/fotogal/fotogal/pkg/activity"
)

// written returns how many notifications s's tailer of log has written.
func written(t *testing.T, s *Server, log string) float64 {
	t.Helper()
	var m dto.Metric
	if err := s.applied.WithLabelValues(log).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestTailerNotifiesOncePerThing: every event about one thing (a like and
// its unlike) lands on one notification, which the newest event decides,
// in whatever order and however often the events are read.
func TestTailerNotifiesOncePerThing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run appends events of actor about img, tailing in between with
		// pass, and returns the notifications the owner must see, newest
		// first.
		run func(e *env, pass func(), actor, img string) []summary
	}{
		{"a like", func(e *env, pass func(), actor, img string) []summary {
			like := e.like(actor, img)
			e.add(like)
			pass()
			return []summary{summaryOf(like)}
		}},
		{"a second like by the same person", func(e *env, pass func(), actor, img string) []summary {
			first, second := e.like(actor, img), e.like(actor, img)
			e.add(first)
			pass()
			e.add(second)
			pass()
			return []summary{summaryOf(second)}
		}},
		{"like, unlike, like", func(e *env, pass func(), actor, img string) []summary {
			evs := []activity.Event{e.like(actor, img), e.unlike(actor, img), e.like(actor, img)}
			for _, ev := range evs {
				e.add(ev)
				pass()
			}
			return []summary{summaryOf(evs[2])}
		}},
		{"like then unlike", func(e *env, pass func(), actor, img string) []summary {
			e.add(e.like(actor, img))
			pass()
			e.add(e.unlike(actor, img))
			pass()
			return nil
		}},
		{"like and unlike read in one pass", func(e *env, pass func(), actor, img string) []summary {
			e.add(e.like(actor, img), e.unlike(actor, img))
			pass()
			return nil
		}},
		{"the like committed after the unlike", func(e *env, pass func(), actor, img string) []summary {
			like, unlike := e.like(actor, img), e.unlike(actor, img)
			e.add(unlike)
			pass()
			e.add(like)
			pass()
			return nil
		}},
		{"two comments", func(e *env, pass func(), actor, img string) []summary {
			first, second := e.comment(actor, img, "nice"), e.comment(actor, img, "really")
			e.add(first, second)
			pass()
			return []summary{summaryOf(second), summaryOf(first)}
		}},
		{"a deleted comment", func(e *env, pass func(), actor, img string) []summary {
			c := e.comment(actor, img, "oops")
			deleted := c
			deleted.ID, deleted.Time, deleted.Retracted = activity.NewID(), e.tick(), true
			e.add(c)
			pass()
			e.add(deleted)
			pass()
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			owner, actor := e.users.add("owner"), e.users.add("actor")
			img := e.images.post(owner)
			want := tc.run(e, func() { tail(t, e.server) }, actor, img)
			if got := summaries(e.all(t, owner, 20)); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			// Another replica re-reads the same events within its overlap.
			tail(t, e.replica(t, time.Millisecond))
			if got := summaries(e.all(t, owner, 20)); !slices.Equal(got, want) {
				t.Errorf("after another replica's pass: got %v, want %v", got, want)
			}
		})
	}
}

// TestTailerReReadsTheOverlap: a second replica starts from the store's
// cursor less the overlap, so it reads again what the first applied, and
// a like re-read after its unlike does not come back.
func TestTailerReReadsTheOverlap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, actor := e.users.add("owner"), e.users.add("actor")
	img := e.images.post(owner)
	e.add(e.like(actor, img), e.unlike(actor, img))
	tail(t, e.server)
	again := e.replica(t, time.Millisecond)
	tail(t, again)
	if got := written(t, again, imageLog); got != 2 {
		t.Errorf("the second replica wrote %v notifications, want the 2 it re-read", got)
	}
	if got := e.all(t, owner, 20); len(got) != 0 {
		t.Errorf("got %v, want none", summaries(got))
	}
	// The first replica remembers what it applied within the overlap.
	tail(t, e.server)
	if got := written(t, e.server, imageLog); got != 2 {
		t.Errorf("the first replica wrote %v notifications, want 2", got)
	}
}

// TestTailerSkipsSelfActions: nobody is notified of what they did
// themselves.
func TestTailerSkipsSelfActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.users.add("owner")
	img := e.images.post(owner)
	e.add(
		e.like(owner, img),
		e.comment(owner, img, "my own photo"),
		e.event(activity.Mention, owner, owner, img, ""),
	)
	tail(t, e.server)
	if got := e.stored(t, owner); len(got) != 0 {
		t.Errorf("stored %v, want nothing", got)
	}
	if got := written(t, e.server, imageLog); got != 0 {
		t.Errorf("wrote %v notifications, want 0", got)
	}
}

// TestTailerReadsBothLogs: the image service's likes, comments and
// mentions and the user service's follows, requests and acceptances all
// reach the inbox, and the metric counts them by log.
func TestTailerReadsBothLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me, fan, asker, private := e.users.add("me"), e.users.add("fan"), e.users.add("asker"), e.users.add("private")
	img := e.images.post(me)
	events := []activity.Event{
		e.like(fan, img),
		e.event(activity.Follow, fan, me, "", ""),
		e.event(activity.FollowRequest, asker, me, "", ""),
		e.event(activity.RequestAccepted, private, me, "", ""),
	}
	e.add(events...)
	tail(t, e.server)
	var want []summary
	for _, ev := range slices.Backward(events) {
		want = append(want, summaryOf(ev))
	}
	if got := summaries(e.all(t, me, 20)); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := written(t, e.server, imageLog); got != 1 {
		t.Errorf("image log: wrote %v, want 1", got)
	}
	if got := written(t, e.server, userLog); got != 3 {
		t.Errorf("user log: wrote %v, want 3", got)
	}
}

// TestTailerReadsPageAfterPage: a pass reads on past a page of the log,
// and moves the store's cursor to the newest event.
func TestTailerReadsPageAfterPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.users.add("owner")
	img := e.images.post(owner)
	var last activity.Event
	for i := range activityPageSize + 5 {
		last = e.like("u-fan"+strconv.Itoa(i), img)
		e.add(last)
	}
	tail(t, e.server)
	if got, want := len(e.stored(t, owner)), activityPageSize+5; got != want {
		t.Errorf("stored %d notifications, want %d", got, want)
	}
	cursor, err := e.store.ActivityCursor(context.Background(), imageLog)
	if err != nil {
		t.Fatal(err)
	}
	if !cursor.Time.Equal(last.Time) || cursor.ID != last.ID {
		t.Errorf("cursor %+v, want the newest event's (%v, %s)", cursor, last.Time, last.ID)
	}
}

// TestTailerDeliversInTheBackground: Tail, at its default interval, makes
// a new like show without anyone asking it to.
func TestTailerDeliversInTheBackground(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, actor := e.users.add("owner"), e.users.add("actor")
	img := e.images.post(owner)
	tailInBackground(t, e.replica(t, 0))
	e.add(e.like(actor, img))
	deadline := time.Now().Add(10 * time.Second)
	for e.unread(t, owner) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the like never showed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReplicasTailingAtOnceAgree: two replicas tailing one store at once,
// while events arrive, some committed after newer ones, end with the inbox
// the newest event about each thing makes.
func TestReplicasTailingAtOnceAgree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me := e.users.add("me")
	actors := []string{e.users.add("ann"), e.users.add("bob"), e.users.add("cat")}
	photos := []string{e.images.post(me), e.images.post(me)}
	tailInBackground(t, e.server)
	tailInBackground(t, e.replica(t, time.Millisecond))

	rng := rand.New(rand.NewPCG(1, 2))
	var (
		all  []activity.Event
		late []activity.Event
	)
	for i := range 300 {
		actor := actors[rng.IntN(len(actors))]
		var ev activity.Event
		if rng.IntN(3) == 0 {
			ev = e.event(activity.Follow, actor, me, "", "")
		} else {
			ev = e.like(actor, photos[rng.IntN(len(photos))])
		}
		ev.Retracted = rng.IntN(2) == 0
		all = append(all, ev)
		if rng.IntN(5) == 0 {
			late = append(late, ev) // Committed a few events later.
			continue
		}
		e.add(ev)
		if len(late) > 0 && rng.IntN(3) == 0 {
			e.add(late...)
			late = nil
		}
		if i%25 == 0 {
			time.Sleep(3 * time.Millisecond)
		}
	}
	e.add(late...)

	// The model: the newest event about each thing decides it.
	newest := make(map[summary]activity.Event)
	for _, ev := range all {
		s := summaryOf(ev)
		s.at = 0
		if cur, ok := newest[s]; !ok || ev.Time.After(cur.Time) {
			newest[s] = ev
		}
	}
	var live []activity.Event
	for _, ev := range newest {
		if !ev.Retracted {
			live = append(live, ev)
		}
	}
	slices.SortFunc(live, func(a, b activity.Event) int { return b.Time.Compare(a.Time) })
	want := make([]summary, len(live))
	for i, ev := range live {
		want[i] = summaryOf(ev)
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		got := summaries(e.all(t, me, 100))
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNotificationID: the id names the thing, the same for every event
// about it, in 24 lower-case base32 characters.
func TestNotificationID(t *testing.T) {
	t.Parallel()
	like := activity.Event{ID: "e1", Time: time.Unix(1, 0), Kind: activity.Like, ActorID: "a", RecipientID: "r", ImageID: "i"}
	unlike := like
	unlike.ID, unlike.Time, unlike.Retracted = "e2", time.Unix(2, 0), true
	tests := []struct {
		name  string
		other activity.Event
		same  bool
	}{
		{"its unlike", unlike, true},
		{"another kind", activity.Event{Kind: activity.Comment, ActorID: "a", RecipientID: "r", ImageID: "i"}, false},
		{"another actor", activity.Event{Kind: activity.Like, ActorID: "b", RecipientID: "r", ImageID: "i"}, false},
		{"another photo", activity.Event{Kind: activity.Like, ActorID: "a", RecipientID: "r", ImageID: "j"}, false},
		{"a comment on it", activity.Event{Kind: activity.Like, ActorID: "a", RecipientID: "r", ImageID: "i", CommentID: "c"}, false},
	}
	id := notificationID(like)
	if !regexp.MustCompile(`^[a-z2-7]{24}$`).MatchString(id) {
		t.Fatalf("id %q is not 24 lower-case base32 characters", id)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := notificationID(tc.other) == id; got != tc.same {
				t.Errorf("same id: %v, want %v", got, tc.same)
			}
		})
	}
}

package containers

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// The user container replaced by a fresh one, as a release of that service
// alone does it, while readers loop on a profile: the gap shows only as
// 503s, no request hangs past its deadline, the profile is the same after,
// and the other containers were not touched.
func TestIndependentRelease(t *testing.T) {
	p := Up(t)
	api := p.API()
	ana := api.Register(t, "ana_lima")
	ana.Do(t, http.MethodPatch, "/v1/me", map[string]any{"bio": "Fotógrafa"}).Expect(t, http.StatusOK)
	reader := api.Register(t, "reader")
	profile := "/v1/users/" + ana.Username
	all := p.InspectAll()
	oldUser := all["user"].ID
	delete(all, "user")
	before := startTimes(all)

	var answers Answers
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				answers.Add(get(p.URL, profile, reader.Token))
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	ok := func(after time.Time) func(Answer) bool {
		return func(a Answer) bool { return a.Status == http.StatusOK && !a.Start.Before(after) }
	}
	e2e.Eventually(t, 10*time.Second, "the readers answered", func() bool { return answers.Count(ok(time.Time{})) >= 5 })

	releasedAt := time.Now()
	if out, err := p.Compose("up", "-d", "--no-deps", "--force-recreate", "user"); err != nil {
		t.Fatalf("compose up --force-recreate user: %v\n%s", err, out)
	}
	recreated := time.Since(releasedAt)
	fresh := p.Inspect("user")
	if fresh.ID == oldUser {
		t.Fatalf("the user container was not replaced (%s)", fresh.ID[:12])
	}
	healthy := e2e.Eventually(t, 30*time.Second, "the new user container healthy", func() bool { return p.Inspect("user").Healthy() })
	served := time.Now()
	e2e.Eventually(t, 30*time.Second, "profiles served by the new container", func() bool { return answers.Count(ok(served)) >= 10 })
	stop()
	wg.Wait()

	got := answers.All()
	o := outage(got, releasedAt)
	t.Logf("compose up --force-recreate user took %v, the new container healthy %v later; gap: %v; %d answers, %d of them 503",
		recreated.Round(time.Millisecond), healthy.Round(time.Millisecond), o.Gap.Round(time.Millisecond), len(got), o.Unavailable)
	t.Logf("slowest request: %s", o.Slowest)
	for _, a := range o.Other {
		t.Errorf("neither 200 nor 503: %s", a)
	}
	if o.Slowest.Took > CallTimeout+time.Second {
		t.Errorf("a request took %v, more than the call timeout %v", o.Slowest.Took, CallTimeout)
	}
	if o.Gap < 0 {
		t.Errorf("no profile served after the first failure")
	}

	var after struct {
		Profile struct {
			Bio string `json:"bio"`
		} `json:"profile"`
	}
	reader.Do(t, http.MethodGet, profile, nil).Expect(t, http.StatusOK).Decode(t, &after)
	if after.Profile.Bio != "Fotógrafa" {
		t.Errorf("after the release the profile's bio is %q: the user volume was not kept", after.Profile.Bio)
	}
	others := p.InspectAll()
	delete(others, "user")
	for s, times := range startTimes(others) {
		if times != before[s] {
			t.Errorf("%s was touched by the release of user: %s, was %s", s, times, before[s])
		}
	}
}

package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
	"github.com/fotogal/fotogal/pkg/testimages"
)

// requestTimeout is how long a request of the load may take before it
// counts as unanswered.
const requestTimeout = 30 * time.Second

// maxExamples is how many error answers a route keeps for the report.
const maxExamples = 3

// person is an account of the load's population.
type person struct {
	username, email, password string
	// The fields below are guarded by the population's mutex.
	token     string          // "" until the first login
	feedToken string          // the next page of the timeline, "" for the first
	follows   map[string]bool // usernames followed
}

// population is everyone and everything the load has made so far.
type population struct {
	mu      sync.Mutex
	run     string    // a prefix no other run's usernames share
	made    int       // usernames handed out
	people  []*person // every account
	active  []*person // accounts with a session
	pending []*person // accounts never logged in
	images  []string  // every photo's id
	follows int
}

// newName hands out a username of this run.
func (p *population) newName() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.made++
	return fmt.Sprintf("s%s_%d", p.run, p.made)
}

// anyActive returns a random person with a session.
func (p *population) anyActive() *person {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active[rand.N(len(p.active))]
}

// other returns the username of a random account other than who; the
// caller holds p.mu.
func (p *population) other(who *person) string {
	i := rand.N(len(p.people) - 1)
	if p.people[i] == who {
		i = len(p.people) - 1
	}
	return p.people[i].username
}

// token returns the session token of who.
func (p *population) token(who *person) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return who.token
}

// route is one kind of request of the load, with its share of the starts.
type route struct {
	name   string
	weight int
	// send makes one request of the kind and records what it made in the
	// population; it returns the answer's status, or an error when there
	// was none.
	send func(l *load, ctx context.Context) (status int, body []byte, err error)
}

// routeStats is what happened to one route's requests.
type routeStats struct {
	mu         sync.Mutex
	sent, shed int
	latencies  []time.Duration // of answered requests
	statuses   map[int]int     // answers that were not 2xx, by status
	unanswered int             // requests without an answer
	unusable   int             // 2xx answers whose body the load could not use
	examples   []string        // the first error answers, for the report
}

// load is the open-loop generator of the package doc.
type load struct {
	base   string
	rate   int
	client *http.Client
	photo  []byte
	routes []route
	total  int // the sum of the weights
	stats  []*routeStats
	pop    population
}

func newLoad(base string, rate int) *load {
	l := &load{
		base: base,
		rate: rate,
		client: &http.Client{
			Timeout: requestTimeout,
			Transport: &http.Transport{
				MaxIdleConns:        maxInFlight,
				MaxIdleConnsPerHost: maxInFlight,
				IdleConnTimeout:     time.Minute,
			},
		},
		photo:  testimages.PNG(64, 64),
		routes: routes(),
		pop:    population{run: e2e.RandomHex(4)},
	}
	for _, r := range l.routes {
		l.total += r.weight
		l.stats = append(l.stats, &routeStats{statuses: map[int]int{}})
	}
	return l
}

// routes are the load's kinds of request, by weight (the package doc says
// why these).
func routes() []route {
	return []route{
		{"GET /v1/feed", 25, (*load).feedPage},
		{"GET /v1/images/{id}/content?size=thumb", 25, (*load).thumbnail},
		{"GET /v1/users/{username}", 15, (*load).profile},
		{"PUT /v1/images/{id}/like", 14, (*load).like},
		{"POST /v1/users/{username}/follow", 8, (*load).follow},
		{"POST /v1/images", 7, (*load).upload},
		{"POST /v1/sessions", 4, (*load).login},
		{"POST /v1/users", 2, (*load).register},
	}
}

// seed makes n accounts with a session and a photo each, and has each
// follow the next three, so that every route has something to work on
// from the first start.
func (l *load) seed(t *testing.T, s *e2e.Stack, n int) {
	t.Helper()
	var seeded []*e2e.Person
	for range n {
		p := s.Register(t, l.pop.newName())
		var up struct {
			Image struct {
				ImageID string `json:"imageId"`
			} `json:"image"`
		}
		p.Upload(t, http.MethodPost, "/v1/images", "seed", "seed.png", l.photo, false).Expect(t, http.StatusOK).Decode(t, &up)
		who := &person{username: p.Username, email: p.Email, password: p.Password, token: p.Token, follows: map[string]bool{}}
		l.pop.people = append(l.pop.people, who)
		l.pop.active = append(l.pop.active, who)
		l.pop.images = append(l.pop.images, up.Image.ImageID)
		seeded = append(seeded, p)
	}
	for i, p := range seeded {
		for j := 1; j <= 3; j++ {
			other := seeded[(i+j)%n].Username
			p.Do(t, http.MethodPost, "/v1/users/"+other+"/follow", nil).Expect(t, http.StatusOK)
			l.pop.people[i].follows[other] = true
			l.pop.follows++
		}
	}
}

// run starts requests at the load's rate until ctx ends, then waits for
// those in flight.
func (l *load) run(ctx context.Context) {
	slots := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(l.rate)
	began := time.Now()
	for i := 0; ; i++ {
		at := began.Add(time.Duration(i) * interval)
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-time.After(time.Until(at)):
		}
		k := l.pick()
		st := l.stats[k]
		select {
		case slots <- struct{}{}:
		default:
			st.mu.Lock()
			st.shed++
			st.mu.Unlock()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
			defer cancel()
			status, body, err := l.routes[k].send(l, rctx)
			// Latency counts from the start the schedule set, so that a
			// start the generator made late counts its wait.
			elapsed := time.Since(at)
			st.record(status, body, err, elapsed)
		})
	}
}

// pick draws a route index by weight.
func (l *load) pick() int {
	n := rand.N(l.total)
	for i, r := range l.routes {
		if n < r.weight {
			return i
		}
		n -= r.weight
	}
	panic("unreachable: the weights sum to l.total")
}

func (st *routeStats) record(status int, body []byte, err error, elapsed time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sent++
	switch {
	case err != nil:
		if status == 0 {
			st.unanswered++
		} else {
			st.unusable++
		}
		if len(st.examples) < maxExamples {
			st.examples = append(st.examples, err.Error())
		}
		if status == 0 {
			return
		}
	case status < 200 || status > 299:
		st.statuses[status]++
		if len(st.examples) < maxExamples {
			st.examples = append(st.examples, fmt.Sprintf("%d %s", status, bytes.TrimSpace(body[:min(len(body), 300)])))
		}
	}
	st.latencies = append(st.latencies, elapsed)
}

// do sends a request as who (nil: anonymous) and reads the whole answer.
func (l *load) do(ctx context.Context, who *person, method, path, contentType string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, r)
	if err != nil {
		return 0, nil, fmt.Errorf("make %s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if who != nil {
		req.Header.Set("Authorization", "Bearer "+l.pop.token(who))
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	return resp.StatusCode, data, nil
}

// doJSON sends v as a JSON body.
func (l *load) doJSON(ctx context.Context, who *person, method, path string, v any) (int, []byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, nil, fmt.Errorf("encode the body of %s %s: %w", method, path, err)
	}
	return l.do(ctx, who, method, path, "application/json", data)
}

// decodeOK decodes a 200 answer's body into v; other answers are left to
// the caller.
func decodeOK(status int, body []byte, v any) error {
	if status != http.StatusOK {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode the answer %T: %w: %s", v, err, body)
	}
	return nil
}

// register makes a new account; its first login comes with a later login.
func (l *load) register(ctx context.Context) (int, []byte, error) {
	name := l.pop.newName()
	who := &person{username: name, email: name + "@example.com", password: "correct horse " + name, follows: map[string]bool{}}
	status, body, err := l.doJSON(ctx, nil, http.MethodPost, "/v1/users", map[string]string{
		"email": who.email, "fullName": "Soak " + name, "username": name, "password": who.password,
	})
	if err == nil && status == http.StatusOK {
		l.pop.mu.Lock()
		l.pop.people = append(l.pop.people, who)
		l.pop.pending = append(l.pop.pending, who)
		l.pop.mu.Unlock()
	}
	return status, body, err
}

// login opens the first session of an account that has none, else a new
// one for a random account.
func (l *load) login(ctx context.Context) (int, []byte, error) {
	l.pop.mu.Lock()
	var who *person
	first := len(l.pop.pending) > 0
	if first {
		who = l.pop.pending[0]
		l.pop.pending = l.pop.pending[1:]
	} else {
		who = l.pop.people[rand.N(len(l.pop.people))]
	}
	l.pop.mu.Unlock()
	status, body, err := l.doJSON(ctx, nil, http.MethodPost, "/v1/sessions", map[string]string{"email": who.email, "password": who.password})
	var answer struct {
		SessionToken string `json:"sessionToken"`
	}
	if err == nil {
		err = decodeOK(status, body, &answer)
	}
	l.pop.mu.Lock()
	defer l.pop.mu.Unlock()
	switch {
	case err == nil && status == http.StatusOK && answer.SessionToken != "":
		if who.token == "" {
			l.pop.active = append(l.pop.active, who)
		}
		who.token = answer.SessionToken
	case err == nil && status == http.StatusOK:
		err = fmt.Errorf("login of %s answered 200 without a session token: %s", who.username, body)
	case first:
		l.pop.pending = append(l.pop.pending, who) // A later login tries again.
	}
	return status, body, err
}

// upload posts a small photo as a random person.
func (l *load) upload(ctx context.Context) (int, []byte, error) {
	who := l.pop.anyActive()
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	if err := w.WriteField("caption", "soak by "+who.username); err != nil {
		return 0, nil, fmt.Errorf("write the caption: %w", err)
	}
	part, err := w.CreateFormFile("file", "soak.png")
	if err != nil {
		return 0, nil, fmt.Errorf("write the file part: %w", err)
	}
	if _, err := part.Write(l.photo); err != nil {
		return 0, nil, fmt.Errorf("write the photo: %w", err)
	}
	if err := w.Close(); err != nil {
		return 0, nil, fmt.Errorf("close the form: %w", err)
	}
	status, body, err := l.do(ctx, who, http.MethodPost, "/v1/images", w.FormDataContentType(), form.Bytes())
	var answer struct {
		Image struct {
			ImageID string `json:"imageId"`
		} `json:"image"`
	}
	if err == nil {
		err = decodeOK(status, body, &answer)
	}
	if err == nil && status == http.StatusOK {
		if answer.Image.ImageID == "" {
			return status, body, fmt.Errorf("upload answered 200 without an image id: %s", body)
		}
		l.pop.mu.Lock()
		l.pop.images = append(l.pop.images, answer.Image.ImageID)
		l.pop.mu.Unlock()
	}
	return status, body, err
}

// anyImage returns a random photo's id and a random person to look at it.
func (l *load) anyImage() (string, *person) {
	who := l.pop.anyActive()
	l.pop.mu.Lock()
	defer l.pop.mu.Unlock()
	return l.pop.images[rand.N(len(l.pop.images))], who
}

// like likes a random photo as a random person (likes are idempotent).
func (l *load) like(ctx context.Context) (int, []byte, error) {
	id, who := l.anyImage()
	return l.do(ctx, who, http.MethodPut, "/v1/images/"+id+"/like", "", nil)
}

// thumbnail downloads a random photo's thumbnail.
func (l *load) thumbnail(ctx context.Context) (int, []byte, error) {
	id, who := l.anyImage()
	return l.do(ctx, who, http.MethodGet, "/v1/images/"+id+"/content?size=thumb", "", nil)
}

// follow has a random person follow someone else: someone not followed
// yet when ten draws find one, else again someone followed already (a
// follow of an existing edge leaves it as it is).
func (l *load) follow(ctx context.Context) (int, []byte, error) {
	who := l.pop.anyActive()
	l.pop.mu.Lock()
	var other string
	for range 10 {
		other = l.pop.other(who)
		if !who.follows[other] {
			break
		}
	}
	l.pop.mu.Unlock()
	status, body, err := l.do(ctx, who, http.MethodPost, "/v1/users/"+other+"/follow", "", nil)
	if err == nil && status == http.StatusOK {
		l.pop.mu.Lock()
		if !who.follows[other] {
			who.follows[other] = true
			l.pop.follows++
		}
		l.pop.mu.Unlock()
	}
	return status, body, err
}

// profile views a random account's profile.
func (l *load) profile(ctx context.Context) (int, []byte, error) {
	who := l.pop.anyActive()
	l.pop.mu.Lock()
	other := l.pop.people[rand.N(len(l.pop.people))].username
	l.pop.mu.Unlock()
	return l.do(ctx, who, http.MethodGet, "/v1/users/"+other, "", nil)
}

// feedPage reads a random person's timeline: the page after the one read
// last, or the first.
func (l *load) feedPage(ctx context.Context) (int, []byte, error) {
	who := l.pop.anyActive()
	l.pop.mu.Lock()
	path := "/v1/feed?pageSize=20"
	if who.feedToken != "" {
		path += "&pageToken=" + url.QueryEscape(who.feedToken)
	}
	l.pop.mu.Unlock()
	status, body, err := l.do(ctx, who, http.MethodGet, path, "", nil)
	var answer struct {
		NextPageToken string `json:"nextPageToken"`
	}
	if err == nil {
		err = decodeOK(status, body, &answer)
	}
	if err == nil && status == http.StatusOK {
		l.pop.mu.Lock()
		who.feedToken = answer.NextPageToken
		l.pop.mu.Unlock()
	}
	return status, body, err
}

// failures are the route outcomes that fail the soak: a 5xx, no answer,
// or a 2xx answer without what it should carry.
func (l *load) failures() []error {
	var errs []error
	for i, r := range l.routes {
		st := l.stats[i]
		var bad []string
		for _, code := range slices.Sorted(maps.Keys(st.statuses)) {
			if code >= 500 {
				bad = append(bad, fmt.Sprintf("%d×%d", st.statuses[code], code))
			}
		}
		if st.unanswered > 0 {
			bad = append(bad, fmt.Sprintf("%d without an answer", st.unanswered))
		}
		if st.unusable > 0 {
			bad = append(bad, fmt.Sprintf("%d 2xx answers without what they should carry", st.unusable))
		}
		if len(bad) > 0 {
			errs = append(errs, fmt.Errorf("%s: %s (first errors: %s)", r.name, strings.Join(bad, ", "), strings.Join(st.examples, " | ")))
		}
	}
	return errs
}

// report is the markdown table of the routes and a line on the population.
func (l *load) report(ran time.Duration) string {
	var b strings.Builder
	sent, shed := 0, 0
	for _, st := range l.stats {
		sent += st.sent
		shed += st.shed
	}
	fmt.Fprintf(&b, "\nsoak: %d requests/s for %v (%d sent, %.1f/s; %d shed at %d in flight)\n\n",
		l.rate, ran.Round(time.Second), sent, float64(sent)/ran.Seconds(), shed, maxInFlight)
	fmt.Fprintf(&b, "| route | weight | sent | 2xx | p50 | p99 | errors by status | shed |\n|---|---:|---:|---:|---:|---:|---|---:|\n")
	var examples []string
	for i, r := range l.routes {
		st := l.stats[i]
		ok := len(st.latencies)
		for _, n := range st.statuses {
			ok -= n
		}
		errs := []string{}
		for _, code := range slices.Sorted(maps.Keys(st.statuses)) {
			errs = append(errs, fmt.Sprintf("%d×%d", st.statuses[code], code))
		}
		if st.unanswered > 0 {
			errs = append(errs, fmt.Sprintf("%d×no answer", st.unanswered))
		}
		if st.unusable > 0 {
			errs = append(errs, fmt.Sprintf("%d×unusable 2xx", st.unusable))
		}
		if len(errs) == 0 {
			errs = append(errs, "none")
		}
		p50, p99 := percentile(st.latencies, 50), percentile(st.latencies, 99)
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %s | %s | %s | %d |\n", r.name, r.weight, st.sent, ok, ms(p50), ms(p99), strings.Join(errs, ", "), st.shed)
		for _, e := range st.examples {
			examples = append(examples, r.name+": "+e)
		}
	}
	l.pop.mu.Lock()
	fmt.Fprintf(&b, "\npopulation at the end: %d accounts (%d with a session), %d photos, %d follows\n",
		len(l.pop.people), len(l.pop.active), len(l.pop.images), l.pop.follows)
	l.pop.mu.Unlock()
	if len(examples) > 0 {
		fmt.Fprintf(&b, "first error answers:\n  %s\n", strings.Join(examples, "\n  "))
	}
	return b.String()
}

// percentile is the p-th percentile of ds (nearest rank), 0 of none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100
	return s[max(rank, 1)-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

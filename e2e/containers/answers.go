package containers

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Answer is one request a loop sent while a container was down, away or
// being replaced, and what came back.
type Answer struct {
	// Route names the request, e.g. "POST /v1/images".
	Route string
	Start time.Time
	Took  time.Duration
	// Status is the HTTP status, 0 when no answer came (Err says why).
	Status int
	Err    error
	Body   []byte
}

// End is when the answer came.
func (a Answer) End() time.Time { return a.Start.Add(a.Took) }

// loopClient gives up on a request at twice the call timeout, so that a
// hanging request shows as an error instead of stalling a test.
var loopClient = &http.Client{Timeout: 2 * CallTimeout}

// send sends req with the bearer token and reads the whole answer; it never
// fails the test, so goroutines may call it.
func send(route, token string, req *http.Request) Answer {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	a := Answer{Route: route, Start: time.Now()}
	resp, err := loopClient.Do(req)
	if err == nil {
		a.Status = resp.StatusCode
		a.Body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	a.Took = time.Since(a.Start)
	a.Err = err
	return a
}

// get sends GET base+path.
func get(base, path, token string) Answer {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return Answer{Route: "GET " + path, Err: err}
	}
	return send("GET "+routeOf(path), token, req)
}

// put sends PUT base+path with no body.
func put(base, path, token string) Answer {
	req, err := http.NewRequest(http.MethodPut, base+path, nil)
	if err != nil {
		return Answer{Route: "PUT " + path, Err: err}
	}
	return send("PUT "+routeOf(path), token, req)
}

// uploadPhoto posts a photo to POST /v1/images as the web app does.
func uploadPhoto(base, token, caption string, data []byte) Answer {
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	_ = form.WriteField("caption", caption)
	part, _ := form.CreateFormFile("file", "photo.png")
	part.Write(data)
	form.Close()
	req, err := http.NewRequest(http.MethodPost, base+"/v1/images", &body)
	if err != nil {
		return Answer{Route: "POST /v1/images", Err: err}
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	return send("POST /v1/images", token, req)
}

// routeOf drops the query of a path, for naming answers.
func routeOf(path string) string {
	route, _, _ := strings.Cut(path, "?")
	return route
}

// Answers collects the answers of concurrent loops.
type Answers struct {
	mu  sync.Mutex
	all []Answer
}

// Add records an answer.
func (as *Answers) Add(a Answer) {
	as.mu.Lock()
	defer as.mu.Unlock()
	as.all = append(as.all, a)
}

// All returns the answers so far, in the order they started.
func (as *Answers) All() []Answer {
	as.mu.Lock()
	all := slices.Clone(as.all)
	as.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Start.Before(all[j].Start) })
	return all
}

// Count returns how many answers so far pass keep.
func (as *Answers) Count(keep func(Answer) bool) int {
	as.mu.Lock()
	defer as.mu.Unlock()
	n := 0
	for _, a := range as.all {
		if keep(a) {
			n++
		}
	}
	return n
}

// Outage is what a loop's answers show of an interruption that began at
// Since.
type Outage struct {
	// Gap runs from Since to the end of the first 200 answer to a request
	// started after the first failed one: 0 when no request started after
	// Since failed, -1 when none succeeded after the failure.
	Gap time.Duration
	// Unavailable counts the 503 answers; Other lists every answer that is
	// neither 200 nor 503 (500s, errors, time-outs).
	Unavailable int
	Other       []Answer
	// Slowest is the answer that took longest.
	Slowest Answer
}

// outage reads the answers of a loop, in the order they started, around an
// interruption that began at since.
func outage(answers []Answer, since time.Time) Outage {
	var o Outage
	var failed *Answer
	for i, a := range answers {
		if a.Took > o.Slowest.Took {
			o.Slowest = a
		}
		switch a.Status {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			o.Unavailable++
		default:
			o.Other = append(o.Other, a)
		}
		if failed == nil && a.Status != http.StatusOK && !a.Start.Before(since) {
			failed = &answers[i]
		}
	}
	if failed == nil {
		return o
	}
	o.Gap = -1
	for _, a := range answers {
		if a.Status == http.StatusOK && a.Start.After(failed.Start) {
			o.Gap = a.End().Sub(since)
			break
		}
	}
	return o
}

// String names an answer for a test's log.
func (a Answer) String() string {
	if a.Err != nil {
		return fmt.Sprintf("%s at %s: no answer after %v: %v", a.Route, a.Start.Format("15:04:05.000"), a.Took.Round(time.Millisecond), a.Err)
	}
	body := a.Body
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Sprintf("%s at %s: %d after %v: %s", a.Route, a.Start.Format("15:04:05.000"), a.Status, a.Took.Round(time.Millisecond), body)
}

package soak

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on every Linux FotoGal runs on).
const clockTicks = 100

// usage is one binary's resources at one sample.
type usage struct {
	rss        float64       // resident memory, bytes
	goroutines float64       // go_goroutines on its /metrics
	fds        float64       // open file descriptors
	cpu        time.Duration // user and system time used since it started
}

// sample is every binary's usage at one moment of the run.
type sample struct {
	at time.Duration // since the load began
	of map[string]usage
}

// sampler reads the binaries' resources; it is used from one goroutine.
type sampler struct {
	stack   *e2e.Stack
	metrics map[string]string // each binary's metrics address
	client  *http.Client
	errs    []error
}

// sample reads every binary's usage; what it cannot read it records in
// s.errs and leaves zero.
func (s *sampler) sample(at time.Duration) sample {
	out := sample{at: at, of: map[string]usage{}}
	for _, name := range e2e.Binaries {
		u, err := s.read(name)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("sample %s at %v: %w", name, at.Round(time.Second), err))
		}
		out.of[name] = u
	}
	return out
}

func (s *sampler) read(name string) (usage, error) {
	pid := s.stack.PID(name)
	if pid == 0 {
		return usage{}, fmt.Errorf("%s is not running", name)
	}
	var u usage
	rss, err := statusKiB(pid, "VmRSS")
	if err != nil {
		return u, err
	}
	u.rss = float64(rss) * 1024
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return u, fmt.Errorf("list open files: %w", err)
	}
	u.fds = float64(len(fds))
	if u.cpu, err = cpuTime(pid); err != nil {
		return u, err
	}
	if u.goroutines, err = s.goroutines(name); err != nil {
		return u, err
	}
	return u, nil
}

// statusKiB reads a "Name: N kB" field of /proc/PID/status.
func statusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the process status: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %q: %w", field, rest, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// cpuTime reads the user and system time of /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read the process stat: %w", err)
	}
	// The command name, in parentheses, may hold spaces: the fields
	// counted from 3 (state) start after the last ')'.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat: %q", pid, data)
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime and stime, fields 14 and 15
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %q: %w", pid, f, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// goroutines reads go_goroutines from a binary's /metrics.
func (s *sampler) goroutines(name string) (float64, error) {
	resp, err := s.client.Get("http://" + s.metrics[name] + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("read the metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("read the metrics: %s", resp.Status)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "go_goroutines "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return 0, fmt.Errorf("go_goroutines %q: %w", rest, err)
			}
			return n, nil
		}
	}
	if err := lines.Err(); err != nil {
		return 0, fmt.Errorf("read the metrics: %w", err)
	}
	return 0, fmt.Errorf("no go_goroutines on %s's /metrics", name)
}

// A metric is one kind of series the growth rule judges.
type metric struct {
	name  string
	unit  string
	scale float64 // what one unit is of the usage's value
	floor float64 // the smallest margin, in the usage's value
	value func(usage) float64
}

// metrics are the series of every binary. The floors of the goroutines and
// the descriptors are what the requests in flight may hold at once: a
// connection each, to the binary and from it onwards, and a few goroutines
// for each connection; pools keep them for a while after a burst.
var metrics = []metric{
	{"RSS", "MiB", 1 << 20, 32 << 20, func(u usage) float64 { return u.rss }},
	{"goroutines", "", 1, 4 * maxInFlight, func(u usage) float64 { return u.goroutines }},
	{"open fds", "", 1, 2 * maxInFlight, func(u usage) float64 { return u.fds }},
}

// marginShare is the margin as a share of the first third's largest sample,
// when that is above the metric's floor.
const marginShare = 0.25

// verdict is the growth rule's reading of one series.
type verdict struct {
	grows    bool
	firstMax float64    // the largest sample of the first third
	lastMin  float64    // the smallest of the last third
	margin   float64    // what lastMin must exceed firstMax by
	medians  [3]float64 // of the first, middle and last thirds
}

// judge applies the growth rule of the package doc to xs, the samples of
// one series under load, oldest first; it needs at least minSamples.
func judge(xs []float64, floor float64) verdict {
	k := len(xs) / 3
	first, middle, last := xs[:k], xs[k:len(xs)-k], xs[len(xs)-k:]
	v := verdict{firstMax: slices.Max(first), lastMin: slices.Min(last)}
	v.margin = max(floor, marginShare*v.firstMax)
	v.medians = [3]float64{median(first), median(middle), median(last)}
	v.grows = v.lastMin > v.firstMax+v.margin && v.medians[0] < v.medians[1] && v.medians[1] < v.medians[2]
	return v
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// growth is a series that grows without bound.
type growth struct {
	series, verdict string
}

// growths judges every series of samples and returns those that grow.
func growths(samples []sample) []growth {
	var out []growth
	for _, name := range e2e.Binaries {
		for _, m := range metrics {
			v := judge(series(samples, name, m), m.floor)
			if v.grows {
				out = append(out, growth{
					series: name + " " + m.name,
					verdict: fmt.Sprintf("the last third's smallest sample, %s, exceeds the first third's largest, %s, by more than %s, and the thirds' medians rise (%s, %s, %s)",
						m.format(v.lastMin), m.format(v.firstMax), m.format(v.margin), m.format(v.medians[0]), m.format(v.medians[1]), m.format(v.medians[2])),
				})
			}
		}
	}
	return out
}

func series(samples []sample, name string, m metric) []float64 {
	xs := make([]float64, len(samples))
	for i, s := range samples {
		xs[i] = m.value(s.of[name])
	}
	return xs
}

func (m metric) format(x float64) string {
	if m.unit == "" {
		return strconv.FormatFloat(x/m.scale, 'f', 0, 64)
	}
	return strconv.FormatFloat(x/m.scale, 'f', 1, 64) + " " + m.unit
}

// resourceReport is the markdown table of every binary's usage before and
// after the load, then every series under load with its verdict.
func resourceReport(start, end sample, underLoad []sample) string {
	var b strings.Builder
	ran := end.at
	fmt.Fprintf(&b, "\n| binary | RSS start → end | goroutines start → end | open fds start → end | CPU under load |\n|---|---:|---:|---:|---:|\n")
	for _, name := range e2e.Binaries {
		s, e := start.of[name], end.of[name]
		cpu := e.cpu - s.cpu
		fmt.Fprintf(&b, "| %s | %s → %s | %s → %s | %s → %s | %.1f s (%.0f%% of a core) |\n", name,
			metrics[0].format(s.rss), metrics[0].format(e.rss),
			metrics[1].format(s.goroutines), metrics[1].format(e.goroutines),
			metrics[2].format(s.fds), metrics[2].format(e.fds),
			cpu.Seconds(), 100*cpu.Seconds()/ran.Seconds())
	}
	fmt.Fprintf(&b, "\nstart: before the load; end: after it, once the last request was answered (%v).\n", ran.Round(time.Second))
	if len(underLoad) < minSamples {
		return b.String()
	}
	fmt.Fprintf(&b, "samples under load, every %v from %v to %v; growth rule: the last third's min > the first third's max + margin, medians rising:\n",
		sampleEvery, underLoad[0].at.Round(time.Second), underLoad[len(underLoad)-1].at.Round(time.Second))
	for _, name := range e2e.Binaries {
		for _, m := range metrics {
			xs := series(underLoad, name, m)
			v := judge(xs, m.floor)
			values := make([]string, len(xs))
			for i, x := range xs {
				values[i] = strconv.FormatFloat(x/m.scale, 'f', 0, 64)
			}
			state := "bounded"
			if v.grows {
				state = "GROWS"
			}
			label := m.name
			if m.unit != "" {
				label += " (" + m.unit + ")"
			}
			fmt.Fprintf(&b, "  %-7s %-16s %s: first max %s, last min %s, margin %s: %s\n", name, label, strings.Join(values, " "),
				m.format(v.firstMax), m.format(v.lastMin), m.format(v.margin), state)
		}
	}
	return b.String()
}

// Package containers tests FotoGal across real containers: the images that
// `make images` builds (fotogal/{auth,user,image,feed,gateway}), started
// with deploy/compose/compose.yaml, and driven through the gateway's
// published port as an operator and the people using FotoGal meet it. Each
// test starts a Compose project of its own, with its own network, volumes
// and service credential, and removes it at the end.
//
// The tests cover the journey through the published port, the loss of a
// container, a network partition, the release of one service alone, and
// what the images are (user, read-only root, contents, health). They do not
// build the images, and do not cover the OCI backends or Kubernetes.
//
// They run only with FOTOGAL_CONTAINER_TESTS=1, which
// scripts/test-containers.sh sets after it has checked for a Docker Engine
// and built the images; otherwise every test skips, saying so. The images'
// tag is FOTOGAL_IMAGE_TAG (default latest), as in the Compose file.
package containers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fotogal/fotogal/e2e"
)

// Services are the Compose services of FotoGal, the gateway last.
var Services = []string{"auth", "user", "image", "feed", "gateway"}

// CallTimeout is FOTOGAL_CALL_TIMEOUT in compose.yaml: no request through
// the gateway may take much longer while a service is gone.
const CallTimeout = 5 * time.Second

// Project is one running Compose project of FotoGal.
type Project struct {
	// Name is the Compose project name, fotogal-test-<random>.
	Name string
	// URL is the gateway's published port on loopback, e.g.
	// http://127.0.0.1:41234.
	URL string
	// SecretFile holds the project's service credential.
	SecretFile string

	t       testing.TB
	root    string
	env     []string
	compose []string
}

// requireContainers skips t, loudly, unless the container tests were asked
// for.
func requireContainers(t testing.TB) {
	t.Helper()
	if os.Getenv("FOTOGAL_CONTAINER_TESTS") != "1" {
		t.Skip("CONTAINER TESTS SKIPPED: they need a Docker Engine and the images of `make images`; " +
			"run scripts/test-containers.sh (or set FOTOGAL_CONTAINER_TESTS=1)")
	}
}

// Up starts FotoGal as a new Compose project: a free port published for
// the gateway, a fresh service credential made by scripts/compose-secret.sh,
// and deploy/compose/compose.test.yaml on top of compose.yaml. It returns
// once every container is healthy and the gateway reports every upstream
// ready (its own wait rather than `up --wait`, which the docker-compose
// program lacks). The project is removed with its volumes when the test ends, after
// its logs are printed if the test failed.
func Up(t testing.TB) *Project {
	t.Helper()
	requireContainers(t)
	root, err := e2e.WorkspaceRoot()
	if err != nil {
		t.Fatal(err)
	}
	compose, err := composeCommand()
	if err != nil {
		t.Fatal(err)
	}
	// The gateway's published port, from the ports no other test or
	// outgoing connection takes meanwhile.
	_, port, _ := net.SplitHostPort(e2e.FreeAddr(t))
	p := &Project{
		Name:       "fotogal-test-" + e2e.RandomHex(4),
		URL:        "http://127.0.0.1:" + port,
		SecretFile: filepath.Join(t.TempDir(), "secrets", "service-secret"),
		t:          t,
		root:       root,
		compose:    compose,
	}
	if out, err := exec.Command(filepath.Join(root, "scripts", "compose-secret.sh"), p.SecretFile).CombinedOutput(); err != nil {
		t.Fatalf("scripts/compose-secret.sh: %v\n%s", err, out)
	}
	p.env = append(os.Environ(),
		"FOTOGAL_PUBLISH_PORT="+port,
		"FOTOGAL_SECRET_FILE="+p.SecretFile,
	)
	t.Cleanup(p.down)
	start := time.Now()
	if out, err := p.Compose("up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}
	p.WaitHealthy(90 * time.Second)
	t.Logf("project %s up and ready in %v, gateway at %s", p.Name, time.Since(start).Round(time.Millisecond), p.URL)
	return p
}

// down prints the logs of a failed test's project, then removes the
// project's containers, network and volumes.
func (p *Project) down() {
	if p.t.Failed() {
		out, _ := p.Compose("logs", "--no-color", "--tail", "60")
		p.t.Logf("logs of %s:\n%s", p.Name, out)
	}
	start := time.Now()
	if out, err := p.Compose("down", "-v", "--remove-orphans", "-t", "5"); err != nil {
		p.t.Errorf("compose down: %v\n%s", err, out)
	}
	p.t.Logf("project %s removed in %v", p.Name, time.Since(start).Round(time.Millisecond))
}

// Compose runs a docker compose command on the project and returns its
// combined output.
func (p *Project) Compose(args ...string) (string, error) {
	full := append(p.compose[1:len(p.compose):len(p.compose)],
		"-p", p.Name,
		"-f", filepath.Join(p.root, "deploy", "compose", "compose.yaml"),
		"-f", filepath.Join(p.root, "deploy", "compose", "compose.test.yaml"))
	cmd := exec.Command(p.compose[0], append(full, args...)...)
	cmd.Env = p.env
	cmd.Dir = p.root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// API returns a client of the gateway's published port, as e2e tests use
// one (only the gateway's URL of the Stack is set).
func (p *Project) API() *e2e.Stack {
	return &e2e.Stack{GatewayURL: p.URL}
}

// Container is what `docker inspect` says of a container, in part.
type Container struct {
	ID    string
	Name  string
	Image string
	State struct {
		Status    string
		Running   bool
		Pid       int
		StartedAt time.Time
		Health    *struct {
			Status string
			Log    []struct {
				Start, End time.Time
				ExitCode   int
				Output     string
			}
		}
	}
	RestartCount int
	Config       struct {
		User  string
		Env   []string
		Image string
	}
	HostConfig struct {
		ReadonlyRootfs bool
		Tmpfs          map[string]string
	}
	NetworkSettings struct {
		Networks map[string]struct {
			Aliases []string
		}
	}
	Mounts []struct {
		Type, Source, Destination string
		RW                        bool
	}
}

// Healthy reports whether Docker's health check passes.
func (c Container) Healthy() bool {
	return c.State.Health != nil && c.State.Health.Status == "healthy"
}

// FirstHealthy is how long after the container's start its first passing
// health check ended, from the health log Docker keeps (its last five
// checks); false when no passing check is in the log or the log no longer
// reaches back to the start.
func (c Container) FirstHealthy() (time.Duration, bool) {
	if c.State.Health == nil {
		return 0, false
	}
	log := c.State.Health.Log
	if len(log) == 5 && log[0].ExitCode == 0 {
		return 0, false // Earlier checks may have passed and fallen out.
	}
	for _, probe := range log {
		if probe.ExitCode == 0 {
			return probe.End.Sub(c.State.StartedAt), true
		}
	}
	return 0, false
}

// Inspect returns the container of a service; the test fails unless there
// is exactly one.
func (p *Project) Inspect(service string) Container {
	p.t.Helper()
	c, err := p.inspect(service)
	if err != nil {
		p.t.Fatal(err)
	}
	return c
}

func (p *Project) inspect(service string) (Container, error) {
	out, err := docker("ps", "-aq", "--no-trunc",
		"--filter", "label=com.docker.compose.project="+p.Name,
		"--filter", "label=com.docker.compose.service="+service)
	if err != nil {
		return Container{}, err
	}
	ids := strings.Fields(out)
	if len(ids) != 1 {
		return Container{}, fmt.Errorf("service %s of %s: %d containers (%q), want 1", service, p.Name, len(ids), ids)
	}
	out, err = docker("inspect", ids[0])
	if err != nil {
		return Container{}, err
	}
	var cs []Container
	if err := json.Unmarshal([]byte(out), &cs); err != nil || len(cs) != 1 {
		return Container{}, fmt.Errorf("docker inspect %s: %d containers, %v", ids[0], len(cs), err)
	}
	return cs[0], nil
}

// InspectAll returns every service's container, by service name.
func (p *Project) InspectAll() map[string]Container {
	p.t.Helper()
	all := map[string]Container{}
	for _, s := range Services {
		all[s] = p.Inspect(s)
	}
	return all
}

// Network is the project's private network, which every container is on.
func (p *Project) Network() string {
	p.t.Helper()
	nets := p.Inspect("gateway").NetworkSettings.Networks
	if len(nets) != 1 {
		p.t.Fatalf("the gateway is on %d networks, want 1: %v", len(nets), nets)
	}
	for name := range nets {
		return name
	}
	return ""
}

// WaitHealthy waits until every container passes its health check and the
// gateway's /readyz answers 200, and fails at once if a container stops.
func (p *Project) WaitHealthy(limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	last := "nothing checked yet"
	for {
		ok, why := p.healthy()
		if ok {
			return
		}
		last = why
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not healthy after %v: %s", p.Name, limit, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// healthy reports whether every container is healthy and the gateway
// ready, and if not, why.
func (p *Project) healthy() (bool, string) {
	for _, s := range Services {
		c, err := p.inspect(s)
		if err != nil {
			return false, err.Error()
		}
		switch {
		case c.State.Status == "exited" || c.State.Status == "dead":
			logs, _ := docker("logs", "--tail", "30", c.ID)
			p.t.Fatalf("%s exited while %s was starting:\n%s", s, p.Name, logs)
		case !c.Healthy():
			return false, fmt.Sprintf("%s is %s", s, c.State.Status)
		}
	}
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(p.URL + "/readyz")
	if err != nil {
		return false, "GET /readyz: " + err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, "GET /readyz: " + resp.Status
	}
	return true, ""
}

// docker runs the docker CLI and returns its standard output; the error
// carries what it printed on standard error.
func docker(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// dockerCmd is a docker CLI command to run.
func dockerCmd(args ...string) *exec.Cmd {
	return exec.Command("docker", args...)
}

// dockerRaw runs the docker CLI and returns its standard output as bytes
// (a tar stream).
func dockerRaw(ctx context.Context, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

var compose struct {
	once sync.Once
	cmd  []string
	err  error
}

// composeCommand is the Compose tool of this machine: the docker compose
// plugin where there is one, else the docker-compose program.
func composeCommand() ([]string, error) {
	compose.once.Do(func() {
		if exec.Command("docker", "compose", "version").Run() == nil {
			compose.cmd = []string{"docker", "compose"}
			return
		}
		if exec.Command("docker-compose", "version").Run() == nil {
			compose.cmd = []string{"docker-compose"}
			return
		}
		compose.err = errors.New("neither `docker compose` nor `docker-compose` runs here")
	})
	return compose.cmd, compose.err
}

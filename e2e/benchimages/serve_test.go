package benchimages

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// startNginx serves the files of root on a free loopback port with
// nginx, in the foreground of a child process that is stopped when the
// test ends (and sent SIGTERM should the test process die first), and
// returns its base URL. The master's pid is written to dir/nginx.pid, so
// scripts/bench-images.sh can stop a leftover one by its id.
func startNginx(t *testing.T, dir, root string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers read files under the test's private temp dir
	}
	conf := fmt.Sprintf(`%s
daemon off;
worker_processes auto;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	types { image/jpeg jpg; }
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	server {
		listen %[3]s;
		root %[4]s;
	}
}
`, user, dir, addr, root)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited at start: %v\n%s", err, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not listening on %s after 10s", addr)
		}
	}
}

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkErrors = regexp.MustCompile(`(Non-2xx or 3xx responses|Socket errors):.*`)
)

// wrk loads url with 8 connections on 2 threads for d and returns the
// requests per second, failing the test if any request was not answered
// with success.
func wrk(t *testing.T, url string, d time.Duration, headers ...string) float64 {
	t.Helper()
	args := []string{"-t2", "-c8", "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	out := run(t, "wrk", append(args, url)...)
	if e := wrkErrors.FindString(out); e != "" {
		t.Fatalf("wrk %s: %s\n%s", url, e, out)
	}
	m := wrkRate.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("wrk %s: no Requests/sec in\n%s", url, out)
	}
	rate, _ := strconv.ParseFloat(m[1], 64)
	return rate
}

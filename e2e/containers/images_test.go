package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What each image is once running from the Compose file: uid 65532, a
// read-only root filesystem, nothing in it but the binary (with its CA
// roots) and what Docker itself mounts, healthy within 10 s of its start,
// and the service credential only as a file.
func TestImages(t *testing.T) {
	p := Up(t)
	secret, err := os.ReadFile(p.SecretFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, service := range Services {
		t.Run(service, func(t *testing.T) {
			c := p.Inspect(service)
			size, err := docker("image", "inspect", "--format", "{{.Size}}", c.Image)
			if err != nil {
				t.Fatal(err)
			}
			mib, _ := strconv.ParseFloat(strings.TrimSpace(size), 64)
			healthyAfter, ok := c.FirstHealthy()
			if !ok {
				t.Errorf("no passing health check in %s's log: %+v", service, c.State.Health)
			} else if healthyAfter > 10*time.Second {
				t.Errorf("healthy %v after its start, want within 10s", healthyAfter)
			}
			t.Logf("%s: image %s, %.1f MiB; healthy %v after its start", service, c.Config.Image, mib/(1<<20), healthyAfter.Round(time.Millisecond))

			if c.Config.User != "65532:65532" && c.Config.User != "65532" {
				t.Errorf("Config.User = %q, want 65532", c.Config.User)
			}
			if uid, gid := processIDs(t, c.State.Pid); uid != "65532" || gid != "65532" {
				t.Errorf("the process runs as uid %s gid %s, want 65532", uid, gid)
			}

			if !c.HostConfig.ReadonlyRootfs {
				t.Error("the root filesystem is not read-only")
			}
			probe := filepath.Join(t.TempDir(), "probe")
			os.WriteFile(probe, []byte("x"), 0o644)
			if out, err := dockerCmd("cp", probe, c.ID+":/probe").CombinedOutput(); err == nil {
				t.Errorf("docker cp wrote into the root filesystem: %s", out)
			}

			if _, ok := c.HostConfig.Tmpfs["/tmp"]; !ok {
				t.Errorf("no tmpfs on /tmp: %v", c.HostConfig.Tmpfs)
			}
			mounts := map[string]string{}
			for _, m := range c.Mounts {
				mounts[m.Destination] = fmt.Sprintf("%s rw=%t", m.Type, m.RW)
			}
			want := map[string]string{}
			if service != "gateway" {
				want["/data"] = "volume rw=true"
				want["/run/secrets/service-secret"] = "bind rw=false"
			}
			if !maps.Equal(mounts, want) {
				t.Errorf("mounts %v, want %v", mounts, want)
			}

			for _, env := range c.Config.Env {
				if strings.Contains(env, strings.TrimSpace(string(secret))) {
					t.Errorf("the service credential is in the environment: %s=…", strings.SplitN(env, "=", 2)[0])
				}
			}
			if service != "gateway" && !slices.Contains(c.Config.Env, "FOTOGAL_SERVICE_SECRET_FILE=/run/secrets/service-secret") {
				t.Errorf("no FOTOGAL_SERVICE_SECRET_FILE in %v", c.Config.Env)
			}

			files, others := exportedFiles(t, c.ID)
			t.Logf("%s's filesystem: files with content %v; empty files, directories and links %v", service, files, others)
			if !slices.Contains(files, "fotogal") {
				t.Error("no /fotogal in the filesystem")
			}
			for _, f := range files {
				if f != "fotogal" && f != "etc/ssl/certs/ca-certificates.crt" {
					t.Errorf("/%s is in the image: only the binary and its CA roots belong there", f)
				}
			}
			for _, f := range others {
				if !dockerAdds[f] && !strings.HasPrefix(f, "dev/") {
					t.Errorf("/%s is in the filesystem: neither the image's nor one Docker adds", f)
				}
			}
		})
	}
}

// dockerAdds are the empty files and directories a container's filesystem
// has beside its image's binary: the mount points Docker makes (and
// everything under /dev), /data for the volume, the directories of the CA
// roots, /tmp for the tmpfs and /run/secrets for the credential.
var dockerAdds = map[string]bool{
	".dockerenv": true, "data/": true, "dev/": true, "proc/": true, "sys/": true, "tmp/": true,
	"etc/": true, "etc/hostname": true, "etc/hosts": true, "etc/mtab": true, "etc/resolv.conf": true,
	"etc/ssl/": true, "etc/ssl/certs/": true,
	"run/": true, "run/secrets/": true, "run/secrets/service-secret": true,
}

// processIDs returns the real uid and gid of a process on this machine.
func processIDs(t *testing.T, pid int) (uid, gid string) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("the container's process: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "Uid:":
			uid = fields[1]
		case "Gid:":
			gid = fields[1]
		}
	}
	return uid, gid
}

// exportedFiles reads the filesystem of a container (docker export) and
// returns its regular files that have content, and every other entry:
// directories, empty files (the mount points Docker adds, such as
// /etc/hosts) and links.
func exportedFiles(t *testing.T, id string) (files, others []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	data, err := dockerRaw(ctx, "export", id)
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read the exported filesystem: %v", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			files = append(files, name)
		} else {
			others = append(others, name)
		}
	}
	return files, others
}

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make test's first step, scripts/check-chromium.sh, installs Chromium
// with apt-get when it is missing and apt-get can be used, and otherwise
// stops with the instruction. apt-get is a stand-in here that records its
// arguments and "installs" the browser where the script looks for it.
func TestCheckChromiumInstallsIt(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the script installs only as root or with sudo; run as root to test it")
	}
	tests := []struct {
		name        string
		aptInstalls bool
		wantOK      bool
		wantOutput  string
	}{
		{"missing, installed", true, true, "installing Debian's chromium"},
		{"missing, the install fails", false, false, "apt-get install -y chromium"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			browser := filepath.Join(dir, "usr-bin-chromium")
			log := filepath.Join(dir, "apt-get.log")
			install := ""
			if tc.aptInstalls {
				install = `if [ "$1" = install ] || [ "$2" = install ] || [ "$3" = install ]; then printf '#!/bin/sh\n' >"` + browser + `"; chmod +x "` + browser + `"; fi`
			}
			fake := "#!/bin/sh\necho \"$@\" >>" + log + "\n" + install + "\n"
			if err := os.WriteFile(filepath.Join(dir, "apt-get"), []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			root, err := WorkspaceRoot()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", filepath.Join(root, "scripts", "check-chromium.sh"))
			cmd.Env = []string{"PATH=" + dir + ":" + os.Getenv("PATH"), "FOTOGAL_CHROMIUM_DEBIAN=" + browser}
			out, err := cmd.CombinedOutput()
			if (err == nil) != tc.wantOK || !strings.Contains(string(out), tc.wantOutput) {
				t.Errorf("exit %v, output %q; want success %v and %q", err, out, tc.wantOK, tc.wantOutput)
			}
			calls, _ := os.ReadFile(log)
			if !strings.Contains(string(calls), "install -y -qq --no-install-recommends chromium") {
				t.Errorf("apt-get was called with %q, want an install of chromium", calls)
			}
		})
	}
}

package check

import (
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Binary is what the sources say of one FotoGal binary's settings.
type Binary struct {
	// Name is the binary's short name: auth, user, image, feed or gateway.
	Name string
	// Reads holds the FOTOGAL_* variables its config.go reads itself: its
	// listen addresses, the services it dials, its backends.
	Reads map[string]bool
	// Known holds every FOTOGAL_* variable the binary may read: those named
	// in the FotoGal packages it is built from (its main package and every
	// package of the repository it imports, directly or not), and NAME_FILE
	// for each credential NAME read with config.Loader.Secret.
	Known map[string]bool
}

// SDKVariables are the environment variables other than FOTOGAL_* that a
// FotoGal pod may set: the OCI SDK reads them for OKE Workload Identity
// (FOTOGAL_OCI_AUTH=workload_identity), in every binary with OCI clients.
var SDKVariables = map[string]bool{
	"OCI_RESOURCE_PRINCIPAL_VERSION": true,
	"OCI_RESOURCE_PRINCIPAL_REGION":  true,
}

// modulePrefix is the import path of the repository's root.
const modulePrefix = "github.com/fotogal/fotogal/"

var (
	variableLiteral = regexp.MustCompile(`"(FOTOGAL_[A-Z0-9_]+)"`)
	secretRead      = regexp.MustCompile(`\.Secret\(\s*"(FOTOGAL_[A-Z0-9_]+)"`)
)

// LoadBinaries reads the settings of the five binaries from the sources
// under root, the repository: gateway/cmd/gateway and
// services/<name>/cmd/<name>, with the repository's packages they import.
func LoadBinaries(root string) (map[string]*Binary, error) {
	mains, err := filepath.Glob(filepath.Join(root, "services", "*", "cmd", "*", "config.go"))
	if err != nil {
		return nil, err
	}
	mains = append(mains, filepath.Join(root, "gateway", "cmd", "gateway", "config.go"))
	binaries := map[string]*Binary{}
	for _, config := range mains {
		dir := filepath.Dir(config)
		name := filepath.Base(dir)
		if module := filepath.Base(filepath.Dir(filepath.Dir(dir))); module != name {
			continue
		}
		src, err := os.ReadFile(config)
		if err != nil {
			return nil, fmt.Errorf("settings of %s: %w", name, err)
		}
		b := &Binary{Name: name, Reads: map[string]bool{}, Known: map[string]bool{}}
		for _, v := range variables(string(src)) {
			b.Reads[v] = true
		}
		if err := scanPackages(root, dir, b.Known, map[string]bool{}); err != nil {
			return nil, fmt.Errorf("settings of %s: %w", name, err)
		}
		binaries[name] = b
	}
	if len(binaries) != 5 {
		return nil, fmt.Errorf("found the settings of %d binaries under %s, want 5 (auth, user, image, feed, gateway)", len(binaries), root)
	}
	return binaries, nil
}

// scanPackages adds to known the FOTOGAL_* variables named in the non-test
// Go files of the package in dir, with NAME_FILE for each credential read
// with Loader.Secret, then does the same for each package of the
// repository it imports.
func scanPackages(root, dir string, known, seen map[string]bool) error {
	if seen[dir] {
		return nil
	}
	seen[dir] = true
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, v := range variables(string(src)) {
			known[v] = true
		}
		for _, m := range secretRead.FindAllStringSubmatch(string(src), -1) {
			known[m[1]+"_FILE"] = true
		}
		f, err := parser.ParseFile(fset, path, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			importPath, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			rel, ok := strings.CutPrefix(importPath, modulePrefix)
			if !ok {
				continue
			}
			if err := scanPackages(root, filepath.Join(root, filepath.FromSlash(rel)), known, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func variables(src string) []string {
	var names []string
	for _, m := range variableLiteral.FindAllStringSubmatch(src, -1) {
		names = append(names, m[1])
	}
	return names
}

// dial is a setting through which one binary reaches a port of another.
type dial struct {
	// variable is the setting, e.g. FOTOGAL_USER_ADDR.
	variable string
	// callee is the binary it reaches; port names the callee's container
	// port it reaches there.
	callee, port string
	// url: the value is a base URL, http://host:port, not a gRPC target.
	url bool
	// optional: set but empty, the binary dials nothing through it. Unset,
	// it still dials its default on 127.0.0.1.
	optional bool
}

// contentDial is how the gateway reaches the image service's content port,
// photo bytes over HTTP; set but empty, it streams them over gRPC instead.
var contentDial = dial{variable: "FOTOGAL_IMAGE_CONTENT_URL", callee: "image", port: "content", url: true, optional: true}

// dials returns every setting through which a binary may dial another:
// FOTOGAL_<BINARY>_ADDR to the grpc port of each of binaries, e.g.
// FOTOGAL_USER_ADDR for user, and contentDial.
func dials(binaries map[string]*Binary) []dial {
	var out []dial
	for _, callee := range slices.Sorted(maps.Keys(binaries)) {
		out = append(out, dial{variable: "FOTOGAL_" + strings.ToUpper(callee) + "_ADDR", callee: callee, port: "grpc"})
	}
	return append(out, contentDial)
}

// dialsWith reports whether a container of binary b, with environment env,
// dials d's callee through d: b reads the setting and env sets it (to a
// value, where an empty one turns it off).
func (d dial) dialsWith(b *Binary, env map[string]envVar) bool {
	v, set := env[d.variable]
	return b.Name != d.callee && b.Reads[d.variable] && set && (v.value != "" || !d.optional)
}

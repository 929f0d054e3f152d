package web

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestStaticHoldsIndex(t *testing.T) {
	t.Parallel()
	b, err := fs.ReadFile(Static, "static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Error("static/index.html is empty")
	}
}

// scripts returns the app's JavaScript files by path.
func scripts(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := fs.ReadFile(Static, p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var importRE = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'`)

// TestImportsResolve: every module a script imports is among the files
// served (a typo would only show as a blank page).
func TestImportsResolve(t *testing.T) {
	t.Parallel()
	files := scripts(t)
	for p, src := range files {
		for _, m := range importRE.FindAllStringSubmatch(src, -1) {
			target := path.Join(path.Dir(p), m[1])
			if _, ok := files[target]; !ok {
				t.Errorf("%s imports %s: no such file (%s)", p, m[1], target)
			}
		}
	}
}

var keyRE = regexp.MustCompile(`(?m)^    '([^']+)':`)

// messageKeys returns the keys of one language's block in i18n.js.
func messageKeys(t *testing.T, src, opening string) map[string]bool {
	t.Helper()
	start := strings.Index(src, "\n"+opening+"\n")
	if start < 0 {
		t.Fatalf("i18n.js has no block %q", opening)
	}
	block := src[start+len(opening)+2:]
	block = block[:strings.Index(block, "\n  },\n")]
	keys := map[string]bool{}
	for _, m := range keyRE.FindAllStringSubmatch(block, -1) {
		keys[m[1]] = true
	}
	if len(keys) == 0 {
		t.Fatalf("no messages in block %q", opening)
	}
	return keys
}

// TestMessagesInBothLanguages: every message the scripts name exists, in
// English and in Brazilian Portuguese alike.
func TestMessagesInBothLanguages(t *testing.T) {
	t.Parallel()
	files := scripts(t)
	src := files["static/js/i18n.js"]
	en := messageKeys(t, src, "  en: {")
	pt := messageKeys(t, src, "  'pt-BR': {")
	for k := range en {
		if !pt[k] {
			t.Errorf("%q has no Portuguese message", k)
		}
	}
	for k := range pt {
		if !en[k] {
			t.Errorf("%q has no English message", k)
		}
	}

	// Keys are used in calls (t('feed.title')) and in tables of keys
	// (FOLLOW_LABEL): any quoted string in a message namespace counts.
	namespaces := map[string]bool{}
	for k := range en {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	var names []string
	for ns := range namespaces {
		names = append(names, regexp.QuoteMeta(ns))
	}
	sort.Strings(names)
	used := regexp.MustCompile(`'((?:` + strings.Join(names, "|") + `)\.[A-Za-z.]+)'`)
	call := regexp.MustCompile(`\bt(?:Parts)?\(\s*'([^']+)'`)
	for p, code := range files {
		if p == "static/js/i18n.js" {
			continue
		}
		keys := map[string]bool{}
		for _, m := range used.FindAllStringSubmatch(code, -1) {
			keys[m[1]] = true
		}
		for _, m := range call.FindAllStringSubmatch(code, -1) {
			keys[m[1]] = true
		}
		for k := range keys {
			if strings.HasSuffix(k, ".js") || strings.HasSuffix(k, ".css") {
				continue
			}
			if !en[k] {
				t.Errorf("%s uses message %q, which i18n.js does not have", p, k)
			}
		}
	}
}

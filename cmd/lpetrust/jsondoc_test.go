package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lpetrust/lpetrust/adpublish/sambatest"
	"github.com/lpetrust/lpetrust/chain/live/livetest"
)

// The JSON reference, json.md, is checked against real output so that
// it cannot drift: every field of every command's -o json output must be
// documented in the command's section (or in a shared section the command
// section mounts by naming it as a field's type), and every finding code,
// reason code and phone status the code defines must be listed. A failure
// names each undocumented field: add a row for it.

const jsonDocPath = "json.md"

// jsonDoc is the parsed reference: per section, its rows.
type jsonDoc struct {
	sections map[string][]docRow
	codes    map[string]bool // every backticked word of the code sections
}

type docRow struct{ path, typ string }

var (
	docHeading = regexp.MustCompile("^## (?:`lpetrust ([^`]*?)(?: -o json)?`|(.+))$")
	docRowRE   = regexp.MustCompile("^\\| `([^`]*)` \\| ([^|]*) \\|")
	docLink    = regexp.MustCompile(`\[[^\]]*\]\(#([a-z0-9-]+)\)`)
	docCode    = regexp.MustCompile("`([a-z][a-z0-9_-]*)`")
)

func readJSONDoc(t *testing.T) jsonDoc {
	t.Helper()
	data, err := os.ReadFile(jsonDocPath)
	if err != nil {
		t.Fatal(err)
	}
	d := jsonDoc{sections: map[string][]docRow{}, codes: map[string]bool{}}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		if m := docHeading.FindStringSubmatch(line); m != nil {
			section = m[1]
			if section == "" {
				section = anchor(m[2])
			}
			continue
		}
		if strings.Contains(section, "codes") || strings.Contains(section, "statuses") || strings.Contains(section, "kinds") {
			for _, m := range docCode.FindAllStringSubmatch(line, -1) {
				d.codes[m[1]] = true
			}
			continue
		}
		if m := docRowRE.FindStringSubmatch(line); m != nil && section != "" {
			d.sections[section] = append(d.sections[section], docRow{m[1], strings.TrimSpace(m[2])})
		}
	}
	return d
}

// anchor is the GitHub anchor of a heading: "Chain result" → "chain-result".
func anchor(heading string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(heading)), " ", "-")
}

// documented reports whether path is documented in section: as a row, under
// a row typed "map …" (whose keys vary), or in a section a row mounts.
func (d jsonDoc) documented(section, path string, depth int) bool {
	if depth > 8 {
		return false
	}
	for _, r := range d.sections[section] {
		if r.path == path {
			return true
		}
		prefix := r.path + "."
		if r.path == "[]" || strings.HasSuffix(r.path, "[]") && r.path != "[]" {
			prefix = r.path + "."
		}
		if strings.HasPrefix(r.typ, "map") && strings.HasPrefix(path, prefix) {
			return true
		}
		if m := docLink.FindStringSubmatch(r.typ); m != nil && strings.HasPrefix(path, prefix) {
			if d.documented(m[1], strings.TrimPrefix(path, prefix), depth+1) {
				return true
			}
		}
		// An array typed with a section that documents a top-level array
		// (check's endpoints): its elements are that section's "[]".
		if m := docLink.FindStringSubmatch(r.typ); m != nil && strings.HasPrefix(path, r.path+"[]") {
			if d.documented(m[1], strings.TrimPrefix(path, r.path), depth+1) {
				return true
			}
		}
	}
	return false
}

// jsonPaths lists the field paths of a JSON document: "a.b", "a[].b",
// "[].b" for an array at the top.
func jsonPaths(v any, prefix string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			jsonPaths(e, p, out)
		}
	case []any:
		for _, e := range x {
			jsonPaths(e, prefix+"[]", out)
		}
	}
}

func TestJSONReference(t *testing.T) {
	doc := readJSONDoc(t)
	td := "../../testdata/"
	type run struct {
		section string
		args    []string
	}
	runs := []run{
		{"version", []string{"version"}},
		{"firmware", []string{"firmware"}},
		{"firmware", []string{"firmware", "CU10", "CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)"}},
		{"roots", []string{"roots", "--release", "CU10"}},
		{"roots", []string{"roots", "--known"}},
		{"roots diff", []string{"roots", "diff", "CU9", "CU11"}},
		{"cas", []string{"cas", "--at", "2026-12-01"}},
		{"inspect", []string{"--at", "2026-11-22", "inspect", td + "examples/renewal-digicert-g2.pem", td + "examples/today-comodo-via-aaa.pem",
			td + "certs/modern/2B8F1B57330DBBA2D07A6C51F70EE90DDAB9AD8E.pem", "--pool", "pool01.contoso.com", "--sip-domain", "contoso.com"}},
		{"report", []string{"--at", "2026-11-22", "report", "--inventory", td + "inventory/lync-ip-phone-inventory.csv",
			"--chain", td + "examples/today-comodo-via-aaa.pem", "--chain", td + "examples/renewal-digicert-g2.pem"}},
		{"report", []string{"--store", td + "inventory/chains/overlay-contoso.yaml", "--at", "2026-11-22", "report",
			"--inventory", td + "inventory/monitoring-registrations.tsv", "--chain", td + "inventory/chains/today.pem"}},
	}
	// check, against the loopback pool of package livetest.
	p := livetest.StartPool(t)
	runs = append(runs, run{"check", []string{"--store", checkOverlay(t, p), "--at", "2026-06-01", "check", "--discover", "lpe.test",
		"--resolver", p.DNS, "--port", strconv.Itoa(p.Port), "--timeout", "3s"}})
	// check --estate, against the loopback estate of TestCheckEstate.
	lab := startEstateLab(t)
	runs = append(runs, run{"check --estate", []string{"--store", lab.overlay, "--at", "2026-06-01", "check", "--estate", lab.topology,
		"--resolver", lab.dns, "--firmware", "CU10", "--timeout", "3s"}})
	// The directory commands, against the Samba AD DC when it runs (read
	// only: dry runs).
	if os.Getenv("LPETRUST_TEST_LDAP_URL") != "" && os.Getenv("LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE") != "" {
		sambatest.Lock(t, os.Getenv("LPETRUST_TEST_SAMBA_DIR"), false)
		ad := []string{"--server", os.Getenv("LPETRUST_TEST_LDAP_URL"), "--ca-file", os.Getenv("LPETRUST_TEST_LDAP_CA"),
			"--user", os.Getenv("LPETRUST_TEST_LDAP_ADMIN"), "--password-file", os.Getenv("LPETRUST_TEST_LDAP_ADMIN_PASSWORD_FILE")}
		runs = append(runs,
			run{"ad list", append([]string{"ad", "list", "--chain", td + "examples/renewal-digicert-g2.pem"}, ad...)},
			run{"ad publish", append([]string{"ad", "publish", "--dry-run", td + "certs/modern/8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16.pem"}, ad...)},
			run{"ad remove", append([]string{"ad", "remove", "--dry-run", "--sha1", "8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16"}, ad...)},
			run{"remediate", append([]string{"remediate", "--chain", td + "examples/renewal-digicert-g2.pem",
				"--inventory", td + "inventory/lync-ip-phone-inventory.csv"}, ad...)},
		)
	} else if os.Getenv(sambatest.RequireEnv) != "" {
		t.Fatalf("no Samba AD DC although %s is set", sambatest.RequireEnv)
	} else {
		t.Log("no Samba AD DC: the ad and remediate sections of json.md are not checked (see .ci/samba-start.sh)")
	}

	var missing []string
	for _, r := range runs {
		if _, ok := doc.sections[r.section]; !ok {
			missing = append(missing, fmt.Sprintf("no section \"## `lpetrust %s -o json`\"", r.section))
			continue
		}
		code, stdout, stderr := runLpetrust(append(r.args, "-o", "json")...)
		if code > exitNegative {
			t.Fatalf("lpetrust %s: exit %d: %s", strings.Join(r.args, " "), code, stderr)
		}
		var v any
		if err := json.Unmarshal([]byte(stdout), &v); err != nil {
			t.Fatalf("lpetrust %s: %v", strings.Join(r.args, " "), err)
		}
		paths := map[string]bool{}
		jsonPaths(v, "", paths)
		for p := range paths {
			if !doc.documented(r.section, p, 0) {
				missing = append(missing, fmt.Sprintf("%s: `%s`", r.section, p))
			}
		}
	}
	for _, c := range definedCodes(t) {
		if !doc.codes[c] {
			missing = append(missing, fmt.Sprintf("code `%s`", c))
		}
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	if len(missing) > 0 {
		t.Errorf("json.md lacks %d entries (add a row for each):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// definedCodes are the codes the packages define for scripts: finding
// codes (Code…), reason codes (Reason…), phone and directory statuses
// (Status…), reach statuses (Reach…) and fix kinds (Fix…): string constants
// of those names whose value is a code word.
func definedCodes(t *testing.T) []string {
	t.Helper()
	word := regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	var out []string
	for _, dir := range []string{"chain", "chain/live", "chain/report", "adpublish", "truststore"} {
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join("../..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						n := name.Name
						if !hasAnyPrefix(n, "Code", "Reason", "Status", "Reach", "Fix") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						if v, err := strconv.Unquote(lit.Value); err == nil && word.MatchString(v) {
							out = append(out, v)
						}
					}
				}
			}
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

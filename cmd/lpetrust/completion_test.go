package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestOutputFormatsMatchCommands keeps the -o completion of every command
// the same as what the command accepts: each is run with -o bogus and its
// one-line refusal lists the formats.
func TestOutputFormatsMatchCommands(t *testing.T) {
	// Arguments that get a command past cobra's own argument checks.
	args := map[string][]string{"lpetrust roots diff": {"CU9", "CU11"}, "lpetrust inspect": {"missing.pem"}}
	refusal := regexp.MustCompile(`^lpetrust: --output "bogus" is not supported here \(use (.*)\)\n$`)
	root := newRootCmd(&app{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		path := c.CommandPath()
		if c.RunE == nil || strings.HasPrefix(path, "lpetrust completion") || path == "lpetrust help" {
			return
		}
		want, ok := outputFormats[path]
		if !ok && c.HasSubCommands() {
			return // a group like lpetrust ad: it prints its help
		}
		if !ok {
			t.Errorf("%s: no entry in outputFormats (completion.go)", path)
			return
		}
		argv := append(strings.Fields(strings.TrimPrefix(path, "lpetrust")), args[path]...)
		code, stdout, stderr := lpetrust(t, append(argv, "-o", "bogus")...)
		m := refusal.FindStringSubmatch(stderr)
		if code != exitUsage || stdout != "" || m == nil {
			t.Errorf("%s -o bogus: exit %d, stdout %q, stderr %q", path, code, stdout, stderr)
			return
		}
		got := strings.Split(m[1], ", ")
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s accepts -o %v, completion offers %v", path, got, want)
		}
	}
	walk(root)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

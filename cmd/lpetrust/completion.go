package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// outputFormats are the --output values each command accepts, for shell
// completion; the command's checkOutput call is what enforces them (a test
// keeps the two the same).
var outputFormats = map[string][]string{
	"lpetrust inspect":      {"table", "json"},
	"lpetrust cas":          {"table", "json", "csv"},
	"lpetrust check":        {"table", "json", "csv"},
	"lpetrust report":       {"table", "csv", "csv-long", "json", "html"},
	"lpetrust remediate":    {"table", "json"},
	"lpetrust ad list":      {"table", "json"},
	"lpetrust ad publish":   {"table", "json"},
	"lpetrust ad remove":    {"table", "json"},
	"lpetrust firmware":     {"table", "json", "csv"},
	"lpetrust roots":        {"table", "json", "csv", "pem"},
	"lpetrust roots diff":   {"table", "json", "csv"},
	"lpetrust roots export": {"table"},
	"lpetrust version":      {"table", "json"},
}

// formatHelp describes each format in completion menus (zsh, fish and
// PowerShell show it).
var formatHelp = map[string]string{
	"table":    "aligned text for people",
	"json":     "JSON for scripts (lpetrust help json)",
	"csv":      "CSV, one row per item",
	"csv-long": "CSV with a fixed header, one row per phone and chain",
	"html":     "one self-contained HTML page",
	"pem":      "PEM certificates",
}

// registerCompletions adds the dynamic completions: --output per command,
// --store overlay files, and --release and --firmware values from the
// catalogue (with the --store overlay already on the command line).
func registerCompletions(a *app, root *cobra.Command) {
	root.RegisterFlagCompletionFunc("output", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		formats, ok := outputFormats[cmd.CommandPath()]
		if !ok {
			formats = []string{"table", "json"}
		}
		var out []cobra.Completion
		for _, f := range formats {
			out = append(out, cobra.CompletionWithDesc(f, formatHelp[f]))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	root.RegisterFlagCompletionFunc("store", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"yaml", "yml", "json"}, cobra.ShellCompDirectiveFilterFileExt
	})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("release") != nil {
			c.RegisterFlagCompletionFunc("release", func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return releaseCompletions(a, prefix, false), cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Flags().Lookup("firmware") != nil {
			c.RegisterFlagCompletionFunc("firmware", func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return releaseCompletions(a, prefix, true), cobra.ShellCompDirectiveNoFileComp
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// releaseCompletions lists the release names and the store names of the
// catalogue, and with versions every firmware version too, that start
// with prefix (in any case).
func releaseCompletions(a *app, prefix string, versions bool) []cobra.Completion {
	cat, err := a.Catalogue()
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	seen := map[string]bool{}
	add := func(v, desc string) {
		if !seen[strings.ToLower(v)] && strings.HasPrefix(strings.ToLower(v), strings.ToLower(prefix)) {
			seen[strings.ToLower(v)] = true
			out = append(out, cobra.CompletionWithDesc(v, desc))
		}
	}
	for _, r := range cat.ReleaseNames() {
		add(r, "release")
	}
	for _, s := range cat.Stores() {
		add(s.Name, "root store")
	}
	if versions {
		for _, b := range cat.Builds() {
			add(b.Version, b.Release)
		}
	}
	return out
}

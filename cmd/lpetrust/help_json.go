package main

import (
	_ "embed"

	"github.com/spf13/cobra"
)

// jsonReference is json.md beside this file: the reference of every JSON
// field and code, embedded so that the binary and the repository say the same.
//
//go:embed json.md
var jsonReference string

// newJSONHelp is "lpetrust help json": the JSON reference (json.md beside this file),
// every field of every command's -o json and every code.
func newJSONHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "json",
		Short: "Every field of the -o json outputs and every finding, reason and status code",
		Long:  jsonReference,
	}
}

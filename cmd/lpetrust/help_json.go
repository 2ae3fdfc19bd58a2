package main

import (
	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/docs"
)

// newJSONHelp is "lpetrust help json": the JSON reference (docs/json.md),
// every field of every command's -o json and every code.
func newJSONHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "json",
		Short: "Every field of the -o json outputs and every finding, reason and status code",
		Long:  docs.JSON,
	}
}

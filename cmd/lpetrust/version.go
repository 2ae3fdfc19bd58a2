package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/truststore"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the lpetrust version",
		Example: "  lpetrust version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput("table", "json"); err != nil {
				return err
			}
			v := currentVersion()
			snap := truststore.Snapshot()
			if a.output == "json" {
				return writeJSON(a.stdout, map[string]string{"version": v,
					"nss_bundle": snap.NSSBundle, "catalogue_generated": snap.CatalogueGenerated})
			}
			_, err := fmt.Fprintf(a.stdout, "lpetrust %s\ndata: %s\n", v, dataSnapshot())
			return err
		},
	}
}

// currentVersion is the version stamped at build time, else the module
// version Go recorded, else "dev".
func currentVersion() string {
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	return v
}

// dataSnapshot names the embedded data the tool judges with, as the version
// command and the report's provenance say it.
func dataSnapshot() string {
	snap := truststore.Snapshot()
	return fmt.Sprintf("NSS roots from golang.org/x/crypto/x509roots/fallback %s; cross-certificate catalogue generated %s", snap.NSSBundle, snap.CatalogueGenerated)
}

package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/truststore"
)

// Set at build time by .ci/release.sh with -ldflags "-X main.version=...":
// the release version, the commit built, the build date (RFC 3339, UTC)
// and the release's stamp of the embedded data (the date and tree hash of
// the truststore directory at that commit).
var (
	version   = "dev"
	commit    = ""
	buildDate = ""
	dataStamp = ""
)

// versionInfo is what lpetrust version prints; its JSON field names are a
// contract (json.md).
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"build_date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	// NSSBundle and CatalogueGenerated name the embedded data
	// (truststore.Snapshot).
	NSSBundle          string `json:"nss_bundle"`
	CatalogueGenerated string `json:"catalogue_generated"`
	// Data is the release's stamp of the embedded data.
	Data versionData `json:"data"`
}

// versionData is the release's stamp of the embedded data.
type versionData struct {
	// Snapshot is "DATE truststore@TREE" in a release, "" in a
	// development build.
	Snapshot string `json:"snapshot"`
}

// buildVersion gathers the stamped values, falling back to what the Go
// toolchain recorded (module version, VCS revision) in other builds.
func buildVersion() versionInfo {
	snap := truststore.Snapshot()
	v := versionInfo{Version: currentVersion(), Commit: commit, BuildDate: buildDate, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, NSSBundle: snap.NSSBundle, CatalogueGenerated: snap.CatalogueGenerated,
		Data: versionData{Snapshot: dataStamp}}
	if info, ok := debug.ReadBuildInfo(); ok && v.Commit == "" {
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && v.Commit != "" {
			v.Commit += "-modified"
		}
	}
	return v
}

// versionOptions are what lpetrust version is asked.
type versionOptions struct {
	app *app
}

func runVersion(o *versionOptions) error {
	a := o.app
	if err := a.checkOutput("table", "json"); err != nil {
		return err
	}
	v := buildVersion()
	if a.output == "json" {
		return writeJSON(a.stdout, v)
	}
	unknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	_, err := fmt.Fprintf(a.stdout, "lpetrust %s\ncommit: %s\nbuilt: %s\ndata: %s\nsnapshot: %s\ngo: %s %s\n",
		v.Version, unknown(v.Commit), unknown(v.BuildDate), dataSnapshot(), unknown(v.Data.Snapshot), v.GoVersion, v.Platform)
	return err
}

func newVersionCmd(a *app, runF func(*versionOptions) error) *cobra.Command {
	o := &versionOptions{app: a}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the lpetrust version, commit, build date and data snapshot",
		Long: `version prints the release version, the commit it was built from, the build
date and the snapshot of the embedded firmware and root data. A build made
without the release script says "dev" and leaves unknown fields empty.

JSON (-o json): {"version", "commit", "build_date", "go_version", "platform",
"nss_bundle", "catalogue_generated", "data": {"snapshot"}}.`,
		Example: "  lpetrust version\n  lpetrust version -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runVersion(o)
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

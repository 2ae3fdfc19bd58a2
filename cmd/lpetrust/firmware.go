package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/truststore"
)

// firmwareOptions are what lpetrust firmware is asked.
type firmwareOptions struct {
	app    *app
	inputs []string
}

func runFirmware(o *firmwareOptions) error {
	a := o.app
	cat, err := a.catalogueFor("table", "json", "csv")
	if err != nil {
		return err
	}
	var rows []truststore.Resolution
	if len(o.inputs) == 0 {
		for _, b := range cat.Builds() {
			rows = append(rows, truststore.Resolution{Input: b.Version, Build: b})
		}
	}
	for _, in := range o.inputs {
		rs, err := cat.Resolve(in)
		if err != nil {
			return usageError("firmware %q: %s", in, err)
		}
		rows = append(rows, rs...)
	}
	return printFirmware(a, rows)
}

func newFirmwareCmd(a *app, runF func(*firmwareOptions) error) *cobra.Command {
	o := &firmwareOptions{app: a}
	return &cobra.Command{
		Use:   "firmware [INPUT...]",
		Short: "List the firmware catalogue, or map versions, release names and user-agents to a store",
		Long: `Without arguments, firmware lists every known Lync Phone Edition build with its
release date, the device families it serves and the root store it carries.

With arguments, each INPUT is resolved: a version (4.0.7577.4414), a release name
(CU10, rtm, "OCS 2007 R2") or a phone user-agent (tokens CPE/ or OCPhone/). A
release name with per-family builds gives one row per build. A build the
catalogue does not list is mapped to the store it most likely carries and
marked unverified; unverified rows always say so.

Desktop clients use the same 4.0.7577.x numbers, so a user-agent without the
phone tokens is refused rather than guessed at.`,
		Example: `  lpetrust firmware
  lpetrust firmware 4.0.7577.4411 CU7
  lpetrust firmware "CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)" -o json
  lpetrust firmware 4.0.7577.4470 --store overlay.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.inputs = args
			if runF != nil {
				return runF(o)
			}
			return runFirmware(o)
		},
	}
}

func printFirmware(a *app, rows []truststore.Resolution) error {
	for i := range rows {
		if rows[i].Families == nil {
			rows[i].Families = []string{}
		}
	}
	switch a.output {
	case "json":
		if rows == nil {
			rows = []truststore.Resolution{}
		}
		return writeJSON(a.stdout, rows)
	case "csv":
		var out [][]string
		for _, r := range rows {
			out = append(out, []string{r.Input, r.Version, r.Release, r.Store, r.Released,
				strings.Join(r.Families, "; "), yesNo(r.Verified), firmwareNote(r.Build)})
		}
		return writeCSV(a.stdout, []string{"input", "version", "release", "store", "released", "families", "verified", "note"}, out)
	}
	t := newTable(a.stdout, "VERSION", "RELEASE", "STORE", "RELEASED", "FAMILIES", "NOTE")
	for _, r := range rows {
		store := r.Store
		if !r.Verified {
			store += " (unverified)"
		}
		var fams []string
		for _, f := range r.Families {
			fams = append(fams, truststore.FamilyShortName(f))
		}
		t.row(r.Version, r.Release, store, r.Released, strings.Join(fams, ", "), firmwareNote(r.Build))
	}
	return t.flush()
}

func firmwareNote(b truststore.Build) string {
	if b.UserData {
		return "user data: " + b.Note
	}
	return b.Note
}

package main

import (
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/truststore"
)

// rootJSON is the machine-readable form of one root.
type rootJSON struct {
	SHA1               string `json:"sha1"`
	SHA256             string `json:"sha256"`
	Subject            string `json:"subject"`
	Name               string `json:"name"`
	TableLabel         string `json:"table_label"`
	NotBefore          string `json:"not_before"`
	NotAfter           string `json:"not_after"`
	SignatureAlgorithm string `json:"signature_algorithm"`
	PublicKey          string `json:"public_key"`
	AddedIn            string `json:"added_in"`
	Expired            bool   `json:"expired"`
	Note               string `json:"note"`
	UserData           bool   `json:"user_data"`
	// Kind is "root" or "cross" for the known CAs of --known; empty for LPE roots.
	Kind string `json:"kind,omitempty"`
}

func newRootJSON(r *truststore.Root, at time.Time) rootJSON {
	c := r.Cert
	return rootJSON{
		SHA1: r.SHA1, SHA256: r.SHA256, Subject: c.Subject.String(), Name: truststore.DisplayName(c),
		TableLabel: r.TableLabel,
		NotBefore:  c.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
		SignatureAlgorithm: truststore.SignatureAlgorithmName(c), PublicKey: truststore.PublicKeyDescription(c),
		AddedIn: r.AddedIn, Expired: !truststore.ValidAt(c, at), Note: rootNote(r), UserData: r.UserData,
	}
}

func rootNote(r *truststore.Root) string {
	if r.UserData && !strings.HasPrefix(r.Note, "user data") {
		return "user data: " + r.Note
	}
	return r.Note
}

// rootsOptions are what lpetrust roots is asked.
type rootsOptions struct {
	app                   *app
	release, firmware     string
	expired, valid, known bool
}

func runRoots(o *rootsOptions) error {
	a := o.app
	if err := a.checkOutput("table", "json", "csv", "pem"); err != nil {
		return err
	}
	if o.release != "" && o.firmware != "" {
		return usageError("--release and --firmware cannot be combined")
	}
	if o.expired && o.valid {
		return usageError("--expired and --valid cannot be combined")
	}
	if o.known && (o.release != "" || o.firmware != "") {
		return usageError("--known lists CAs no firmware has: it cannot be combined with --release or --firmware")
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	roots := cat.Roots()
	var kinds map[string]string
	switch {
	case o.known:
		roots, kinds = knownAsRoots(cat.Known()), knownKinds(cat.Known())
	case o.release != "":
		store, err := storeForRelease(a, cat, o.release)
		if err != nil {
			return err
		}
		roots = store.Roots
	case o.firmware != "":
		store, res, err := cat.ResolveStore(o.firmware)
		if err != nil {
			return usageError("--firmware %q: %s", o.firmware, err)
		}
		warnUnverified(a, o.firmware, res.Build)
		roots = store.Roots
	}
	var picked []*truststore.Root
	for _, r := range roots {
		ok := truststore.ValidAt(r.Cert, a.At())
		if (o.expired && ok) || (o.valid && !ok) {
			continue
		}
		picked = append(picked, r)
	}
	return printRoots(a, picked, kinds)
}

func newRootsCmd(a *app, runF func(*rootsOptions) error) *cobra.Command {
	o := &rootsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "roots",
		Short: "List the root certificates a phone firmware trusts",
		Long: `roots lists the root certificates of the Lync Phone Edition firmware stores.

Without --release or --firmware it lists all 34 roots with the release that
added each (RTM: 17, CU10: 1 more, CU11: 16 more). --release takes a release or
store name (CU9 gives the RTM store, the one CU9 carries); --firmware takes any
version or phone user-agent. Validity is judged at --at.

--known lists the other CA certificates the tool knows instead: roots no LPE
firmware has (DigiCert Global Root G2, ISRG Root X1, …) and cross-certificates
that link them to LPE roots; -o pem exports them, e.g. for lpetrust ad publish.

Output formats: table, json, csv, and pem (a bundle other tools can use, e.g.
openssl verify -CAfile).`,
		Example: `  lpetrust roots
  lpetrust roots --release CU10 --valid
  lpetrust roots --firmware 4.0.7577.4372 --expired -o json
  lpetrust roots --release CU11 -o pem > cu11.pem && openssl verify -CAfile cu11.pem server.pem
  lpetrust roots diff CU9 CU11
  lpetrust roots --known -o csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runRoots(o)
		},
	}
	cmd.Flags().StringVar(&o.release, "release", "", "list the store of this release or store name (RTM, CU10, CU11, CU12 …)")
	cmd.Flags().StringVar(&o.firmware, "firmware", "", "list the store of this firmware version or phone user-agent")
	cmd.Flags().BoolVar(&o.expired, "expired", false, "only roots expired (or not yet valid) at --at")
	cmd.Flags().BoolVar(&o.valid, "valid", false, "only roots valid at --at")
	cmd.Flags().BoolVar(&o.known, "known", false, "list the other CAs the tool knows instead: roots no LPE firmware has, and cross-certificates to LPE roots")
	cmd.AddCommand(newRootsDiffCmd(a, nil), newRootsExportCmd(a, nil))
	return cmd
}

// knownAsRoots presents the known CAs in the shape of roots, for printing;
// knownKinds gives their kinds.
func knownAsRoots(known []*truststore.KnownCA) []*truststore.Root {
	out := make([]*truststore.Root, 0, len(known))
	for _, k := range known {
		out = append(out, &truststore.Root{Cert: k.Cert, SHA1: k.SHA1, SHA256: k.SHA256,
			TableLabel: k.Name, Note: k.Note, UserData: k.UserData})
	}
	return out
}

func knownKinds(known []*truststore.KnownCA) map[string]string {
	kinds := map[string]string{}
	for _, k := range known {
		kinds[k.SHA1] = k.Kind
	}
	return kinds
}

// storeForRelease accepts a store name or a release name.
func storeForRelease(a *app, cat *truststore.Catalogue, name string) (*truststore.Store, error) {
	if s := cat.Store(name); s != nil {
		return s, nil
	}
	builds := cat.BuildsOfRelease(name)
	if len(builds) == 0 {
		return nil, usageError("release %q: unknown release or store (known: %s)", name,
			strings.Join(append(storeNames(cat), cat.ReleaseNames()...), ", "))
	}
	b := builds[len(builds)-1]
	warnUnverified(a, name, b)
	return cat.Store(b.Store), nil
}

func storeNames(cat *truststore.Catalogue) []string {
	var out []string
	for _, s := range cat.Stores() {
		out = append(out, s.Name)
	}
	return out
}

// warnUnverified says on stderr when a store is assumed rather than documented.
func warnUnverified(a *app, input string, b truststore.Build) {
	if !b.Verified {
		a.note("note: %s uses the %s store, unverified: %s", input, b.Store, b.Note)
	}
}

// printRoots prints roots; kinds, for known CAs, maps a thumbprint to its kind.
func printRoots(a *app, roots []*truststore.Root, kinds map[string]string) error {
	switch a.output {
	case "json":
		out := []rootJSON{}
		for _, r := range roots {
			j := newRootJSON(r, a.At())
			j.Kind = kinds[r.SHA1]
			out = append(out, j)
		}
		return writeJSON(a.stdout, out)
	case "csv":
		var rows [][]string
		for _, r := range roots {
			j := newRootJSON(r, a.At())
			rows = append(rows, []string{j.SHA1, j.SHA256, j.Subject, j.TableLabel, j.NotBefore, j.NotAfter,
				j.SignatureAlgorithm, j.PublicKey, j.AddedIn, yesNo(j.Expired), j.Note})
		}
		return writeCSV(a.stdout, []string{"sha1", "sha256", "subject", "table_label", "not_before", "not_after",
			"signature_algorithm", "public_key", "added_in", "expired", "note"}, rows)
	case "pem":
		for _, r := range roots {
			fmt.Fprintf(a.stdout, "# %s\n# SHA-1 %s, added in %s, expires %s\n", r.Cert.Subject, r.SHA1, r.AddedIn, day(r.Cert.NotAfter))
			if err := pem.Encode(a.stdout, &pem.Block{Type: "CERTIFICATE", Bytes: r.Cert.Raw}); err != nil {
				return err
			}
		}
		return nil
	}
	addedHeader := "ADDED"
	if kinds != nil {
		addedHeader = "KIND"
	}
	t := newTable(a.stdout, "SHA-1", "NAME", "EXPIRES", "KEY", "SIGNATURE", addedHeader, "STATUS", "NOTE")
	var notes []string
	validCount := 0
	for _, r := range roots {
		status := "valid"
		if !truststore.ValidAt(r.Cert, a.At()) {
			status = "expired"
			if a.At().Before(r.Cert.NotBefore) {
				status = "not yet valid"
			}
		} else {
			validCount++
		}
		mark := ""
		if n := rootNote(r); n != "" {
			notes = append(notes, n)
			mark = fmt.Sprintf("[%d]", len(notes))
		}
		added := r.AddedIn
		if k, ok := kinds[r.SHA1]; ok {
			added = k
		}
		t.row(r.SHA1, truststore.DisplayName(r.Cert), day(r.Cert.NotAfter), truststore.PublicKeyDescription(r.Cert),
			truststore.SignatureAlgorithmName(r.Cert), added, status, mark)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n%d roots: %d valid, %d not valid at %s\n", len(roots), validCount, len(roots)-validCount, a.At().Format(time.RFC3339))
	for i, n := range notes {
		fmt.Fprintf(a.stdout, "[%d] %s\n", i+1, n)
	}
	return nil
}

// rootsDiffOptions are what lpetrust roots diff is asked.
type rootsDiffOptions struct {
	app      *app
	from, to string
}

func runRootsDiff(o *rootsDiffOptions) error {
	a := o.app
	cat, err := a.catalogueFor("table", "json", "csv")
	if err != nil {
		return err
	}
	var stores [2]*truststore.Store
	for i, in := range []string{o.from, o.to} {
		if s := cat.Store(in); s != nil {
			stores[i] = s
			continue
		}
		s, res, err := cat.ResolveStore(in)
		if err != nil {
			return usageError("%q: %s", in, err)
		}
		warnUnverified(a, in, res.Build)
		stores[i] = s
	}
	added, removed := diffStores(stores[0], stores[1])
	return printRootsDiff(a, stores[0].Name, stores[1].Name, added, removed)
}

func newRootsDiffCmd(a *app, runF func(*rootsDiffOptions) error) *cobra.Command {
	o := &rootsDiffOptions{app: a}
	return &cobra.Command{
		Use:   "diff FROM TO",
		Short: "Show the roots a firmware upgrade adds (and removes)",
		Long: `diff compares the stores of two releases, store names or firmware versions and
lists the roots TO has that FROM lacks (added) and the reverse (removed; only
possible with overlay stores).`,
		Example: `  lpetrust roots diff CU9 CU10
  lpetrust roots diff 4.0.7577.4372 CU11 -o json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.from, o.to = args[0], args[1]
			if runF != nil {
				return runF(o)
			}
			return runRootsDiff(o)
		},
	}
}

func diffStores(from, to *truststore.Store) (added, removed []*truststore.Root) {
	for _, r := range to.Roots {
		if !from.Has(r.SHA1) {
			added = append(added, r)
		}
	}
	for _, r := range from.Roots {
		if !to.Has(r.SHA1) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

func printRootsDiff(a *app, from, to string, added, removed []*truststore.Root) error {
	conv := func(rs []*truststore.Root) []rootJSON {
		out := []rootJSON{}
		for _, r := range rs {
			out = append(out, newRootJSON(r, a.At()))
		}
		return out
	}
	switch a.output {
	case "json":
		return writeJSON(a.stdout, struct {
			From    string     `json:"from"`
			To      string     `json:"to"`
			Added   []rootJSON `json:"added"`
			Removed []rootJSON `json:"removed"`
		}{from, to, conv(added), conv(removed)})
	case "csv":
		var rows [][]string
		for _, r := range added {
			rows = append(rows, []string{"added", r.SHA1, r.Cert.Subject.String(), day(r.Cert.NotAfter)})
		}
		for _, r := range removed {
			rows = append(rows, []string{"removed", r.SHA1, r.Cert.Subject.String(), day(r.Cert.NotAfter)})
		}
		return writeCSV(a.stdout, []string{"change", "sha1", "subject", "not_after"}, rows)
	}
	fmt.Fprintf(a.stdout, "%s -> %s: %d added, %d removed\n", from, to, len(added), len(removed))
	t := newTable(a.stdout)
	for _, r := range added {
		t.row("+", r.SHA1, truststore.DisplayName(r.Cert), "expires "+day(r.Cert.NotAfter))
	}
	for _, r := range removed {
		t.row("-", r.SHA1, truststore.DisplayName(r.Cert), "expires "+day(r.Cert.NotAfter))
	}
	return t.flush()
}

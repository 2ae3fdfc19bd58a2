package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lpetrust/lpetrust/truststore"
)

// caRow is one public root hierarchy as cas prints it.
type caRow struct {
	Name          string      `json:"name"`
	SHA1          string      `json:"sha1"`
	Subject       string      `json:"subject"`
	NotAfter      string      `json:"not_after"`
	PublicKey     string      `json:"public_key"`
	InNSS         bool        `json:"in_nss"`
	DistrustAfter string      `json:"distrust_after,omitempty"`
	IssuesTLS     bool        `json:"issues_tls"`
	TLSNote       string      `json:"tls_note"`
	InLPEStore    bool        `json:"lpe_root"`
	ReachCount    int         `json:"reach_count"` // selected stores reaching it without AD
	Stores        []caReachJS `json:"stores"`
}

type caReachJS struct {
	Store      string        `json:"store"`
	Status     string        `json:"status"`
	Text       string        `json:"text"`
	Crosses    []caCrossJSON `json:"crosses"`
	AnchorSHA1 string        `json:"anchor_sha1,omitempty"`
	Until      string        `json:"until,omitempty"`
	Why        string        `json:"why,omitempty"`
}

type caCrossJSON struct {
	SHA1       string `json:"sha1"`
	Name       string `json:"name"`
	IssuerName string `json:"issuer_name"`
	NotAfter   string `json:"not_after"`
}

// casOptions are what lpetrust cas is asked.
type casOptions struct {
	app        *app
	storeNames []string
	reachable  bool
	overlay    string
}

func runCas(o *casOptions) error {
	a := o.app
	if err := a.checkOutput("table", "json", "csv"); err != nil {
		return err
	}
	if o.overlay != "" {
		a.storeFile = o.overlay
	}
	cat, err := a.Catalogue()
	if err != nil {
		return err
	}
	stores := cat.Stores()
	if len(o.storeNames) > 0 {
		stores = nil
		seen := map[string]bool{}
		for _, n := range o.storeNames {
			s, err := storeForRelease(a, cat, strings.TrimSpace(n))
			if err != nil {
				return err
			}
			if !seen[s.Name] {
				seen[s.Name] = true
				stores = append(stores, s)
			}
		}
	}
	rows := casRows(cat, stores, a.At(), o.reachable)
	return printCas(a, stores, rows)
}

func newCasCmd(a *app, runF func(*casOptions) error) *cobra.Command {
	o := &casOptions{app: a}
	cmd := &cobra.Command{
		Use:   "cas",
		Short: "Which CA hierarchies the phones trust, through what, until when",
		Long: `cas answers "which CA can I buy a certificate from?": one row per public root
hierarchy (Mozilla's NSS roots, the catalogue's modern roots and the LPE roots),
one column per firmware store, each cell saying how that store's phones can
trust a chain ending at that root at --at:

  in store                       the firmware holds the root (or a copy with its key)
  via cross <SHA-1> until <day>  the server must also send that cross-certificate
                                 (several, joined by +), which links the root to a
                                 root the firmware has; trusted until that day
  publish root in AD             only by publishing the root to the phones
  no path                        not even that (expired root, or a key type the
                                 phones are not known to support)

TLS says whether the root can still issue publicly trusted TLS certificates:
it must be in NSS and not past its NSS distrust-after date. Rows are sorted so
the answer is on top: roots that issue TLS first, then those reached without
AD by the most stores, for the longest.

--store limits the columns to stores or releases (repeat, or separate with
commas); --reachable keeps only hierarchies one of them reaches without AD.
On this command --store names stores: give an overlay file with --overlay.`,
		Example: `  lpetrust cas --store RTM --reachable
  lpetrust cas --store RTM,CU10 --at 2029-06-01 --reachable
  lpetrust cas -o csv > cas.csv
  lpetrust cas --overlay stores.yaml --store CU12 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runCas(o)
		},
	}
	cmd.Flags().StringSliceVar(&o.storeNames, "store", nil, "only these stores or releases (RTM, CU10, CU11, an overlay store; repeat or comma-separate)")
	cmd.Flags().BoolVar(&o.reachable, "reachable", false, "only hierarchies a selected store reaches without AD (in store or via cross)")
	cmd.Flags().StringVar(&o.overlay, "overlay", "", "overlay `FILE` adding builds, roots or stores (the global --store of other commands)")
	return cmd
}

// casRows turns the catalogue's ranking of hierarchies into rows.
func casRows(cat *truststore.Catalogue, stores []*truststore.Store, at time.Time, reachableOnly bool) []caRow {
	var rows []caRow
	for _, h := range cat.Hierarchies(stores, at) {
		if reachableOnly && h.Reached == 0 {
			continue
		}
		pr := h.Root
		row := caRow{Name: pr.Name, SHA1: pr.SHA1, Subject: pr.Cert.Subject.String(), NotAfter: day(pr.Cert.NotAfter),
			PublicKey: truststore.PublicKeyDescription(pr.Cert), InNSS: pr.InNSS, DistrustAfter: day(pr.DistrustAfter),
			IssuesTLS: pr.IssuesTLS(at), TLSNote: tlsNote(pr, at), InLPEStore: pr.LPE, ReachCount: h.Reached, Stores: []caReachJS{}}
		for _, r := range h.Reach {
			row.Stores = append(row.Stores, reachJSON(r))
		}
		rows = append(rows, row)
	}
	return rows
}

func tlsNote(pr *truststore.PublicRoot, at time.Time) string {
	switch {
	case !pr.InNSS:
		return "not in NSS"
	case !truststore.ValidAt(pr.Cert, at):
		return "root not valid"
	case !pr.DistrustAfter.IsZero() && at.After(pr.DistrustAfter):
		return "NSS distrusts its TLS certificates issued after " + day(pr.DistrustAfter)
	case !pr.DistrustAfter.IsZero():
		return "NSS distrust-after " + day(pr.DistrustAfter)
	}
	return ""
}

func reachJSON(r truststore.Reach) caReachJS {
	j := caReachJS{Store: r.Store, Status: r.Status, Crosses: []caCrossJSON{}, Until: day(r.Until), Why: r.Why}
	if r.Anchor != nil {
		j.AnchorSHA1 = r.Anchor.SHA1
	}
	var shas []string
	for _, k := range r.Crosses {
		j.Crosses = append(j.Crosses, caCrossJSON{SHA1: k.SHA1, Name: truststore.DisplayName(k.Cert),
			IssuerName: truststore.NameOf(k.Cert.Issuer), NotAfter: day(k.Cert.NotAfter)})
		shas = append(shas, k.SHA1)
	}
	switch r.Status {
	case truststore.ReachInStore:
		j.Text = "in store"
	case truststore.ReachViaCross:
		j.Text = fmt.Sprintf("via cross %s until %s", strings.Join(shas, " + "), day(r.Until))
	case truststore.ReachPublishRoot:
		j.Text = "publish root in AD"
	default:
		j.Text = "no path"
	}
	return j
}

// shortCell shortens the thumbprints of a via-cross cell for the table.
func shortCell(j caReachJS) string {
	if j.Status != truststore.ReachViaCross {
		return j.Text
	}
	var shas []string
	for _, c := range j.Crosses {
		shas = append(shas, truststore.ShortSHA1(c.SHA1))
	}
	return fmt.Sprintf("via cross %s until %s", strings.Join(shas, "+"), j.Until)
}

func printCas(a *app, stores []*truststore.Store, rows []caRow) error {
	var names []string
	for _, s := range stores {
		names = append(names, s.Name)
	}
	switch a.output {
	case "json":
		return writeJSON(a.stdout, struct {
			At     string   `json:"at"`
			Stores []string `json:"stores"`
			CAs    []caRow  `json:"cas"`
		}{a.At().UTC().Format(time.RFC3339), names, append([]caRow{}, rows...)})
	case "csv":
		header := append([]string{"name", "sha1", "subject", "not_after", "public_key", "in_nss", "distrust_after", "issues_tls", "tls_note"}, names...)
		var out [][]string
		for _, r := range rows {
			line := []string{r.Name, r.SHA1, r.Subject, r.NotAfter, r.PublicKey, yesNo(r.InNSS), r.DistrustAfter, yesNo(r.IssuesTLS), r.TLSNote}
			for _, s := range r.Stores {
				line = append(line, s.Text)
			}
			out = append(out, line)
		}
		return writeCSV(a.stdout, header, out)
	}
	t := newTable(a.stdout, append([]string{"ROOT", "SHA-1", "TLS"}, names...)...)
	for _, r := range rows {
		tls := yesNo(r.IssuesTLS)
		if r.TLSNote != "" && !r.IssuesTLS {
			tls = "no: " + r.TLSNote
		}
		cells := []string{r.Name, truststore.ShortSHA1(r.SHA1), tls}
		for _, s := range r.Stores {
			cells = append(cells, shortCell(s))
		}
		t.row(cells...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n%d hierarchies at %s (full thumbprints: -o csv or -o json)\n",
		len(rows), a.At().UTC().Format(time.RFC3339))
	return nil
}

package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/live/estate"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// readEstateFile reads --estate FILE; errors are bad input naming the file.
func readEstateFile(path string) (*estate.Estate, error) {
	est, err := estate.ReadFile(path)
	if err != nil {
		return nil, badInput(fmt.Errorf("--estate %w", err))
	}
	return est, nil
}

// estatePorts turns --port values into the estate's port choice: "N"
// replaces every pool's ports, "+N" adds to them.
func estatePorts(values []string) (estate.PortChoice, error) {
	var c estate.PortChoice
	if _, err := parsePorts(values); err != nil {
		return c, usageError("%s", err)
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		n, _ := strconv.Atoi(strings.TrimPrefix(v, "+"))
		if strings.HasPrefix(v, "+") {
			c.Add = append(c.Add, n)
		} else {
			c.Replace = append(c.Replace, n)
		}
	}
	return c, nil
}

// readCheckEstate reads --estate and sets the request's targets to every
// pool's names and ports; nil without --estate.
func readCheckEstate(a *app, f *checkFlags, req *live.Request) (*estate.Estate, error) {
	if f.estateFile == "" {
		return nil, nil
	}
	if len(req.Targets) > 0 || len(req.Discover) > 0 {
		return nil, usageError("--estate audits the estate's own pools: give no TARGET, --targets or --discover with it")
	}
	ports, err := estatePorts(f.ports)
	if err != nil {
		return nil, err
	}
	est, err := readEstateFile(f.estateFile)
	if err != nil {
		return nil, err
	}
	if a.output != "table" {
		for _, u := range est.Unread {
			fmt.Fprintf(a.stderr, "lpetrust: note: %s: %s\n", est.Source, u)
		}
	}
	req.Targets = est.Targets(ports)
	return est, nil
}

// writeCheckEstate writes the audit of an estate, grouped by site and pool,
// with each pool's plan.
func writeCheckEstate(a *app, cat *truststore.Catalogue, est *estate.Estate, eps []live.Endpoint, f *checkFlags, opts chain.Options, target string, exported map[string]string) error {
	ports, _ := estatePorts(f.ports)
	groups := est.Group(eps, ports)
	plans := remedy.ForEstate(checkRequest(a, cat, opts, f, "", "", target, exported), groups)
	switch a.output {
	case "json":
		return writeJSON(a.stdout, estateCheckJSON(est, groups, plans, target))
	case "csv":
		return writeEstateCheckCSV(a.stdout, cat, groups)
	}
	return printEstateCheck(a.stdout, cat, est, groups, plans, target, a.shell)
}

// estatePlans are the plans of every pool of the estate.
func estatePlans(a *app, cat *truststore.Catalogue, est *estate.Estate, eps []live.Endpoint, opts chain.Options, f *checkFlags, target string, exported map[string]string) []*remedy.Plan {
	ports, _ := estatePorts(f.ports)
	return remedy.ForEstate(checkRequest(a, cat, opts, f, "", "", target, exported), est.Group(eps, ports))
}

func kindLabel(k estate.Kind) string {
	switch k {
	case estate.KindFrontEnd:
		return "Front End pool"
	case estate.KindDirector:
		return "Director"
	case estate.KindBranch:
		return "branch appliance"
	}
	return "pool of unknown role"
}

func siteLabel(s string) string {
	if s == "" {
		return "(no site)"
	}
	return s
}

func printEstateCheck(w io.Writer, cat *truststore.Catalogue, est *estate.Estate, groups []estate.PoolAudit, plans []*remedy.Plan, target string, sh remedy.Shell) error {
	fmt.Fprintf(w, "Estate %s (%s): %d pools at %d sites", est.Source, est.Format, len(est.Pools), len(est.Sites()))
	if len(est.Skipped) > 0 {
		fmt.Fprintf(w, "; not audited (no registrar): %s", strings.Join(est.Skipped, ", "))
	}
	fmt.Fprintln(w)
	for _, u := range est.Unread {
		fmt.Fprintf(w, "note: %s\n", u)
	}
	for i := range groups {
		g := &groups[i]
		p := g.Pool
		fmt.Fprintf(w, "\nSite %s — %s (%s", siteLabel(p.Site), p.FQDN, kindLabel(p.Kind))
		if p.Backup != "" {
			fmt.Fprintf(w, ", backup %s", p.Backup)
		}
		fmt.Fprintf(w, "; %s)\n", pluralize(len(g.Endpoints), "endpoint", "endpoints"))
		if err := printCheck(w, cat, g.Endpoints, g.Consistency, target, plans[i], sh); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nBy pool (phones with %s firmware sign in at every endpoint?):\n", target)
	t := newTable(w, "SITE", "POOL", "KIND", "BACKUP", "ENDPOINTS", "PHONES SIGN IN")
	for i := range groups {
		g := &groups[i]
		t.row(siteLabel(g.Pool.Site), g.Pool.FQDN, string(g.Pool.Kind), dashIfEmpty(g.Pool.Backup), strconv.Itoa(len(g.Endpoints)), g.Verdict(target))
	}
	return t.flush()
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// estateCheckJSON is the JSON of an estate audit: the estate, then each
// pool with its endpoints (the objects of check -o json), consistency notes
// and plan.
func estateCheckJSON(est *estate.Estate, groups []estate.PoolAudit, plans []*remedy.Plan, target string) any {
	type poolJSON struct {
		estate.Pool
		PhoneReady  bool            `json:"phone_ready"`
		Verdict     string          `json:"verdict"`
		Consistency []live.PoolNote `json:"consistency"`
		Endpoints   []live.Endpoint `json:"endpoints"`
		Plan        *remedy.Plan    `json:"plan"`
	}
	out := struct {
		Source  string     `json:"source"`
		Format  string     `json:"format"`
		Target  string     `json:"target_firmware"`
		Skipped []string   `json:"skipped"`
		Unread  []string   `json:"unread"`
		Pools   []poolJSON `json:"pools"`
	}{Source: est.Source, Format: string(est.Format), Target: target, Skipped: est.Skipped, Unread: est.Unread, Pools: []poolJSON{}}
	for i := range groups {
		g := &groups[i]
		out.Pools = append(out.Pools, poolJSON{Pool: *g.Pool, PhoneReady: g.PhoneReady(target), Verdict: g.Verdict(target),
			Consistency: g.Consistency, Endpoints: g.Endpoints, Plan: plans[i]})
	}
	return out
}

// writeEstateCheckCSV writes check's CSV with the pool, its kind and site first.
func writeEstateCheckCSV(w io.Writer, cat *truststore.Catalogue, groups []estate.PoolAudit) error {
	var header []string
	var rows [][]string
	for i := range groups {
		g := &groups[i]
		h, rs := checkCSV(cat, g.Endpoints)
		header = append([]string{"pool", "pool_kind", "site"}, h...)
		for _, r := range rs {
			rows = append(rows, append([]string{g.Pool.FQDN, string(g.Pool.Kind), g.Pool.Site}, r...))
		}
	}
	if header == nil {
		h, _ := checkCSV(cat, nil)
		header = append([]string{"pool", "pool_kind", "site"}, h...)
	}
	return writeCSV(w, header, rows)
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

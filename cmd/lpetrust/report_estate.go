package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/live/estate"
	"github.com/lpetrust/lpetrust/chain/report"
	"github.com/lpetrust/lpetrust/truststore"
)

// estateChains reads --estate: the registrar pools become opts.Registrars,
// and each gets its chain — the file of a --chain POOL=FILE (a renewal of
// that pool), else what the pool serves now, audited live. The
// --chain POOL=FILE values are taken out of f.chains; the others stay
// candidates judging every phone. Without --estate it does nothing.
func (f *reportFlags) estateChains(ctx context.Context, a *app, cat *truststore.Catalogue, opts *report.Options) ([]report.Chain, error) {
	if f.estateFile == "" {
		return nil, nil
	}
	est, err := readEstateFile(f.estateFile)
	if err != nil {
		return nil, err
	}
	for _, u := range est.Unread {
		fmt.Fprintf(a.stderr, "lpetrust: note: %s: %s\n", est.Source, u)
	}
	files := map[string]string{} // pool FQDN → chain file
	var rest []string
	for _, spec := range f.chains {
		name, file, ok := strings.Cut(spec, "=")
		if !ok || fileExists(spec) {
			rest = append(rest, spec)
			continue
		}
		p := est.Pool(name)
		switch {
		case p == nil:
			return nil, usageError("--chain %s: %s is not a pool of --estate %s", spec, name, f.estateFile)
		case !p.Registrar():
			return nil, usageError("--chain %s: %s is a %s, where phones do not register", spec, name, kindLabel(p.Kind))
		case files[p.FQDN] != "":
			return nil, usageError("--chain %s: pool %s already has --chain %s", spec, p.FQDN, files[p.FQDN])
		}
		files[p.FQDN] = file
	}
	f.chains = rest

	var registrars []estate.Pool
	for _, p := range est.Pools {
		if p.Registrar() {
			registrars = append(registrars, p)
			opts.Registrars = append(opts.Registrars, report.Registrar{Pool: p.FQDN, Site: p.Site, Backup: p.Backup, Machines: p.Machines})
		}
	}
	if len(registrars) == 0 {
		return nil, badInput(fmt.Errorf("--estate %s: no registrar pool or branch appliance (only Directors)", est.Source))
	}
	// One live audit for every pool without a file, with the bounded
	// concurrency of check.
	toAudit := &estate.Estate{Source: est.Source}
	for _, p := range registrars {
		if files[p.FQDN] == "" {
			toAudit.Pools = append(toAudit.Pools, p)
		}
	}
	audited := map[string]*estate.PoolAudit{}
	if len(toAudit.Pools) > 0 {
		groups, err := f.auditEstate(ctx, cat, toAudit, opts.Chain)
		if err != nil {
			return nil, err
		}
		for i := range groups {
			audited[groups[i].Pool.FQDN] = &groups[i]
		}
	}
	var out []report.Chain
	for _, p := range registrars {
		if file := files[p.FQDN]; file != "" {
			c, err := f.chainFile(a, file)
			if err != nil {
				return nil, err
			}
			c.Name, c.Pool = p.FQDN+"="+filepath.Base(file), p.FQDN
			out = append(out, c)
			continue
		}
		g := audited[p.FQDN]
		c, err := report.PoolChain(p.FQDN, g.Endpoints)
		if err != nil {
			// The report goes on: the pool's phones are judged against every pool.
			fmt.Fprintf(a.stderr, "lpetrust: --estate: pool %s (site %s): %s; its phones are judged against every pool's chain\n", p.FQDN, siteLabel(p.Site), oneLine(err.Error()))
			continue
		}
		c.Pool = p.FQDN
		c.Source.Intermediates, c.Source.StoreFile = f.intermediates, a.storeFile
		out = append(out, c)
	}
	return out, nil
}

// auditEstate audits every pool of est live and groups the endpoints by pool.
func (f *reportFlags) auditEstate(ctx context.Context, cat *truststore.Catalogue, est *estate.Estate, copts chain.Options) ([]estate.PoolAudit, error) {
	req := live.Request{Targets: est.Targets(estate.PortChoice{}), Chain: copts, Timeout: f.poolTimeout}
	if f.resolver != "" {
		r, err := live.DNSResolver(f.resolver)
		if err != nil {
			return nil, usageError("--resolver: %s", err)
		}
		req.Resolver = r
	}
	if ctx == nil {
		ctx = context.Background()
	}
	eps, err := live.Audit(ctx, cat, req)
	if err != nil {
		return nil, badInput(fmt.Errorf("--estate %s: %w", est.Source, err))
	}
	return est.Group(eps, estate.PortChoice{}), nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

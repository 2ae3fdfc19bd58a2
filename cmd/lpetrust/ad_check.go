package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/chain/live"
	"github.com/lpetrust/lpetrust/chain/remedy"
	"github.com/lpetrust/lpetrust/truststore"
)

// missingRootsFromCheck audits a live endpoint (as lpetrust check does) and
// returns the missing roots of the chains it presents.
func missingRootsFromCheck(a *app, cat *truststore.Catalogue, target string, opts chain.Options) ([]remedy.Root, error) {
	eps, err := a.audit(live.Request{Targets: []string{target}, Chain: opts}, "checking "+target, func(req live.Request) ([]live.Endpoint, error) {
		return live.Audit(context.Background(), cat, req)
	})
	if err != nil {
		return nil, badInput(fmt.Errorf("--from-check %s: %w", target, err))
	}
	var results []*chain.Result
	var errs []error
	for _, ep := range eps {
		if ep.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ep.Label(), ep.Err))
			continue
		}
		results = append(results, ep.Result)
	}
	if len(results) == 0 {
		if len(errs) == 0 {
			errs = append(errs, errors.New("no endpoint found"))
		}
		fmt.Fprintf(a.stderr, "lpetrust: --from-check %s: %s\n", target, oneLine(errors.Join(errs...).Error()))
		return nil, negative()
	}
	return remedy.CollectRoots(cat, target, results, remedy.Supplied(opts.Intermediates), nil), nil
}

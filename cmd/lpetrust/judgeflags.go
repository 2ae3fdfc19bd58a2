package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
)

// maxWarnDays bounds --warn-days: a century is already longer than any certificate.
const maxWarnDays = 36500

// judgeFlags are the chain-judging flags inspect and check share.
type judgeFlags struct {
	intermediates     []string
	aia               bool
	aiaTimeout        time.Duration
	honorExpiredRoots bool
	pool, sipDomain   string
	warnDays          int
	strict            bool
	firmware          string
	exportMissing     string
	publishUnknown    bool
}

// register adds the flags; poolHelp and sipHelp describe --pool and
// --sip-domain, whose defaults differ between the commands.
func (j *judgeFlags) register(fl *pflag.FlagSet, poolHelp, sipHelp string) {
	fl.StringArrayVar(&j.intermediates, "intermediates", nil, "extra intermediate certificates for path building, from `FILE` (any format; repeatable)")
	fl.BoolVar(&j.aia, "aia", false, "fetch missing issuers from the certificates' AIA caIssuers URLs (HTTP)")
	fl.DurationVar(&j.aiaTimeout, "aia-timeout", 10*time.Second, "timeout of each AIA fetch")
	fl.BoolVar(&j.honorExpiredRoots, "honor-expired-roots", false, "let expired firmware roots anchor a chain (phone behaviour undocumented)")
	fl.StringVar(&j.pool, "pool", "", poolHelp)
	fl.StringVar(&j.sipDomain, "sip-domain", "", sipHelp)
	fl.IntVar(&j.warnDays, "warn-days", 30, "warn when the certificate expires within this many `DAYS` (0: never)")
	fl.BoolVar(&j.strict, "strict", false, "treat findings based on assumptions as failures")
	fl.StringVar(&j.firmware, "firmware", "", "target firmware `INPUT` for the exit code: version, release name or user-agent (default "+chain.DefaultTarget+")")
	fl.StringVar(&j.exportMissing, "export-missing", "", "write the PEM of every missing root advised for AD into `DIR` (created if needed)")
	fl.BoolVar(&j.publishUnknown, "publish-unknown", false, "also advise (and export) roots that are not known public roots and that only a server sent; every domain member would trust them")
}

// target is the store the exit code is judged against.
func (j *judgeFlags) target(cat *truststore.Catalogue) (*truststore.Store, error) {
	s, err := chain.TargetStore(cat, j.firmware)
	if err != nil {
		return nil, usageError("--firmware %q: %s", j.firmware, err)
	}
	return s, nil
}

// options builds the chain options, reading the --intermediates files.
func (j *judgeFlags) options(a *app, ropts chain.ReadOptions) (chain.Options, error) {
	if j.warnDays < 0 {
		return chain.Options{}, usageError("--warn-days %d: must not be negative", j.warnDays)
	}
	if j.warnDays > maxWarnDays {
		return chain.Options{}, usageError("--warn-days %d: at most %d", j.warnDays, maxWarnDays)
	}
	if j.aiaTimeout <= 0 {
		return chain.Options{}, usageError("--aia-timeout %s: must be positive", j.aiaTimeout)
	}
	warnDays := j.warnDays
	if warnDays == 0 {
		warnDays = -1 // --warn-days 0: no expiry warning
	}
	opts := chain.Options{
		At:                a.At(),
		HonorExpiredRoots: j.honorExpiredRoots,
		Pool:              j.pool,
		SIPDomain:         j.sipDomain,
		WarnDays:          warnDays,
		Strict:            j.strict,
		AIA:               j.aia,
		AIATimeout:        j.aiaTimeout,
	}
	for _, p := range j.intermediates {
		ins, err := chain.ReadFile(p, ropts)
		if err != nil {
			return opts, badInput(fmt.Errorf("--intermediates %w", err))
		}
		for _, in := range ins {
			opts.Intermediates = append(opts.Intermediates, in.Certs...)
			warnSkipped(a, "--intermediates", in)
		}
	}
	return opts, nil
}

package main

import (
	"fmt"

	"github.com/lpetrust/lpetrust/chain"
)

// judgeHints are the flags of inspect and check that address a reason kind.
var judgeHints = map[chain.ReasonKind]string{
	chain.ReasonMissingIssuer: "add it with --intermediates, or try --aia",
}

// adHints are the flags of ad publish that address a reason kind.
var adHints = map[chain.ReasonKind]string{
	chain.ReasonMissingIssuer: "add it with --intermediates",
}

// addFlagHints appends to each reason the command's flags that address it:
// the engine's reasons name no flags, the command knows its own.
func addFlagHints(r *chain.Result, hints map[chain.ReasonKind]string) {
	if r == nil {
		return
	}
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		for k, code := range v.ReasonCodes {
			if h, ok := hints[code]; ok && k < len(v.Reasons) {
				v.Reasons[k] = hintedReason(v.Reasons[k], h)
			}
		}
	}
}

func hintedReason(reason, hint string) string {
	return reason + " (" + hint + ")"
}

// warnSkipped tells on standard error which certificates of a file given
// with flag could not be parsed and were left out.
func warnSkipped(a *app, flag string, in chain.Input) {
	for _, w := range in.Warnings {
		fmt.Fprintf(a.stderr, "lpetrust: warning: %s %s: %s\n", flag, in.Source, w)
	}
}

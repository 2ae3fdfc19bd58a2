package remedy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lpetrust/lpetrust/chain"
	"github.com/lpetrust/lpetrust/truststore"
	"github.com/lpetrust/lpetrust/truststore/inputfile"
)

// RootsFromFile returns the distinct missing roots of a file that is either
// a certificate chain (any format chain.ReadBytes reads with ropts, judged
// with chain.Evaluate under opts) or the JSON `lpetrust inspect -o json`
// writes. Each root's certificate is taken from the catalogue when it knows
// it (Cert stays nil for a root neither the catalogue nor the file holds).
// The chain file's certificates and opts.Intermediates count as supplied:
// the administrator gave them.
func RootsFromFile(cat *truststore.Catalogue, path string, ropts chain.ReadOptions, opts chain.Options) ([]Root, error) {
	data, err := inputfile.Read(path, inputfile.MaxInspectJSON)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var results []chain.Result
	supplied := map[string]bool{}
	for _, c := range opts.Intermediates {
		supplied[truststore.SHA1Hex(c)] = true
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		if t[0] == '{' {
			var one chain.Result
			err = json.Unmarshal(t, &one)
			results = append(results, one)
		} else {
			err = json.Unmarshal(t, &results)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not the JSON of lpetrust inspect -o json: %w", path, err)
		}
		// Any JSON object unmarshals; a result without verdicts (there is
		// one per store) is not inspect output, and must not pass for a
		// chain with nothing missing.
		if len(results) == 0 {
			return nil, fmt.Errorf("%s: not the JSON of lpetrust inspect -o json: no results", path)
		}
		for i, r := range results {
			if len(r.Verdicts) == 0 {
				return nil, fmt.Errorf("%s: not the JSON of lpetrust inspect -o json: result %d has no verdicts", path, i+1)
			}
		}
	} else {
		in, err := chain.ReadBytes(path, data, ropts)
		if err != nil {
			return nil, err
		}
		for _, c := range in.Certs {
			supplied[truststore.SHA1Hex(c)] = true
		}
		r, err := chain.Evaluate(cat, in, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, *r)
	}
	if err := unidentifiedRoot(results); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rs []*chain.Result
	for i := range results {
		rs = append(rs, &results[i])
	}
	return CollectRoots(cat, "", rs, supplied, nil), nil
}

// ErrRootUnidentified means a chain is trusted by no store and names no
// missing root either: its top certificate's issuer was not supplied, so
// there is nothing that could be published.
var ErrRootUnidentified = errors.New("the chain's root cannot be identified")

// UnidentifiedRootError is ErrRootUnidentified with the engine's reason.
type UnidentifiedRootError struct {
	Reason string
	Code   chain.ReasonKind
}

func (e *UnidentifiedRootError) Error() string { return ErrRootUnidentified.Error() + ": " + e.Reason }

// Is makes errors.Is(err, ErrRootUnidentified) hold.
func (e *UnidentifiedRootError) Is(target error) bool { return target == ErrRootUnidentified }

// unidentifiedRoot reports a result that no store trusts and that names no
// missing root, with the engine's reason, so that "nothing to publish" is
// never said of a chain that is simply incomplete.
func unidentifiedRoot(results []chain.Result) error {
	for _, r := range results {
		if len(r.MissingRoots) > 0 {
			continue
		}
		trusted := false
		var why *UnidentifiedRootError
		for _, v := range r.Verdicts {
			trusted = trusted || v.Trusted
			if len(v.Reasons) > 0 {
				why = &UnidentifiedRootError{Reason: v.Reasons[0]}
				if len(v.ReasonCodes) > 0 {
					why.Code = v.ReasonCodes[0]
				}
			}
		}
		if !trusted && why != nil {
			return why
		}
	}
	return nil
}

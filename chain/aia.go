package chain

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxAIABytes caps an AIA response; issuer certificates are a few KiB.
const maxAIABytes = 1 << 20

// maxAIAFetches bounds the fetches of one evaluation.
const maxAIAFetches = 8

// fetchAIA completes the pool from caIssuers URLs: for every supplied
// certificate whose issuer is not in the pool, it fetches the URLs (http and
// https), adding what it finds with origin "aia", and repeats for the
// fetched certificates. It reports each fetch as a finding.
func fetchAIA(p *certPool, opts Options) []Finding {
	timeout := opts.AIATimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	var out []Finding
	tried := map[string]bool{}
	fetches := 0
	for changed := true; changed && fetches < maxAIAFetches; {
		changed = false
		for _, n := range append([]*node(nil), p.nodes...) {
			if !n.deliverable() || n.selfSigned || len(p.issuers(n, new(int))) > 0 {
				continue
			}
			for _, u := range n.cert.IssuingCertificateURL {
				if tried[u] || fetches >= maxAIAFetches {
					continue
				}
				tried[u] = true
				fetches++
				in, err := fetchIssuer(client, u, timeout)
				if err != nil {
					out = append(out, Finding{Code: CodeAIAFetchFailed, Severity: SeverityInfo, Basis: BasisFact,
						Message: fmt.Sprintf("AIA caIssuers of %s: %v", certID(n.cert), err)})
					continue
				}
				for _, c := range in.Certs {
					if _, ok := p.bySHA1[thumb(c)]; ok {
						continue
					}
					p.add(c, OriginAIA)
					changed = true
					out = append(out, Finding{Code: CodeAIAFetched, Severity: SeverityInfo, Basis: BasisFact,
						Message: fmt.Sprintf("%s was fetched from %s: install it on the server, phones do not fetch missing issuers", certID(c), u)})
				}
			}
		}
	}
	return out
}

func fetchIssuer(client *http.Client, rawURL string, timeout time.Duration) (Input, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return Input{}, fmt.Errorf("%s: not an http URL", rawURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", rawURL, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Input{}, fmt.Errorf("fetching %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Input{}, fmt.Errorf("%s: HTTP %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAIABytes+1))
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", rawURL, err)
	}
	if len(data) > maxAIABytes {
		return Input{}, fmt.Errorf("%s: response larger than %d bytes", rawURL, maxAIABytes)
	}
	return ReadBytes(rawURL, data, ReadOptions{MaxBytes: maxAIABytes})
}

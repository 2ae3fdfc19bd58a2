// Command gencatalogue rebuilds the cross-certificate and subordinate CA
// catalogue that package truststore embeds, from a cross-certs directory
// (index.csv, crosses/<SHA1>.pem, modern-roots/<SHA1>.pem, SOURCES.md):
//
//	go run ./truststore/internal/gencatalogue -src DIR [-date YYYY-MM-DD]
//
// run from the repository root. It writes truststore/certs/catalogue.der
// (the certificates' DER, concatenated), truststore/catalogue_gen.go (the
// index: thumbprint, kind, issuers, cross target, offset and length) and
// truststore/certs/CATALOGUE-SOURCES.md (the provenance notes). Every
// certificate is checked before it is written: its SHA-1 must equal its file
// name and its signature must verify under the key of each issuer the index
// names. Certificates crypto/x509 cannot parse or verify are left out and
// listed on stderr. The same inputs and -date give the same output.
package main

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/csv"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	src := flag.String("src", "", "cross-certs directory (index.csv, crosses/, modern-roots/)")
	date := flag.String("date", time.Now().UTC().Format(time.DateOnly), "generation date to record (YYYY-MM-DD)")
	out := flag.String("out", "truststore", "truststore package directory to write into")
	flag.Parse()
	if *src == "" {
		fmt.Fprintln(os.Stderr, "gencatalogue: -src is required")
		os.Exit(2)
	}
	if _, err := time.Parse(time.DateOnly, *date); err != nil {
		fmt.Fprintf(os.Stderr, "gencatalogue: -date %q: want YYYY-MM-DD\n", *date)
		os.Exit(2)
	}
	if err := run(*src, *out, *date, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gencatalogue:", err)
		os.Exit(1)
	}
}

type entry struct {
	sha1, kind, target string
	issuers            []string
	cert               *x509.Certificate
}

func run(src, out, date string, log io.Writer) error {
	// Certificates the package already embeds by hand are not repeated.
	embedded := map[string]*x509.Certificate{}
	for _, dir := range []string{"lpe", "known"} {
		files, err := filepath.Glob(filepath.Join(out, "certs", dir, "*.pem"))
		if err != nil {
			return err
		}
		for _, f := range files {
			c, err := readPEM(f)
			if err != nil {
				return err
			}
			embedded[thumb(c)] = c
		}
	}
	if len(embedded) == 0 {
		return fmt.Errorf("%s: no embedded certificates found (run from the repository root)", out)
	}

	all := map[string]*x509.Certificate{}
	for k, v := range embedded {
		all[k] = v
	}
	var entries []*entry
	roots, err := filepath.Glob(filepath.Join(src, "modern-roots", "*.pem"))
	if err != nil {
		return err
	}
	for _, f := range roots {
		c, err := readPEM(f)
		if err != nil {
			fmt.Fprintf(log, "skipped %s: %v\n", filepath.Base(f), err)
			continue
		}
		all[thumb(c)] = c
		entries = append(entries, &entry{sha1: thumb(c), kind: "root", cert: c})
	}

	rows, err := readIndex(filepath.Join(src, "index.csv"))
	if err != nil {
		return err
	}
	var certRows []*entry
	for _, r := range rows {
		f := filepath.Join(src, "crosses", r["sha1"]+".pem")
		c, err := readPEM(f)
		if err != nil {
			fmt.Fprintf(log, "skipped %s: %v\n", r["sha1"], err)
			continue
		}
		kind := r["kind"]
		if kind != "cross" && kind != "subordinate" {
			return fmt.Errorf("index.csv: %s: unknown kind %q", r["sha1"], kind)
		}
		all[thumb(c)] = c
		certRows = append(certRows, &entry{sha1: thumb(c), kind: kind, target: r["cross_target_selfsigned_sha1"],
			issuers: strings.Fields(r["issued_by"]), cert: c})
	}
	// Signatures are checked once every certificate is known: a depth-2
	// certificate's issuer is a depth-1 row.
	for _, e := range certRows {
		var ok []string
		for _, is := range e.issuers {
			parent := all[is]
			if parent == nil {
				fmt.Fprintf(log, "%s: issuer %s not in the data; issuer dropped\n", e.sha1, is)
				continue
			}
			if err := parent.CheckSignature(e.cert.SignatureAlgorithm, e.cert.RawTBSCertificate, e.cert.Signature); err != nil {
				fmt.Fprintf(log, "%s: signature under %s does not verify (%v); issuer dropped\n", e.sha1, is, err)
				continue
			}
			ok = append(ok, is)
		}
		if len(ok) == 0 {
			fmt.Fprintf(log, "skipped %s: no verified issuer\n", e.sha1)
			continue
		}
		e.issuers = ok
		entries = append(entries, e)
	}

	var kept []*entry
	seen := map[string]bool{}
	for _, e := range entries {
		if embedded[e.sha1] != nil || seen[e.sha1] {
			continue
		}
		seen[e.sha1] = true
		kept = append(kept, e)
	}
	// An issuer that was skipped cannot be linked to.
	for _, e := range kept {
		for _, is := range e.issuers {
			if !seen[is] && embedded[is] == nil {
				return fmt.Errorf("%s: issuer %s was left out", e.sha1, is)
			}
		}
	}
	order := map[string]int{"root": 0, "cross": 1, "subordinate": 2}
	sort.Slice(kept, func(i, j int) bool {
		if order[kept[i].kind] != order[kept[j].kind] {
			return order[kept[i].kind] < order[kept[j].kind]
		}
		return kept[i].sha1 < kept[j].sha1
	})

	var der bytes.Buffer
	var src2 bytes.Buffer
	fmt.Fprintf(&src2, "// Code generated by gencatalogue; DO NOT EDIT.\n\npackage truststore\n\n")
	fmt.Fprintf(&src2, "// catalogueGenerated is the day the catalogue below was generated.\nconst catalogueGenerated = %q\n\n", date)
	nssVersion, err := moduleVersion("go.mod", "golang.org/x/crypto/x509roots/fallback")
	if err != nil {
		return err
	}
	fmt.Fprintf(&src2, "// nssBundleVersion is the version of the NSS bundle module in go.mod.\nconst nssBundleVersion = %q\n\n", nssVersion)
	fmt.Fprintf(&src2, "// catalogueTable indexes certs/catalogue.der: modern roots, then\n// cross-certificates, then subordinate CAs, each by SHA-1.\nvar catalogueTable = []catalogueEntry{\n")
	counts := map[string]int{}
	for _, e := range kept {
		off := der.Len()
		der.Write(e.cert.Raw)
		counts[e.kind]++
		fmt.Fprintf(&src2, "\t{%q, %s, %q, %q, %d, %d},\n", e.sha1, kindConst(e.kind), strings.Join(e.issuers, " "), e.target, off, len(e.cert.Raw))
	}
	fmt.Fprintf(&src2, "}\n")
	code, err := format.Source(src2.Bytes())
	if err != nil {
		return fmt.Errorf("formatting the index: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "certs", "catalogue.der"), der.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "catalogue_gen.go"), code, 0o644); err != nil {
		return err
	}
	notes, err := os.ReadFile(filepath.Join(src, "SOURCES.md"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "certs", "CATALOGUE-SOURCES.md"), trimNotes(notes), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %d roots, %d cross-certificates, %d subordinate CAs (%d bytes of DER)\n",
		counts["root"], counts["cross"], counts["subordinate"], der.Len())
	return nil
}

// trimNotes keeps the provenance notes without their per-certificate tables,
// which repeat the index.
func trimNotes(notes []byte) []byte {
	var out bytes.Buffer
	skip := false
	for _, line := range strings.SplitAfter(string(notes), "\n") {
		if strings.HasPrefix(line, "## ") {
			skip = strings.HasPrefix(line, "## Cross-certificates") || strings.HasPrefix(line, "## Depth") ||
				strings.HasPrefix(line, "## Subordinate") || strings.HasPrefix(line, "## Modern roots") || strings.HasPrefix(line, "## Self-signed")
		}
		if !skip {
			out.WriteString(line)
		}
	}
	return out.Bytes()
}

func kindConst(k string) string {
	switch k {
	case "root":
		return "KindRoot"
	case "cross":
		return "KindCross"
	}
	return "KindSubordinate"
}

// moduleVersion reads a requirement's version from a go.mod file.
func moduleVersion(gomod, module string) (string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == module {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("%s: no requirement on %s (go get it first)", gomod, module)
}

func readIndex(name string) ([]map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func readPEM(name string) (*x509.Certificate, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	if want := strings.TrimSuffix(filepath.Base(name), ".pem"); thumb(c) != want {
		return nil, fmt.Errorf("thumbprint is %s, not the file name", thumb(c))
	}
	return c, nil
}

func thumb(c *x509.Certificate) string {
	s := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

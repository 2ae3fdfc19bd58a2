package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRemediateFlagsToOptions: the flags become the options the run
// function gets (the command only parses), checked without running it.
func TestRemediateFlagsToOptions(t *testing.T) {
	a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	var got *remediateOptions
	cmd := newRemediateCmd(a, func(o *remediateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--pool", "pool01.contoso.com", "--chain", "a b.pem", "--dry-run", "--publish-unknown", "--config-nc", "CN=Configuration,DC=x"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.dryRun || got.apply || !got.report.publishUnknown || got.report.ad.configNC != "CN=Configuration,DC=x" ||
		len(got.report.pools) != 1 || got.report.pools[0] != "pool01.contoso.com" || len(got.report.chains) != 1 || got.report.chains[0] != "a b.pem" {
		t.Errorf("options %+v", got)
	}
	var pub *adPublishOptions
	cmd = newADPublishCmd(a, &adFlags{}, func(o *adPublishOptions) error { pub = o; return nil })
	cmd.SetArgs([]string{"--from-check", "pool01.contoso.com", "--publish-unknown", "--dry-run", "root.pem"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if pub == nil || pub.fromCheck != "pool01.contoso.com" || !pub.publishUnknown || !pub.dryRun || len(pub.files) != 1 || pub.as != "root" {
		t.Errorf("ad publish options %+v", pub)
	}
}

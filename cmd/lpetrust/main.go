// Command lpetrust audits and repairs certificate trust for Lync Phone
// Edition desk phones. Each subcommand lives in its own file; commands parse
// flags and print, the work is done by the truststore, chain and adpublish
// packages.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

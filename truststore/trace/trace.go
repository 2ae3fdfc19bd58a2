// Package trace carries the --verbose trace of network steps (DNS, TCP,
// TLS, LDAP) from the packages doing them to whoever asked for it.
//
// A Func is passed explicitly (live.Request.Trace,
// adpublish.ConnectOptions.Trace); nil traces nothing and costs nothing.
// Callers trace names, addresses, protocol versions, suites and result
// codes, never a password, a key or a bind secret: a trace is meant to be
// pasted into a support ticket.
package trace

import "fmt"

// Step is the layer a trace line is about.
type Step string

// The steps traced.
const (
	DNS  Step = "dns"
	TCP  Step = "tcp"
	TLS  Step = "tls"
	LDAP Step = "ldap"
)

// Func receives one line per step. It may be called from several
// goroutines at once and must be safe for that.
type Func func(step Step, msg string)

// Printf traces one line; on a nil Func it does nothing (the arguments
// are not even formatted).
func (f Func) Printf(step Step, format string, args ...any) {
	if f == nil {
		return
	}
	f(step, fmt.Sprintf(format, args...))
}

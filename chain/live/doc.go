// Package live fetches the TLS certificate chains presented by every server
// behind a Lync / Skype for Business pool name and judges them per Lync
// Phone Edition firmware, the way a phone meets them.
//
// Audit expands targets (host, host:port, IP addresses) and discovered SIP
// domains (SRV _sipinternaltls._tcp and _sip._tls, sip., lyncdiscoverinternal.
// and ucupdates-r2. names) to every A and AAAA address, and at each address
// and port runs three handshakes in parallel:
//
//   - a phone probe offering only TLS 1.0 and PhoneCipherSuites (RSA key
//     exchange, CBC, SHA-1), as the Windows CE 6.0 stack of the phones does,
//     with the name as SNI. A server refusing it strands every phone
//     whatever its certificate;
//   - a modern handshake with the same SNI, recording the version and suite
//     a current client negotiates;
//   - the modern handshake without SNI, to see what clients sending no
//     server name get.
//
// The chain the phone probe was given (the modern handshake's when the
// probe failed) is captured whatever its validity and judged per firmware
// store by chain.Evaluate, not by the system roots; a chain several
// endpoints sent byte for byte is judged once per audit, at one moment.
//
// crypto/tls needs no GODEBUG setting for the probe: an explicit
// Config.CipherSuites enables the RSA key exchange and 3DES suites, and an
// explicit MinVersion enables TLS 1.0.
//
// Endpoints are checked Request.Concurrency (or ChooseConcurrency) at a
// time, the workers starting staggered as names resolve, every handshake
// bounded by Request.Timeout, the whole audit by the caller's context. A
// hostile or broken server (refusing, silent, dripping, garbage, reset,
// oversized or unparsable chain) becomes that endpoint's one-line error:
// the server's bytes are counted against Limits and its certificate message
// is checked on the raw record stream before crypto/tls parses it, so
// memory stays bounded. Consistency compares the chains of the members of
// each pool and names the odd ones.
package live

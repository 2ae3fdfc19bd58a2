// Package sockerr names socket errors the same way on every system. On
// Windows a refused connection is WSAECONNREFUSED (10061) or
// ERROR_CONNECTION_REFUSED (1225), read as "connectex: No connection could
// be made because the target machine actively refused it"; errors.Is(err,
// syscall.ECONNREFUSED) never matches it. KindOf and Message give it the
// words of its POSIX equivalent, so that messages and decisions are the
// same on Windows, Linux and macOS.
package sockerr

import (
	"errors"
	"net"
	"runtime"
	"syscall"
)

// Kind is a socket failure, named by its POSIX message.
type Kind string

// The kinds a network error is classified as.
const (
	Refused          Kind = "connection refused"
	Reset            Kind = "connection reset by peer"
	Aborted          Kind = "connection aborted"
	TimedOut         Kind = "connection timed out"
	NetUnreachable   Kind = "network is unreachable"
	HostUnreachable  Kind = "no route to host"
	NetDown          Kind = "network is down"
	HostDown         Kind = "host is down"
	AddrNotAvailable Kind = "cannot assign requested address"
	AddrInUse        Kind = "address already in use"
)

// winsock are the WSA error codes (winerror.h). They are 10000 and above,
// which no POSIX system uses, so they are recognised on every system (a
// test on Linux covers them too).
var winsock = map[uintptr]Kind{
	10048: AddrInUse,        // WSAEADDRINUSE
	10049: AddrNotAvailable, // WSAEADDRNOTAVAIL
	10050: NetDown,          // WSAENETDOWN
	10051: NetUnreachable,   // WSAENETUNREACH
	10053: Aborted,          // WSAECONNABORTED
	10054: Reset,            // WSAECONNRESET
	10060: TimedOut,         // WSAETIMEDOUT
	10061: Refused,          // WSAECONNREFUSED
	10064: HostDown,         // WSAEHOSTDOWN
	10065: HostUnreachable,  // WSAEHOSTUNREACH
}

// windowsSystem are Win32 error codes overlapped sockets (ConnectEx,
// WSARecv) report instead of the WSA ones. Their numbers are ordinary
// errnos elsewhere (64 is ENONET on Linux), so they count only on Windows.
var windowsSystem = map[uintptr]Kind{
	64:   Reset,           // ERROR_NETNAME_DELETED: the peer reset the connection
	121:  TimedOut,        // ERROR_SEM_TIMEOUT
	1225: Refused,         // ERROR_CONNECTION_REFUSED
	1231: NetUnreachable,  // ERROR_NETWORK_UNREACHABLE
	1232: HostUnreachable, // ERROR_HOST_UNREACHABLE
	1236: Aborted,         // ERROR_CONNECTION_ABORTED
}

// posix are this system's own errno values (on Windows, Go's invented
// values, which nothing returns for sockets).
var posix = map[syscall.Errno]Kind{
	syscall.EADDRINUSE:    AddrInUse,
	syscall.EADDRNOTAVAIL: AddrNotAvailable,
	syscall.ENETDOWN:      NetDown,
	syscall.ENETUNREACH:   NetUnreachable,
	syscall.ECONNABORTED:  Aborted,
	syscall.ECONNRESET:    Reset,
	syscall.ETIMEDOUT:     TimedOut,
	syscall.ECONNREFUSED:  Refused,
	syscall.EHOSTDOWN:     HostDown,
	syscall.EHOSTUNREACH:  HostUnreachable,
}

// classify names an errno as goos reports it.
func classify(e syscall.Errno, goos string) Kind {
	if k, ok := winsock[uintptr(e)]; ok {
		return k
	}
	if goos == "windows" {
		if k, ok := windowsSystem[uintptr(e)]; ok {
			return k
		}
	}
	return posix[e]
}

// KindOf returns the kind of the socket error in err's chain, or "" when
// there is none or it is of no known kind.
func KindOf(err error) Kind {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return ""
	}
	return classify(e, runtime.GOOS)
}

// Message is err's text with a socket error of a known kind in POSIX words:
// "dial tcp 192.0.2.1:5061: connection refused" on every system, where
// Windows says "dial tcp 192.0.2.1:5061: connectex: No connection could be
// made because the target machine actively refused it." Other errors keep
// their text.
func Message(err error) string {
	if err == nil {
		return ""
	}
	k := KindOf(err)
	if k == "" {
		return err.Error()
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		return string(k)
	}
	s := op.Op
	if op.Net != "" {
		s += " " + op.Net
	}
	if op.Source != nil && op.Addr != nil {
		s += " " + op.Source.String() + "->"
	} else if op.Addr != nil {
		s += " "
	}
	if op.Addr != nil {
		s += op.Addr.String()
	}
	return s + ": " + string(k)
}

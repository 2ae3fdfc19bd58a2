package sockerr

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestClassify covers the errno values of both families: what Linux (and
// macOS) return, and what Windows returns for the same failures.
func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		errno syscall.Errno
		goos  string
		want  Kind
	}{
		{"ECONNREFUSED", syscall.ECONNREFUSED, "linux", Refused},
		{"ECONNRESET", syscall.ECONNRESET, "linux", Reset},
		{"ECONNABORTED", syscall.ECONNABORTED, "linux", Aborted},
		{"ETIMEDOUT", syscall.ETIMEDOUT, "linux", TimedOut},
		{"ENETUNREACH", syscall.ENETUNREACH, "linux", NetUnreachable},
		{"EHOSTUNREACH", syscall.EHOSTUNREACH, "linux", HostUnreachable},
		{"ENETDOWN", syscall.ENETDOWN, "linux", NetDown},
		{"EHOSTDOWN", syscall.EHOSTDOWN, "linux", HostDown},
		{"EADDRNOTAVAIL", syscall.EADDRNOTAVAIL, "linux", AddrNotAvailable},
		{"EADDRINUSE", syscall.EADDRINUSE, "linux", AddrInUse},
		{"EPERM is no socket failure", syscall.EPERM, "linux", ""},

		{"WSAECONNREFUSED", 10061, "windows", Refused},
		{"WSAECONNRESET", 10054, "windows", Reset},
		{"WSAECONNABORTED", 10053, "windows", Aborted},
		{"WSAETIMEDOUT", 10060, "windows", TimedOut},
		{"WSAENETUNREACH", 10051, "windows", NetUnreachable},
		{"WSAEHOSTUNREACH", 10065, "windows", HostUnreachable},
		{"WSAENETDOWN", 10050, "windows", NetDown},
		{"WSAEHOSTDOWN", 10064, "windows", HostDown},
		{"WSAEADDRNOTAVAIL", 10049, "windows", AddrNotAvailable},
		{"WSAEADDRINUSE", 10048, "windows", AddrInUse},
		{"ERROR_CONNECTION_REFUSED", 1225, "windows", Refused},
		{"ERROR_NETNAME_DELETED", 64, "windows", Reset},
		{"ERROR_SEM_TIMEOUT", 121, "windows", TimedOut},
		{"ERROR_NETWORK_UNREACHABLE", 1231, "windows", NetUnreachable},
		{"ERROR_HOST_UNREACHABLE", 1232, "windows", HostUnreachable},
		{"ERROR_CONNECTION_ABORTED", 1236, "windows", Aborted},
		{"WSAEACCES is no socket failure here", 10013, "windows", ""},

		// The Win32 numbers are other errnos elsewhere: 64 is ENONET on Linux.
		{"64 on Linux", 64, "linux", ""},
		// The WSA numbers are read on every system (none uses them).
		{"WSAECONNREFUSED seen on Linux", 10061, "linux", Refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.errno, tt.goos); got != tt.want {
				t.Errorf("classify(%d, %s) = %q, want %q", uintptr(tt.errno), tt.goos, got, tt.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5061}
	wrap := func(errno syscall.Errno) error {
		return fmt.Errorf("connect to ldaps://dc: %w", &net.OpError{Op: "dial", Net: "tcp", Addr: addr,
			Err: os.NewSyscallError("connectex", errno)})
	}
	tests := []struct {
		err  error
		want string
	}{
		{wrap(10061), "dial tcp 192.0.2.1:5061: connection refused"},
		{wrap(syscall.ECONNREFUSED), "dial tcp 192.0.2.1:5061: connection refused"},
		{wrap(10054), "dial tcp 192.0.2.1:5061: connection reset by peer"},
		{os.NewSyscallError("wsarecv", syscall.Errno(10054)), "connection reset by peer"},
		{errors.New("tls: handshake failure"), "tls: handshake failure"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := Message(tt.err); got != tt.want {
			t.Errorf("Message(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestKindOfRealRefusal dials a closed loopback port: the system's own
// refusal is classified (on Windows through the WSA or Win32 code).
func TestKindOfRealRefusal(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	if err == nil {
		t.Skip("the closed port accepted a connection")
	}
	if k := KindOf(err); k != Refused {
		t.Fatalf("KindOf(%v) = %q, want %q", err, k, Refused)
	}
	if got, want := Message(err), "dial tcp "+addr+": connection refused"; got != want {
		t.Fatalf("Message = %q, want %q", got, want)
	}
}

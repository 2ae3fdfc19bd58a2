package adpublish

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lpetrust/lpetrust/adpublish/fakeldap"
)

// TestStartTLSStallBounded: a server that accepts StartTLS and then goes
// silent (a fault no real DC produces; see fakeldap) costs the timeout, not
// forever.
func TestStartTLSStallBounded(t *testing.T) {
	for _, tc := range []struct {
		b    fakeldap.Behaviour
		want string
	}{
		{fakeldap.StallAfterStartTLS, "StartTLS with ldap://%s: no answer within 1s"},
		{fakeldap.Silent, "read the RootDSE of ldap://%s: no answer within 1s"},
	} {
		s := fakeldap.Start(t, tc.b)
		start := time.Now()
		_, err := Connect(ConnectOptions{Server: "ldap://" + s.Addr, Timeout: time.Second})
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("took %s", took)
		}
		if want := strings.Replace(tc.want, "%s", s.Addr, 1); err == nil || err.Error() != want {
			t.Errorf("Connect = %v, want %s", err, want)
		}
	}
	// The whole session's deadline bounds it too.
	s := fakeldap.Start(t, fakeldap.StallAfterStartTLS)
	ctx, cancel := contextWithTimeout(300 * time.Millisecond)
	defer cancel()
	_, err := ConnectContext(ctx, ConnectOptions{Server: "ldap://" + s.Addr, Timeout: time.Minute})
	if want := "StartTLS with ldap://" + s.Addr + ": the session's deadline passed"; err == nil || err.Error() != want {
		t.Errorf("ConnectContext = %v, want %s", err, want)
	}
}

// TestStartTLSRefusedLikeAD: a DC that offers StartTLS but refuses it (an AD
// DC without a certificate) gets no simple bind: the password never leaves.
func TestStartTLSRefusedLikeAD(t *testing.T) {
	s := fakeldap.Start(t, fakeldap.RefuseStartTLS)
	const pw = "S3cret-never-sent"
	_, err := Connect(ConnectOptions{Server: "ldap://" + s.Addr, Timeout: 5 * time.Second, Auth: Auth{User: "admin@fake.example.com", Password: pw}})
	want := "refusing to bind over a cleartext connection: ldap://" + s.Addr + " refused StartTLS (the directory is busy or unavailable: try again (LDAP result 52); has the DC no certificate?): the password of admin@fake.example.com would be sent in the clear; use Kerberos, which signs the connection, or LDAPS"
	if !errors.Is(err, ErrPlaintextBind) || err.Error() != want {
		t.Fatalf("Connect = %v\nwant %s", err, want)
	}
	if bytes.Contains(s.Received(), []byte(pw)) {
		t.Fatal("the password was sent")
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// TestIntegratedNeedsWindows: elsewhere, integrated sign-on says it needs
// Windows instead of binding anonymously.
func TestIntegratedNeedsWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("integrated sign-on exists here")
	}
	s := fakeldap.Start(t, fakeldap.RefuseStartTLS)
	_, err := Connect(ConnectOptions{Server: "ldap://" + s.Addr, NoStartTLS: true, Timeout: 5 * time.Second, Auth: Auth{Integrated: true}})
	if !errors.Is(err, ErrIntegratedUnavailable) {
		t.Fatalf("Connect = %v, want %v", err, ErrIntegratedUnavailable)
	}
}

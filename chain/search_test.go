package chain

import (
	"crypto/x509"
	"fmt"
	"reflect"
	"testing"

	"github.com/lpetrust/lpetrust/truststore"
)

// Path search cases on generated hierarchies: each defeated the former
// depth-first search (512 dead ends, 8 certificates per path).

// meshCase is 8 keys that cross-sign each other (56 certificates) and a
// leaf: 57 certificates hiding a 4-certificate path to the root, through
// the one cross-certificate the root issued (K1 by the root).
func meshCase(t testing.TB) (root *ca, in Input, want []string) {
	root = gen(t, certSpec{cn: "Mesh Root", key: "ec mesh root", isCA: true}, nil)
	ids := make([]*ca, 9)
	for k := 1; k <= 8; k++ {
		ids[k] = gen(t, certSpec{cn: fmt.Sprintf("Mesh K%d", k), key: fmt.Sprintf("ec mesh K%d", k), isCA: true}, nil)
	}
	var k8byK1, k1byRoot *ca
	var certs []*x509.Certificate
	for a := 1; a <= 8; a++ {
		for b := 1; b <= 8; b++ {
			if a == b {
				continue
			}
			parent := ids[b]
			if a == 1 && b == 2 {
				parent = root
			}
			c := gen(t, certSpec{cn: fmt.Sprintf("Mesh K%d", a), key: fmt.Sprintf("ec mesh K%d", a), isCA: true}, parent)
			certs = append(certs, c.cert)
			switch {
			case a == 8 && b == 1:
				k8byK1 = c
			case a == 1 && b == 2:
				k1byRoot = c
			}
		}
	}
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "ec mesh leaf", dns: []string{"pool.contoso.test"}}, ids[8])
	// The mesh first, the certificates of the short path at the end.
	in = Input{Source: "mesh", Certs: append([]*x509.Certificate{leaf.cert}, certs...), Leaf: leaf.cert}
	want = []string{truststore.SHA1Hex(leaf.cert), truststore.SHA1Hex(k8byK1.cert), truststore.SHA1Hex(k1byRoot.cert), truststore.SHA1Hex(root.cert)}
	return root, in, want
}

func TestMeshHidesShortPath(t *testing.T) {
	root, in, want := meshCase(t)
	if len(in.Certs) != 57 {
		t.Fatalf("test setup: %d certificates", len(in.Certs))
	}
	r := mustEvaluate(t, overlayCatalogue(t, root.cert), in, Options{At: at2027})
	v := r.Verdict("LAB")
	wantCodes(t, v, true)
	if !reflect.DeepEqual(v.Path, want) {
		t.Errorf("path %v, want the 4-certificate path %v", v.Path, want)
	}
}

// decoyCase is an issuing CA preceded by 600 certificates with its name and
// key identifier but other keys.
func decoyCase(t testing.TB) (root *ca, in Input) {
	root = gen(t, certSpec{cn: "Decoy Root", key: "ec decoy root", isCA: true}, nil)
	real := gen(t, certSpec{cn: "Decoy Issuing CA", key: "ec decoy real", isCA: true}, root)
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "ec decoy leaf", dns: []string{"pool.contoso.test"}}, real)
	in = Input{Source: "decoys", Certs: []*x509.Certificate{leaf.cert}, Leaf: leaf.cert}
	for i := 0; i < 600; i++ {
		d := gen(t, certSpec{cn: "Decoy Issuing CA", key: fmt.Sprintf("ec decoy %d", i), isCA: true, ski: real.cert.SubjectKeyId}, root)
		in.Certs = append(in.Certs, d.cert)
	}
	in.Certs = append(in.Certs, real.cert)
	return root, in
}

func TestSixHundredDecoys(t *testing.T) {
	root, in := decoyCase(t)
	r := mustEvaluate(t, overlayCatalogue(t, root.cert), in, Options{At: at2027})
	v := r.Verdict("LAB")
	wantCodes(t, v, true)
	if len(v.Path) != 3 || v.Path[1] != truststore.SHA1Hex(in.Certs[len(in.Certs)-1]) {
		t.Errorf("path %v", v.Path)
	}
}

// chainOf makes root -> n intermediates -> leaf, leaf first.
func chainOf(t testing.TB, prefix string, n int) (*ca, []*ca) {
	root := gen(t, certSpec{cn: prefix + " Root", key: "ec " + prefix + " root", isCA: true}, nil)
	parent := root
	var out []*ca
	for i := 1; i <= n; i++ {
		parent = gen(t, certSpec{cn: fmt.Sprintf("%s CA %d", prefix, i), key: fmt.Sprintf("ec %s %d", prefix, i), isCA: true}, parent)
		out = append([]*ca{parent}, out...)
	}
	leaf := gen(t, certSpec{cn: "pool.contoso.test", key: "ec " + prefix + " leaf", dns: []string{"pool.contoso.test"}}, parent)
	return root, append([]*ca{leaf}, out...)
}

func TestNineIntermediates(t *testing.T) {
	root, certs := chainOf(t, "Nine", 9)
	r, v := verdictOf(t, root, certs...)
	wantCodes(t, v, true)
	if len(v.Path) != 11 || r.Verdict("RTM").Trusted {
		t.Errorf("path of %d certificates", len(v.Path))
	}
}

// A chain longer than the length limit: the reason names the limit, not a
// missing issuer.
func TestLengthLimitReason(t *testing.T) {
	root, certs := chainOf(t, "Long", maxPathLen)
	_, v := verdictOf(t, root, certs...)
	wantCodes(t, v, false, ReasonSearchLimit)
	stop := certs[maxPathLen-1].cert // the 20th certificate of the path
	want := fmt.Sprintf("no path to any root of this store within %d certificates: the path search's length limit stopped at %s, whose issuers were not examined", maxPathLen, certID(stop))
	if len(v.Reasons) != 1 || v.Reasons[0] != want {
		t.Errorf("reasons %q\nwant %q", v.Reasons, want)
	}
	// One certificate fewer fits.
	root, certs = chainOf(t, "Longest", maxPathLen-2)
	_, v = verdictOf(t, root, certs...)
	wantCodes(t, v, true)
}

// The work bound: a mesh of meshes is cut, and the verdict says so.
func TestWorkLimitReason(t *testing.T) {
	if got := searchLimitReason(searchStats{budgetCut: true}); got != fmt.Sprintf("the path search stopped after %d steps, its work limit, before every path was examined", maxWork) {
		t.Errorf("reason %q", got)
	}
}

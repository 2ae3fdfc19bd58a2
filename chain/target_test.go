package chain

import (
	"testing"

	"github.com/lpetrust/lpetrust/truststore"
)

func TestTargetStore(t *testing.T) {
	cat := truststore.Default()
	for in, want := range map[string]string{
		"":     "CU11",
		"CU10": "CU10",
		"CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync Phone Edition)": "CU11",
		"RTM": "RTM",
	} {
		s, err := TargetStore(cat, in)
		if err != nil || s.Name != want {
			t.Errorf("TargetStore(%q) = %v, %v; want %s", in, s, err, want)
		}
	}
	if s, err := TargetStore(cat, "CU99"); err == nil {
		t.Errorf("TargetStore(CU99) = %v, want an error", s.Name)
	}
}

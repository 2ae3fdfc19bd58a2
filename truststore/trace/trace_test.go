package trace

import "testing"

func TestPrintf(t *testing.T) {
	var got []string
	f := Func(func(s Step, msg string) { got = append(got, string(s)+": "+msg) })
	f.Printf(TCP, "connect %s: ok", "192.0.2.1:5061")
	var none Func
	none.Printf(DNS, "never %s", "formatted")
	if len(got) != 1 || got[0] != "tcp: connect 192.0.2.1:5061: ok" {
		t.Fatalf("got %q", got)
	}
}

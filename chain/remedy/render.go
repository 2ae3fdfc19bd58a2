package remedy

import (
	"fmt"
	"io"
	"strings"

	"github.com/lpetrust/lpetrust/truststore/textwrap"
)

// Remains says how many phones stay stranded after a fix, for people:
// "none remain", "1 stranded phone remains", "2 stranded phones remain".
func Remains(n int) string {
	switch n {
	case 0:
		return "none remain"
	case 1:
		return "1 stranded phone remains"
	}
	return fmt.Sprintf("%d stranded phones remain", n)
}

// InventoryReach says whom a fix of an inventory's plan brings back and
// how many phones remain stranded after it ("brings back 3 phones, 1
// stranded phone remains"). Every output that counts phones per fix (the
// text plan, the HTML report) says it with these words.
func InventoryReach(kind Kind, phones, remaining int) string {
	switch kind {
	case KindRenew:
		return "keeps " + plural(phones, "phone", "phones") + " signing in; " + Remains(remaining)
	case KindPlatform:
		return plural(phones, "phone", "phones")
	}
	return "brings back " + plural(phones, "phone", "phones") + ", " + Remains(remaining)
}

// Reach says whom a fix brings back, for people.
func (p *Plan) Reach(f Fix) string {
	if p.Inventory {
		return InventoryReach(f.Kind, f.Phones, f.Remaining)
	}
	if len(f.Stores) == 0 {
		if f.Prerequisite {
			return "needed before anything else helps"
		}
		return "for every phone reaching those servers"
	}
	who := "phones"
	switch f.SignIn {
	case SignInAD:
		who = "phones signing in with AD credentials"
	case SignInPIN:
		who = "PIN-authenticated phones"
	}
	return fmt.Sprintf("brings back %s with %s firmware", who, strings.Join(f.Stores, ", "))
}

// WriteText writes the plan for people: the notes, then the fixes
// numbered, each with its steps and commands for the shell. indent is put
// before every line. Prose is wrapped to textwrap.Width columns; each
// command is on a line of its own, never wrapped, so that it pastes.
func (p *Plan) WriteText(w io.Writer, s Shell, indent string) error {
	var b strings.Builder
	prose := func(first, hanging, text string) {
		b.WriteString(textwrap.Wrap(first, hanging, text, textwrap.Width))
	}
	if p.Summary != "" {
		prose(indent, indent+"  ", p.Summary)
	}
	for _, n := range p.Notes {
		prose(indent, indent+"  ", n)
	}
	if len(p.Fixes) == 0 && p.Summary == "" {
		fmt.Fprintf(&b, "%sNo fix needed.\n", indent)
	}
	step := indent + "     "
	for _, f := range p.Fixes {
		num := fmt.Sprintf("%d. ", f.Rank)
		prose(indent+num, indent+strings.Repeat(" ", len(num)), fmt.Sprintf("%s — %s (%s)", f.Title, p.Reach(f), f.Effort))
		for _, st := range f.Steps {
			text := st.Text
			if len(st.Commands) > 0 {
				text += ":"
			}
			prose(step, step, text)
			for _, c := range st.Commands {
				line := c.Render(s)
				if in := c.RunsIn(s); in != s {
					line += "    # " + string(in)
				}
				fmt.Fprintf(&b, "%s  %s\n", step, line)
			}
		}
		if f.Note != "" {
			prose(step+"note: ", step+"      ", f.Note)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package remedy

import (
	"fmt"
	"io"
	"strings"
)

// Reach says whom a fix brings back, for people.
func (p *Plan) Reach(f Fix) string {
	if p.Inventory {
		if f.Kind == KindRenew {
			return "keeps " + plural(f.Phones, "phone", "phones") + fmt.Sprintf(" signing in; %d stranded remain", f.Remaining)
		}
		if f.Kind == KindPlatform {
			return plural(f.Phones, "phone", "phones")
		}
		return fmt.Sprintf("brings back %s, %d stranded remain", plural(f.Phones, "phone", "phones"), f.Remaining)
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
// before every line.
func (p *Plan) WriteText(w io.Writer, s Shell, indent string) error {
	var b strings.Builder
	if p.Summary != "" {
		fmt.Fprintf(&b, "%s%s\n", indent, p.Summary)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "%s%s\n", indent, n)
	}
	if len(p.Fixes) == 0 && p.Summary == "" {
		fmt.Fprintf(&b, "%sNo fix needed.\n", indent)
	}
	for _, f := range p.Fixes {
		fmt.Fprintf(&b, "%s%d. %s — %s (%s)\n", indent, f.Rank, f.Title, p.Reach(f), f.Effort)
		for _, st := range f.Steps {
			text := st.Text
			if len(st.Commands) > 0 {
				text += ":"
			}
			fmt.Fprintf(&b, "%s     %s\n", indent, text)
			for _, c := range st.Commands {
				line := c.Render(s)
				if in := c.RunsIn(s); in != s {
					line += "    # " + string(in)
				}
				fmt.Fprintf(&b, "%s       %s\n", indent, line)
			}
		}
		if f.Note != "" {
			fmt.Fprintf(&b, "%s     note: %s\n", indent, f.Note)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

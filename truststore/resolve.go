package truststore

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a dotted firmware version of up to four numbers.
type Version [4]int

// ParseVersion parses "4.0.7577.4414" (two to four dot-separated numbers).
func ParseVersion(s string) (Version, error) {
	var v Version
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return v, fmt.Errorf("malformed version %q: want 2 to 4 dot-separated numbers", s)
	}
	for i, p := range parts {
		if p == "" || len(p) > 9 || strings.Trim(p, "0123456789") != "" {
			return v, fmt.Errorf("malformed version %q: %q is not a number", s, p)
		}
		v[i], _ = strconv.Atoi(p)
	}
	return v, nil
}

// Less orders versions numerically.
func (v Version) Less(o Version) bool {
	for i := range v {
		if v[i] != o[i] {
			return v[i] < o[i]
		}
	}
	return false
}

func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3])
}

// Resolution is the answer for one input: the build it names, or for a
// release name every build of that release.
type Resolution struct {
	Input string `json:"input"`
	Build
}

// ErrNotPhoneUserAgent is returned for a user-agent that is not an LPE phone's.
var ErrNotPhoneUserAgent = errors.New("not a Lync Phone Edition user-agent")

var (
	versionLike = regexp.MustCompile(`^\d+(\.\d+){1,3}$`)
	phoneToken  = regexp.MustCompile(`(?i)(?:^|[\s(;,])(?:CPE|OCPhone)/(\d+(?:\.\d+){1,3})`)
	anyVersion  = regexp.MustCompile(`\d+\.\d+\.\d+(?:\.\d+)?`)
)

// VersionFromUserAgent extracts the firmware version from an LPE phone
// user-agent such as "CPE/4.0.7577.4420 OCPhone/4.0.7577.4420 (Microsoft Lync
// Phone Edition)". Tokens CPE/ and OCPhone/ are matched case-insensitively.
// Desktop clients use the same 4.0.7577.x numbers, so a string without those
// tokens is rejected with ErrNotPhoneUserAgent rather than guessed at.
func VersionFromUserAgent(ua string) (string, error) {
	if m := phoneToken.FindStringSubmatch(ua); m != nil {
		return m[1], nil
	}
	if anyVersion.MatchString(ua) {
		return "", ErrNotPhoneUserAgent
	}
	return "", fmt.Errorf("%w: no CPE/ or OCPhone/ version token", ErrNotPhoneUserAgent)
}

// Resolve maps an input to builds. The input may be a bare version
// ("4.0.7577.4414"), a release name ("CU10", "rtm", "OCS 2007 R2") or a
// phone user-agent. A version the catalogue does not list is mapped to the
// store it most likely carries and marked unverified.
func (c *Catalogue) Resolve(input string) ([]Resolution, error) {
	in := strings.TrimSpace(input)
	if in == "" {
		return nil, errors.New("empty firmware input")
	}
	if versionLike.MatchString(in) {
		b, err := c.ResolveVersion(in)
		if err != nil {
			return nil, err
		}
		return []Resolution{{Input: input, Build: b}}, nil
	}
	if builds := c.BuildsOfRelease(in); len(builds) > 0 {
		out := make([]Resolution, len(builds))
		for i, b := range builds {
			out[i] = Resolution{Input: input, Build: b}
		}
		return out, nil
	}
	if strings.ContainsAny(in, "/ (") {
		v, err := VersionFromUserAgent(in)
		if err != nil {
			return nil, err
		}
		b, err := c.ResolveVersion(v)
		if err != nil {
			return nil, err
		}
		return []Resolution{{Input: input, Build: b}}, nil
	}
	if strings.Contains(in, ".") {
		if _, err := ParseVersion(in); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("malformed version %q", in) // versionLike and ParseVersion disagree: never a silent empty answer
	}
	return nil, fmt.Errorf("unknown release %q (known: %s)", in, strings.Join(c.ReleaseNames(), ", "))
}

// ResolveStore is Resolve for callers that need one store: the store of the
// input's newest build.
func (c *Catalogue) ResolveStore(input string) (*Store, Resolution, error) {
	rs, err := c.Resolve(input)
	if err != nil {
		return nil, Resolution{}, err
	}
	if len(rs) == 0 {
		return nil, Resolution{}, fmt.Errorf("firmware %q: no build", input)
	}
	r := rs[len(rs)-1]
	s := c.Store(r.Store)
	if s == nil {
		return nil, r, fmt.Errorf("firmware %q: store %q is not defined", input, r.Store)
	}
	return s, r, nil
}

// ReleaseNames lists the release names of the catalogue, oldest first, each once.
func (c *Catalogue) ReleaseNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, b := range c.builds {
		if !seen[strings.ToLower(b.Release)] {
			seen[strings.ToLower(b.Release)] = true
			out = append(out, b.Release)
		}
	}
	return out
}

// BuildsOfRelease returns the builds whose release name matches (case-insensitive).
func (c *Catalogue) BuildsOfRelease(name string) []Build {
	var out []Build
	for _, b := range c.builds {
		if strings.EqualFold(b.Release, name) {
			out = append(out, b)
		}
	}
	return out
}

// ResolveVersion returns the build for a version. A version absent from the
// catalogue gets an unverified build: builds older than Lync 2010 RTM map to
// the RTM store, builds newer than the newest known map to the newest
// embedded store (CU11), and a build between two known ones to the store of
// the one before it.
func (c *Catalogue) ResolveVersion(s string) (Build, error) {
	v, err := ParseVersion(s)
	if err != nil {
		return Build{}, err
	}
	var prev, next *Build
	for i := range c.builds {
		bv, _ := ParseVersion(c.builds[i].Version)
		switch {
		case bv == v:
			return c.builds[i], nil
		case bv.Less(v):
			prev = &c.builds[i]
		case next == nil:
			next = &c.builds[i]
		}
	}
	rtm, _ := ParseVersion("4.0.7576.0")
	unknown := Build{Version: s, Families: []string{}}
	switch {
	case v.Less(rtm):
		unknown.Release = "pre-RTM"
		unknown.Store = ReleaseRTM
		unknown.Note = "build not in the catalogue and older than Lync 2010 RTM; RTM store assumed"
	case next == nil:
		unknown.Release = "newer than " + prev.Release
		unknown.Store = ReleaseCU11
		unknown.Note = fmt.Sprintf("build newer than the newest known (%s); CU11 store assumed", prev.Version)
	default:
		unknown.Release = prev.Release
		unknown.Store = prev.Store
		unknown.Note = fmt.Sprintf("build not in the catalogue (between %s and %s); store of %s assumed", prev.Version, next.Version, prev.Version)
	}
	return unknown, nil
}

// Package chain reads certificates (PEM, DER, PKCS#12, PKCS#7), builds every
// certification path from an end-entity certificate to the roots of the Lync
// Phone Edition firmware stores, and gives a verdict per firmware store:
// trusted or not and why, the earliest release and build that trust the
// chain, the roots a phone would be missing, phone-specific findings and
// cross-certificates that would help older firmware.
//
// Path building is done here rather than with crypto/x509's Verify because
// every path matters (one per store), SHA-1 signatures must be accepted,
// anchors are matched by key (re-issued roots, cross-signed intermediates),
// and expired roots must be reported rather than silently skipped.
package chain

import (
	"crypto/x509"
	"github.com/lpetrust/lpetrust/truststore/inputfile"
	"net/http"
	"strings"
	"time"
)

// Input is one certificate source: a file, or one file of a directory.
type Input struct {
	// Source names where the certificates came from (a file path, a URL…).
	Source string
	// Certs are the certificates in the order the source gave them.
	Certs []*x509.Certificate
	// Leaf is the end-entity certificate when the source says which one it
	// is (the certificate matching a PKCS#12 file's private key); nil otherwise.
	Leaf *x509.Certificate
	// Warnings name the certificates of the source that could not be
	// parsed and were skipped.
	Warnings []string
}

// ReadOptions control reading certificate files.
type ReadOptions struct {
	// Password returns the password of an encrypted PKCS#12 file. It is
	// asked only after the empty password failed; nil means no password.
	Password func(source string) ([]byte, error)
	// MaxBytes caps the size of each file; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// DefaultMaxBytes is the per-file size cap when ReadOptions.MaxBytes is 0.
// Certificate files are a few KiB; anything this large is not one.
const DefaultMaxBytes = inputfile.MaxCertificate

// Options control Evaluate.
type Options struct {
	// At is the moment of every validity judgement; zero means now.
	At time.Time
	// Intermediates are extra CA certificates offered to the path builder.
	Intermediates []*x509.Certificate
	// ExtraAnchors are roots every store trusts in addition to its own,
	// e.g. roots published in Active Directory.
	ExtraAnchors []*x509.Certificate
	// HonorExpiredRoots lets an expired root anchor a path. Off by default:
	// whether a phone accepts an expired root is undocumented, and Windows
	// CryptoAPI treats an expired root as not time-valid.
	HonorExpiredRoots bool
	// Pool is the pool FQDN the leaf must name (checked when non-empty).
	Pool string
	// SIPDomain is the SIP domain; the leaf must name sip.<SIPDomain>.
	SIPDomain string
	// WarnDays is how close to expiry the leaf triggers a warning; 0 means
	// 30, a negative value turns the warning off (an expired leaf is still
	// an error).
	WarnDays int
	// Strict turns findings based on assumptions into failures.
	Strict bool
	// AIA fetches missing issuers from the leaf's and intermediates'
	// Authority Information Access caIssuers URLs (HTTP only).
	AIA bool
	// AIATimeout bounds each fetch; 0 means 10 seconds.
	AIATimeout time.Duration
	// HTTPClient is used for AIA fetching; nil means a client with AIATimeout.
	HTTPClient *http.Client
}

// Result is the judgement of one input.
type Result struct {
	Source string `json:"source"`
	// Chain is the path a person should look at: the best path of the
	// earliest store that trusts the chain, ending at that store's root;
	// when no store trusts it, the longest path through the supplied
	// certificates (ending at a catalogue root when one is known).
	Chain []CertInfo `json:"chain"`
	// Verdicts holds one verdict per store, in the catalogue's store order.
	Verdicts []Verdict `json:"verdicts"`
	// MinimumRelease is the earliest store (release) trusting the chain, or nil.
	MinimumRelease *string `json:"minimum_release"`
	// MinimumBuilds gives the earliest trusting build per device family;
	// families with no such build have an empty Version.
	MinimumBuilds []FamilyBuild `json:"minimum_builds"`
	// MissingRoots are the roots the untrusted paths end at (and valid
	// re-issues of expired firmware roots): publishing them to the phones,
	// e.g. in Active Directory, makes those stores trust the chain.
	MissingRoots []MissingRoot `json:"missing_roots"`
	// Findings are phone-specific observations separate from trust.
	Findings []Finding `json:"findings"`
	// Alternatives are known cross-certificates that would make an older
	// store trust the chain if the server sent them.
	Alternatives []Alternative `json:"alternatives"`
	// Instead names, when no alternative helps some stores, CA hierarchies
	// those stores trust without Active Directory.
	Instead []Instead `json:"instead"`
	// UnknownIssuers name the issuers of chain ends the catalogue does not
	// know: "private or unknown CA <issuer DN>".
	UnknownIssuers []string `json:"unknown_issuers"`
}

// CertInfo describes one certificate of a chain.
type CertInfo struct {
	SHA1               string    `json:"sha1"`
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	PublicKey          string    `json:"public_key"`
	SignatureAlgorithm string    `json:"signature_algorithm"`
	// Name is the short display name (CN, else OU, else O).
	Name string `json:"name"`
	// Origin says where the path builder found the certificate: "input",
	// "intermediates", "catalogue", "store", "anchor" or "aia".
	Origin string            `json:"origin"`
	Cert   *x509.Certificate `json:"-"`
}

// Verdict is the judgement for one firmware store.
type Verdict struct {
	Store   string `json:"store"`
	Trusted bool   `json:"trusted"`
	// AnchorSHA1 is the store root (or extra anchor) the best path ends at;
	// empty when no path reaches this store.
	AnchorSHA1 string `json:"anchor_sha1"`
	// Reasons explain an untrusted verdict, or note caveats of a trusted one.
	Reasons []string `json:"reasons"`
	// ReasonCodes gives the kind of each reason: ReasonCodes[i] is the kind
	// of Reasons[i]. Decide by the code, never by the text.
	ReasonCodes []ReasonKind `json:"reason_codes"`
	// ValidUntil is when the best trusted path stops being trusted (its
	// earliest expiry); nil when not trusted.
	ValidUntil *time.Time `json:"valid_until"`
	// Path lists the SHA-1s of the best path, leaf first, anchor last.
	Path []string `json:"path"`
}

// ReasonKind classifies a reason of a verdict.
type ReasonKind string

// Reason kinds. Those of an untrusted path name the rule that failed (see
// rules in constraints.go for each rule's source).
const (
	// ReasonNoPath: no path reaches a root of the store (the chain ends at a
	// root the store lacks, or at a key only other stores have).
	ReasonNoPath ReasonKind = "no_path"
	// ReasonMissingIssuer: the chain ends at a certificate whose issuer was
	// not supplied.
	ReasonMissingIssuer ReasonKind = "missing_issuer"
	// ReasonBadSignature: a certificate naming the issuer was found, but
	// its key does not verify the signature.
	ReasonBadSignature      ReasonKind = "bad_signature"
	ReasonExpired           ReasonKind = "expired"
	ReasonNotYetValid       ReasonKind = "not_yet_valid"
	ReasonNotACA            ReasonKind = "not_a_ca"
	ReasonPathLen           ReasonKind = "path_len"
	ReasonKeyUsage          ReasonKind = "key_usage"
	ReasonCriticalExtension ReasonKind = "critical_extension"
	ReasonNameConstraint    ReasonKind = "name_constraint"
	ReasonEKU               ReasonKind = "eku"
	// ReasonSearchLimit: a bound of the path search (path length or work)
	// stopped it before every path was examined.
	ReasonSearchLimit ReasonKind = "search_limit"
	// ReasonExtraAnchor notes a trusted path anchored at an additional
	// trusted root (Options.ExtraAnchors), not a firmware root.
	ReasonExtraAnchor ReasonKind = "extra_anchor"
	// ReasonRootReissued notes that a valid re-issue of an expired store
	// root is known.
	ReasonRootReissued ReasonKind = "root_reissued"
)

// FamilyBuild is the earliest build of a device family that trusts the chain.
type FamilyBuild struct {
	Family  string `json:"family"`
	Version string `json:"version"` // empty: no build of this family trusts it
	Release string `json:"release"`
}

// MissingRoot is a root an untrusted path ends at.
type MissingRoot struct {
	SHA1    string `json:"sha1"`
	Subject string `json:"subject"`
	Name    string `json:"name"`
	// Known is true when the catalogue knows this certificate (as an LPE root
	// of a later store, or as a modern root).
	Known bool `json:"known"`
	// Stores lists stores that hold it (empty for non-LPE roots).
	Stores []string          `json:"stores"`
	Cert   *x509.Certificate `json:"-"`
}

// Finding is a phone-specific observation about the chain.
type Finding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"` // "error", "warning" or "info"
	Basis    string `json:"basis"`    // "fact" or "assumption"
	Message  string `json:"message"`
}

// Alternative is a known cross-certificate that would make a store trust the chain.
type Alternative struct {
	// Stores are the stores that would then trust the chain.
	Stores []string `json:"stores"`
	// AddSHA1 and AddSubject name the certificate to add to the server's chain.
	AddSHA1    string `json:"add_sha1"`
	AddSubject string `json:"add_subject"`
	AnchorSHA1 string `json:"anchor_sha1"`
	// Certs are all the certificates to add (usually one), in path order.
	Certs []CertInfo `json:"certs"`
	// ValidUntil is when the path through them stops being trusted.
	ValidUntil *time.Time `json:"valid_until"`
	// Rescues gives, when the alternative links the root the chain ends at,
	// every store it rescues and until when (the cross-certificates'
	// horizon).
	Rescues []StoreUntil `json:"rescues,omitempty"`
	// NameOnly: the chain's root only has the name of the public root these
	// certificates link, not its key; they help only if the server's real
	// chain ends at the public root.
	NameOnly bool              `json:"name_only,omitempty"`
	Message  string            `json:"message"`
	Cert     *x509.Certificate `json:"-"`
}

// Verdict returns the verdict for the named store (case-insensitive), or nil.
func (r *Result) Verdict(store string) *Verdict {
	for i := range r.Verdicts {
		if strings.EqualFold(r.Verdicts[i].Store, store) {
			return &r.Verdicts[i]
		}
	}
	return nil
}

// TrustedBy reports whether the named store trusts the chain.
func (r *Result) TrustedBy(store string) bool {
	v := r.Verdict(store)
	return v != nil && v.Trusted
}

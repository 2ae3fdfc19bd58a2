package adpublish

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/lpetrust/lpetrust/truststore"
)

// Status is what happened (or, in a dry run, would happen) to one value in
// one container.
type Status string

// Statuses.
const (
	StatusCreated   Status = "created"   // a new object holding the certificate
	StatusAdded     Status = "added"     // the certificate added as a value of an existing object
	StatusUnchanged Status = "unchanged" // already present (publish) or not present (remove)
	StatusRemoved   Status = "removed"   // the value removed (the object too when it was the last)
	StatusFailed    Status = "failed"    // see Error and ResultCode
)

// Outcome is the result for one certificate in one container.
type Outcome struct {
	SHA1      string    `json:"sha1"`
	Subject   string    `json:"subject"`
	Name      string    `json:"name"`
	Container Container `json:"container"`
	DN        string    `json:"dn"`
	Attribute string    `json:"attribute"`
	Status    Status    `json:"status"`
	// ObjectDeleted is true when a remove deleted the object. Remove no
	// longer deletes objects (see Directory.Remove); kept for readers of
	// the JSON.
	ObjectDeleted bool `json:"object_deleted,omitempty"`
	// ResultCode is the LDAP result code of a failure (0 when none applies).
	ResultCode int    `json:"ldap_result_code,omitempty"`
	Error      string `json:"error,omitempty"`
	// Note says more, e.g. that a dry run assumed the object absent.
	Note string `json:"note,omitempty"`
}

// Report is the result of a publish or remove: one outcome per certificate
// and container, and the changes made (or, in a dry run, to be made).
type Report struct {
	DryRun   bool      `json:"dry_run"`
	ConfigNC string    `json:"config_nc"`
	Outcomes []Outcome `json:"results"`
	Changes  []Change  `json:"-"`
	// AssumedAbsent is true for a dry run made without a directory.
	AssumedAbsent bool `json:"assumed_absent,omitempty"`
}

// Failed reports whether any outcome failed.
func (r *Report) Failed() bool {
	for _, o := range r.Outcomes {
		if o.Status == StatusFailed {
			return true
		}
	}
	return false
}

// PublishOptions control Publish.
type PublishOptions struct {
	Kind   Kind
	DryRun bool
	// Progress, when set, is called after each outcome (in order).
	Progress func(Outcome)
}

// object is what adpublish reads of a certificationAuthority object.
type object struct {
	dn     string
	values map[string][][]byte // by attribute name as adpublish spells it
}

func (o *object) has(attr string, v []byte) bool {
	for _, x := range o.values[attr] {
		if bytes.Equal(x, v) {
			return true
		}
	}
	return false
}

// realValues counts the values that are not placeholders: certificates, and
// revocation lists someone published in the object (deleting the object
// would lose them).
func (o *object) realValues() int {
	n := 0
	for _, attr := range objectAttrs {
		for _, v := range o.values[attr] {
			if !isPlaceholder(v) {
				n++
			}
		}
	}
	return n
}

// readAttrs are the attributes holding certificates.
var readAttrs = []string{AttrCACertificate, AttrCrossCertificate}

// objectAttrs are the attributes read of an object before changing it.
var objectAttrs = []string{AttrCACertificate, AttrCrossCertificate, AttrAuthorityRevList, AttrCertificateRevList}

// read returns the object at dn, or nil when there is none.
func (d *Directory) read(dn string) (*object, error) {
	res, err := d.conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", objectAttrs, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(res.Entries) != 1 {
		return nil, nil
	}
	return objectOf(res.Entries[0]), nil
}

func objectOf(e *ldap.Entry) *object {
	o := &object{dn: e.DN, values: map[string][][]byte{}}
	for _, attr := range objectAttrs {
		o.values[attr] = e.GetEqualFoldRawAttributeValues(attr)
	}
	return o
}

// newObjectEntry is the entry certutil -f -dspublish creates: the value in
// its attribute and one-byte placeholders in the other mandatory ones.
func newObjectEntry(t Target, der []byte) []Attr {
	entry := []Attr{
		{Name: "objectClass", Values: [][]byte{[]byte("top"), []byte("certificationAuthority")}},
		{Name: "cn", Values: [][]byte{[]byte(t.Name)}},
	}
	if t.Attribute == AttrCrossCertificate {
		entry = append(entry, Attr{Name: AttrCACertificate, Values: [][]byte{placeholder}},
			Attr{Name: AttrCrossCertificate, Values: [][]byte{der}})
	} else {
		entry = append(entry, Attr{Name: AttrCACertificate, Values: [][]byte{der}})
	}
	return append(entry,
		Attr{Name: AttrAuthorityRevList, Values: [][]byte{placeholder}},
		Attr{Name: AttrCertificateRevList, Values: [][]byte{placeholder}})
}

func outcomeFor(c *x509.Certificate, t Target) Outcome {
	return Outcome{SHA1: truststore.SHA1Hex(c), Subject: c.Subject.String(), Name: t.Name,
		Container: t.Container, DN: t.DN, Attribute: t.Attribute}
}

func (o *Outcome) fail(err error) {
	o.Status = StatusFailed
	o.ResultCode = ResultCode(err)
	// One line: directory diagnostics may span several.
	o.Error = strings.Join(strings.Fields(Explain(err, o.DN)), " ")
}

// Publish writes each certificate where certutil -dspublish would for
// opts.Kind. A missing object is created; an existing one gets the value
// added (never replaced); a value already there is left alone. Each write is
// read back. Certificates should have passed CheckCertificate. A failure in
// one container does not stop the others; once the connection is lost the
// remaining outcomes fail without further attempts.
func (d *Directory) Publish(certs []*x509.Certificate, opts PublishOptions) *Report {
	r := &Report{DryRun: opts.DryRun, ConfigNC: d.ConfigNC}
	sim := map[string]*object{} // dry run: the objects as they would become
	var lost error
	for _, c := range certs {
		for _, t := range Targets(c, opts.Kind, d.ConfigNC) {
			o := outcomeFor(c, t)
			switch {
			case lost != nil:
				o.fail(lost)
			case opts.DryRun:
				d.planOne(r, sim, t, c.Raw, &o)
			default:
				if err := d.publishOne(r, t, c.Raw, &o); err != nil && IsNetwork(err) {
					lost = err
				}
			}
			r.Outcomes = append(r.Outcomes, o)
			if opts.Progress != nil {
				opts.Progress(o)
			}
		}
	}
	return r
}

// planOne works out a dry run against the directory's current contents.
func (d *Directory) planOne(r *Report, sim map[string]*object, t Target, der []byte, o *Outcome) {
	obj, seen := sim[t.DN]
	if !seen {
		var err error
		obj, err = d.read(t.DN)
		if err != nil {
			o.fail(err)
			return
		}
		sim[t.DN] = obj
	}
	applyPlan(r, sim, obj, t, der, o)
}

func applyPlan(r *Report, sim map[string]*object, obj *object, t Target, der []byte, o *Outcome) {
	switch {
	case obj == nil:
		entry := newObjectEntry(t, der)
		r.Changes = append(r.Changes, Change{DN: t.DN, Type: ChangeAdd, Attrs: entry})
		obj = &object{dn: t.DN, values: map[string][][]byte{}}
		for _, a := range entry {
			obj.values[a.Name] = a.Values
		}
		sim[t.DN] = obj
		o.Status = StatusCreated
	case obj.has(t.Attribute, der):
		o.Status = StatusUnchanged
	default:
		r.Changes = append(r.Changes, Change{DN: t.DN, Type: ChangeModify, Op: OpAdd,
			Attrs: []Attr{{Name: t.Attribute, Values: [][]byte{der}}}})
		obj.values[t.Attribute] = append(obj.values[t.Attribute], der)
		o.Status = StatusAdded
	}
}

// PlanOffline is a dry run with no directory: it assumes none of the objects
// exist yet and says so in the report.
func PlanOffline(certs []*x509.Certificate, k Kind, configNC string) *Report {
	r := &Report{DryRun: true, ConfigNC: configNC, AssumedAbsent: true}
	sim := map[string]*object{}
	for _, c := range certs {
		for _, t := range Targets(c, k, configNC) {
			o := outcomeFor(c, t)
			applyPlan(r, sim, sim[t.DN], t, c.Raw, &o)
			o.Note = "no directory read: assumed absent"
			r.Outcomes = append(r.Outcomes, o)
		}
	}
	return r
}

// publishOne writes one value and reads it back. It returns the error that
// made the outcome fail, so Publish can tell a lost connection.
func (d *Directory) publishOne(r *Report, t Target, der []byte, o *Outcome) error {
	// Three attempts: another publisher may create the object between our
	// read and our add (68), a remover may delete it before our modify (32),
	// or delete the object it emptied just after our write (the read-back
	// finds the value gone: it is written again).
	for attempt := 0; ; attempt++ {
		retry := attempt < 2
		o.Status, o.Error = "", "" // a read-back that failed is tried again
		obj, err := d.read(t.DN)
		if err != nil {
			o.fail(err)
			return err
		}
		switch {
		case obj != nil && obj.has(t.Attribute, der):
			o.Status = StatusUnchanged
			return nil
		case obj == nil:
			entry := newObjectEntry(t, der)
			req := ldap.NewAddRequest(t.DN, nil)
			for _, a := range entry {
				req.Attribute(a.Name, a.strings())
			}
			err = d.conn.Add(req)
			if err == nil {
				r.Changes = append(r.Changes, Change{DN: t.DN, Type: ChangeAdd, Attrs: entry})
				o.Status = StatusCreated
				if err := d.verify(t, der, o); err != errVanished || !retry {
					return err
				}
				continue
			}
			if ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) && retry {
				continue
			}
		default:
			req := ldap.NewModifyRequest(t.DN, nil)
			req.Add(t.Attribute, []string{string(der)})
			err = d.conn.Modify(req)
			if err == nil {
				r.Changes = append(r.Changes, Change{DN: t.DN, Type: ChangeModify, Op: OpAdd,
					Attrs: []Attr{{Name: t.Attribute, Values: [][]byte{der}}}})
				o.Status = StatusAdded
				if err := d.verify(t, der, o); err != errVanished || !retry {
					return err
				}
				continue
			}
			if ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists) {
				o.Status = StatusUnchanged // another publisher was faster
				if err := d.verify(t, der, o); err != errVanished || !retry {
					return err
				}
				continue
			}
			if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) && retry {
				continue
			}
		}
		o.fail(err)
		return err
	}
}

// errVanished: a value written is not there when read back.
var errVanished = errors.New("the value was written but is not there when read back")

// verify reads the object back and fails the outcome unless the value is
// there (errVanished when it is not).
func (d *Directory) verify(t Target, der []byte, o *Outcome) error {
	obj, err := d.read(t.DN)
	if err == nil && (obj == nil || !obj.has(t.Attribute, der)) {
		o.Status = StatusFailed
		o.Error = fmt.Sprintf("%s: %s", t.DN, errVanished)
		return errVanished
	}
	if err != nil {
		o.fail(fmt.Errorf("read back: %w", err))
		return err
	}
	return nil
}

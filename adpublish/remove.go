package adpublish

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// ParseSHA1 normalizes a SHA-1 thumbprint: 40 hex digits, with optional
// spaces or colons, to upper case.
func ParseSHA1(s string) (string, error) {
	h := strings.ToUpper(strings.NewReplacer(" ", "", ":", "").Replace(strings.TrimSpace(s)))
	if len(h) != 40 {
		return "", fmt.Errorf("SHA-1 %q: want 40 hex digits", s)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", fmt.Errorf("SHA-1 %q: not hex", s)
	}
	return h, nil
}

// RemoveOptions control Remove.
type RemoveOptions struct {
	// SHA1 is the thumbprint of the certificate value to remove (ParseSHA1 form).
	SHA1       string
	Containers []Container
	DryRun     bool
}

// Remove takes the certificate with that SHA-1 out of every object of the
// containers that holds it. Other values are never touched, and no object is
// deleted: one whose last certificate goes keeps a placeholder (see
// removeOne). When no object holds it, the report has one "unchanged"
// outcome per container. Removals are read back.
func (d *Directory) Remove(opts RemoveOptions) (*Report, error) {
	r := &Report{DryRun: opts.DryRun, ConfigNC: d.ConfigNC}
	objs, err := d.List(ListOptions{Containers: opts.Containers})
	if err != nil {
		return nil, err
	}
	for _, ct := range opts.Containers {
		found := false
		for _, o := range objs {
			if o.Container != ct {
				continue
			}
			for _, attr := range readAttrs {
				for _, v := range o.Certificates {
					if v.Attribute != attr || v.SHA1 != opts.SHA1 {
						continue
					}
					found = true
					out := Outcome{SHA1: opts.SHA1, Subject: v.Subject, Name: o.Name, Container: ct, DN: o.DN, Attribute: attr}
					d.removeOne(r, o.DN, attr, v.Raw, opts.DryRun, ct == ContainerNTAuth, &out)
					r.Outcomes = append(r.Outcomes, out)
					break
				}
			}
		}
		if !found {
			r.Outcomes = append(r.Outcomes, Outcome{SHA1: opts.SHA1, Container: ct, DN: ContainerDN(ct, d.ConfigNC),
				Status: StatusUnchanged, Note: "not published in this container"})
		}
	}
	return r, nil
}

// removeOne removes one value from dn and reads the result back.
//
// Another publisher may add a value to the same object at any moment, so
// the value itself is deleted — a modify that cannot touch another value —
// and the object is never deleted: neither AD nor Samba offers a delete
// conditioned on the object's content (no LDAP assertion control, and
// objects of the configuration partition cannot be renamed aside first), so
// a delete could take a value added an instant before it. When the last
// certificate goes, cACertificate keeps a placeholder in the same request
// (it is mandatory), as certutil leaves objects it empties.
func (d *Directory) removeOne(r *Report, dn, attr string, raw []byte, dry, keep bool, o *Outcome) {
	obj, err := d.read(dn)
	if err != nil {
		o.fail(err)
		return
	}
	if obj == nil || !obj.has(attr, raw) {
		o.Status, o.Note = StatusUnchanged, "already gone"
		return
	}
	lastOfAttr := attr == AttrCACertificate && len(obj.values[attr]) == 1
	r.Changes = append(r.Changes, Change{DN: dn, Type: ChangeModify, Op: OpDelete, Attrs: []Attr{{Name: attr, Values: [][]byte{raw}}}})
	if lastOfAttr {
		r.Changes = append(r.Changes, Change{DN: dn, Type: ChangeModify, Op: OpAdd,
			Attrs: []Attr{{Name: attr, Values: [][]byte{placeholder}}}})
	}
	if obj.realValues() <= 1 && !keep {
		o.Note = "the object stays, emptied (placeholders only): deleting it could take a value another publisher adds at that moment"
	}
	o.Status = StatusRemoved
	if dry {
		return
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Delete(attr, []string{string(raw)})
	if lastOfAttr {
		req.Add(attr, []string{string(placeholder)})
	}
	if err := d.conn.Modify(req); err != nil {
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute) && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			o.fail(err)
			return
		}
		o.Status, o.Note = StatusUnchanged, "already gone" // another remover was first
		return
	}
	if lastOfAttr {
		d.dropPlaceholder(dn, attr)
	}
	d.verifyGone(dn, attr, raw, o)
}

// dropPlaceholder removes the placeholder a remove put in a mandatory
// attribute when a publisher added a real value meanwhile; while the
// placeholder is the only value the directory refuses, which is right.
func (d *Directory) dropPlaceholder(dn, attr string) {
	obj, err := d.read(dn)
	if err != nil || obj == nil || len(obj.values[attr]) < 2 || !obj.has(attr, placeholder) {
		return
	}
	req := ldap.NewModifyRequest(dn, nil)
	req.Delete(attr, []string{string(placeholder)})
	_ = d.conn.Modify(req) // best effort: a placeholder next to a value is harmless
}

func (d *Directory) verifyGone(dn, attr string, raw []byte, o *Outcome) {
	obj, err := d.read(dn)
	if err != nil {
		o.fail(fmt.Errorf("read back: %w", err))
		return
	}
	if obj != nil && obj.has(attr, raw) {
		o.Status = StatusFailed
		o.Error = dn + ": the value is still there when read back"
		return
	}
	if o.ObjectDeleted && obj != nil {
		// Another publisher recreated the object since: it stays, with only
		// their values.
		o.ObjectDeleted = false
	}
}

// SHA1Of returns the upper-case hex SHA-1 of raw bytes.
func SHA1Of(raw []byte) string {
	sum := sha1.Sum(raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

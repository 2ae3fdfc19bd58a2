package live

// AgainTarget is the request's only target when an audit of that target
// alone, with the system resolver and the default ports, reaches the same
// endpoints: what "lpetrust ad publish --from-check TARGET" audits again to
// find the same missing roots. "" otherwise (several targets, discovery, a
// resolver or ports of the request's own): advice then exports the roots.
func (r Request) AgainTarget() string {
	if len(r.Targets) != 1 || len(r.Discover) > 0 || r.Resolver != nil {
		return ""
	}
	t, err := ParseTarget(r.Targets[0])
	if err != nil || (t.Port == 0 && len(r.Ports) > 0) {
		return ""
	}
	return r.Targets[0]
}

// PoolName is the host name of the request's only target, the pool printed
// commands name; "" for an IP address or several targets.
func (r Request) PoolName() string {
	if len(r.Targets) != 1 {
		return ""
	}
	t, err := ParseTarget(r.Targets[0])
	if err != nil || t.IsIP() {
		return ""
	}
	return t.Host
}

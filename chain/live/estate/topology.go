package estate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// The topology document's elements, by local name: Get-CsTopology -AsXml
// writes them in the namespace
// urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008, the service
// details in ….ServiceRoles.2008; only local names are matched.
type xTopology struct {
	Sites    xSites     `xml:"Sites"`
	Clusters []xCluster `xml:"Clusters>Cluster"`
	Services []xService `xml:"Services>Service"`
}

type xSites struct {
	Sites []xSite `xml:",any"`
}

type xSite struct {
	XMLName xml.Name
	SiteID  string `xml:"SiteId,attr"`
	Name    string `xml:"Name"`
}

type xClusterID struct {
	SiteID string `xml:"SiteId,attr"`
	Number string `xml:"Number,attr"`
}

type xCluster struct {
	FQDN     string     `xml:"Fqdn,attr"`
	ID       xClusterID `xml:"ClusterId"`
	Machines []struct {
		FQDN string `xml:"Fqdn,attr"`
	} `xml:"Machine"`
}

type xServiceID struct {
	SiteID   string `xml:"SiteId,attr"`
	RoleName string `xml:"RoleName,attr"`
	Instance string `xml:"Instance,attr"`
}

type xService struct {
	ID        xServiceID `xml:"ServiceId"`
	DependsOn []struct {
		Usage string     `xml:"Usage,attr"`
		ID    xServiceID `xml:"ServiceId"`
	} `xml:"DependsOn>Dependency"`
	InstalledOn struct {
		Cluster *xClusterID `xml:"ClusterId"`
	} `xml:"InstalledOn"`
	Ports []struct {
		Owner    string `xml:"Owner,attr"`
		Usage    string `xml:"Usage,attr"`
		Side     string `xml:"InterfaceSide,attr"`
		Port     int    `xml:"Port,attr"`
		Protocol string `xml:"Protocol,attr"`
	} `xml:"Ports>Port"`
	Registrar *struct {
		IsDirector string `xml:"IsDirector,attr"`
	} `xml:"RegistrarService"`
}

// readTopology reads the topology document: sites, clusters (pools) with
// their machines, and the Registrar, WebServices and other services
// installed on them, with their ports.
func readTopology(text []byte) (*Estate, error) {
	dec := xml.NewDecoder(bytes.NewReader(text))
	// The text is UTF-8 by now, whatever the declaration says.
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil }
	var top xTopology
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: an XML document without a Topology element", ErrUnknownFormat)
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Topology", "PartialTopology":
			if err := dec.DecodeElement(&top, &se); err != nil {
				return nil, fmt.Errorf("not well-formed XML: %w", err)
			}
			return fromTopology(&top)
		case "TopologyBuilder", "NewTopology", "OriginalTopology":
			continue // Topology Builder's file: the topology is inside
		default:
			return nil, fmt.Errorf("%w: the XML root element is <%s>, not <Topology>", ErrUnknownFormat, se.Name.Local)
		}
	}
}

func clusterKey(id xClusterID) string { return id.SiteID + "/" + id.Number }

func serviceKey(id xServiceID) string {
	return id.SiteID + "/" + strings.ToLower(id.RoleName) + "/" + id.Instance
}

func fromTopology(top *xTopology) (*Estate, error) {
	e := &Estate{Format: FormatTopology}
	type site struct {
		name   string
		branch bool
	}
	sites := map[string]site{}
	for _, s := range top.Sites.Sites {
		sites[s.SiteID] = site{name: strings.TrimSpace(s.Name), branch: s.XMLName.Local == "BranchSite"}
	}
	clusters := map[string]*xCluster{}
	for i := range top.Clusters {
		c := &top.Clusters[i]
		clusters[clusterKey(c.ID)] = c
	}
	// Where each service is installed.
	installed := map[string]string{} // service key → cluster key
	for _, s := range top.Services {
		if s.InstalledOn.Cluster != nil {
			installed[serviceKey(s.ID)] = clusterKey(*s.InstalledOn.Cluster)
		}
	}
	type poolState struct {
		pool      *Pool
		roles     map[string]bool
		director  bool
		backupKey string
	}
	pools := map[string]*poolState{} // cluster key → pool
	var order []string
	for _, s := range top.Services {
		ck, ok := installed[serviceKey(s.ID)]
		if !ok {
			continue // on a SQL instance or a trusted application pool
		}
		c := clusters[ck]
		if c == nil {
			return nil, fmt.Errorf("service %s %s is installed on cluster %s, which the topology does not define", s.ID.RoleName, s.ID.Instance, ck)
		}
		ps := pools[ck]
		if ps == nil {
			fqdn, err := hostName(c.FQDN)
			if err != nil {
				return nil, fmt.Errorf("cluster %s: %w", ck, err)
			}
			st := sites[c.ID.SiteID]
			ps = &poolState{pool: &Pool{FQDN: fqdn, Site: st.name, BranchSite: st.branch, Machines: []string{}, Services: []string{}}, roles: map[string]bool{}}
			for _, m := range c.Machines {
				mn, err := hostName(m.FQDN)
				if err != nil {
					return nil, fmt.Errorf("cluster %s: machine %w", fqdn, err)
				}
				if !contains(ps.pool.Machines, mn) {
					ps.pool.Machines = append(ps.pool.Machines, mn)
				}
			}
			pools[ck] = ps
			order = append(order, ck)
		}
		role := strings.ToLower(s.ID.RoleName)
		ps.roles[role] = true
		if !contains(ps.pool.Services, s.ID.RoleName) {
			ps.pool.Services = append(ps.pool.Services, s.ID.RoleName)
		}
		switch role {
		case "registrar":
			if s.Registrar != nil && strings.EqualFold(s.Registrar.IsDirector, "true") {
				ps.director = true
			}
			for _, p := range s.Ports {
				if strings.EqualFold(p.Owner, "urn:component:Registrar") && strings.EqualFold(p.Usage, "SipServer") && p.Port > 0 {
					ps.pool.SIPPort = p.Port
				}
			}
			for _, d := range s.DependsOn {
				if strings.Contains(strings.ToLower(d.Usage), "backup") && strings.EqualFold(d.ID.RoleName, "Registrar") {
					ps.backupKey = installed[serviceKey(d.ID)]
					if ps.backupKey == "" {
						return nil, fmt.Errorf("pool %s: its backup registrar (site %s, instance %s) is installed nowhere in the topology", ps.pool.FQDN, d.ID.SiteID, d.ID.Instance)
					}
				}
			}
		case "webservices":
			// The internal (Primary) and external HTTPS ports of the web site.
			for _, p := range s.Ports {
				if strings.EqualFold(p.Protocol, "Https") && strings.EqualFold(p.Usage, "WebSite") && p.Port > 0 && !containsInt(ps.pool.WebPorts, p.Port) {
					ps.pool.WebPorts = append(ps.pool.WebPorts, p.Port)
				}
			}
		}
	}
	for _, ck := range order {
		ps := pools[ck]
		p := ps.pool
		switch {
		case !ps.roles["registrar"]:
			e.Skipped = append(e.Skipped, p.FQDN)
			continue
		case ps.director:
			p.Kind = KindDirector
		case ps.roles["userservices"]:
			p.Kind = KindFrontEnd
		case p.BranchSite || !ps.roles["webservices"]:
			p.Kind = KindBranch
		default:
			p.Kind = KindDirector // a registrar with web services but no user services
		}
		if p.SIPPort == 0 {
			p.SIPPort = DefaultSIPPort
		}
		if b := pools[ps.backupKey]; b != nil {
			p.Backup = b.pool.FQDN
		}
		if p.WebPorts == nil {
			p.WebPorts = []int{}
		}
		sort.Ints(p.WebPorts)
		e.Pools = append(e.Pools, *p)
	}
	if len(top.Clusters) == 0 && len(top.Services) == 0 {
		return nil, errors.New("a Topology element without clusters or services")
	}
	return e, nil
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

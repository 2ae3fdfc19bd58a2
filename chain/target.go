package chain

import (
	"github.com/lpetrust/lpetrust/truststore"
)

// DefaultTarget is the firmware store a judgement aims at when none is
// named: the newest embedded store.
const DefaultTarget = truststore.ReleaseCU11

// TargetStore resolves the firmware a judgement aims at (a version, release
// name or user-agent, as Catalogue.ResolveStore reads it). "" is
// DefaultTarget, or the catalogue's last store when an overlay replaced it.
func TargetStore(cat *truststore.Catalogue, firmware string) (*truststore.Store, error) {
	if firmware == "" {
		if s := cat.Store(DefaultTarget); s != nil {
			return s, nil
		}
		stores := cat.Stores()
		return stores[len(stores)-1], nil
	}
	s, _, err := cat.ResolveStore(firmware)
	return s, err
}

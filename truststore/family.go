package truststore

import "strings"

// familyAliases maps short names and model names (lower case, spaces and
// dashes removed) to device families.
var familyAliases = map[string]string{
	"cx700": FamilyCX700, "polycomcx700": FamilyCX700, "8540": FamilyCX700, "ip8540": FamilyCX700,
	"lgnortel": FamilyCX700, "lgnortelip8540": FamilyCX700, "lgnortelipphone8540": FamilyCX700,
	"cx500": FamilyCX500, "cx600": FamilyCX500, "cx3000": FamilyCX500,
	"polycomcx500": FamilyCX500, "polycomcx600": FamilyCX500, "polycomcx3000": FamilyCX500,
	"aastra": FamilyAastra, "6721ip": FamilyAastra, "6725ip": FamilyAastra, "6721": FamilyAastra, "6725": FamilyAastra,
	"aastra6721ip": FamilyAastra, "aastra6725ip": FamilyAastra,
	"hp": FamilyHP, "4110": FamilyHP, "4120": FamilyHP, "hp4110": FamilyHP, "hp4120": FamilyHP,
}

func normalizeFamilyKey(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer(" ", "", "-", "", "_", "", "/", "").Replace(s)
}

// FamilyByName returns the device family for a family name, short alias
// (cx700, cx500, aastra, hp) or model name ("CX600", "6725ip", "HP 4120");
// "" when it names none.
func FamilyByName(s string) string {
	for _, f := range Families {
		if strings.EqualFold(f, strings.TrimSpace(s)) {
			return f
		}
	}
	return familyAliases[normalizeFamilyKey(s)]
}

// FamilyOfDevice classifies a device by manufacturer and hardware model as
// inventories report them (e.g. "POLYCOM", "CX600"; "Aastra", "6725ip";
// "LG-Nortel", "IP8540"). It returns "" for devices that are not LPE phones.
func FamilyOfDevice(manufacturer, model string) string {
	if f := FamilyByName(model); f != "" {
		return f
	}
	m := normalizeFamilyKey(manufacturer + model)
	for key, f := range familyAliases {
		if len(key) >= 4 && strings.Contains(m, key) {
			return f
		}
	}
	return ""
}

var familyShort = map[string]string{
	FamilyCX700: "CX700/8540", FamilyCX500: "CX500/600/3000", FamilyAastra: "Aastra", FamilyHP: "HP",
}

// FamilyShortName is a compact family label for narrow tables ("CX700/8540").
func FamilyShortName(f string) string {
	if s, ok := familyShort[f]; ok {
		return s
	}
	return f
}

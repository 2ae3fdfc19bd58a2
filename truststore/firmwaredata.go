package truststore

// Device families, as the firmware table groups them: one firmware image
// serves every model of a family.
const (
	FamilyCX700  = "Polycom CX700 / LG-Nortel IP 8540"
	FamilyCX500  = "Polycom CX500 / CX600 / CX3000"
	FamilyAastra = "Aastra 6721ip / 6725ip"
	FamilyHP     = "HP 4110 / 4120"
)

// Families lists every LPE device family, in the firmware table's order.
var Families = []string{FamilyCX700, FamilyCX500, FamilyAastra, FamilyHP}

var (
	lyncFamilies   = []string{FamilyCX700, FamilyCX500, FamilyAastra}
	allFamilies    = Families
	noCX700        = []string{FamilyCX500, FamilyAastra, FamilyHP}
	tanjayFamilies = []string{FamilyCX700}
)

// Release names of the builds in the firmware catalogue.
const (
	ReleaseRTM  = "RTM"
	ReleaseCU10 = "CU10"
	ReleaseCU11 = "CU11"
)

// firmwareTable is the seed article's "Lync Phone Edition Firmware Updates"
// table, one row per build (a release with per-family builds has several
// rows). store is the root store the build carries; verified says whether
// the seed's root table documents that store for that build.
var firmwareTable = []Build{
	{Version: "1.0.199", Release: "OCS 2007 Beta", Platform: "OCS 2007", Families: tanjayFamilies, Store: ReleaseRTM,
		Note: "beta pre-installed on some devices; predates Lync 2010 RTM, so its store is not documented (RTM store assumed)"},
	{Version: "1.0.452.0", Release: "OCS 2007 Beta", Platform: "OCS 2007", Families: tanjayFamilies, Store: ReleaseRTM,
		Note: "beta pre-installed on some devices; predates Lync 2010 RTM, so its store is not documented (RTM store assumed)"},
	{Version: "1.0.522.101", Release: "OCS 2007", Platform: "OCS 2007", Released: "2008-07-30", KB: "KB952693", Families: tanjayFamilies, Store: ReleaseRTM,
		Note: "Office Communicator 2007 Phone Edition; predates Lync 2010 RTM (RTM store assumed); cannot register to Lync 2013"},
	{Version: "1.0.522.103", Release: "OCS 2007", Platform: "OCS 2007", Families: tanjayFamilies, Store: ReleaseRTM,
		Note: "interim build in the Device Update Service; predates Lync 2010 RTM (RTM store assumed); cannot register to Lync 2013"},
	{Version: "1.0.522.115", Release: "OCS 2007", Platform: "OCS 2007", Released: "2009-12-10", KB: "KB972640", Families: tanjayFamilies, Store: ReleaseRTM,
		Note: "for devices manufactured after August 2009; predates Lync 2010 RTM (RTM store assumed); cannot register to Lync 2013"},
	{Version: "3.5.6907.222", Release: "OCS 2007 R2", Platform: "OCS 2007 R2", Released: "2010-11-19", KB: "KB2466291", Families: tanjayFamilies, Store: ReleaseRTM,
		Note: "Office Communicator Phone Edition 2007 R2; predates Lync 2010 RTM (RTM store assumed)"},
	{Version: "4.0.7457.0", Release: "Lync 2010 RC", Platform: "Lync 2010", Released: "2010-10-22", Families: lyncFamilies, Store: ReleaseRTM,
		Note: "release candidate pre-installed on some devices; predates RTM (RTM store assumed)"},
	{Version: "4.0.7576.0", Release: ReleaseRTM, Platform: "Lync 2010", Released: "2010-11-14", Families: lyncFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.107", Release: "CU1", Platform: "Lync 2010", Released: "2011-01-20", Families: lyncFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.250", Release: "CU2", Platform: "Lync 2010", Released: "2011-04-04", Families: lyncFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.296", Release: "CU3", Platform: "Lync 2010", Released: "2011-07-26", Families: lyncFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4047", Release: "CU4", Platform: "Lync 2010", Released: "2011-11-21", Families: allFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4066", Release: "CU5", Platform: "Lync 2010", Released: "2012-03-01", Families: allFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4100", Release: "CU6", Platform: "Lync 2010", Released: "2012-06-16", Families: allFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4363", Release: "CU7", Platform: "Lync 2013 / Lync 2010", Released: "2012-12-20", Families: []string{FamilyCX700}, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4366", Release: "CU7", Platform: "Lync 2013 / Lync 2010", Released: "2012-12-20", Families: []string{FamilyAastra, FamilyHP}, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4372", Release: "CU7", Platform: "Lync 2013 / Lync 2010", Released: "2012-12-20", Families: []string{FamilyCX500}, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4387", Release: "CU8", Platform: "Lync 2013 / Lync 2010", Released: "2013-04-18", Families: allFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4397", Release: "CU9", Platform: "Lync 2013 / Lync 2010", Released: "2013-07-15", Families: allFamilies, Store: ReleaseRTM, Verified: true},
	{Version: "4.0.7577.4411", Release: ReleaseCU10, Platform: "Lync 2013 / Lync 2010", Families: []string{FamilyCX700}, Store: ReleaseCU10, Verified: true,
		Note: "released October 2013 (the source gives the month only)"},
	{Version: "4.0.7577.4414", Release: ReleaseCU10, Platform: "Lync 2013 / Lync 2010", Families: noCX700, Store: ReleaseCU10, Verified: true,
		Note: "released October 2013 (the source gives the month only)"},
	{Version: "4.0.7577.4420", Release: ReleaseCU11, Platform: "Lync 2013 / Lync 2010", Released: "2014-01-08", Families: allFamilies, Store: ReleaseCU11, Verified: true},
	{Version: "4.0.7577.4444", Release: "CU12", Platform: "Lync 2013 / Lync 2010", Released: "2014-04-28", Families: allFamilies, Store: ReleaseCU11, Verified: true},
	{Version: "4.0.7577.4450", Release: "CU13", Platform: "Lync 2013 / Lync 2010", Released: "2014-07-18", Families: noCX700, Store: ReleaseCU11, Verified: true,
		Note: "no Polycom CX700 / LG-Nortel IP 8540 build"},
	{Version: "4.0.7577.4451", Release: "CU14", Platform: "Lync 2013 / Lync 2010", Released: "2014-08-20", Families: allFamilies, Store: ReleaseCU11, Verified: true},
	{Version: "4.0.7577.4455", Release: "CU15", Platform: "Lync 2013 / Lync 2010", Released: "2014-10-21", Families: noCX700, Store: ReleaseCU11, Verified: true,
		Note: "no Polycom CX700 / LG-Nortel IP 8540 build"},
	{Version: "4.0.7577.4463", Release: "May 2015", Platform: "Skype for Business", Families: allFamilies, Store: ReleaseCU11,
		Note: "released May 2015; documented minimum for Skype for Business Online; no public root list: CU11 store assumed"},
}

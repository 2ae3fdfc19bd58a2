package truststore

// lpeRootTable is the seed article's table of the Lync Phone Edition firmware
// root store, keyed by SHA-1 thumbprint. Only what the certificates cannot say
// lives here: the label the table gave, the release that added the root, and a
// correction where the table is wrong. Dates, keys and algorithms are always
// read from the certificates themselves.
var lpeRootTable = []struct {
	sha1, label, addedIn, note string
}{
	{"2F173F7DE99667AFA57AF80AA2D1B12FAC830338", "CyberTrust / GlobalSign Root CA", ReleaseRTM,
		"table vendor wrong: this is the 1998 md5 GlobalSign Root CA R1 of GlobalSign nv-sa, not CyberTrust; same key as B1BC968B (the 2028 re-issue)"},
	{"4463C531D7CCC1006794612BB656D3BF8257846F", "VeriSign / Comodo", ReleaseRTM,
		"table label wrong: not Comodo; this is RSA Data Security \"Secure Server Certification Authority\" (md2, 1000-bit key)"},
	{"D4DE20D05E66FC53FE1A50882C78DB2852CAE474", "CyberTrust / Baltimore aTrust Root", ReleaseRTM,
		"table name typo: the certificate is \"Baltimore CyberTrust Root\""},
	{"97817950D81C9670CC34D809CF794431367EF474", "CyberTrust / GTE CyberTrust Global Root", ReleaseRTM, ""},
	{"6782AAE0EDEEE21A5839D3C0CD14680A4F60142A", "VeriSign / Class 2 Public Primary Certification Authority", ReleaseRTM, ""},
	{"627F8D7827656399D27D7F9044C9FEB3F33EFA9A", "VeriSign / Thawte Premium Server CA", ReleaseRTM, ""},
	{"23E594945195F2414803B4D564D2A3A3F5D88B8C", "VeriSign / Thawte Server CA", ReleaseRTM, ""},
	{"742C3192E607E424EB4549542BE1BBC53E6174E2", "VeriSign / Class 3 Public Primary Certification Authority", ReleaseRTM, ""},
	{"801D62D07B449D5C5C035C98EA61FA443C2A58FE", "Entrust / Entrust.net Certification Authority (2048)", ReleaseRTM,
		"1999 original; same subject and key as 50300609 (the 2029 re-issue)"},
	{"D1EB23A46D17D68FD92564C2F1F1601764D8E349", "Comodo / AAA Certificate Services", ReleaseRTM,
		"table expiry wrong: the certificate expires 2028-12-31, not 2020-12-31"},
	{"02FAF3E291435468607857694DF5E45B68851868", "Comodo / AddTrust External CA Root", ReleaseRTM, ""},
	{"99A69BE61AFE886B4D2B82007CB854FC317E1539", "Entrust / Entrust.net Secure Server Certification Authority", ReleaseRTM, ""},
	{"D23209AD23D314232174E40D7F9D62139786633A", "Equifax / Equifax Secure Certificate Authority", ReleaseRTM, ""},
	{"DE28F4A4FFE5B92FA3C503D1A349A7F9962A8212", "GeoTrust / GeoTrust Global CA", ReleaseRTM, ""},
	{"2796BAE63F1801E277261BA0D77770028F20EEE4", "Go Daddy / Go Daddy Class 2 Certification Authority", ReleaseRTM, ""},
	{"317A2AD07F2B335EF5A1C34E4B57E8B7D8F1FCA6", "Go Daddy / ValiCert Class 2 Policy Validation Authority", ReleaseRTM, ""},
	{"AD7E1C28B064EF8F6003402014C3D0E3370EB58A", "Go Daddy / Starfield Class 2 Certification Authority", ReleaseRTM, ""},
	{"5FB7EE0633E259DBAD0C4C9AE6D38F1A61C7DC25", "DigiCert / DigiCert High Assurance EV Root CA", ReleaseCU10, ""},
	{"B31EB1B740E36C8402DADC37D44DF5D4674952F9", "Entrust / Entrust Root Certification Authority", ReleaseCU11, ""},
	{"503006091D97D4F5AE39F7CBE7927D7D652D3431", "Entrust / Entrust.net Certification Authority (2048)", ReleaseCU11,
		"2029 re-issue of Entrust.net (2048); same subject and key as 801D62D0"},
	{"0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43", "DigiCert / DigiCert Assured ID Root CA", ReleaseCU11, ""},
	{"A8985D3A65E5E5C4B2D7D66D40C6DD2FB19C5436", "DigiCert / DigiCert Global Root CA", ReleaseCU11, ""},
	{"B1BC968BD4F49D622AA89A81F2150152A41D829C", "GlobalSign / GlobalSign Root CA", ReleaseCU11,
		"2028 re-issue of GlobalSign Root CA R1; same key as 2F173F7D"},
	{"8CF427FD790C3AD166068DE81E57EFBB932272D4", "Entrust / Entrust Root Certification Authority - G2", ReleaseCU11, ""},
	{"A9E9780814375888F20519B06D2B0D2B6016907D", "GeoTrust / GeoTrust Global CA 2", ReleaseCU11, ""},
	{"039EEDB80BE7A03C6953893B20D2D9323A4C2AFD", "GeoTrust / GeoTrust Primary Certification Authority - G3", ReleaseCU11, ""},
	{"323C118E1BF7B8B65254E2E2100DD6029037F096", "GeoTrust / GeoTrust Primary Certification Authority", ReleaseCU11, ""},
	{"47BEABC922EAE80E78783462A79F45C254FDE68B", "Go Daddy / Go Daddy Root Certificate Authority - G2", ReleaseCU11, ""},
	{"B51C067CEE2B0C3DF855AB2D92F4FE39D4E70F0E", "Starfield / Starfield Root Certificate Authority - G2", ReleaseCU11, ""},
	{"F18B538D1BE903B6A6F056435B171589CAF36BF2", "Thawte / thawte Primary Root CA - G3", ReleaseCU11, ""},
	{"91C6D6EE3E8AC86384E548C299295C756C817B81", "Thawte / thawte Primary Root CA", ReleaseCU11, ""},
	{"132D0D45534B6997CDB2D5C339E25576609B5CC6", "VeriSign / VeriSign Class 3 Public Primary Certification Authority - G3", ReleaseCU11, ""},
	{"4EB6D578499B1CCF5F581EAD56BE3D9B6744A5E5", "VeriSign / VeriSign Class 3 Public Primary Certification Authority - G5", ReleaseCU11, ""},
	{"C8EC8C879269CB4BAB39E98D7E5767F31495739D", "VeriSign / VeriSign Class 4 Public Primary Certification Authority - G3", ReleaseCU11, ""},
}

// knownCATable describes the other CA certificates the tool knows: roots no
// LPE firmware trusts, and cross-certificates that link them to LPE roots.
var knownCATable = []struct {
	sha1, name, kind, note string
}{
	{"DF3C24F9BFD666761B268073FE06D1CC8D4F82A4", "DigiCert Global Root G2", KindRoot, "DigiCert issues TLS certificates from this root since 2023-03-08; no cross-certificate from an LPE root is publicly known"},
	{"7E04DE896A3E666D00E687D33FFAD93BE83D349E", "DigiCert Global Root G3", KindRoot, "ECDSA root"},
	{"A78849DC5D7C758C8CDE399856B3AAD0B2A57135", "DigiCert TLS RSA4096 Root G5", KindRoot, ""},
	{"2B8F1B57330DBBA2D07A6C51F70EE90DDAB9AD8E", "USERTrust RSA Certification Authority", KindRoot, ""},
	{"CABD2A79A1076A31F21D253635CB039D4329A5E8", "ISRG Root X1", KindRoot, ""},
	{"D69B561148F01C77C54578C10926DF5B856976AD", "GlobalSign Root CA - R3", KindRoot, ""},
	{"8094640EB5A7A1CA119C1FDDD59F810263A7FBD1", "GlobalSign Root CA - R6", KindRoot, ""},
	{"14884E862637B026AF59625C4077EC3529BA9601", "Entrust Root Certification Authority - G4", KindRoot, ""},
	{"AD98F9F3E47D753B65D482B3A45217BB6EF5E438", "Sectigo Public Server Authentication Root R46", KindRoot, ""},
	{"8DA7F965EC5EFC37910F1C6E59FDC1CC6A6EDE16", "Amazon Root CA 1", KindRoot, ""},
	{"73A5E64A3BFF8316FF0EDCCC618A906E4EAE4D74", "Microsoft RSA Root Certificate Authority 2017", KindRoot, ""},
	{"D89E3BD43D5D909B47A18977AA9D5CE36CEE184C", "USERTrust RSA Certification Authority (cross-signed by AAA Certificate Services)", KindCross, "links the Sectigo/USERTrust RSA hierarchy to the LPE RTM root AAA Certificate Services (D1EB23A4)"},
	{"2B18947A6A9FC7764FD8B5FB18A863B0C6DAC24F", "Sectigo Public Server Authentication Root R46 (cross-signed by USERTrust RSA)", KindCross, "links Sectigo R46 to USERTrust RSA, then via D89E3BD4 to AAA Certificate Services"},
	{"8D4C4A23BA9EE84EA7348FA98CC6E65FBB69DE7B", "COMODO RSA Certification Authority (cross-signed by AAA Certificate Services)", KindCross, "links the COMODO RSA hierarchy to the LPE RTM root AAA Certificate Services (D1EB23A4)"},
	{"0BBFAB97059595E8D1EC48E89EB8657C0E5AAE71", "GlobalSign Root CA - R3 (cross-signed by GlobalSign Root CA, 2018)", KindCross, "links GlobalSign R3 to GlobalSign Root CA R1 (LPE B1BC968B / 2F173F7D)"},
	{"F6B1241B062E551B329A7A551B5F7631B7BFBCCB", "GlobalSign Root CA - R3 (cross-signed by GlobalSign Root CA, 2009)", KindCross, "links GlobalSign R3 to GlobalSign Root CA R1; SHA-1 signed"},
	{"7F786418F0AFCEBEB2BE04C2E5B2EE4C835929AE", "GlobalSign Root CA - R6 (cross-signed by GlobalSign Root CA)", KindCross, "links GlobalSign R6 to GlobalSign Root CA R1 (LPE B1BC968B)"},
	{"45D16CB4603DCD0A121D2FE9CE14CAAC3B5A8DA4", "GlobalSign Root R46 (cross-signed by GlobalSign Root CA)", KindCross, "links GlobalSign Root R46 to GlobalSign Root CA R1"},
	{"08745487E891C19E3078C1F2A07E452950EF36F6", "GTS Root R1 (cross-signed by GlobalSign Root CA)", KindCross, "links Google Trust Services GTS Root R1 to GlobalSign Root CA R1"},
	{"841D4A9FC9D3B2F0CA5FAB95525AB2066ACF8322", "Go Daddy Root Certificate Authority - G2 (cross-signed by Go Daddy Class 2, 2011)", KindCross, "links Go Daddy G2 to the LPE RTM root Go Daddy Class 2 (2796BAE6)"},
	{"340B2880F446FCC04E59ED33F52B3D08D6242964", "Go Daddy Root Certificate Authority - G2 (cross-signed by Go Daddy Class 2, 2014)", KindCross, "links Go Daddy G2 to the LPE RTM root Go Daddy Class 2 (2796BAE6)"},
	{"938AAFFA5A3550A270AAED13266708C8A255BFB4", "Starfield Root Certificate Authority - G2 (cross-signed by Starfield Class 2, 2011)", KindCross, "links Starfield G2 to the LPE RTM root Starfield Class 2 (AD7E1C28)"},
	{"9565B778C8A50EB4FEFD45C8A658DDE2411EAD0A", "Starfield Root Certificate Authority - G2 (cross-signed by Starfield Class 2, 2014)", KindCross, "links Starfield G2 to the LPE RTM root Starfield Class 2 (AD7E1C28)"},
	{"0ED4389DA291346F6C47F0E3C9A6FA7965A32322", "Starfield Services Root Certificate Authority - G2 (cross-signed by Starfield Class 2)", KindCross, "links Starfield Services G2 (and so Amazon Root CA 1) to the LPE RTM root Starfield Class 2 (AD7E1C28)"},
	{"9E99A48A9960B14926BB7F3B02E22DA2B0AB7280", "Starfield Services Root Certificate Authority - G2 (cross-signed by Starfield Class 2, second issuance)", KindCross, "links Starfield Services G2 to the LPE RTM root Starfield Class 2 (AD7E1C28)"},
	{"06B25927C42A721631C1EFD9431E648FA62E1E39", "Amazon Root CA 1 (cross-signed by Starfield Services Root CA - G2)", KindCross, "links Amazon Root CA 1 to Starfield Services G2, then to Starfield Class 2"},
	{"BEE49A10FDA4ABDD9C8B477D2D3DF836EB7BD707", "Amazon Root CA 1 (cross-signed by Starfield Services Root CA - G2, second issuance)", KindCross, "links Amazon Root CA 1 to Starfield Services G2"},
}

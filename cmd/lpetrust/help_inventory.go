package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// registrationsSQL is the LcsCDR query whose result the inventory reader
// reads as a Monitoring registration export: the column names it aliases
// to are the ones the reader looks for (UserUri, ClientVersion,
// DeviceManufacturer, DeviceHardwareVersion, DeviceMacAddress,
// RegisterTime, Pool). Tables and columns as Microsoft documents the
// LcsCDR schema (RegistrationDetail, Users, ClientVersions, Devices,
// Manufacturers, HardwareVersions, Pools, Servers).
const registrationsSQL = `SELECT u.UserUri, cv.Version AS ClientVersion, cv.ClientType,
       m.Manufacturer AS DeviceManufacturer, hv.Version AS DeviceHardwareVersion,
       d.MacAddress AS DeviceMacAddress, r.RegisterTime, r.IsInternal,
       p.PoolFQDN AS Pool, s.ServerFQDN AS Registrar
FROM dbo.RegistrationDetail AS r
JOIN dbo.Users AS u ON u.UserId = r.UserId
JOIN dbo.ClientVersions AS cv ON cv.VersionId = r.ClientVersionId
LEFT JOIN dbo.Devices AS d ON d.DeviceId = r.DeviceId
LEFT JOIN dbo.Manufacturers AS m ON m.ManufacturerId = d.ManufacturerId
LEFT JOIN dbo.HardwareVersions AS hv ON hv.VersionId = d.HardwareVersionId
LEFT JOIN dbo.Pools AS p ON p.PoolId = r.PoolId
LEFT JOIN dbo.Servers AS s ON s.ServerId = r.RegistrarId
WHERE cv.Version LIKE '%OCPhone%'
  AND r.RegisterTime > DATEADD(day, -90, GETUTCDATE());`

// Commands printed by lpetrust help inventory, each one line of
// PowerShell (Lync Server Management Shell, Windows PowerShell 5.1).
const (
	poolsCommand    = `Get-CsPool | Select-Object Fqdn,Site,@{n='Services';e={$_.Services -join ';'}},@{n='Computers';e={$_.Computers -join ';'}},BackupPoolFqdn | Export-Csv pools.csv -NoTypeInformation -Encoding UTF8`
	topologyCommand = `(Get-CsTopology -AsXml).ToString() | Out-File topology.xml`
	sqlCommand      = `Invoke-Sqlcmd -ServerInstance 'SQL01\LYNCMON' -Database LcsCDR -InputFile registrations.sql -QueryTimeout 600 | Select-Object * -ExcludeProperty ItemArray,Table,RowError,RowState,HasErrors | Export-Csv registrations.csv -NoTypeInformation -Encoding UTF8`
)

// estateExports is the --help paragraph naming the exports --estate reads.
const estateExports = `--estate FILE reads the estate from Lync's own records, exported in the
Lync Server Management Shell with one of (lpetrust help inventory says more):
  ` + poolsCommand + `
  ` + topologyCommand

const checkEstateHelp = estateExports + `
It audits every registrar pool, Director and branch appliance (SBA/SBS): the
pool FQDN and each of its servers, on the SIP/TLS port and the web services
ports the topology gives (5061 and 443 from Get-CsPool, which has no ports;
--port replaces or adds to them), all in one run. The output is grouped by
site and pool, with pool consistency across the pool's servers, and ends with
one line per pool: do phones of the target firmware sign in there? With
--estate, -o json writes {source, format, target_firmware, skipped, unread,
pools: [{fqdn, kind, site, branch_site, backup_pool, machines, sip_port,
web_ports, services, phone_ready, verdict, consistency, endpoints}]}, the
endpoints as without --estate; -o csv adds pool, pool_kind and site first.`

const reportEstateHelp = estateExports + `
Each phone is then judged against the chain of the registrar pool it
registers to (the inventory's pool or registrar column; a Front End server
is matched to its pool): what the pool serves now, fetched live, or
--chain POOL=FILE for a renewal of that pool. Its backup pool's chain is
judged too (stranded on failover). A phone whose pool is unknown (no
pool, or one the estate does not list) is judged against every pool's
chain and counted as such. The counts are split per pool and per site.`

func newInventoryHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "inventory",
		Short: "The PowerShell and SQL that export what check --estate and report read",
		Long: `lpetrust reads Lync's own records. Run these in the Lync Server (or Skype for
Business Server) Management Shell; each writes one file.

The pools, for check --estate and report --estate (Get-CsPool writes Services
and Computers as type names unless they are joined, as here):

  ` + poolsCommand + `

A plain "Get-CsPool | Export-Csv pools.csv" (with its #TYPE line) is read too,
but without services or servers: every pool is then audited by its FQDN only.

The topology, with each pool's site (central or branch), servers, backup pool
and configured ports (SIP/TLS, internal web services 443, external 4443):

  ` + topologyCommand + `

The phones and the registrar pool each one registers to, for report
--inventory, from the Monitoring database (LcsCDR). Save this query as
registrations.sql:

` + indent(registrationsSQL, "  ") + `

and run it on the Monitoring SQL Server instance (the SqlServer module's
Invoke-Sqlcmd; give your instance):

  ` + sqlCommand + `

The inventory reader needs ClientVersion (the phone's user agent, which names
its firmware); it uses DeviceManufacturer, DeviceHardwareVersion and
DeviceMacAddress (the MAC as a number: one phone counted once, latest
RegisterTime wins), UserUri, and Pool (or Registrar: a Front End server's
FQDN is matched to its pool through the estate). Drop the OCPhone condition to
count desktop clients too; widen or narrow the 90 days as needed.

Then:

  lpetrust check --estate topology.xml
  lpetrust report --inventory registrations.csv --estate topology.xml`,
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

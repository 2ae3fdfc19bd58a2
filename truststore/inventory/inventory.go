// Package inventory reads phone inventories — the Lync "IP Phone Inventory
// Report" CSV export, an export of the Monitoring database registration
// view, any CSV with a version, firmware or user-agent column, or plain text
// with one user-agent or version per line — and classifies every row as a
// Lync Phone Edition phone (with its device family and firmware build), a
// device that is not an LPE phone (counted and skipped), or a row that cannot
// be parsed (reported with its line number).
//
// Delimiters (comma, semicolon, tab), quoted fields with line breaks, a UTF-8
// byte-order mark and UTF-16 text with a byte-order mark are handled.
//
// The Reader streams: it holds one record at a time, so memory does not grow
// with the file. Deduplication by MAC address (latest registration wins) is
// left to the caller, which decides what to keep per phone.
package inventory

import (
	"fmt"
	"time"

	"github.com/lpetrust/lpetrust/truststore"
)

// Format is the kind of inventory the Reader detected from its header.
type Format string

// Supported inventory formats.
const (
	// FormatLyncReport is the Lync Monitoring "IP Phone Inventory Report"
	// exported to CSV (Manufacturer, Hardware version, MAC address, User
	// URI, User agent, Last logon time, …).
	FormatLyncReport Format = "lync-ip-phone-inventory"
	// FormatMonitoring is an export of the Monitoring (LcsCDR) registration
	// view (UserUri, ClientVersion, DeviceManufacturer,
	// DeviceHardwareVersion, DeviceMacAddress, RegisterTime, Pool, …).
	FormatMonitoring Format = "monitoring-registrations"
	// FormatCSV is any other CSV with a version, firmware or user-agent column.
	FormatCSV Format = "csv"
	// FormatText is plain text, one user-agent or firmware version per line.
	FormatText Format = "text"
)

// Kind classifies one inventory row.
type Kind int

// Row kinds.
const (
	// KindPhone is a Lync Phone Edition phone with a known firmware build.
	KindPhone Kind = iota
	// KindOther is a device or client that is not an LPE phone (desktop
	// clients, other phones); Row.Reason names which.
	KindOther
	// KindBad is a row that cannot be parsed; Row.Reason says why.
	KindBad
)

func (k Kind) String() string {
	switch k {
	case KindPhone:
		return "phone"
	case KindOther:
		return "not an LPE phone"
	case KindBad:
		return "unparsable"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Reasons given for KindOther rows.
const (
	OtherDesktopClient = "desktop client"
	OtherDevice        = "other device"
)

// Sign-in methods as far as the inventory says. Phones that sign in with
// USB tethering or NTLM credentials download roots from Active Directory;
// PIN-authenticated phones get them from the Certificate Provisioning
// service instead.
const (
	SignInUnknown = ""
	SignInAD      = "ad"
	SignInPIN     = "pin"
)

// Row is one classified inventory record. The Reader reuses the Row it
// returns: it is valid until the next call to Next.
type Row struct {
	// Line is the 1-based line number where the record starts.
	Line int
	Kind Kind
	// Reason names the kind of device for KindOther and the problem for KindBad.
	Reason string

	// MAC is the 48-bit MAC address when HasMAC is true.
	MAC    uint64
	HasMAC bool
	// UserURI is the SIP URI the phone signed in with, when given.
	UserURI string
	// UserURIBytes holds the user URI instead of UserURI when the Reader
	// was told so (Reader.SetUserURIBytes); it aliases the Reader's buffers.
	UserURIBytes []byte
	Manufacturer string
	Model        string
	// Family is the device family (truststore.Family*), or "" when neither
	// the device columns nor the firmware build tell it.
	Family string
	// FamilyInferred is true when Family was taken from the firmware build
	// (a build made for one family only) rather than from the device columns.
	FamilyInferred bool
	// UserAgent is the raw user-agent string, when the inventory has one.
	UserAgent string
	// Version is the firmware version, and Build the catalogue's build for it.
	Version string
	Build   truststore.Build
	// SignIn is SignInAD, SignInPIN or SignInUnknown.
	SignIn string
	// Seen is the registration or logon time; zero when not given.
	Seen time.Time
	// Pool is the registrar pool (or registrar server) the phone registers
	// to, as the inventory writes it, when given.
	Pool string
	// Site is the site the inventory places the phone in, when given.
	Site string
	// Class identifies the classification of the row (device columns and
	// firmware text): rows with equal Class have equal Kind, Reason,
	// Manufacturer, Model, Family, UserAgent, Version and Build. It lets a
	// caller group rows without comparing strings.
	Class int32
}

// Problem is an unparsable row: its line and what is wrong.
type Problem struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Stats counts what a Reader has read so far.
type Stats struct {
	// Records is every data record (phones, other devices, bad rows).
	Records int `json:"records"`
	// PhoneRows is the number of LPE phone rows, before deduplication.
	PhoneRows int `json:"phone_rows"`
	// Other counts rows that are not LPE phones, by reason.
	Other map[string]int `json:"other"`
	// BadRows is the number of unparsable rows; Problems lists the first
	// MaxProblems of them.
	BadRows  int       `json:"bad_rows"`
	Problems []Problem `json:"problems"`
	// Skipped counts lines that carry no record: blank lines, comments in
	// plain text, and title lines before a CSV header.
	Skipped int `json:"skipped_lines"`
}

// MaxProblems bounds Stats.Problems so that a file of garbage cannot make
// memory grow; BadRows still counts every bad row.
const MaxProblems = 1000

// Package docs embeds the reference documents lpetrust prints
// (lpetrust help json), so that the binary and the repository say the same.
package docs

import _ "embed"

// JSON is docs/json.md, the reference of every JSON field and code.
//
//go:embed json.md
var JSON string

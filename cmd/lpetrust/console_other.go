//go:build !windows

package main

import "io"

// prepareConsole: terminals on Unix systems show UTF-8 and escape codes.
func prepareConsole(stdout, stderr io.Writer) consoleState {
	return consoleState{utf8Out: true, utf8Err: true, vt: true, restore: func() {}}
}

//go:build windows

package main

import (
	"io"
	"os"

	"golang.org/x/sys/windows"
)

const codePageUTF8 = 65001

// prepareConsole enables virtual-terminal processing on the console's
// output handles (so "\033[K" is drawn, not shown as "←[K") and sets the
// console's output code page to UTF-8 (so ✓ and ✗ render); both are put
// back by restore, since the console is the caller's shell's too. Output
// that is not a console (a pipe to PowerShell, a redirection to a file) is
// decoded by its reader in the OEM code page, so it is not UTF-8 here.
func prepareConsole(stdout, stderr io.Writer) consoleState {
	var undo []func()
	// enableVT turns on escape-code processing of a console handle.
	enableVT := func(w io.Writer) bool {
		h, ok := consoleHandle(w)
		if !ok {
			return false
		}
		var mode uint32
		if windows.GetConsoleMode(h, &mode) != nil {
			return false
		}
		if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
			return true
		}
		if windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) != nil {
			return false // legacy console: the progress bar draws without escape codes
		}
		undo = append(undo, func() { windows.SetConsoleMode(h, mode) })
		return true
	}
	enableVT(stdout)
	st := consoleState{vt: enableVT(stderr)}
	utf8 := false
	if cp, err := windows.GetConsoleOutputCP(); err == nil {
		if cp == codePageUTF8 {
			utf8 = true
		} else if windows.SetConsoleOutputCP(codePageUTF8) == nil {
			utf8 = true
			undo = append(undo, func() { windows.SetConsoleOutputCP(cp) })
		}
	}
	st.utf8Out = utf8 && isConsole(stdout)
	st.utf8Err = utf8 && isConsole(stderr)
	st.restore = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	return st
}

func consoleHandle(w io.Writer) (windows.Handle, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	return windows.Handle(f.Fd()), true
}

func isConsole(w io.Writer) bool {
	h, ok := consoleHandle(w)
	if !ok {
		return false
	}
	var mode uint32
	return windows.GetConsoleMode(h, &mode) == nil
}

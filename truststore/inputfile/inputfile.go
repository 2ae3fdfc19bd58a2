// Package inputfile reads the files a user names on the command line —
// certificates, passwords, overlays, Kerberos files, target lists — so that
// no file can hang or exhaust the reader: anything that is not a regular
// file (a directory, a FIFO, a device such as /dev/zero) is refused before
// it is opened for reading, and a file's size is checked against the cap of
// its kind before and while it is read.
//
// Errors do not repeat the path: callers name the file (and the flag).
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Caps of each kind of file. Each is far above what a real file of the kind
// holds and far below what would strain memory.
const (
	// MaxPassword caps a password file: a password is one short line.
	MaxPassword = 64 << 10
	// MaxCertificate caps a certificate file (PEM, DER, PKCS#7, PKCS#12).
	MaxCertificate = 4 << 20
	// MaxOverlay caps a --store overlay and each PEM file it names.
	MaxOverlay = 4 << 20
	// MaxKerberos caps krb5.conf, keytab and credential cache files.
	MaxKerberos = 1 << 20
	// MaxTargets caps a targets file (one host[:port] per line).
	MaxTargets = 1 << 20
	// MaxInspectJSON caps the JSON of lpetrust inspect -o json read back.
	MaxInspectJSON = 32 << 20
)

// NotRegularError reports a path that is not a regular file.
type NotRegularError struct {
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	switch t := e.Mode.Type(); {
	case t&fs.ModeDir != 0:
		return "is a directory, not a file"
	case t&fs.ModeNamedPipe != 0:
		return "is a named pipe (FIFO), not a regular file"
	case t&fs.ModeSocket != 0:
		return "is a socket, not a regular file"
	case t&fs.ModeDevice != 0:
		return "is a device, not a regular file"
	default:
		return "not a regular file"
	}
}

// TooLargeError reports a file over the cap of its kind.
type TooLargeError struct {
	Limit int64
	// Size is the size the file declares; 0 when it grew while being read.
	Size int64
}

func (e *TooLargeError) Error() string {
	if e.Size > 0 {
		return fmt.Sprintf("too large (%d bytes, the limit is %s)", e.Size, Size(e.Limit))
	}
	return fmt.Sprintf("too large (over the limit of %s)", Size(e.Limit))
}

// Size formats a byte count the way the limits are documented: 64 KiB, 4 MiB.
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Check returns the file's information when path names a regular file
// (symbolic links followed), and an error saying what it is otherwise.
func Check(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Mode: fi.Mode()}
	}
	return fi, nil
}

// Open opens a regular file for reading. Anything else is refused before it
// is opened, and again after (the path may have been replaced meanwhile:
// the open does not block on a FIFO).
func Open(path string) (*os.File, error) {
	if _, err := Check(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, unwrapPathError(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, unwrapPathError(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &NotRegularError{Mode: fi.Mode()}
	}
	return f, nil
}

// Read returns the content of a regular file of at most limit bytes.
func Read(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		return nil, &TooLargeError{Limit: limit, Size: fi.Size()}
	}
	return ReadFrom(f, limit)
}

// ReadFrom reads r to its end, failing as soon as more than limit bytes
// arrived (a file that grows, standard input).
func ReadFrom(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, unwrapPathError(err)
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return data, nil
}

// unwrapPathError drops the *os.PathError wrapper, whose message repeats the path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

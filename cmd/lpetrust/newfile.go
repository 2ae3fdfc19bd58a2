package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// createReplacement creates the temporary file that will be renamed onto
// target once complete, in target's directory. A new file gets what a shell
// redirection gives it: mode 0666 less the umask. Replacing a file keeps its
// permissions.
func createReplacement(target string) (*os.File, error) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	for range 100 {
		var r [6]byte
		if _, err := rand.Read(r[:]); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, "."+base+"."+hex.EncodeToString(r[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() {
			if err := f.Chmod(fi.Mode().Perm()); err != nil {
				f.Close()
				os.Remove(f.Name())
				return nil, err
			}
		}
		return f, nil
	}
	return nil, errors.New("cannot create a temporary file")
}

// writeFileAtomic writes through a temporary file and a rename, so a
// failure never leaves a half-written file behind.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := createReplacement(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Command release packs and checks the release archives .ci/release.sh
// builds:
//
//	release zip -epoch N OUT.zip DIR      DIR's files in OUT.zip under DIR's name
//	release tgz -epoch N OUT.tar.gz DIR   the same as a gzipped tar
//	release check -version V -commit C -build-date D -snapshot S DIST
//
// check verifies SHA256SUMS, that every expected archive is there and holds
// a binary of the right format and architecture (Windows: a console PE file
// of the right machine type), and runs the binary built for this machine
// with "version -o json", comparing the stamped fields.
package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fatal(errors.New("usage: release zip|tgz|check ..."))
	}
	var err error
	switch os.Args[1] {
	case "zip", "tgz":
		fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
		epoch := fs.Int64("epoch", 0, "modification time of every entry (Unix seconds)")
		fs.Parse(os.Args[2:])
		if fs.NArg() != 2 {
			fatal(fmt.Errorf("usage: release %s -epoch N OUT DIR", os.Args[1]))
		}
		err = pack(os.Args[1], fs.Arg(0), fs.Arg(1), time.Unix(*epoch, 0).UTC())
	case "check":
		fs := flag.NewFlagSet("check", flag.ExitOnError)
		var want stamp
		fs.StringVar(&want.Version, "version", "", "expected version")
		fs.StringVar(&want.Commit, "commit", "", "expected commit")
		fs.StringVar(&want.BuildDate, "build-date", "", "expected build date")
		fs.StringVar(&want.Data.Snapshot, "snapshot", "", "expected data snapshot")
		fs.Parse(os.Args[2:])
		if fs.NArg() != 1 {
			fatal(errors.New("usage: release check -version V -commit C -build-date D -snapshot S DIST"))
		}
		err = check(fs.Arg(0), want)
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "release: %s\n", err)
	os.Exit(1)
}

// pack writes DIR's regular files (sorted, one level) into out, under
// DIR's base name, with fixed times and modes.
func pack(kind, out, dir string, mtime time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	base := filepath.Base(dir)
	var zw *zip.Writer
	var gz *gzip.Writer
	var tw *tar.Writer
	if kind == "zip" {
		zw = zip.NewWriter(f)
	} else {
		gz = gzip.NewWriter(f)
		gz.ModTime = mtime
		tw = tar.NewWriter(gz)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if e.Name() == "lpetrust" || strings.HasSuffix(e.Name(), ".exe") {
			mode = 0o755
		}
		name := base + "/" + e.Name()
		if zw != nil {
			h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime}
			h.SetMode(os.FileMode(mode))
			w, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			if _, err := w.Write(data); err != nil {
				return err
			}
			continue
		}
		h := &tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	} else {
		if err := tw.Close(); err != nil {
			return err
		}
		if err := gz.Close(); err != nil {
			return err
		}
	}
	return f.Close()
}

// stamp is the part of lpetrust version -o json the release stamps.
type stamp struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"build_date"`
	Platform  string `json:"platform"`
	Data      struct {
		Snapshot string `json:"snapshot"`
	} `json:"data"`
}

// target is one archive the release must hold.
type target struct{ os, arch string }

var targets = []target{{"windows", "amd64"}, {"windows", "arm64"}, {"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}}

func (t target) archive(version string) string {
	name := "lpetrust_" + version + "_" + t.os + "_" + t.arch
	if t.os == "windows" {
		return name + ".zip"
	}
	return name + ".tar.gz"
}

func check(dist string, want stamp) error {
	sums, err := readSums(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		return err
	}
	if len(sums) != len(targets) {
		return fmt.Errorf("SHA256SUMS lists %d files, want %d", len(sums), len(targets))
	}
	for _, t := range targets {
		name := t.archive(want.Version)
		data, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); sums[name] != got {
			return fmt.Errorf("%s: SHA-256 %s, SHA256SUMS says %q", name, got, sums[name])
		}
		files, err := unpack(name, data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		dir := strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz") + "/"
		exe := dir + "lpetrust"
		if t.os == "windows" {
			exe += ".exe"
		}
		for _, f := range []string{exe, dir + "README.md", dir + "json.md"} {
			if _, ok := files[f]; !ok {
				return fmt.Errorf("%s: no %s", name, f)
			}
		}
		if err := checkBinary(t, files[exe]); err != nil {
			return fmt.Errorf("%s: %s: %w", name, exe, err)
		}
		if t.os == runtime.GOOS && t.arch == runtime.GOARCH {
			if err := runVersion(files[exe], want, t); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		fmt.Printf("ok  %s (%d bytes)\n", name, len(data))
	}
	return nil
}

func readSums(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("SHA256SUMS: bad line %q", sc.Text())
		}
		out[name] = sum
	}
	return out, sc.Err()
}

func unpack(name string, data []byte) (map[string][]byte, error) {
	files := map[string][]byte{}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, err
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
			files[f.Name] = b
		}
		return files, nil
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(h.Name, "/lpetrust") && h.Mode&0o111 == 0 {
			return nil, fmt.Errorf("%s is not executable", h.Name)
		}
		files[h.Name] = b
	}
}

// checkBinary checks the executable format and machine of t.
func checkBinary(t target, data []byte) error {
	r := bytes.NewReader(data)
	switch t.os {
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			return fmt.Errorf("not a PE file: %w", err)
		}
		want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[t.arch]
		if f.Machine != want {
			return fmt.Errorf("PE machine %#x, want %#x", f.Machine, want)
		}
		oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
		if !ok {
			return errors.New("not a PE32+ (64-bit) image")
		}
		if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_CUI {
			return fmt.Errorf("PE subsystem %d, want the console (%d)", oh.Subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_CUI)
		}
		// Go 1.26 needs Windows 10 / Server 2016: the image says so too.
		if oh.MajorSubsystemVersion < 6 {
			return fmt.Errorf("PE subsystem version %d.%d", oh.MajorSubsystemVersion, oh.MinorSubsystemVersion)
		}
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			return fmt.Errorf("not an ELF file: %w", err)
		}
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[t.arch]
		if f.Machine != want {
			return fmt.Errorf("ELF machine %s, want %s", f.Machine, want)
		}
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			return fmt.Errorf("not a Mach-O file: %w", err)
		}
		if f.Cpu != macho.CpuArm64 {
			return fmt.Errorf("Mach-O CPU %s, want arm64", f.Cpu)
		}
	}
	return nil
}

// runVersion runs the binary and compares its stamped fields.
func runVersion(exe []byte, want stamp, t target) error {
	dir, err := os.MkdirTemp("", "lpetrust-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "lpetrust")
	if err := os.WriteFile(path, exe, 0o755); err != nil {
		return err
	}
	out, err := exec.Command(path, "version", "-o", "json").Output()
	if err != nil {
		return fmt.Errorf("lpetrust version -o json: %w", err)
	}
	var got stamp
	if err := json.Unmarshal(out, &got); err != nil {
		return fmt.Errorf("lpetrust version -o json: %w\n%s", err, out)
	}
	want.Platform = t.os + "/" + t.arch
	if got != want {
		return fmt.Errorf("lpetrust version -o json says %+v, want %+v", got, want)
	}
	fmt.Printf("ok  lpetrust version -o json: %s", out)
	return nil
}

// Command gen writes the list of common passwords that package weakpassword
// embeds: zxcvbn's password dictionary, data/passwords.txt of the Go port
// github.com/trustelem/zxcvbn (47,023 passwords, each with how often it
// occurred, most frequent first). It fetches that module through the Go
// module proxy with the go command (which checks it against the checksum
// database), checks the module's hash against the one pinned here, reads
// the dictionary and writes, beside the package:
//
//	data/zxcvbn-passwords.txt          one entry a line, most frequent first
//	data/LICENSE-trustelem-zxcvbn.txt  the module's licence, verbatim
//
// The dictionary is taken whole, not zxcvbn's ranked "passwords" list
// (frequency/lists.go): that one is cut at 30,000 entries and leaves out
// every password that ranks higher in another of zxcvbn's dictionaries,
// such as "jennifer", "elizabeth" and "basketball" (names and words), which
// are common passwords all the same.
//
// Run it with go generate ./weakpassword from the module root. The library
// never imports the module: the list is data, fixed at generation.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The module and version the list comes from, and the module's hash as
// go.sum records it (h1, the hash of the module's files).
const (
	module  = "github.com/trustelem/zxcvbn"
	version = "v1.0.1"
	sum     = "h1:mp4JFtzdDYGj9WYSD3KQSkwwUumWNFzXaAjckaTYpsc="
)

// minEntries is the size below which the list is too small to be the one
// expected: a sign the upstream file changed shape.
const minEntries = 10000

func main() {
	if err := run("data"); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	dir, err := download()
	if err != nil {
		return err
	}
	list, err := passwords(filepath.Join(dir, "data", "passwords.txt"))
	if err != nil {
		return err
	}
	if len(list) < minEntries {
		return fmt.Errorf("%s %s holds %d passwords, want at least %d", module, version, len(list), minEntries)
	}
	licence, err := os.ReadFile(filepath.Join(dir, "LICENSE.txt"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "zxcvbn-passwords.txt"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "LICENSE-trustelem-zxcvbn.txt"), licence, 0o644); err != nil {
		return err
	}
	fmt.Printf("gen: %d passwords from %s %s\n", len(list), module, version)
	return nil
}

// download fetches the module into the module cache (or finds it there)
// and returns its directory. It runs outside any module, so that the
// repository's go.mod and go.sum are left alone.
func download() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download: %w: %s", err, stderr.String())
	}
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", fmt.Errorf("go mod download: %w", err)
	}
	switch {
	case info.Error != "":
		return "", errors.New(info.Error)
	case info.Sum != sum:
		return "", fmt.Errorf("%s %s has hash %s, want %s", module, version, info.Sum, sum)
	}
	return info.Dir, nil
}

// passwords returns the passwords of the dictionary at path, in order.
// Each line is a password and its count, separated by spaces; a line of
// another shape, a password not in lower case or one seen twice is an
// error rather than a silently different list.
func passwords(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []string
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want a password and its count, got %q", path, i+1, line)
		}
		if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
			return nil, fmt.Errorf("%s:%d: count %q: %w", path, i+1, f[1], err)
		}
		p := f[0]
		if p != strings.ToLower(p) || seen[p] {
			return nil, fmt.Errorf("%s:%d: %q is not lower case or is repeated", path, i+1, p)
		}
		seen[p] = true
		list = append(list, p)
	}
	return list, nil
}

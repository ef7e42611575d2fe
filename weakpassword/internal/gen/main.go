// Command gen writes the list of common passwords that package weakpassword
// embeds: zxcvbn's password dictionary, as the Go port
// github.com/trustelem/zxcvbn publishes it in its frequency lists. It
// fetches that module through the Go module proxy with the go command
// (which checks it against the checksum database), checks the module's
// hash against the one pinned here, reads the "passwords" list out of
// frequency/lists.go with go/parser (the file is Go source; nothing of it
// is compiled in), and writes, beside the package:
//
//	data/zxcvbn-passwords.txt          one entry a line, most frequent first
//	data/LICENSE-trustelem-zxcvbn.txt  the module's licence, verbatim
//
// Run it with go generate ./weakpassword from the module root. The library
// never imports the module: the list is data, fixed at generation.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
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
	list, err := passwords(filepath.Join(dir, "frequency", "lists.go"))
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
		return "", fmt.Errorf("go mod download: %v: %s", err, stderr.String())
	}
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", fmt.Errorf("go mod download: %v", err)
	}
	switch {
	case info.Error != "":
		return "", errors.New(info.Error)
	case info.Sum != sum:
		return "", fmt.Errorf("%s %s has hash %s, want %s", module, version, info.Sum, sum)
	}
	return info.Dir, nil
}

// passwords returns the string literals of the "passwords" entry of the
// map literal in path, in order.
func passwords(path string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, err
	}
	var list []string
	var found bool
	ast.Inspect(f, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok || found {
			return !found
		}
		key, ok := kv.Key.(*ast.BasicLit)
		if !ok || key.Value != `"passwords"` {
			return true
		}
		found = true
		lit, ok := kv.Value.(*ast.CompositeLit)
		if !ok {
			err = fmt.Errorf("%s: the passwords entry is not a list", path)
			return false
		}
		for _, e := range lit.Elts {
			s, ok := e.(*ast.BasicLit)
			if !ok || s.Kind != token.STRING {
				err = fmt.Errorf("%s: a password entry is not a string", path)
				return false
			}
			p, uerr := strconv.Unquote(s.Value)
			if uerr != nil {
				err = uerr
				return false
			}
			if p != strings.ToLower(p) || strings.ContainsAny(p, "\n\r") {
				err = fmt.Errorf("%s: entry %q is not one lower-case line", path, p)
				return false
			}
			list = append(list, p)
		}
		return false
	})
	if err == nil && !found {
		err = fmt.Errorf("%s: no passwords entry", path)
	}
	return list, err
}

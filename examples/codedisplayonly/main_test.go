package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodeDisplayOnlyLogsOn(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	assert.Contains(t, out.String(), "Logged on: LOG_ON by \"anna.hansen\" with code_display")
}

// TestCodeDisplayOnly_LinksNoWebAuthn: a relying party that uses only code
// displays links none of the chip's WebAuthn verifier. The root package
// keeps the chip's data in the standard-library-only package
// chip/credential and takes the verifier as an interface (Config.Chip), so
// go-webauthn and go-tpm enter a program only through package chip.
func TestCodeDisplayOnly_LinksNoWebAuthn(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH; cannot list this program's dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput() //nolint:gosec // G204: the go tool found by LookPath, with fixed arguments
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/go-mitid/mitid", "the listing covers the root package")
	for _, dep := range deps {
		for _, banned := range []string{"github.com/go-webauthn/", "github.com/google/go-tpm/", "github.com/go-mitid/mitid/chip"} {
			if strings.HasPrefix(dep, banned) && dep != "github.com/go-mitid/mitid/chip/credential" {
				t.Errorf("a code-display-only program links %s", dep)
			}
		}
	}
}

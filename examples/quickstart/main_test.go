package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartWalksThrough(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	for _, want := range []string{
		`User ID "anna.hansen"`,
		"Refused (user_id_invalid): the user ID cannot be 10 digits",
		"Refused (user_id_taken)",
		"Refused (too_young)",
		`her user ID is now "ærø-anna"`,
		"Logged on: LOG_ON by \"ærø-anna\" with code_display: IAL Substantial, AAL Substantial, LoA Substantial.",
		"Refused (wrong_code)",
		"Refused (authenticator_suspended): your code display is temporarily suspended.\n",
		"Refused (authenticator_limit)",
		"Refused (waiting_period)",
		"code display       suspended until",
		"Refused (authenticator_blocked)",
		"MitID chip: active → blocked (lost)",
		"Your MitID chip has been blocked.",
	} {
		assert.Contains(t, out.String(), want)
	}
	assert.NotContains(t, out.String(), "Unexpected")
}

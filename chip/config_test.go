package chip

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/chip/chiptest"
)

func TestNew_ConfigValidation(t *testing.T) {
	good := func() Config {
		return Config{RPID: "mitid.dk", RPName: "MitID", Origins: []string{"https://mitid.dk"}}
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		ok     bool
	}{
		{"minimal", func(*Config) {}, true},
		{"subdomain origin with port", func(c *Config) { c.Origins = []string{"https://login.mitid.dk:8443"} }, true},
		{"localhost over http", func(c *Config) { c.RPID = "localhost"; c.Origins = []string{"http://localhost:8080"} }, true},
		{"AppID on the same site", func(c *Config) { c.AppID = "https://www.mitid.dk/appid.json" }, true},
		{"AppID on the parent domain", func(c *Config) {
			c.RPID = "login.mitid.dk"
			c.Origins = []string{"https://login.mitid.dk"}
			c.AppID = "https://mitid.dk"
		}, true},
		{"packed only", func(c *Config) { c.AttestationFormats = []string{FormatPacked} }, true},
		{"no RPName", func(c *Config) { c.RPName = "" }, false},
		{"no RPID", func(c *Config) { c.RPID = "" }, false},
		{"RPID is an IP address", func(c *Config) { c.RPID = "10.0.0.1"; c.Origins = []string{"https://10.0.0.1"} }, false},
		{"RPID is a URL", func(c *Config) { c.RPID = "https://mitid.dk" }, false},
		{"no origins", func(c *Config) { c.Origins = nil }, false},
		{"origin over http", func(c *Config) { c.Origins = []string{"http://mitid.dk"} }, false},
		{"origin on another site", func(c *Config) { c.Origins = []string{"https://mitid.example"} }, false},
		{"origin that only ends like the RP ID", func(c *Config) { c.Origins = []string{"https://notmitid.dk"} }, false},
		{"origin with a path", func(c *Config) { c.Origins = []string{"https://mitid.dk/login"} }, false},
		{"AppID over http", func(c *Config) { c.AppID = "http://mitid.dk/appid.json" }, false},
		{"AppID on another site", func(c *Config) { c.AppID = "https://u2f.example/appid.json" }, false},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, false},
		{"format none", func(c *Config) { c.AttestationFormats = []string{"none"} }, false},
		{"format tpm", func(c *Config) { c.AttestationFormats = []string{"tpm"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.mutate(&cfg)
			v, err := New(cfg)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, cfg.RPID, v.RPID())
				return
			}
			require.ErrorIs(t, err, ErrInvalidConfig)
			assert.Nil(t, v)
		})
	}
}

func TestNew_DoesNotShareTheCallersSlices(t *testing.T) {
	origins := []string{"https://mitid.dk"}
	v, err := New(Config{RPID: "mitid.dk", RPName: "MitID", Origins: origins})
	require.NoError(t, err)
	origins[0] = "https://evil.example"
	assert.Equal(t, []string{"https://mitid.dk"}, v.origins)
}

func TestUser_Validation(t *testing.T) {
	v, _ := newTestVerifier(t)
	for _, u := range []User{
		{Name: "no id"},
		{ID: make([]byte, 65), Name: "id too long"},
		{ID: []byte("id")},
	} {
		_, _, err := v.BeginRegistration(u, nil)
		require.ErrorIs(t, err, ErrInvalidUser, "%+v", u)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy source unavailable") }

func TestBegin_RandomnessFailureIsReported(t *testing.T) {
	v, _ := newTestVerifier(t, func(c *Config) { c.Rand = failingReader{} })
	_, _, err := v.BeginRegistration(testUser, nil)
	require.ErrorContains(t, err, "entropy source unavailable")
}

func TestBegin_ChallengeComesFromInjectedRandomness(t *testing.T) {
	a, _ := newTestVerifier(t, func(c *Config) { c.Rand = chiptest.Seeded(7) })
	b, _ := newTestVerifier(t, func(c *Config) { c.Rand = chiptest.Seeded(7) })
	_, cha, err := a.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	_, chb, err := b.BeginRegistration(testUser, nil)
	require.NoError(t, err)
	assert.Equal(t, cha.Value, chb.Value)
}

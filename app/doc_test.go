package app_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"go/parser"
	"go/token"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid/app"
	"github.com/go-mitid/mitid/app/apptest"
)

// docVector reads the package documentation in doc.go and returns it and
// the fields of its test vector: hex fields decoded, quoted ones unquoted.
func docVector(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	require.NoError(t, err)
	require.NotNil(t, f.Doc, "doc.go has the package documentation")
	doc := f.Doc.Text()
	_, vector, ok := strings.Cut(doc, "# Test vector\n")
	require.True(t, ok, "the documentation has a test vector")
	fields := map[string][]byte{}
	var name string
	for line := range strings.Lines(vector) {
		if !strings.HasPrefix(line, "\t") {
			continue // prose, not the vector's block
		}
		value := strings.TrimSpace(line)
		if label, rest, ok := strings.Cut(value, ":  "); ok {
			name, value = label, strings.TrimSpace(rest)
		}
		require.NotEmpty(t, name, "a vector line before any label: %q", line)
		if strings.HasPrefix(value, `"`) {
			s, err := strconv.Unquote(value)
			require.NoError(t, err, "%s", name)
			fields[name] = []byte(s)
			continue
		}
		b, err := hex.DecodeString(value)
		require.NoError(t, err, "%s: %q", name, value)
		fields[name] = append(fields[name], b...)
	}
	return doc, fields
}

// TestDoc_TestVectorMatchesTheCode: every value of the documented test
// vector is what the code computes, and its signature verifies. Changing
// the domain label, the field order, a length prefix, the hash or the
// signature encoding in app.go fails here until the documentation says
// the same.
func TestDoc_TestVectorMatchesTheCode(t *testing.T) {
	doc, v := docVector(t)
	for _, name := range []string{"private key d", "public key", "challenge", "action", "text", "text bytes", "text hash", "message", "message hash", "signature"} {
		require.NotEmpty(t, v[name], "the vector gives %q", name)
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), v["private key d"])
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(v["public key"]), hex.EncodeToString(der), "the public key is the private key's")
	pub, err := app.ParsePublicKey(v["public key"])
	require.NoError(t, err)

	r := app.Request{Challenge: v["challenge"], Action: string(v["action"]), Text: string(v["text"])}
	assert.Equal(t, v["text bytes"], []byte(r.Text), "the text's UTF-8 bytes")
	th := app.TextHash(r.Text)
	assert.Equal(t, hex.EncodeToString(v["text hash"]), hex.EncodeToString(th[:]))
	m, err := r.Message()
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(v["message"]), hex.EncodeToString(m), "the message, byte for byte")
	mh := sha256.Sum256(m)
	assert.Equal(t, hex.EncodeToString(v["message hash"]), hex.EncodeToString(mh[:]))
	require.NoError(t, app.Verify(pub, r, v["signature"]), "the documented signature verifies")

	// The documented layout: the domain label's hex, and the offsets.
	assert.Contains(t, doc, hex.EncodeToString(m[:22]), "the domain label's bytes are in the layout table")
	assert.Equal(t, v["challenge"], m[22:54])
	assert.Equal(t, th[:], m[54:86])
	assert.Equal(t, byte(len(r.Action)), m[86]) //nolint:gosec // G115: the action is a short word
	assert.Equal(t, r.Action, string(m[87:]))
	assert.Len(t, m, 87+len(r.Action))

	// The signature is RFC 6979's, so other libraries can reproduce it.
	sig, err := key.Sign(nil, mh[:], crypto.SHA256)
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(v["signature"]), hex.EncodeToString(sig), "the deterministic (RFC 6979) signature")
}

// TestDoc_KeyEncoding: every device key is the documented 26-byte prefix
// followed by the uncompressed point; compressed points and other curves
// are refused.
func TestDoc_KeyEncoding(t *testing.T) {
	prefix, _ := hex.DecodeString("3059301306072a8648ce3d020106082a8648ce3d030107034200")
	for i := range byte(8) {
		sim, err := apptest.NewSimulator(apptest.Seeded(uint64(40+i)), "123456")
		require.NoError(t, err)
		der := sim.PublicKey()
		require.Len(t, der, 91)
		pub, err := app.ParsePublicKey(der)
		require.NoError(t, err)
		point, err := pub.Bytes()
		require.NoError(t, err)
		assert.Equal(t, append(bytes.Clone(prefix), point...), der, "prefix || 04 || X || Y")
	}

	_, v := docVector(t)
	x := v["public key"][27:59]
	compressed, _ := hex.DecodeString("3039301306072a8648ce3d020106082a8648ce3d030107032200")
	compressed = append(append(compressed, 0x03), x...) // Y is odd
	_, err := app.ParsePublicKey(compressed)
	assert.ErrorIs(t, err, app.ErrMalformedKey, "a compressed point")

	p384, err := ecdsa.GenerateKey(elliptic.P384(), apptest.Seeded(50))
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	require.NoError(t, err)
	_, err = app.ParsePublicKey(der)
	assert.ErrorIs(t, err, app.ErrMalformedKey, "another curve")
}

// TestDoc_SignatureEncoding: only DER with shortest integers and nothing
// after it verifies; s and n−s both do.
func TestDoc_SignatureEncoding(t *testing.T) {
	_, v := docVector(t)
	pub, err := app.ParsePublicKey(v["public key"])
	require.NoError(t, err)
	req := app.Request{Challenge: v["challenge"], Action: string(v["action"]), Text: string(v["text"])}
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(v["signature"], &rs)
	require.NoError(t, err)
	require.Empty(t, rest)
	derOf := func(r, s *big.Int) []byte {
		b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		require.NoError(t, err)
		return b
	}
	require.NoError(t, app.Verify(pub, req, derOf(rs.R, rs.S)))
	n := elliptic.P256().Params().N
	assert.NoError(t, app.Verify(pub, req, derOf(rs.R, new(big.Int).Sub(n, rs.S))), "n−s is accepted")

	raw := append(rs.R.FillBytes(make([]byte, 32)), rs.S.FillBytes(make([]byte, 32))...)
	assert.ErrorIs(t, app.Verify(pub, req, raw), app.ErrBadSignature, "raw r || s")
	assert.ErrorIs(t, app.Verify(pub, req, append(bytes.Clone(v["signature"]), 0)), app.ErrBadSignature, "a byte after the DER")
	// r padded with a needless leading zero: 30 45 02 21 00 r ...
	padded := append([]byte{0x30, 0x45, 0x02, 0x21, 0x00}, v["signature"][4:]...)
	assert.ErrorIs(t, app.Verify(pub, req, padded), app.ErrBadSignature, "an integer not in its shortest form")
}

// TestDoc_RequestBounds: the documented lengths, at and past their limits,
// and the text taken as bytes, never normalised.
func TestDoc_RequestBounds(t *testing.T) {
	ok := app.Request{Challenge: make([]byte, app.ChallengeSize), Action: strings.Repeat("A", 255), Text: ""}
	m, err := ok.Message()
	require.NoError(t, err, "a 255-byte action and an empty text")
	assert.Len(t, m, 87+255)
	for name, r := range map[string]app.Request{
		"a 256-byte action":   {Challenge: make([]byte, 32), Action: strings.Repeat("A", 256)},
		"an empty action":     {Challenge: make([]byte, 32)},
		"a 33-byte challenge": {Challenge: make([]byte, 33), Action: "LOG_ON"},
		"no challenge":        {Action: "LOG_ON"},
	} {
		_, err := r.Message()
		assert.ErrorIs(t, err, app.ErrMalformedRequest, name)
	}
	nfc, nfd := app.TextHash("Log på"), app.TextHash("Log pa\u030A")
	assert.NotEqual(t, nfc, nfd, "the text is hashed as bytes, not normalised")
}

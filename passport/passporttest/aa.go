package passporttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/rsaraw"
)

// ActiveSignOptions selects how the chip side signs (SignActive).
type ActiveSignOptions struct {
	// Hash: for RSA the ISO/IEC 9796-2 hash (zero means SHA-1); for ECDSA
	// the hash of the challenge (zero means the curve-size default).
	Hash crypto.Hash
	// ExplicitTrailer makes RSA signatures with SHA-1 use the two-byte
	// trailer 0x33CC instead of the implicit 0xBC. Other hashes always use
	// their explicit trailer.
	ExplicitTrailer bool
	// DER makes ECDSA signatures ASN.1 DER instead of the plain r‖s that
	// ICAO 9303 and BSI TR-03111 specify.
	DER bool
}

// SignActive is the chip side of Active Authentication: it signs challenge
// as a chip answers INTERNAL AUTHENTICATE. key is an *rsa.PrivateKey
// (ISO/IEC 9796-2 scheme 1 — an opaque RSA signer cannot do it, since the
// scheme needs the raw RSA operation), an *ecdsa.PrivateKey, the EC
// private key of a synthetic document, or any crypto.Signer with an ECDSA public key. rand
// supplies the RSA nonce M1 and the ECDSA nonce.
//
// The RSA and brainpool arithmetic is math/big, not constant time: this is
// for virtual chips and tests.
func SignActive(rand io.Reader, key crypto.Signer, challenge []byte, opts ActiveSignOptions) ([]byte, error) {
	if rand == nil {
		return nil, errors.New("passporttest: SignActive needs a random source")
	}
	if rsaKey, ok := key.(*rsa.PrivateKey); ok {
		h := opts.Hash
		if h == 0 {
			h = crypto.SHA1
		}
		return rsaraw.SignISO9796(rand, rsaKey, h, opts.ExplicitTrailer, challenge)
	}
	var aaCurve *ec.Curve
	switch p := key.Public().(type) {
	case *ec.PublicKey:
		aaCurve = p.Curve
	case *ecdsa.PublicKey:
		pk, err := passport.NewPublicKey(p)
		if err != nil {
			return nil, err
		}
		aaCurve = pk.EC.Curve
	default:
		return nil, fmt.Errorf("%w: Active Authentication with a %T key", passport.ErrUnsupportedAlgorithm, key.Public())
	}
	h := opts.Hash
	if h == 0 {
		h = aaDefaultHash(aaCurve.N().BitLen())
	}
	if !h.Available() {
		return nil, fmt.Errorf("%w: hash %v", passport.ErrUnsupportedAlgorithm, h)
	}
	d := h.New()
	d.Write(challenge)
	der, err := key.Sign(rand, d.Sum(nil), h)
	if err != nil {
		return nil, err
	}
	if opts.DER {
		return der, nil
	}
	r, s, err := parseECDSADER(der)
	if err != nil {
		return nil, err
	}
	return ec.PlainSignature(r, s, aaCurve.N()), nil
}

// parseECDSADER splits an ASN.1 ECDSA-Sig-Value into r and s.
func parseECDSADER(der []byte) (r, s *big.Int, err error) {
	var v struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &v)
	if err != nil || len(rest) != 0 {
		return nil, nil, errors.New("passporttest: signer returned a malformed ECDSA signature")
	}
	return v.R, v.S, nil
}

package passport

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1" //nolint:gosec // G505: documents signed with SHA-1 under earlier editions of ICAO 9303 Part 12 are still in circulation and must verify; register SHA-1 for crypto.Hash.New
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/rsaraw"
)

// Object identifiers of digest and signature algorithms met in eMRTD PKI.
var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}

	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}

	// BSI TR-03111 ecdsa-plain-signatures (r‖s instead of DER).
	oidECDSAPlainPrefix = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1}
)

// sigScheme is the padding / encoding family of a signature.
type sigScheme int

const (
	schemeRSAPKCS1   sigScheme = iota + 1 // RSASSA-PKCS1-v1_5
	schemeRSAPSS                          // RSASSA-PSS
	schemeECDSA                           // ECDSA, DER-encoded Ecdsa-Sig-Value
	schemeECDSAPlain                      // ECDSA, r‖s each padded to the order's byte length
)

// sigAlg is a parsed signature algorithm: scheme, message hash and, for
// PSS, the salt length and MGF1 hash.
type sigAlg struct {
	scheme  sigScheme
	hash    crypto.Hash
	pssSalt int
	pssMGF  crypto.Hash
}

// String returns a conventional name for the algorithm.
func (a sigAlg) String() string {
	h := pkiHashName(a.hash)
	switch a.scheme {
	case schemeRSAPKCS1:
		return "RSA PKCS#1 v1.5/" + h
	case schemeRSAPSS:
		return fmt.Sprintf("RSASSA-PSS/%s (MGF1-%s, salt %d)", h, pkiHashName(a.pssMGF), a.pssSalt)
	case schemeECDSA:
		return "ECDSA/" + h
	case schemeECDSAPlain:
		return "ECDSA-plain/" + h
	}
	return "unknown"
}

// pkiHashName names a hash the way ICAO documents do.
func pkiHashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA224:
		return "SHA-224"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

// pkiHashFromOID maps a digest algorithm OID to a hash.
func pkiHashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, true
	case oid.Equal(oidSHA224):
		return crypto.SHA224, true
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// pkiDigestAlgorithm parses a DigestAlgorithmIdentifier.
func pkiDigestAlgorithm(a ber.AlgorithmIdentifier) (crypto.Hash, error) {
	h, ok := pkiHashFromOID(a.OID)
	if !ok {
		return 0, fmt.Errorf("%w: digest algorithm %v", ErrUnsupportedAlgorithm, a.OID)
	}
	return h, nil
}

// parseSigAlg parses a signature AlgorithmIdentifier. digestHint is the
// SignerInfo's digestAlgorithm; it supplies the hash when the signature
// algorithm names only the key type (rsaEncryption or id-ecPublicKey,
// which several issuers put in SignerInfo.signatureAlgorithm).
func parseSigAlg(a ber.AlgorithmIdentifier, digestHint crypto.Hash) (sigAlg, error) {
	pick := func(s sigScheme, h crypto.Hash) (sigAlg, error) { return sigAlg{scheme: s, hash: h}, nil }
	switch {
	case a.OID.Equal(oidSHA1WithRSA):
		return pick(schemeRSAPKCS1, crypto.SHA1)
	case a.OID.Equal(oidSHA224WithRSA):
		return pick(schemeRSAPKCS1, crypto.SHA224)
	case a.OID.Equal(oidSHA256WithRSA):
		return pick(schemeRSAPKCS1, crypto.SHA256)
	case a.OID.Equal(oidSHA384WithRSA):
		return pick(schemeRSAPKCS1, crypto.SHA384)
	case a.OID.Equal(oidSHA512WithRSA):
		return pick(schemeRSAPKCS1, crypto.SHA512)
	case a.OID.Equal(oidECDSAWithSHA1):
		return pick(schemeECDSA, crypto.SHA1)
	case a.OID.Equal(oidECDSAWithSHA224):
		return pick(schemeECDSA, crypto.SHA224)
	case a.OID.Equal(oidECDSAWithSHA256):
		return pick(schemeECDSA, crypto.SHA256)
	case a.OID.Equal(oidECDSAWithSHA384):
		return pick(schemeECDSA, crypto.SHA384)
	case a.OID.Equal(oidECDSAWithSHA512):
		return pick(schemeECDSA, crypto.SHA512)
	case a.OID.Equal(oidRSASSAPSS):
		return parsePSSParams(a)
	case a.OID.Equal(oidRSAEncryption) || a.OID.Equal(oidECPublicKey):
		if digestHint == 0 {
			return sigAlg{}, fmt.Errorf("%w: signature algorithm %v names no hash", ErrUnsupportedAlgorithm, a.OID)
		}
		if a.OID.Equal(oidRSAEncryption) {
			return pick(schemeRSAPKCS1, digestHint)
		}
		return pick(schemeECDSA, digestHint)
	case len(a.OID) == len(oidECDSAPlainPrefix)+1 && a.OID[:len(oidECDSAPlainPrefix)].Equal(oidECDSAPlainPrefix):
		hs := map[int]crypto.Hash{1: crypto.SHA1, 2: crypto.SHA224, 3: crypto.SHA256, 4: crypto.SHA384, 5: crypto.SHA512}
		if h, ok := hs[a.OID[len(a.OID)-1]]; ok {
			return pick(schemeECDSAPlain, h)
		}
	}
	return sigAlg{}, fmt.Errorf("%w: signature algorithm %v", ErrUnsupportedAlgorithm, a.OID)
}

// parsePSSParams decodes RSASSA-PSS-params (RFC 4055):
//
//	SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
//	           saltLength [2] DEFAULT 20, trailerField [3] DEFAULT 1 }
func parsePSSParams(a ber.AlgorithmIdentifier) (sigAlg, error) {
	alg := sigAlg{scheme: schemeRSAPSS, hash: crypto.SHA1, pssMGF: crypto.SHA1, pssSalt: 20}
	if a.Params == nil {
		return alg, nil
	}
	bad := func(format string, args ...any) (sigAlg, error) {
		return sigAlg{}, fmt.Errorf("%w: RSASSA-PSS parameters: "+format, append([]any{ber.ErrASN1}, args...)...)
	}
	fields, err := ber.Sequence(*a.Params, "RSASSA-PSS-params")
	if err != nil {
		return sigAlg{}, err
	}
	for _, f := range fields {
		if f.Class != asn1.ClassContextSpecific || !f.Constructed {
			return bad("unexpected %s", f.Describe())
		}
		inner, err := ber.ReadAll(f.Content)
		if err != nil {
			return sigAlg{}, err
		}
		switch f.Number {
		case 0:
			ha, err := ber.Algorithm(inner, "PSS hashAlgorithm")
			if err != nil {
				return sigAlg{}, err
			}
			if alg.hash, err = pkiDigestAlgorithm(ha); err != nil {
				return sigAlg{}, err
			}
		case 1:
			mgf, err := ber.Algorithm(inner, "PSS maskGenAlgorithm")
			if err != nil {
				return sigAlg{}, err
			}
			if !mgf.OID.Equal(oidMGF1) || mgf.Params == nil {
				return sigAlg{}, fmt.Errorf("%w: PSS mask generation %v", ErrUnsupportedAlgorithm, mgf.OID)
			}
			mh, err := ber.Algorithm(*mgf.Params, "MGF1 hash")
			if err != nil {
				return sigAlg{}, err
			}
			if alg.pssMGF, err = pkiDigestAlgorithm(mh); err != nil {
				return sigAlg{}, err
			}
		case 2:
			if alg.pssSalt, err = ber.SmallInt(inner, false, 1<<16); err != nil {
				return sigAlg{}, err
			}
		case 3:
			t, err := ber.SmallInt(inner, false, 255)
			if err != nil {
				return sigAlg{}, err
			}
			if t != 1 {
				return sigAlg{}, fmt.Errorf("%w: PSS trailer field %d (only 1 = 0xBC exists)", ErrUnsupportedAlgorithm, t)
			}
		default:
			return bad("unknown field [%d]", f.Number)
		}
	}
	return alg, nil
}

// verify hashes msg with the algorithm's hash and checks sig with k.
func (k *PublicKey) verify(alg sigAlg, msg, sig []byte) error {
	if !alg.hash.Available() {
		return fmt.Errorf("%w: hash %v", ErrUnsupportedAlgorithm, alg.hash)
	}
	h := alg.hash.New()
	h.Write(msg)
	return k.verifyDigest(alg, h.Sum(nil), sig)
}

// verifyDigest checks sig over an already computed digest. It returns nil
// or an error wrapping ErrSignatureInvalid or ErrUnsupportedAlgorithm.
func (k *PublicKey) verifyDigest(alg sigAlg, digest, sig []byte) error {
	switch alg.scheme {
	case schemeRSAPKCS1, schemeRSAPSS:
		if k.RSA == nil {
			return fmt.Errorf("%w: %s signature with a %s key", ErrSignatureInvalid, alg, k)
		}
		var err error
		switch {
		case alg.scheme == schemeRSAPKCS1:
			err = rsa.VerifyPKCS1v15(k.RSA, alg.hash, digest, sig)
		case alg.pssMGF == alg.hash:
			err = rsa.VerifyPSS(k.RSA, alg.hash, digest, sig, &rsa.PSSOptions{SaltLength: alg.pssSalt, Hash: alg.hash})
		default:
			err = rsaraw.VerifyPSS(k.RSA, alg.hash, alg.pssMGF, alg.pssSalt, digest, sig)
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrSignatureInvalid, alg, err)
		}
		return nil
	case schemeECDSA, schemeECDSAPlain:
		if k.EC == nil {
			return fmt.Errorf("%w: %s signature with a %s key", ErrSignatureInvalid, alg, k)
		}
		var r, s *big.Int
		if alg.scheme == schemeECDSA {
			if k.nist != nil {
				if ecdsa.VerifyASN1(k.nist, digest, sig) {
					return nil
				}
				return fmt.Errorf("%w: %s", ErrSignatureInvalid, alg)
			}
			var err error
			if r, s, err = pkiParseECDSADER(sig); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrSignatureInvalid, alg, err)
			}
		} else {
			var err error
			if r, s, err = pkiParseECDSAPlain(sig, k.EC.Curve.N()); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrSignatureInvalid, alg, err)
			}
		}
		if !ec.VerifyECDSA(k.EC, digest, r, s) {
			return fmt.Errorf("%w: %s", ErrSignatureInvalid, alg)
		}
		return nil
	}
	return fmt.Errorf("%w: signature scheme %d", ErrUnsupportedAlgorithm, alg.scheme)
}

// pkiParseECDSADER decodes Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }.
func pkiParseECDSADER(sig []byte) (r, s *big.Int, err error) {
	e, err := ber.ReadAll(sig)
	if err != nil {
		return nil, nil, err
	}
	kids, err := ber.Sequence(e, "ECDSA signature")
	if err != nil {
		return nil, nil, err
	}
	if len(kids) != 2 {
		return nil, nil, errors.New("ECDSA signature must hold r and s")
	}
	if r, err = ber.Integer(kids[0], false); err != nil {
		return nil, nil, err
	}
	if s, err = ber.Integer(kids[1], false); err != nil {
		return nil, nil, err
	}
	return r, s, nil
}

// pkiParseECDSAPlain decodes a plain (TR-03111) signature r‖s, whose halves
// are each the byte length of the group order n.
func pkiParseECDSAPlain(sig []byte, n *big.Int) (r, s *big.Int, err error) {
	l := (n.BitLen() + 7) / 8
	if len(sig) != 2*l {
		return nil, nil, fmt.Errorf("plain ECDSA signature is %d bytes, expected %d", len(sig), 2*l)
	}
	return new(big.Int).SetBytes(sig[:l]), new(big.Int).SetBytes(sig[l:]), nil
}

package passport

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// The key-agreement public keys of SecurityInfos (ChipAuthenticationPublicKeyInfo
// in DG14 and EF.CardSecurity): a SubjectPublicKeyInfo whose
// AlgorithmIdentifier, by BSI TR-03110-3 §A.1.2 and ICAO 9303 Part 11 §9.2.6, is
// one of
//
//	id-ecPublicKey                (ECParameters: a named curve or explicit)
//	dhpublicnumber                (DomainParameters: p, g, q)
//	standardizedDomainParameters  (INTEGER: the parameter ID of §9.5.1)
//
// with the EC point, or the DH value y as a DER INTEGER, in the BIT STRING.

var (
	// oidStandardizedDomainParameters is bsi-de algorithms(1) 2 of BSI TR-03110-3.
	oidStandardizedDomainParameters = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 2}
	// oidDHPublicNumber is ANSI X9.42 dhpublicnumber (RFC 3279 §2.3.3).
	oidDHPublicNumber = asn1.ObjectIdentifier{1, 2, 840, 10046, 2, 1}
)

// agreementKey is a parsed key-agreement public key: exactly one of ec and
// dh is set.
type agreementKey struct {
	ec           *ECPublicKey
	dh           *DHPublicKey
	explicit     bool // the parameters were spelled out
	standardized bool // the parameters were a standardized domain parameter ID
}

// parseAgreementKey decodes a SubjectPublicKeyInfo in any of the three
// forms. A DER that is not a SubjectPublicKeyInfo is a structural error
// (wrapped in errMalformedSPKI); a well-formed one whose algorithm,
// parameters or key this package cannot use is ErrUnsupportedCurve,
// ErrInvalidPoint or ErrInvalidDHKey.
func parseAgreementKey(der []byte) (agreementKey, error) {
	var spki subjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return agreementKey{}, fmt.Errorf("%w: %v", errMalformedSPKI, err)
	}
	if len(rest) != 0 {
		return agreementKey{}, fmt.Errorf("%w: trailing bytes", errMalformedSPKI)
	}
	params := spki.Algorithm.Parameters.FullBytes
	keyBits := spki.PublicKey.RightAlign()
	switch alg := spki.Algorithm.Algorithm; {
	case alg.Equal(oidECPublicKey):
		c, err := ParseCurveParameters(params)
		if err != nil {
			return agreementKey{}, err
		}
		return ecAgreementKey(c, keyBits, agreementKey{explicit: len(params) > 0 && params[0] == 0x30})
	case alg.Equal(oidStandardizedDomainParameters):
		var id int
		if rest, err := asn1.Unmarshal(params, &id); err != nil || len(rest) != 0 {
			return agreementKey{}, fmt.Errorf("%w: standardizedDomainParameters needs an INTEGER parameter ID", ErrUnsupportedCurve)
		}
		if g, err := StandardDHGroup(id); err == nil {
			return dhAgreementKey(g, keyBits, agreementKey{standardized: true})
		}
		c, err := StandardDomainParameters(id)
		if err != nil {
			return agreementKey{}, err
		}
		return ecAgreementKey(c, keyBits, agreementKey{standardized: true})
	case alg.Equal(oidDHPublicNumber):
		var dp dhDomainParameters
		if rest, err := asn1.Unmarshal(params, &dp); err != nil || len(rest) != 0 {
			return agreementKey{}, fmt.Errorf("%w: malformed DH DomainParameters", ErrUnsupportedCurve)
		}
		g, err := NewDHGroup(dp.P, dp.G, dp.Q)
		if err != nil {
			return agreementKey{}, err
		}
		return dhAgreementKey(g, keyBits, agreementKey{explicit: true})
	default:
		return agreementKey{}, fmt.Errorf("%w: key algorithm %s is none of id-ecPublicKey, dhpublicnumber, standardizedDomainParameters",
			ErrUnsupportedCurve, alg)
	}
}

// ecAgreementKey completes form with the point of keyBits on c.
func ecAgreementKey(c *Curve, keyBits []byte, form agreementKey) (agreementKey, error) {
	pt, err := c.Unmarshal(keyBits)
	if err != nil {
		return agreementKey{}, err
	}
	form.ec = &ECPublicKey{Curve: c, Point: pt}
	return form, nil
}

// dhAgreementKey completes form with the DH value of keyBits in g.
func dhAgreementKey(g *DHGroup, keyBits []byte, form agreementKey) (agreementKey, error) {
	y, err := decodeDHValue(g, keyBits)
	if err != nil {
		return agreementKey{}, err
	}
	form.dh = &DHPublicKey{Group: g, Y: y}
	return form, nil
}

// errMalformedSPKI marks a SubjectPublicKeyInfo that is not even that.
var errMalformedSPKI = errors.New("malformed SubjectPublicKeyInfo")

// decodeDHValue reads the DER INTEGER y of a DH SubjectPublicKeyInfo and
// validates it in the group.
func decodeDHValue(g *DHGroup, bits []byte) (*big.Int, error) {
	var y *big.Int
	if rest, err := asn1.Unmarshal(bits, &y); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: the DH public value is not one DER INTEGER", ErrInvalidDHKey)
	}
	if err := g.checkElement(y); err != nil {
		return nil, err
	}
	return y, nil
}

// marshal encodes the key in the form it records: standardized when asked
// (and the domain parameters have an ID), explicit when asked, named
// otherwise (DH keys without an ID are always explicit).
func (k agreementKey) marshal() ([]byte, error) {
	var alg algorithmIdentifier
	var key []byte
	switch {
	case k.ec != nil:
		key = k.ec.Curve.Marshal(k.ec.Point)
		if id, ok := curveParameterID(k.ec.Curve); ok && k.standardized {
			alg.Algorithm = oidStandardizedDomainParameters
			b, _ := asn1.Marshal(id)
			alg.Parameters = asn1.RawValue{FullBytes: b}
			break
		}
		params, err := k.ec.Curve.MarshalParameters(k.explicit)
		if err != nil {
			return nil, err
		}
		alg = algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}
	case k.dh != nil:
		var err error
		if key, err = asn1.Marshal(k.dh.Y); err != nil {
			return nil, err
		}
		if id, ok := k.dh.Group.ParameterID(); ok && k.standardized {
			b, _ := asn1.Marshal(id)
			alg = algorithmIdentifier{Algorithm: oidStandardizedDomainParameters, Parameters: asn1.RawValue{FullBytes: b}}
			break
		}
		g := k.dh.Group
		b, err := asn1.Marshal(dhDomainParameters{P: g.p, G: g.g, Q: g.q})
		if err != nil {
			return nil, err
		}
		alg = algorithmIdentifier{Algorithm: oidDHPublicNumber, Parameters: asn1.RawValue{FullBytes: b}}
	default:
		return nil, errors.New("passport: key-agreement key without a key")
	}
	return asn1.Marshal(subjectPublicKeyInfo{Algorithm: alg, PublicKey: asn1.BitString{Bytes: key, BitLength: 8 * len(key)}})
}

// curveParameterID is the standardized domain parameter ID of a named
// curve (ICAO 9303 Part 11 §9.5.1), the inverse of StandardDomainParameters.
func curveParameterID(c *Curve) (int, bool) {
	for id := 8; id <= 18; id++ {
		if std, err := StandardDomainParameters(id); err == nil && std == c {
			return id, true
		}
	}
	return 0, false
}

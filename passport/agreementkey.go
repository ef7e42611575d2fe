package passport

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/pace"
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
	ec           *ec.PublicKey
	dh           *dh.PublicKey
	explicit     bool // the parameters were spelled out
	standardized bool // the parameters were a standardized domain parameter ID
}

// parseAgreementKey decodes a SubjectPublicKeyInfo in any of the three
// forms. A DER that is not a SubjectPublicKeyInfo is a structural error
// (wrapped in errMalformedSPKI); a well-formed one whose algorithm,
// parameters or key this package cannot use is ec.ErrUnsupportedCurve,
// ec.ErrInvalidPoint or dh.ErrInvalidDHKey.
func parseAgreementKey(der []byte) (agreementKey, error) {
	var spki subjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return agreementKey{}, fmt.Errorf("%w: %w", errMalformedSPKI, err)
	}
	if len(rest) != 0 {
		return agreementKey{}, fmt.Errorf("%w: trailing bytes", errMalformedSPKI)
	}
	d, err := parseDomainParameters(spki.Algorithm)
	if err != nil {
		return agreementKey{}, err
	}
	form := agreementKey{explicit: d.explicit, standardized: d.standardized}
	if d.curve != nil {
		return ecAgreementKey(d.curve, spki.PublicKey.RightAlign(), form)
	}
	return dhAgreementKey(d.group, spki.PublicKey.RightAlign(), form)
}

// domainParameters are the domain parameters an AlgorithmIdentifier names:
// exactly one of curve and group is set.
type domainParameters struct {
	curve        *ec.Curve
	group        *dh.Group
	explicit     bool // spelled out (ECParameters, DH DomainParameters)
	standardized bool // a standardized domain parameter ID
}

// parseDomainParameters reads the AlgorithmIdentifier of a key or of a
// PACEDomainParameterInfo: id-ecPublicKey with ECParameters, dhpublicnumber
// with DomainParameters, or standardizedDomainParameters with an ID.
func parseDomainParameters(alg algorithmIdentifier) (domainParameters, error) {
	params := alg.Parameters.FullBytes
	switch {
	case alg.Algorithm.Equal(oidECPublicKey):
		c, err := ec.ParseCurveParameters(params)
		if err != nil {
			return domainParameters{}, err
		}
		return domainParameters{curve: c, explicit: len(params) > 0 && params[0] == 0x30}, nil
	case alg.Algorithm.Equal(oidStandardizedDomainParameters):
		var id int
		if rest, err := asn1.Unmarshal(params, &id); err != nil || len(rest) != 0 {
			return domainParameters{}, fmt.Errorf("%w: standardizedDomainParameters needs an INTEGER parameter ID", ec.ErrUnsupportedCurve)
		}
		if g, err := dh.StandardGroup(id); err == nil {
			return domainParameters{group: g, standardized: true}, nil
		}
		c, err := pace.StandardCurve(id)
		if err != nil {
			return domainParameters{}, err
		}
		return domainParameters{curve: c, standardized: true}, nil
	case alg.Algorithm.Equal(oidDHPublicNumber):
		var dp dh.DomainParameters
		if rest, err := asn1.Unmarshal(params, &dp); err != nil || len(rest) != 0 {
			return domainParameters{}, fmt.Errorf("%w: malformed DH DomainParameters", ec.ErrUnsupportedCurve)
		}
		g, err := dh.NewGroup(dp.P, dp.G, dp.Q)
		if err != nil {
			return domainParameters{}, err
		}
		return domainParameters{group: g, explicit: true}, nil
	}
	return domainParameters{}, fmt.Errorf("%w: algorithm %s is none of id-ecPublicKey, dhpublicnumber, standardizedDomainParameters",
		ec.ErrUnsupportedCurve, alg.Algorithm)
}

// marshal encodes the parameters in the form they record: standardized
// when asked (and they have an ID), explicit when asked, named otherwise
// (DH groups without an ID are always explicit).
func (d domainParameters) marshal() (algorithmIdentifier, error) {
	raw := func(v any) asn1.RawValue { b, _ := asn1.Marshal(v); return asn1.RawValue{FullBytes: b} }
	switch {
	case d.curve != nil:
		if id, ok := curveParameterID(d.curve); ok && d.standardized {
			return algorithmIdentifier{Algorithm: oidStandardizedDomainParameters, Parameters: raw(id)}, nil
		}
		params, err := d.curve.MarshalParameters(d.explicit)
		if err != nil {
			return algorithmIdentifier{}, err
		}
		return algorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}, nil
	case d.group != nil:
		if id, ok := d.group.ParameterID(); ok && d.standardized {
			return algorithmIdentifier{Algorithm: oidStandardizedDomainParameters, Parameters: raw(id)}, nil
		}
		return algorithmIdentifier{Algorithm: oidDHPublicNumber, Parameters: raw(dh.DomainParameters{P: d.group.P(), G: d.group.G(), Q: d.group.Q()})}, nil
	}
	return algorithmIdentifier{}, errors.New("passport: domain parameters without a curve or group")
}

// ecAgreementKey completes form with the point of keyBits on c.
func ecAgreementKey(c *ec.Curve, keyBits []byte, form agreementKey) (agreementKey, error) {
	pt, err := c.Unmarshal(keyBits)
	if err != nil {
		return agreementKey{}, err
	}
	form.ec = &ec.PublicKey{Curve: c, Point: pt}
	return form, nil
}

// dhAgreementKey completes form with the DH value of keyBits in g.
func dhAgreementKey(g *dh.Group, keyBits []byte, form agreementKey) (agreementKey, error) {
	y, err := decodeDHValue(g, keyBits)
	if err != nil {
		return agreementKey{}, err
	}
	form.dh = &dh.PublicKey{Group: g, Y: y}
	return form, nil
}

// errMalformedSPKI marks a SubjectPublicKeyInfo that is not even that.
var errMalformedSPKI = errors.New("malformed SubjectPublicKeyInfo")

// decodeDHValue reads the DER INTEGER y of a DH SubjectPublicKeyInfo and
// validates it in the group.
func decodeDHValue(g *dh.Group, bits []byte) (*big.Int, error) {
	var y *big.Int
	if rest, err := asn1.Unmarshal(bits, &y); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: the DH public value is not one DER INTEGER", dh.ErrInvalidDHKey)
	}
	if err := g.CheckElement(y); err != nil {
		return nil, err
	}
	return y, nil
}

// marshal encodes the key as a SubjectPublicKeyInfo in the form it records.
func (k agreementKey) marshal() ([]byte, error) {
	d := domainParameters{explicit: k.explicit, standardized: k.standardized}
	var key []byte
	switch {
	case k.ec != nil:
		d.curve, key = k.ec.Curve, k.ec.Curve.Marshal(k.ec.Point)
	case k.dh != nil:
		var err error
		if key, err = asn1.Marshal(k.dh.Y); err != nil {
			return nil, err
		}
		d.group = k.dh.Group
	default:
		return nil, errors.New("passport: key-agreement key without a key")
	}
	alg, err := d.marshal()
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(subjectPublicKeyInfo{Algorithm: alg, PublicKey: asn1.BitString{Bytes: key, BitLength: 8 * len(key)}})
}

// curveParameterID is the standardized domain parameter ID of a named
// curve (ICAO 9303 Part 11 §9.5.1), the inverse of StandardDomainParameters.
func curveParameterID(c *ec.Curve) (int, bool) {
	for id := 8; id <= 18; id++ {
		if std, err := pace.StandardCurve(id); err == nil && std == c {
			return id, true
		}
	}
	return 0, false
}

package passport

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// ErrMalformedSecurityInfos reports EF.CardAccess or DG14 content that is not
// a DER SET OF SecurityInfo.
var ErrMalformedSecurityInfos = errors.New("passport: malformed SecurityInfos")

// Object identifiers of BSI TR-03110 and ICAO 9303 Part 11 §9.2.
var (
	oidBSI  = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7}
	oidPACE = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4}
	oidCA   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3}
	oidPK   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1}
)

// PACEInfo announces one PACE variant the chip supports (EF.CardAccess).
type PACEInfo struct {
	Protocol asn1.ObjectIdentifier // e.g. oids.PACEECDHGMAES128
	Version  int                   // 2 for current chips
	// ParameterID selects standardized domain parameters (Part 11 §9.5.1),
	// e.g. 13 for brainpoolP256r1, or (32 and up) a PACEDomainParameterInfo
	// of the same SecurityInfos; valid when HasParameterID is true.
	ParameterID    int
	HasParameterID bool

	// custom is the PACEDomainParameterInfo the PACEInfo refers to, set by
	// ParseSecurityInfos.
	custom *PACEDomainParameterInfo
}

// PACEDomainParameterInfo carries domain parameters for PACE that are not
// standardized (ICAO 9303 Part 11 §9.2.1): a PACEInfo whose parameterId is
// 32 or more (or that has none, when the chip offers one set) runs on them.
type PACEDomainParameterInfo struct {
	Protocol asn1.ObjectIdentifier // id-PACE-DH-GM, id-PACE-ECDH-GM, -IM or -CAM
	// Curve or DHGroup holds the parameters; neither when ParameterError
	// says why they are unusable.
	Curve          *ec.Curve
	DHGroup        *dh.Group
	ParameterError error
	// AlgorithmIdentifier is the DER of the parameters as found (parsing);
	// Marshal writes it when set, else Curve or DHGroup spelled out.
	AlgorithmIdentifier []byte
	ParameterID         int
	HasParameterID      bool
}

// ChipAuthenticationInfo announces Chip Authentication (DG14).
type ChipAuthenticationInfo struct {
	Protocol asn1.ObjectIdentifier // e.g. oids.CAECDHAES128
	Version  int                   // 1 for CA version 1
	KeyID    int                   // valid when HasKeyID; pairs it with a public key
	HasKeyID bool
}

// ChipAuthenticationPublicKeyInfo carries the chip's static key for Chip
// Authentication (DG14) or PACE-CAM (EF.CardSecurity), in any of the forms
// BSI TR-03110-3 §A.1.2 allows: id-ecPublicKey with a named or explicit
// curve, dhpublicnumber, or standardizedDomainParameters with a parameter ID.
type ChipAuthenticationPublicKeyInfo struct {
	Protocol asn1.ObjectIdentifier // oids.PKECDH or oids.PKDH
	// PublicKey is the ECDH key, DHPublicKey the finite-field one; at most
	// one is set, neither when KeyError says why the key is unusable.
	PublicKey   *ec.PublicKey
	DHPublicKey *dh.PublicKey
	// ExplicitParameters: the domain parameters are spelled out (as many
	// chips do) instead of named. StandardizedParameters: they are named
	// by a BSI TR-03110 standardized domain parameter ID. Marshal writes
	// the form these say.
	ExplicitParameters     bool
	StandardizedParameters bool
	// SubjectPublicKeyInfo is the DER of the key as found (parsing) or
	// encoded (Marshal).
	SubjectPublicKeyInfo []byte
	// KeyError says why a well-formed key cannot be used here (an unknown
	// curve, a point not on it): the rest of the SecurityInfos still parse.
	KeyError error
	KeyID    int
	HasKeyID bool
}

// ActiveAuthenticationInfo names the signature algorithm of an ECDSA Active
// Authentication key (DG14).
type ActiveAuthenticationInfo struct {
	Protocol           asn1.ObjectIdentifier // oids.ActiveAuthentication
	Version            int                   // 1
	SignatureAlgorithm asn1.ObjectIdentifier // e.g. oids.ECDSAPlainSHA256
}

// RawSecurityInfo is a SecurityInfo of a protocol this package does not
// interpret (Terminal Authentication, domain parameters, EF.DIR, …).
type RawSecurityInfo struct {
	Protocol asn1.ObjectIdentifier
	DER      []byte // the whole SecurityInfo SEQUENCE
}

// SecurityInfos is the content of EF.CardAccess or DG14: the protocols a
// chip supports and their parameters.
type SecurityInfos struct {
	PACE                         []PACEInfo
	PACEDomainParameters         []PACEDomainParameterInfo
	ChipAuthentication           []ChipAuthenticationInfo
	ChipAuthenticationPublicKeys []ChipAuthenticationPublicKeyInfo
	ActiveAuthentication         []ActiveAuthenticationInfo
	Other                        []RawSecurityInfo
}

// securityInfoHead is the common start of every SecurityInfo.
type securityInfoHead struct {
	Protocol asn1.ObjectIdentifier
	Required asn1.RawValue
	Optional asn1.RawValue `asn1:"optional"`
	// Later fields, if any, are ignored: encoding/asn1 tolerates them, as
	// TR-03110 extends SecurityInfos that way.
}

// hasPrefix reports whether oid lies under prefix with exactly extra more arcs.
func hasPrefix(oid, prefix asn1.ObjectIdentifier, extra int) bool {
	return len(oid) == len(prefix)+extra && slices.Equal(oid[:len(prefix)], prefix)
}

// ParseSecurityInfos decodes a DER SET OF SecurityInfo: the whole of
// EF.CardAccess, or the value of DG14's tag 6E. Unknown protocols are kept
// in Other; a known protocol with malformed fields is an error, except a
// chip authentication key that is a well-formed SubjectPublicKeyInfo this
// package cannot use, which is kept with its KeyError so the rest still
// reads.
func ParseSecurityInfos(der []byte) (*SecurityInfos, error) {
	var raws []asn1.RawValue
	rest, err := asn1.UnmarshalWithParams(der, &raws, "set")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedSecurityInfos, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the SET", ErrMalformedSecurityInfos, len(rest))
	}
	out := &SecurityInfos{}
	for i, raw := range raws {
		if err := out.add(raw.FullBytes); err != nil {
			return nil, fmt.Errorf("%w: SecurityInfo %d: %w", ErrMalformedSecurityInfos, i+1, err)
		}
	}
	out.resolvePACEDomains()
	return out, nil
}

// resolvePACEDomains points each PACEInfo that does not name standardized
// parameters at its PACEDomainParameterInfo: the one with its parameterId,
// or the only one there is when it has none (Part 11 §9.2.1).
func (s *SecurityInfos) resolvePACEDomains() {
	for i := range s.PACE {
		p := &s.PACE[i]
		if p.HasParameterID && p.ParameterID < 32 {
			continue
		}
		var match []*PACEDomainParameterInfo
		for j := range s.PACEDomainParameters {
			d := &s.PACEDomainParameters[j]
			if !p.HasParameterID || (d.HasParameterID && d.ParameterID == p.ParameterID) {
				match = append(match, d)
			}
		}
		if len(match) == 1 {
			p.custom = match[0]
		}
	}
}

func (s *SecurityInfos) add(der []byte) error {
	var h securityInfoHead
	if _, err := asn1.Unmarshal(der, &h); err != nil {
		return err
	}
	p := h.Protocol
	switch {
	case hasPrefix(p, oidPACE, 2):
		v, err := asn1Int(h.Required)
		if err != nil {
			return fmt.Errorf("PACEInfo version: %w", err)
		}
		info := PACEInfo{Protocol: p, Version: v}
		if len(h.Optional.FullBytes) > 0 {
			if info.ParameterID, err = asn1Int(h.Optional); err != nil {
				return fmt.Errorf("PACEInfo parameterId: %w", err)
			}
			info.HasParameterID = true
		}
		s.PACE = append(s.PACE, info)
	case hasPrefix(p, oidPACE, 1):
		info := PACEDomainParameterInfo{Protocol: p, AlgorithmIdentifier: h.Required.FullBytes}
		var alg algorithmIdentifier
		if rest, err := asn1.Unmarshal(h.Required.FullBytes, &alg); err != nil || len(rest) != 0 {
			return fmt.Errorf("PACEDomainParameterInfo: domainParameter is not an AlgorithmIdentifier")
		}
		if d, err := parseDomainParameters(alg); err != nil {
			info.ParameterError = err
		} else {
			info.Curve, info.DHGroup = d.curve, d.group
		}
		if len(h.Optional.FullBytes) > 0 {
			var err error
			if info.ParameterID, err = asn1Int(h.Optional); err != nil {
				return fmt.Errorf("PACEDomainParameterInfo parameterId: %w", err)
			}
			info.HasParameterID = true
		}
		s.PACEDomainParameters = append(s.PACEDomainParameters, info)
	case hasPrefix(p, oidCA, 2):
		v, err := asn1Int(h.Required)
		if err != nil {
			return fmt.Errorf("ChipAuthenticationInfo version: %w", err)
		}
		info := ChipAuthenticationInfo{Protocol: p, Version: v}
		if len(h.Optional.FullBytes) > 0 {
			if info.KeyID, err = asn1Int(h.Optional); err != nil {
				return fmt.Errorf("ChipAuthenticationInfo keyId: %w", err)
			}
			info.HasKeyID = true
		}
		s.ChipAuthentication = append(s.ChipAuthentication, info)
	case hasPrefix(p, oidPK, 1):
		info := ChipAuthenticationPublicKeyInfo{Protocol: p, SubjectPublicKeyInfo: h.Required.FullBytes}
		k, err := parseAgreementKey(h.Required.FullBytes)
		switch {
		case errors.Is(err, errMalformedSPKI):
			return fmt.Errorf("ChipAuthenticationPublicKeyInfo: %w", err)
		case err != nil:
			info.KeyError = err
		case p.Equal(oids.PKECDH) && k.ec == nil, p.Equal(oids.PKDH) && k.dh == nil:
			info.KeyError = fmt.Errorf("%w: the key does not match protocol %s", ec.ErrUnsupportedCurve, p)
		default:
			info.PublicKey, info.DHPublicKey = k.ec, k.dh
			info.ExplicitParameters, info.StandardizedParameters = k.explicit, k.standardized
		}
		if len(h.Optional.FullBytes) > 0 {
			var err error
			if info.KeyID, err = asn1Int(h.Optional); err != nil {
				return fmt.Errorf("ChipAuthenticationPublicKeyInfo keyId: %w", err)
			}
			info.HasKeyID = true
		}
		s.ChipAuthenticationPublicKeys = append(s.ChipAuthenticationPublicKeys, info)
	case p.Equal(oids.ActiveAuthentication):
		v, err := asn1Int(h.Required)
		if err != nil {
			return fmt.Errorf("ActiveAuthenticationInfo version: %w", err)
		}
		var alg asn1.ObjectIdentifier
		if len(h.Optional.FullBytes) > 0 {
			if _, err := asn1.Unmarshal(h.Optional.FullBytes, &alg); err != nil {
				return fmt.Errorf("ActiveAuthenticationInfo signatureAlgorithm: %w", err)
			}
		}
		s.ActiveAuthentication = append(s.ActiveAuthentication, ActiveAuthenticationInfo{Protocol: p, Version: v, SignatureAlgorithm: alg})
	default:
		s.Other = append(s.Other, RawSecurityInfo{Protocol: p, DER: der})
	}
	return nil
}

func asn1Int(v asn1.RawValue) (int, error) {
	var n *big.Int
	rest, err := asn1.Unmarshal(v.FullBytes, &n)
	if err != nil {
		return 0, err
	}
	if len(rest) != 0 || !n.IsInt64() || n.Int64() < 0 || n.Int64() > 1<<31-1 {
		return 0, fmt.Errorf("integer %s out of range", n)
	}
	return int(n.Int64()), nil
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type subjectPublicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// Marshal encodes the SecurityInfos as a DER SET OF (elements sorted), ready
// to be EF.CardAccess or the value of DG14's tag 6E.
func (s *SecurityInfos) Marshal() ([]byte, error) {
	var elems [][]byte
	addSeq := func(fields ...any) error {
		var body []byte
		for _, f := range fields {
			b, err := asn1.Marshal(f)
			if err != nil {
				return err
			}
			body = append(body, b...)
		}
		elems = append(elems, ber.EncodeTLV(0x30, body))
		return nil
	}
	for _, p := range s.PACE {
		f := []any{p.Protocol, p.Version}
		if p.HasParameterID {
			f = append(f, p.ParameterID)
		}
		if err := addSeq(f...); err != nil {
			return nil, err
		}
	}
	for _, d := range s.PACEDomainParameters {
		alg := d.AlgorithmIdentifier
		if len(alg) == 0 {
			ai, err := domainParameters{curve: d.Curve, group: d.DHGroup, explicit: true}.marshal()
			if err != nil {
				return nil, err
			}
			if alg, err = asn1.Marshal(ai); err != nil {
				return nil, err
			}
		}
		f := []any{d.Protocol, asn1.RawValue{FullBytes: alg}}
		if d.HasParameterID {
			f = append(f, d.ParameterID)
		}
		if err := addSeq(f...); err != nil {
			return nil, err
		}
	}
	for _, c := range s.ChipAuthentication {
		f := []any{c.Protocol, c.Version}
		if c.HasKeyID {
			f = append(f, c.KeyID)
		}
		if err := addSeq(f...); err != nil {
			return nil, err
		}
	}
	for _, k := range s.ChipAuthenticationPublicKeys {
		spki := k.SubjectPublicKeyInfo
		if k.PublicKey != nil || k.DHPublicKey != nil {
			var err error
			ak := agreementKey{ec: k.PublicKey, dh: k.DHPublicKey, explicit: k.ExplicitParameters, standardized: k.StandardizedParameters}
			if spki, err = ak.marshal(); err != nil {
				return nil, err
			}
		}
		if len(spki) == 0 {
			return nil, errors.New("passport: ChipAuthenticationPublicKeyInfo without a key")
		}
		f := []any{k.Protocol, asn1.RawValue{FullBytes: spki}}
		if k.HasKeyID {
			f = append(f, k.KeyID)
		}
		if err := addSeq(f...); err != nil {
			return nil, err
		}
	}
	for _, a := range s.ActiveAuthentication {
		if err := addSeq(a.Protocol, a.Version, a.SignatureAlgorithm); err != nil {
			return nil, err
		}
	}
	for _, o := range s.Other {
		elems = append(elems, o.DER)
	}
	slices.SortFunc(elems, bytes.Compare)
	return ber.EncodeTLV(0x31, bytes.Join(elems, nil)), nil
}

// String names the protocol the way TR-03110 does, e.g.
// "id-PACE-ECDH-GM-AES-CBC-CMAC-128 (brainpoolP256r1)".
func (p PACEInfo) String() string {
	s, err := pace.SuiteFor(p.Protocol)
	if err != nil {
		return p.Protocol.String()
	}
	kind := "DH"
	if s.ECDH {
		kind = "ECDH"
	}
	name := fmt.Sprintf("id-PACE-%s-%s-%s", kind, s.Mapping, cipherSuiteName(s.Cipher))
	switch d, err := paceDomainFor(p, s.ECDH); {
	case err == nil && p.custom != nil:
		name += " (proprietary " + d.String() + ")"
	case err == nil:
		name += " (" + d.String() + ")"
	case p.HasParameterID:
		name += fmt.Sprintf(" (parameter ID %d)", p.ParameterID)
	}
	return name
}

// String names the protocol the way TR-03110 does, e.g.
// "id-CA-ECDH-AES-CBC-CMAC-128", or gives the OID when it is not one.
func (c ChipAuthenticationInfo) String() string {
	if !hasPrefix(c.Protocol, oidCA, 2) || (c.Protocol[9] != 1 && c.Protocol[9] != 2) {
		return c.Protocol.String()
	}
	alg, err := pace.CipherFromArc(c.Protocol[10])
	if err != nil {
		return c.Protocol.String()
	}
	kind := "DH"
	if c.Protocol[9] == 2 {
		kind = "ECDH"
	}
	return fmt.Sprintf("id-CA-%s-%s", kind, cipherSuiteName(alg))
}

func cipherSuiteName(c sm.Cipher) string {
	switch c {
	case sm.Cipher3DES:
		return "3DES-CBC-CBC"
	case sm.CipherAES128:
		return "AES-CBC-CMAC-128"
	case sm.CipherAES192:
		return "AES-CBC-CMAC-192"
	default:
		return "AES-CBC-CMAC-256"
	}
}

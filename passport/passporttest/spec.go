package passporttest

import (
	"crypto"
	"crypto/sha1" //nolint:gosec // G505: ICAO 9303 Part 11 mandates SHA-1 for the MRZ key seed
	"encoding/asn1"
	"fmt"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/pace"
)

// The kit spells the identifiers and tags it writes itself, from RFC 5280,
// RFC 5652, RFC 8017, RFC 5758 and ICAO 9303, instead of borrowing the
// reader's: a wrong constant in the reader then fails the tests instead of
// agreeing with itself.
var (
	oidRSASSAPSS           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidSHA256WithRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA256     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidSHA1                = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224              = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256              = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384              = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512              = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSignedData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigst    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidExtSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}
)

// pkiOIDFromHash names a digest algorithm (nil for one the kit does not use).
func pkiOIDFromHash(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA1:
		return oidSHA1
	case crypto.SHA224:
		return oidSHA224
	case crypto.SHA256:
		return oidSHA256
	case crypto.SHA384:
		return oidSHA384
	case crypto.SHA512:
		return oidSHA512
	}
	return nil
}

// aaDefaultHash is the hash an ECDSA chip uses for Active Authentication
// when DG14 names none: the one matching the curve's order (BSI TR-03111).
func aaDefaultHash(n int) crypto.Hash {
	switch {
	case n <= 192:
		return crypto.SHA1
	case n <= 224:
		return crypto.SHA224
	case n <= 256:
		return crypto.SHA256
	case n <= 384:
		return crypto.SHA384
	default:
		return crypto.SHA512
	}
}

// ldsDataGroupTags are the tags that open DG1..DG16 (ICAO 9303 Part 10 §4.6.1).
var ldsDataGroupTags = [17]ber.Tag{0, 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70}

// doDiscretionaryData wraps the data of an odd-INS READ BINARY answer (ISO/IEC 7816-4 §11.2.3).
const doDiscretionaryData ber.Tag = 0x53

// PACE password references of ICAO 9303 Part 11 §9.7.3 (MSE:Set AT tag 83).
const (
	keyRefMRZ byte = 1
	keyRefCAN byte = 2
)

// ldsDigits reports whether s is non-empty and all ASCII digits.
func ldsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// mrzSecret is SHA-1(MRZ_information), the PACE password of an MRZ key and
// (its first 16 bytes) K_seed of BAC (ICAO 9303 Part 11 §9.7.2, §9.7.3).
func mrzSecret(k passport.BACKey) []byte {
	h := sha1.Sum([]byte(k.MRZInformation())) //nolint:gosec // G401: ICAO 9303 Part 11 §9.7.2 mandates SHA-1 of the MRZ information
	return h[:]
}

// validKey checks the chip's MRZ key as the reader would.
func validKey(k passport.BACKey) error {
	_, err := passport.NewBACKey(k.DocumentNumber, k.DateOfBirth, k.DateOfExpiry)
	return err
}

// validCAN checks a card access number: 1 to 16 digits.
func validCAN(c passport.CAN) error {
	if len(c) == 0 || len(c) > 16 || !ldsDigits(string(c)) {
		return fmt.Errorf("passporttest: CAN %q must be 1 to 16 digits", string(c))
	}
	return nil
}

// domainFor resolves the group of a PACEInfo the way ICAO 9303 Part 11
// §9.2.1 describes: a standardized parameter ID (below 32), or the one
// PACEDomainParameterInfo of si it refers to.
func domainFor(si *passport.SecurityInfos, info passport.PACEInfo, ecdh bool) (pace.Domain, error) {
	if !info.HasParameterID || info.ParameterID >= 32 {
		var match []*passport.PACEDomainParameterInfo
		for j := range si.PACEDomainParameters {
			d := &si.PACEDomainParameters[j]
			if !info.HasParameterID || (d.HasParameterID && d.ParameterID == info.ParameterID) {
				match = append(match, d)
			}
		}
		if len(match) != 1 {
			return nil, fmt.Errorf("passporttest: PACEInfo %v names no unique domain parameters", info.Protocol)
		}
		switch d := match[0]; {
		case d.ParameterError != nil:
			return nil, d.ParameterError
		case ecdh && d.Curve != nil:
			return pace.ECDomain{C: d.Curve}, nil
		case !ecdh && d.DHGroup != nil:
			return pace.DHDomain{G: d.DHGroup}, nil
		}
		return nil, fmt.Errorf("passporttest: domain parameters %d do not fit the protocol", match[0].ParameterID)
	}
	if ecdh {
		c, err := pace.StandardCurve(info.ParameterID)
		if err != nil {
			return nil, err
		}
		return pace.ECDomain{C: c}, nil
	}
	g, err := dh.StandardGroup(info.ParameterID)
	if err != nil {
		return nil, err
	}
	return pace.DHDomain{G: g}, nil
}

// fileCardSecurity is EF.CardSecurity's file identifier (ICAO 9303 Part 10 §3.11.2).
const fileCardSecurity uint16 = 0x011D

// Tags of EF.COM and EF.SOD (ICAO 9303 Part 10 §4.6.1).
const (
	tagCOM ber.Tag = 0x60
	tagSOD ber.Tag = 0x77
)

package passport

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"

	"github.com/go-mitid/mitid/passport/internal/ber"
	"github.com/go-mitid/mitid/passport/internal/oids"
)

// EF.SOD, the Document Security Object (ICAO 9303 Part 10 §4.6.2): tag 0x77
// wrapping a CMS SignedData whose content is an LDSSecurityObject:
//
//	LDSSecurityObject ::= SEQUENCE {
//	    version             LDSSecurityObjectVersion,   -- v0 or v1
//	    hashAlgorithm       DigestAlgorithmIdentifier,
//	    dataGroupHashValues SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//	    ldsVersionInfo      LDSVersionInfo OPTIONAL }   -- present iff v1
//	DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER (1..16), dataGroupHashValue OCTET STRING }
//	LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }

// SOD is a parsed EF.SOD. It is immutable after parsing.
type SOD struct {
	Raw        []byte      // the complete EF.SOD bytes (tag 0x77 included)
	SignedData *SignedData // the CMS layer
	// Version is the LDSSecurityObject version: 0, or 1 with LDS version info.
	Version int
	// HashAlgorithm hashes the data groups.
	HashAlgorithm crypto.Hash
	// DataGroupHashes maps data group number (1..16) to its signed hash.
	DataGroupHashes map[int][]byte
	// LDSVersion and UnicodeVersion come from ldsVersionInfo (v1 only), e.g. "0108" and "040000".
	LDSVersion     string
	UnicodeVersion string // from ldsVersionInfo, "" for v0
}

// ParseSOD parses EF.SOD: the 0x77 wrapper, the CMS SignedData and the
// LDSSecurityObject it carries. It checks structure, not signatures (see
// VerifyPassive). Errors wrap ErrMalformedSOD, ErrMalformedCMS or
// ErrUnsupportedAlgorithm.
func ParseSOD(efSOD []byte) (*SOD, error) {
	return parseSOD(efSOD, ParseCertificate)
}

func parseSOD(efSOD []byte, parseCert func([]byte) (*Certificate, error)) (*SOD, error) {
	w, err := ber.ReadAll(efSOD)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedSOD, err)
	}
	if !w.Is(asn1.ClassApplication, 23, true) {
		return nil, fmt.Errorf("%w: EF.SOD starts with %s, expected tag 77", ErrMalformedSOD, w.Describe())
	}
	sd, err := parseSignedDataWith(w.Content, parseCert)
	if err != nil {
		return nil, err
	}
	if !sd.EContentType.Equal(oids.LDSSecurityObject) {
		return nil, fmt.Errorf("%w: %w: eContentType %v is not ldsSecurityObject", ErrMalformedSOD, ErrContentTypeMismatch, sd.EContentType)
	}
	sod := &SOD{Raw: w.Full, SignedData: sd}
	if err := sod.parseLDSSecurityObject(sd.EContent); err != nil {
		if errors.Is(err, ErrUnsupportedAlgorithm) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: LDSSecurityObject: %w", ErrMalformedSOD, err)
	}
	return sod, nil
}

func (s *SOD) parseLDSSecurityObject(b []byte) error {
	e, err := ber.ReadAll(b)
	if err != nil {
		return err
	}
	f, err := ber.Sequence(e, "LDSSecurityObject")
	if err != nil {
		return err
	}
	if len(f) < 3 || len(f) > 4 {
		return fmt.Errorf("has %d elements, expected 3 or 4", len(f))
	}
	if s.Version, err = ber.SmallInt(f[0], false, 1); err != nil {
		return fmt.Errorf("version: %w", err)
	}
	alg, err := ber.Algorithm(f[1], "hashAlgorithm")
	if err != nil {
		return err
	}
	if s.HashAlgorithm, err = pkiDigestAlgorithm(alg); err != nil {
		return err
	}
	hashes, err := ber.Sequence(f[2], "dataGroupHashValues")
	if err != nil {
		return err
	}
	s.DataGroupHashes = make(map[int][]byte, len(hashes))
	for _, h := range hashes {
		pair, err := ber.Sequence(h, "DataGroupHash")
		if err != nil {
			return err
		}
		if len(pair) != 2 {
			return errors.New("DataGroupHash must hold a number and a hash")
		}
		n, err := ber.SmallInt(pair[0], false, 16)
		if err != nil || n < 1 {
			return fmt.Errorf("dataGroupNumber must be 1..16: %w", err)
		}
		v, err := ber.Octets(pair[1], false)
		if err != nil {
			return err
		}
		if len(v) != s.HashAlgorithm.Size() {
			return fmt.Errorf("DG%d hash is %d bytes, %s gives %d", n, len(v), pkiHashName(s.HashAlgorithm), s.HashAlgorithm.Size())
		}
		if _, dup := s.DataGroupHashes[n]; dup {
			return fmt.Errorf("DG%d listed twice", n)
		}
		s.DataGroupHashes[n] = v
	}
	if len(f) == 4 {
		if s.Version != 1 {
			return errors.New("ldsVersionInfo present in a version 0 object")
		}
		vi, err := ber.Sequence(f[3], "ldsVersionInfo")
		if err != nil {
			return err
		}
		if len(vi) != 2 {
			return errors.New("ldsVersionInfo must hold two strings")
		}
		s.LDSVersion, s.UnicodeVersion = string(vi[0].Content), string(vi[1].Content)
	}
	return nil
}

// DataGroups returns the numbers of the data groups EF.SOD lists, ascending.
func (s *SOD) DataGroups() []int {
	out := make([]int, 0, len(s.DataGroupHashes))
	for n := range s.DataGroupHashes {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

package passport

import (
	"fmt"
	"strings"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// The Logical Data Structure (ICAO 9303 Part 10): the elementary files of
// the eMRTD application. Every file is one BER-TLV data object whose tag
// names the file (EF.COM 60, DG1 61, DG2 75, ..., EF.SOD 77). This file holds
// the tags and EF.COM; each data group has its own lds_*.go file. File
// identifiers (efCOM, efSOD, FileDG) live with the APDU layer.

// Tags of the LDS files.
const (
	tagCOM ber.Tag = 0x60
	tagSOD ber.Tag = 0x77
)

// ldsDataGroupTags maps data group number (index) to its file tag.
var ldsDataGroupTags = [17]ber.Tag{0, 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70}

// dataGroupTag returns the tag that opens data group n (1..16): 61 for
// DG1, 75 for DG2, ..., 70 for DG16.
func dataGroupTag(n int) (ber.Tag, error) {
	if n < 1 || n > 16 {
		return 0, fmt.Errorf("%w: data group number %d outside 1..16", ErrMalformedLDS, n)
	}
	return ldsDataGroupTags[n], nil
}

// dataGroupFromTag returns the data group number a file tag stands for, or
// 0 when the tag is not a data group tag.
func dataGroupFromTag(t ber.Tag) int {
	for n := 1; n <= 16; n++ {
		if ldsDataGroupTags[n] == t {
			return n
		}
	}
	return 0
}

// ldsOpen parses a whole LDS file: exactly one data object with tag want.
func ldsOpen(b []byte, want ber.Tag, name string) (ber.TLV, error) {
	t, rest, err := ber.ParseTLV(b)
	if err != nil {
		return ber.TLV{}, fmt.Errorf("%w: %s: %w", ErrMalformedLDS, name, err)
	}
	if t.Tag != want {
		return ber.TLV{}, fmt.Errorf("%w: %s starts with tag %s, expected %s", ErrMalformedLDS, name, t.Tag, want)
	}
	if len(rest) != 0 {
		return ber.TLV{}, fmt.Errorf("%w: %s has %d bytes after its data object", ErrMalformedLDS, name, len(rest))
	}
	return t, nil
}

// ldsChildren parses a constructed value into its data objects.
func ldsChildren(t ber.TLV, name string) ([]ber.TLV, error) {
	kids, err := t.Children()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformedLDS, name, err)
	}
	return kids, nil
}

// COM is EF.COM: the LDS and Unicode versions and the list of data groups
// present. (EF.COM is not signed; trust the list in EF.SOD instead.)
type COM struct {
	// LDSVersion is "aabb" for LDS version aa.bb, e.g. "0107".
	LDSVersion string
	// UnicodeVersion is "aabbcc" for Unicode aa.bb.cc, e.g. "040000".
	UnicodeVersion string
	// Tags lists the data group tags present, in file order (e.g. 61, 75).
	Tags []ber.Tag
}

// ParseCOM parses EF.COM (tag 60: 5F01 LDS version, 5F36 Unicode version,
// 5C tag list). Errors wrap ErrMalformedLDS.
func ParseCOM(b []byte) (*COM, error) {
	top, err := ldsOpen(b, tagCOM, "EF.COM")
	if err != nil {
		return nil, err
	}
	kids, err := ldsChildren(top, "EF.COM")
	if err != nil {
		return nil, err
	}
	c := &COM{}
	var haveList bool
	for _, k := range kids {
		switch k.Tag {
		case 0x5F01:
			c.LDSVersion = string(k.Value)
		case 0x5F36:
			c.UnicodeVersion = string(k.Value)
		case 0x5C:
			haveList = true
			c.Tags = ldsTagList(k.Value)
		}
	}
	if !haveList {
		return nil, fmt.Errorf("%w: EF.COM has no tag list (5C)", ErrMalformedLDS)
	}
	if len(c.LDSVersion) != 4 || !ldsDigits(c.LDSVersion) {
		return nil, fmt.Errorf("%w: EF.COM LDS version %q is not four digits", ErrMalformedLDS, c.LDSVersion)
	}
	return c, nil
}

// ldsTagList decodes a tag list (5C): one-byte tags, or two-byte tags when
// the first byte's low five bits are all set.
func ldsTagList(b []byte) []ber.Tag {
	var out []ber.Tag
	for i := 0; i < len(b); i++ {
		t := ber.Tag(b[i])
		if b[i]&0x1F == 0x1F && i+1 < len(b) {
			i++
			t = t<<8 | ber.Tag(b[i])
		}
		out = append(out, t)
	}
	return out
}

// ldsAppendTagList encodes tags for a 5C tag list.
func ldsAppendTagList(dst []byte, tags []ber.Tag) []byte {
	for _, t := range tags {
		dst = ber.AppendTag(dst, t)
	}
	return dst
}

func ldsDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// DataGroups returns the data group numbers EF.COM lists.
func (c *COM) DataGroups() []int {
	var out []int
	for _, t := range c.Tags {
		if n := dataGroupFromTag(t); n != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Marshal encodes EF.COM.
func (c *COM) Marshal() []byte {
	var v []byte
	v = ber.AppendTLV(v, 0x5F01, []byte(c.LDSVersion))
	v = ber.AppendTLV(v, 0x5F36, []byte(c.UnicodeVersion))
	v = ber.AppendTLV(v, 0x5C, ldsAppendTagList(nil, c.Tags))
	return ber.EncodeTLV(tagCOM, v)
}

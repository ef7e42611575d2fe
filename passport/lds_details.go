package passport

import (
	"fmt"
	"strconv"

	"github.com/go-mitid/mitid/passport/internal/ber"
)

// DG11 (additional personal details), DG12 (additional document details)
// and DG16 (persons to notify), ICAO 9303 Part 10 §4.7.11, §4.7.12,
// §4.7.16. DG11 and DG12 open with a tag list (5C) naming the elements
// present; the elements follow as primitive data objects, except "other
// names" (DG11) and "other persons" (DG12), which sit in a template A0 with
// a count (02) — though real documents deviate (see ParseDG11).

// Tags of DG11 elements.
const (
	tagDG11FullName          ber.Tag = 0x5F0E
	tagDG11OtherName         ber.Tag = 0x5F0F
	tagDG11PersonalNumber    ber.Tag = 0x5F10
	tagDG11FullDateOfBirth   ber.Tag = 0x5F2B
	tagDG11PlaceOfBirth      ber.Tag = 0x5F11
	tagDG11Address           ber.Tag = 0x5F42
	tagDG11Telephone         ber.Tag = 0x5F12
	tagDG11Profession        ber.Tag = 0x5F13
	tagDG11Title             ber.Tag = 0x5F14
	tagDG11PersonalSummary   ber.Tag = 0x5F15
	tagDG11ProofOfCitizen    ber.Tag = 0x5F16
	tagDG11OtherTDNumbers    ber.Tag = 0x5F17
	tagDG11CustodyInfo       ber.Tag = 0x5F18
	tagLDSTagList            ber.Tag = 0x5C
	tagLDSOtherTemplate      ber.Tag = 0xA0
	tagLDSCount              ber.Tag = 0x02
	tagDG12IssuingAuthority  ber.Tag = 0x5F19
	tagDG12DateOfIssue       ber.Tag = 0x5F26
	tagDG12OtherPerson       ber.Tag = 0x5F1A
	tagDG12Endorsements      ber.Tag = 0x5F1B
	tagDG12TaxExit           ber.Tag = 0x5F1C
	tagDG12FrontImage        ber.Tag = 0x5F1D
	tagDG12RearImage         ber.Tag = 0x5F1E
	tagDG12PersonalizationAt ber.Tag = 0x5F55
	tagDG12PersonalizationSN ber.Tag = 0x5F56
)

// DG11 holds additional personal details. Text fields keep the
// document's encoding: '<' separates name parts and address lines.
type DG11 struct {
	FullName        string   // 5F0E, e.g. "SMITH<<JOHN<J"
	OtherNames      []string // 5F0F, each a full name
	PersonalNumber  string   // 5F10
	FullDateOfBirth string   // 5F2B, YYYYMMDD (4-byte BCD encodings are converted)
	PlaceOfBirth    string   // 5F11
	Address         string   // 5F42
	Telephone       string   // 5F12
	Profession      string   // 5F13
	Title           string   // 5F14
	PersonalSummary string   // 5F15
	// ProofOfCitizenship is an image (5F16), as stored.
	ProofOfCitizenship  []byte
	OtherTravelDocument string // 5F17
	CustodyInformation  string // 5F18
}

// ParseDG11 parses DG11 (tag 6B). It accepts the "other names" encodings
// found in the field: the nominal A0 template {02 count, 5F0F…} listed as
// 5F0F in the tag list, the same template listed as A0 (e.g. Belarus ID
// cards), and bare 5F0F elements without template (e.g. China). Errors wrap
// ErrMalformedLDS.
func ParseDG11(b []byte) (*DG11, error) {
	kids, err := ldsDetailsOpen(b, 0x6B, "DG11")
	if err != nil {
		return nil, err
	}
	d := &DG11{}
	for _, k := range kids {
		v := string(k.Value)
		switch k.Tag {
		case tagDG11FullName:
			d.FullName = v
		case tagDG11OtherName:
			d.OtherNames = append(d.OtherNames, v)
		case tagLDSOtherTemplate:
			names, err := ldsCountedTemplate(k, tagDG11OtherName, "DG11 other names")
			if err != nil {
				return nil, err
			}
			d.OtherNames = append(d.OtherNames, names...)
		case tagDG11PersonalNumber:
			d.PersonalNumber = v
		case tagDG11FullDateOfBirth:
			d.FullDateOfBirth = ldsDate(k.Value)
		case tagDG11PlaceOfBirth:
			d.PlaceOfBirth = v
		case tagDG11Address:
			d.Address = v
		case tagDG11Telephone:
			d.Telephone = v
		case tagDG11Profession:
			d.Profession = v
		case tagDG11Title:
			d.Title = v
		case tagDG11PersonalSummary:
			d.PersonalSummary = v
		case tagDG11ProofOfCitizen:
			d.ProofOfCitizenship = k.Value
		case tagDG11OtherTDNumbers:
			d.OtherTravelDocument = v
		case tagDG11CustodyInfo:
			d.CustodyInformation = v
		}
	}
	return d, nil
}

// Marshal encodes DG11 in the nominal form: a tag list, then the present
// elements in the order of ICAO 9303 Part 10, other names in an A0
// template with a count.
func (d *DG11) Marshal() []byte {
	var tags []ber.Tag
	var body []byte
	add := func(t ber.Tag, v string) {
		if v != "" {
			tags = append(tags, t)
			body = ber.AppendTLV(body, t, []byte(v))
		}
	}
	add(tagDG11FullName, d.FullName)
	if len(d.OtherNames) > 0 {
		tags = append(tags, tagDG11OtherName)
		body = ber.AppendTLV(body, tagLDSOtherTemplate, ldsCountedValue(tagDG11OtherName, d.OtherNames))
	}
	add(tagDG11PersonalNumber, d.PersonalNumber)
	add(tagDG11FullDateOfBirth, d.FullDateOfBirth)
	add(tagDG11PlaceOfBirth, d.PlaceOfBirth)
	add(tagDG11Address, d.Address)
	add(tagDG11Telephone, d.Telephone)
	add(tagDG11Profession, d.Profession)
	add(tagDG11Title, d.Title)
	add(tagDG11PersonalSummary, d.PersonalSummary)
	add(tagDG11ProofOfCitizen, string(d.ProofOfCitizenship))
	add(tagDG11OtherTDNumbers, d.OtherTravelDocument)
	add(tagDG11CustodyInfo, d.CustodyInformation)
	return ber.EncodeTLV(0x6B, append(ber.AppendTLV(nil, tagLDSTagList, ldsAppendTagList(nil, tags)), body...))
}

// DG12 holds additional document details.
type DG12 struct {
	IssuingAuthority    string   // 5F19
	DateOfIssue         string   // 5F26, YYYYMMDD (4-byte BCD encodings are converted)
	OtherPersons        []string // 5F1A, names of other persons in the document
	Endorsements        string   // 5F1B
	TaxExitRequirements string   // 5F1C
	FrontImage          []byte   // 5F1D, image of the document's front
	RearImage           []byte   // 5F1E
	// PersonalizationTime is YYYYMMDDhhmmss (5F55).
	PersonalizationTime string
	// PersonalizationDevice is the personalization system's serial number (5F56).
	PersonalizationDevice string
}

// ParseDG12 parses DG12 (tag 6C), accepting the same "other persons"
// variants as ParseDG11 does for other names. Errors wrap ErrMalformedLDS.
func ParseDG12(b []byte) (*DG12, error) {
	kids, err := ldsDetailsOpen(b, 0x6C, "DG12")
	if err != nil {
		return nil, err
	}
	d := &DG12{}
	for _, k := range kids {
		v := string(k.Value)
		switch k.Tag {
		case tagDG12IssuingAuthority:
			d.IssuingAuthority = v
		case tagDG12DateOfIssue:
			d.DateOfIssue = ldsDate(k.Value)
		case tagDG12OtherPerson:
			d.OtherPersons = append(d.OtherPersons, v)
		case tagLDSOtherTemplate:
			names, err := ldsCountedTemplate(k, tagDG12OtherPerson, "DG12 other persons")
			if err != nil {
				return nil, err
			}
			d.OtherPersons = append(d.OtherPersons, names...)
		case tagDG12Endorsements:
			d.Endorsements = v
		case tagDG12TaxExit:
			d.TaxExitRequirements = v
		case tagDG12FrontImage:
			d.FrontImage = k.Value
		case tagDG12RearImage:
			d.RearImage = k.Value
		case tagDG12PersonalizationAt:
			d.PersonalizationTime = ldsDate(k.Value)
		case tagDG12PersonalizationSN:
			d.PersonalizationDevice = v
		}
	}
	return d, nil
}

// Marshal encodes DG12 in the nominal form.
func (d *DG12) Marshal() []byte {
	var tags []ber.Tag
	var body []byte
	add := func(t ber.Tag, v string) {
		if v != "" {
			tags = append(tags, t)
			body = ber.AppendTLV(body, t, []byte(v))
		}
	}
	add(tagDG12IssuingAuthority, d.IssuingAuthority)
	add(tagDG12DateOfIssue, d.DateOfIssue)
	if len(d.OtherPersons) > 0 {
		tags = append(tags, tagDG12OtherPerson)
		body = ber.AppendTLV(body, tagLDSOtherTemplate, ldsCountedValue(tagDG12OtherPerson, d.OtherPersons))
	}
	add(tagDG12Endorsements, d.Endorsements)
	add(tagDG12TaxExit, d.TaxExitRequirements)
	add(tagDG12FrontImage, string(d.FrontImage))
	add(tagDG12RearImage, string(d.RearImage))
	add(tagDG12PersonalizationAt, d.PersonalizationTime)
	add(tagDG12PersonalizationSN, d.PersonalizationDevice)
	return ber.EncodeTLV(0x6C, append(ber.AppendTLV(nil, tagLDSTagList, ldsAppendTagList(nil, tags)), body...))
}

// ldsDetailsOpen opens DG11/DG12: checks the file tag and that the tag list
// (when present) names only elements the file holds.
func ldsDetailsOpen(b []byte, tag ber.Tag, name string) ([]ber.TLV, error) {
	top, err := ldsOpen(b, tag, name)
	if err != nil {
		return nil, err
	}
	kids, err := ldsChildren(top, name)
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 || kids[0].Tag != tagLDSTagList {
		return nil, fmt.Errorf("%w: %s does not start with a tag list (5C)", ErrMalformedLDS, name)
	}
	present := map[ber.Tag]bool{}
	for _, k := range kids[1:] {
		present[k.Tag] = true
		if k.Tag == tagLDSOtherTemplate {
			// A template stands for the element it wraps, however the tag list names it.
			present[tagDG11OtherName], present[tagDG12OtherPerson] = true, true
		}
	}
	for _, t := range ldsTagList(kids[0].Value) {
		if !present[t] {
			return nil, fmt.Errorf("%w: %s tag list names %s, which the file lacks", ErrMalformedLDS, name, t)
		}
	}
	return kids[1:], nil
}

// ldsCountedTemplate decodes an A0 template {02 count, elem, elem, ...}
// and checks the count.
func ldsCountedTemplate(t ber.TLV, elem ber.Tag, name string) ([]string, error) {
	kids, err := ldsChildren(t, name)
	if err != nil {
		return nil, err
	}
	count := -1
	var out []string
	for _, k := range kids {
		switch k.Tag {
		case tagLDSCount:
			if len(k.Value) != 1 {
				return nil, fmt.Errorf("%w: %s count is %d bytes", ErrMalformedLDS, name, len(k.Value))
			}
			count = int(k.Value[0])
		case elem:
			out = append(out, string(k.Value))
		default:
			return nil, fmt.Errorf("%w: %s holds unexpected tag %s", ErrMalformedLDS, name, k.Tag)
		}
	}
	if count >= 0 && count != len(out) {
		return nil, fmt.Errorf("%w: %s count says %d, found %d", ErrMalformedLDS, name, count, len(out))
	}
	return out, nil
}

// ldsCountedValue encodes {02 count, elem...}.
func ldsCountedValue(elem ber.Tag, vals []string) []byte {
	v := ber.AppendTLV(nil, tagLDSCount, []byte{byte(len(vals))}) //nolint:gosec // G115: the count octet wraps above 255 names; Marshal has no error return to refuse that, and no document holds so many
	for _, s := range vals {
		v = ber.AppendTLV(v, elem, []byte(s))
	}
	return v
}

// ldsDate returns a date element as digits: ASCII digits as they are, and
// the packed-BCD form (e.g. 4 bytes 19 74 08 12) that early documents used
// converted to "19740812".
func ldsDate(b []byte) string {
	if ldsDigits(string(b)) {
		return string(b)
	}
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return string(b) // neither ASCII nor BCD: keep as is
		}
		s = append(s, '0'+hi, '0'+lo)
	}
	return string(s)
}

// NotifyPerson is one entry of DG16, persons to notify.
type NotifyPerson struct {
	Date      string // 5F50, YYYYMMDD the data was recorded
	Name      string // 5F51
	Telephone string // 5F52
	Address   string // 5F53
}

// DG16 lists persons to notify.
type DG16 struct {
	Persons []NotifyPerson // in file order
}

// ParseDG16 parses DG16 (tag 70): a count (02) then one template per
// person, tagged A1, A2, .... Errors wrap ErrMalformedLDS.
func ParseDG16(b []byte) (*DG16, error) {
	top, err := ldsOpen(b, 0x70, "DG16")
	if err != nil {
		return nil, err
	}
	kids, err := ldsChildren(top, "DG16")
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 || kids[0].Tag != tagLDSCount || len(kids[0].Value) != 1 {
		return nil, fmt.Errorf("%w: DG16 does not start with a one-byte count (02)", ErrMalformedLDS)
	}
	count := int(kids[0].Value[0])
	d := &DG16{}
	for i, k := range kids[1:] {
		if k.Tag != ber.Tag(0xA1+i) {
			return nil, fmt.Errorf("%w: DG16 person %d has tag %s, expected %s", ErrMalformedLDS, i+1, k.Tag, ber.Tag(0xA1+i))
		}
		fields, err := ldsChildren(k, "DG16 person "+strconv.Itoa(i+1))
		if err != nil {
			return nil, err
		}
		var p NotifyPerson
		for _, f := range fields {
			switch f.Tag {
			case 0x5F50:
				p.Date = ldsDate(f.Value)
			case 0x5F51:
				p.Name = string(f.Value)
			case 0x5F52:
				p.Telephone = string(f.Value)
			case 0x5F53:
				p.Address = string(f.Value)
			}
		}
		d.Persons = append(d.Persons, p)
	}
	if count != len(d.Persons) {
		return nil, fmt.Errorf("%w: DG16 count says %d, found %d persons", ErrMalformedLDS, count, len(d.Persons))
	}
	return d, nil
}

// Marshal encodes DG16. At most 15 persons fit the A1..AF template tags.
func (d *DG16) Marshal() ([]byte, error) {
	if len(d.Persons) > 15 {
		return nil, fmt.Errorf("%w: DG16 holds at most 15 persons, got %d", ErrMalformedLDS, len(d.Persons))
	}
	v := ber.AppendTLV(nil, tagLDSCount, []byte{byte(len(d.Persons))}) //nolint:gosec // G115: at most 15 persons, checked above
	for i, p := range d.Persons {
		var f []byte
		for _, e := range []struct {
			t ber.Tag
			s string
		}{{0x5F50, p.Date}, {0x5F51, p.Name}, {0x5F52, p.Telephone}, {0x5F53, p.Address}} {
			if e.s != "" {
				f = ber.AppendTLV(f, e.t, []byte(e.s))
			}
		}
		v = ber.AppendTLV(v, ber.Tag(0xA1+i), f)
	}
	return ber.EncodeTLV(0x70, v), nil
}

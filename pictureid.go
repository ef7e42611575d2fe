package mitid

import (
	"crypto/subtle"
	"strings"
	"time"
)

// PictureIDKind is a kind of identity document with a photo that Citizen
// Service accepts (mitid.dk, "Bring valid documentation").
type PictureIDKind string

// The picture IDs.
const (
	IDPassport        PictureIDKind = "passport"
	IDDrivingLicence  PictureIDKind = "driving_licence"
	IDResidencePermit PictureIDKind = "residence_permit" // with photo and CPR number
	IDNationalIDCard  PictureIDKind = "national_id_card" // a foreign ID card with photo
)

// PictureID is a picture ID an operator has seen, as recorded: kind,
// number, issuing state (ICAO three-letter code: DNK, and GRL for a
// Greenlandic driving licence) and expiry.
//
// The document number is what the operator types; it is never stored in
// clear. Once the Service has recorded the ID (a desk visit, a hand-over),
// NumberKey holds its keyed hash, and Service.PictureIDNumberIs tells
// whether a given number is the one recorded.
type PictureID struct {
	Kind      PictureIDKind `json:"kind"`
	Number    string        `json:"-"`
	NumberKey string        `json:"number_key,omitempty"`
	Issuer    string        `json:"issuer"`
	Expires   time.Time     `json:"expires"`
}

const purposePictureID = "identifier:picture-id"

// pictureIDValue is what a picture ID's keyed hash covers: the number is
// unique only for its kind and issuer.
func pictureIDValue(p PictureID) string { return string(p.Kind) + ":" + p.Issuer + ":" + p.Number }

// recordPictureID returns p checked (checkPictureID) with its number's
// keyed hash, under the primary key, set for recording.
func (s *Service) recordPictureID(p PictureID, now time.Time) (PictureID, error) {
	p, err := checkPictureID(p, now)
	if err != nil {
		return p, err
	}
	p.NumberKey = s.keys.identifierKeys(purposePictureID, pictureIDValue(p))[0]
	return p, nil
}

// PictureIDNumberIs reports, in constant time, whether number is the
// document number of the recorded picture ID p (an order's PickedUpWith, a
// desk visit's PictureID), under any key of the ring: what an auditor asks
// instead of reading the number.
func (s *Service) PictureIDNumberIs(p PictureID, number string) bool {
	p.Number = strings.ToUpper(strings.Join(strings.Fields(number), ""))
	ok := 0
	for _, k := range s.keys.identifierKeys(purposePictureID, pictureIDValue(p)) {
		ok |= subtle.ConstantTimeCompare([]byte(k), []byte(p.NumberKey))
	}
	return ok == 1 && p.NumberKey != ""
}

// danishOrGreenlandic reports whether the ID is a Danish or Greenlandic
// passport or driving licence, the documents a witness must show (Danish
// and Greenlandic passports are issued by Denmark, code DNK).
func (p PictureID) danishOrGreenlandic() bool {
	return (p.Kind == IDPassport || p.Kind == IDDrivingLicence) && (p.Issuer == "DNK" || p.Issuer == "GRL")
}

// checkPictureID tidies and checks a picture ID shown at now: a known
// kind, a number, an issuer, and not expired (a document is valid through
// its expiry date). Errors name the field: CodePictureIDInvalid (ErrInvalid)
// or CodePictureIDExpired (ErrExpired).
func checkPictureID(p PictureID, now time.Time) (PictureID, error) {
	switch p.Kind {
	case IDPassport, IDDrivingLicence, IDResidencePermit, IDNationalIDCard:
	default:
		return PictureID{}, invalidField(CodePictureIDInvalid, "kind", "the picture ID must be a passport, a driving licence, a residence permit or an ID card, not %q", p.Kind)
	}
	p.Number = strings.ToUpper(strings.Join(strings.Fields(p.Number), ""))
	if p.Number == "" || len(p.Number) > 20 || strings.Trim(p.Number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return PictureID{}, invalidField(CodePictureIDInvalid, "number", "the document number must be 1 to 20 letters and digits")
	}
	p.Issuer = strings.ToUpper(strings.TrimSpace(p.Issuer))
	if len(p.Issuer) != 3 || strings.Trim(p.Issuer, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return PictureID{}, invalidField(CodePictureIDInvalid, "issuer", "the issuing state is a three-letter code such as DNK")
	}
	if p.Expires.IsZero() {
		return PictureID{}, invalidField(CodePictureIDInvalid, "expires", "record the document's expiry date")
	}
	// Valid through the whole expiry day (UTC dates, as printed).
	y, m, d := p.Expires.Date()
	end := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	if !now.Before(end) {
		e := invalidField(CodePictureIDExpired, "expires", "this %s expired on %s; a valid picture ID is needed", strings.ReplaceAll(string(p.Kind), "_", " "), p.Expires.Format(time.DateOnly))
		e.Until = end
		return PictureID{}, e
	}
	return p, nil
}

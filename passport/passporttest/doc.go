// Package passporttest builds electronic passports for tests of package
// passport, so no real document or card reader is needed: NewPKI makes a
// country signing CA, a document signer and a master list signer;
// NewDocument makes a synthetic document signed by them (data groups, EF.SOD,
// EF.CardSecurity, chip keys); and NewChip answers a reader's APDUs as the
// document's chip would, with BAC, PACE, Chip and Active Authentication and
// secure messaging as ICAO 9303 Part 11 specifies. Randomness and the time
// are given, so a document is reproducible. Nothing here is fit to protect
// anything: the keys are test keys.
package passporttest

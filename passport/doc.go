// Package passport reads and verifies electronic passports and chip ID cards
// (eMRTDs) as specified by ICAO Doc 9303: the machine readable zone, the
// access protocols that open the chip (BAC and PACE), secure messaging,
// the logical data structure (LDS) with its data groups, and the proofs
// that a document is genuine (Passive, Active and Chip Authentication).
//
// The package talks to a chip only through a Transceiver, which sends one
// APDU and returns the response; a PC/SC reader, an NFC phone bridge or the
// package's own virtual chip can stand behind it. It uses the standard
// library only, including its own arithmetic for the Brainpool curves.
//
// Randomness and time are always injected, so every protocol run can be
// replayed against the worked examples of ICAO 9303 byte for byte.
package passport

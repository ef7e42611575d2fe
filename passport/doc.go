// Package passport reads and verifies electronic passports and chip ID cards
// (eMRTDs) as specified by ICAO Doc 9303: the machine readable zone, the
// access protocols that open the chip (BAC and PACE), secure messaging,
// the logical data structure (LDS) with its data groups, and the proofs
// that a document is genuine (Passive, Active and Chip Authentication).
//
// PACE runs over elliptic curves and the finite-field groups of RFC 5114,
// with generic, integrated (AES-128) and chip authentication mapping; Chip
// Authentication with ECDH and DH keys. Documents as issuers make them
// read: SecurityInfos in every key form of BSI TR-03110-3, PACE-CAM
// against the key of EF.CardSecurity (itself passively authenticated),
// CSCAs re-issued with the same key, SignerInfos naming the issuer's RDNs
// in another order, and document signer certificates from outside EF.SOD.
//
// The package talks to a chip only through a Transceiver, which sends one
// APDU and returns the response; a PC/SC reader, an NFC phone bridge or the
// virtual chip of the test kit passport/passporttest can stand behind it.
// It uses the standard library only, including its own arithmetic for the
// Brainpool curves (tested against an independent implementation); the
// primitives (curves, Diffie-Hellman, BER, APDUs, secure messaging, raw RSA
// and ISO/IEC 9796-2, the PACE algebra) live in internal packages.
//
// Finding your way: Reader.Read opens, reads and verifies a document and
// returns the Document with its Evidence; VerifyPassive, VerifyActive,
// VerifyCardSecurity and VerifyMasterList verify files read elsewhere; a
// TrustStore holds the CSCA certificates; ParseMRZ reads the data page.
//
// Randomness and time are always injected, so every protocol run can be
// replayed against the worked examples of ICAO 9303 byte for byte.
package passport

// Package oids names the object identifiers of ICAO 9303, BSI TR-03110 and
// BSI TR-03111 that the reader and the test kit both use: the PACE, Chip
// and Active Authentication protocols, their keys, and the signed objects
// of the PKI.
package oids

import "encoding/asn1"

// Object identifiers of ICAO 9303 Part 11 §9.2, Part 12 and BSI TR-03110-3.
var (
	// MasterListSignerEKU is the extended key usage a CSCA master list
	// signer certificate carries (id-icao-mrtd-security-cscaMasterListSigningKey).
	MasterListSignerEKU = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 3}
	// LDSSecurityObject is the eContentType of EF.SOD (id-icao-mrtd-security-ldsSecurityObject).
	LDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// CSCAMasterList is the eContentType of a CSCA master list (id-icao-cscaMasterList).
	CSCAMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
	// PACEECDHGM3DES and its siblings name PACE with ECDH generic mapping
	// and the secure-messaging cipher that follows (id-PACE-ECDH-GM-*).
	PACEECDHGM3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 1}
	PACEECDHGMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2}
	PACEECDHGMAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 3}
	PACEECDHGMAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 4}
	// PACEECDHIM3DES and its siblings: ECDH integrated mapping (id-PACE-ECDH-IM-*).
	PACEECDHIM3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 1}
	PACEECDHIMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 2}
	PACEECDHIMAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 3}
	PACEECDHIMAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 4, 4}
	// PACEECDHCAMAES128 and its siblings: ECDH chip authentication mapping (id-PACE-ECDH-CAM-*).
	PACEECDHCAMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 2}
	PACEECDHCAMAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 3}
	PACEECDHCAMAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 6, 4}
	// PACEDHGM3DES and its siblings: PACE over finite-field DH, generic
	// mapping (id-PACE-DH-GM-*).
	PACEDHGM3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 1}
	PACEDHGMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 2}
	PACEDHGMAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 3}
	PACEDHGMAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 1, 4}
	// PACEDHIM3DES and its siblings: PACE over finite-field DH,
	// integrated mapping (id-PACE-DH-IM-*).
	PACEDHIM3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 1}
	PACEDHIMAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 2}
	PACEDHIMAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 3}
	PACEDHIMAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 4, 3, 4}
	// CAECDH3DES and its siblings name Chip Authentication with ECDH and
	// the secure-messaging cipher that follows (id-CA-ECDH-*).
	CAECDH3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 1}
	CAECDHAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 2}
	CAECDHAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 3}
	CAECDHAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 2, 4}
	// CADH3DES and its siblings: Chip Authentication with finite-field
	// DH (id-CA-DH-*).
	CADH3DES   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 1}
	CADHAES128 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 2}
	CADHAES192 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 3}
	CADHAES256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 3, 1, 4}
	// PKECDH marks an ECDH chip-authentication public key (id-PK-ECDH).
	PKECDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 2}
	// PKDH marks a finite-field DH chip-authentication public key (id-PK-DH).
	PKDH = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 1, 1}
	// ActiveAuthentication is id-AA of ICAO 9303 Part 11 §9.2.11.
	ActiveAuthentication = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 5}
	// ECDSAPlainSHA1 and its siblings are BSI TR-03111 ecdsa-plain-signatures,
	// the usual ActiveAuthenticationInfo.SignatureAlgorithm for ECDSA chips.
	ECDSAPlainSHA1   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 1}
	ECDSAPlainSHA224 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 2}
	ECDSAPlainSHA256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}
	ECDSAPlainSHA384 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4}
	ECDSAPlainSHA512 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 5}
	// SecurityObject is the eContentType of EF.CardSecurity (id-SecurityObject,
	// bsi-de applications(3) eID(2) 1).
	SecurityObject = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 2, 1}
)

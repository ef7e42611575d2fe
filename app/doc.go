// Package app is the MitID app's approval protocol: the device key the app
// registers at activation, the message it signs when the person approves,
// and the verification of that signature. Package apptest's Simulator plays
// the app in tests. The package imports nothing of go-mitid; it is reusable
// alone.
//
// An approval binds three things: the login's random challenge (so it
// cannot be replayed into another login), the action (LOG_ON, APPROVE,
// ...), and the SHA-256 hash of the transaction text the person was shown
// (so an approval of "Log on to Skat" cannot be used to "Transfer 10.000
// kr."). The PIN or biometric check happens on the device and never leaves
// it.
//
// This comment specifies the protocol byte for byte, so that an app can be
// written in any language from it alone; the test vector at the end is
// checked by this package's tests, so the text cannot drift from the code.
// How a request reaches the phone and the signature comes back (push,
// polling, a QR code) is the integrator's transport and not fixed here.
//
// # Device key
//
// The app makes an ECDSA key pair on the curve P-256 (also called
// secp256r1 and prime256v1) on the device, ideally in its secure hardware
// (Secure Enclave, Android Keystore); the private key never leaves it. It
// registers the public key as a DER-encoded SubjectPublicKeyInfo (RFC 5480)
// with the point uncompressed, 91 bytes: the fixed 26-byte prefix
//
//	3059301306072a8648ce3d020106082a8648ce3d030107034200
//
// followed by 04, X (32 bytes) and Y (32 bytes), big-endian. This is what
// Java's and Android's PublicKey.getEncoded() return; on iOS,
// SecKeyCopyExternalRepresentation returns the 65 bytes 04 || X || Y, to
// which the prefix is prepended. Compressed points and other curves are
// refused (ErrMalformedKey).
//
// # Request
//
// A request to approve has three fields (Request):
//
//   - challenge: exactly 32 bytes, random, made by the service for one
//     login and used once;
//   - action: 1 to 255 bytes, in practice the ASCII word LOG_ON, APPROVE,
//     CONFIRM, ACCEPT or SIGN;
//   - text: the transaction text shown to the person, as UTF-8. The app
//     hashes exactly the bytes it received and displayed: no Unicode
//     normalisation, trimming or change of line endings, or the signature
//     will not verify.
//
// A challenge of another length or an empty or longer action is refused
// (ErrMalformedRequest) before any signature is checked.
//
// # Message
//
// The device signs this message, the fields in this order with nothing
// between them (Request.Message):
//
//	offset  length  content
//	0       22      the domain label: the ASCII bytes "MitID app approval v1"
//	                followed by one zero byte, in hex
//	                4d697449442061707020617070726f76616c20763100
//	22      32      the challenge
//	54      32      SHA-256 of the text's UTF-8 bytes (TextHash)
//	86      1       L, the length of the action in bytes (1 to 255)
//	87      L       the action's bytes
//
// The message is 87+L bytes. Every field has a fixed length or a length
// before it, so no two requests give the same message; the domain label
// keeps a signature made for an approval from being valid for any other
// use of the key.
//
// # Signature
//
// The signature is ECDSA over P-256 with SHA-256 (FIPS 186-5): the signer
// hashes the message once with SHA-256 and signs that hash. It is what
// Java's and Android's Signature "SHA256withECDSA", iOS's
// SecKeyCreateSignature with .ecdsaSignatureMessageX962SHA256 and
// CryptoKit's P256.Signing.PrivateKey.signature(for:) do given the message
// (not its hash: hashing it first and then calling one of these signs the
// hash of the hash, which will not verify).
//
// The signature is sent ASN.1 DER-encoded, SEQUENCE { INTEGER r,
// INTEGER s } (RFC 3279 §2.2.3), at most 72 bytes, with each integer in its
// shortest form and nothing after the sequence. APIs that return r and s
// as 64 raw bytes (WebCrypto, IEEE P1363, CryptoKit's rawRepresentation)
// must be converted: CryptoKit's derRepresentation is the right form.
// The service accepts s and n−s alike, and a k drawn at random or derived
// as in RFC 6979: the signature in the test vector below is RFC 6979's,
// so a library that implements it reproduces it byte for byte.
//
// # Test vector
//
// The private key is the P-256 key of RFC 6979 §A.2.5. Hex values are
// split over lines at field boundaries or every 32 bytes; the line breaks
// mean nothing.
//
//	private key d:  c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721
//	public key:     3059301306072a8648ce3d020106082a8648ce3d030107034200
//	                0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29f
//	                b67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299
//	challenge:      000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//	action:         "LOG_ON"
//	text:           "Log på hos Skattestyrelsen"
//	text bytes:     4c6f672070c3a520686f7320536b6174746573747972656c73656e
//	text hash:      7c13b10cd9992175f1df665b311ef79293e9fd3ec2acb03cc93dae8c8fd43ce2
//	message:        4d697449442061707020617070726f76616c20763100
//	                000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//	                7c13b10cd9992175f1df665b311ef79293e9fd3ec2acb03cc93dae8c8fd43ce2
//	                06
//	                4c4f475f4f4e
//	message hash:   15326b6615be2a6cd4f5e2b0b0fad8c0bbff54f66cd20a75b70a8b3caffc19a2
//	signature:      30440220
//	                55e9782b62c6230aae40418107ffe65a9a07e2fbd4328253f35898f58e2a277f
//	                0220
//	                25e32070c19433c6ca76e06ee8ac9be86d1dfdda31671e5eab35281538e3463d
//
// An implementation is right when, from the private key, the challenge,
// the action and the text, it builds the message and the message hash
// above, and the service verifies its signature (Verify) under the public
// key; and when it verifies the signature above.
package app

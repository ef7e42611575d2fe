// Package ec is the elliptic-curve arithmetic of the passport reader:
// short Weierstrass curves over prime fields, named (Brainpool, NIST) or
// given by explicit domain parameters as chips carry them, with ECDH and
// ECDSA. It runs on math/big and is NOT constant time: it serves the
// terminal side (ephemeral keys live for one protocol run) and virtual
// chips in tests; the NIST curves' ECDH goes through crypto/ecdh.
package ec

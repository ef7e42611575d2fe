// Package sm is the secure messaging of ICAO 9303 Part 11 §9.8: the key
// derivation function (§9.7.1), the retail MAC and CMAC, padding, and the
// Channel that protects commands and responses with 3DES or AES. The same
// Channel serves the terminal and a virtual chip.
package sm

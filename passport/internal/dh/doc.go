// Package dh is finite-field Diffie-Hellman as PACE and Chip Authentication
// run it on older chips: the groups of RFC 5114 §2.1–2.3 (standardized
// domain parameters 0–2 of ICAO 9303 Part 11 §9.5.1) or explicit ones, with
// every peer key checked to lie in the prime-order subgroup.
package dh

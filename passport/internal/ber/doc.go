// Package ber decodes and encodes BER: the ISO/IEC 7816-4 TLV data objects
// of the chip protocols and LDS files (ICAO 9303 Part 10 and 11), and the
// ASN.1 elements of the PKI side (X.509 certificates, CMS, master lists).
// Both readers share one header decoder, DecodeHeader; neither allocates
// according to a declared length.
package ber

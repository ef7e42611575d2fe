// Package apdu encodes and decodes ISO/IEC 7816-4 command and response
// APDUs (short and extended length), names the instructions, files and
// status words ICAO 9303 uses, and maps status words to sentinel errors.
package apdu

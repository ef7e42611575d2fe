// Package codedisplaytest is a test kit for MitID's code display and audio
// code reader: Device shows the code of a seed at the time of its own clock,
// as the hardware does (give it a clock that runs fast or slow to simulate
// drift), Manufacture draws a new device's serial number and seed as an
// issuer records them, and AudioDevice reads the code aloud as a WAV file.
// Seeded gives replayable randomness. The codes are package codedisplay's,
// so a test checks the verifier against the device. It is for tests only.
package codedisplaytest

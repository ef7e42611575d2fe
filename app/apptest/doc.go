// Package apptest is a test kit for the MitID app's approval protocol:
// Simulator plays the app on a phone (a P-256 device key, the PIN checked
// on the device and a lock after MaxPINAttempts wrong ones, approvals signed
// as package app specifies them), so a relying party's test can register an
// app and approve logins without a phone. Seeded gives replayable
// randomness. It is for tests only.
package apptest

package passport

import (
	"crypto"

	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/sm"
)

// Test-only exports: the external tests of this package reach these
// unexported names through them.

const FileNameCardSecurity = fileCardSecurity
const SchemeECDSA = schemeECDSA
const SchemeECDSAPlain = schemeECDSAPlain
const SchemeRSAPKCS1 = schemeRSAPKCS1
const SchemeRSAPSS = schemeRSAPSS

type AgreementKey = agreementKey
type AlgorithmIdentifier = algorithmIdentifier
type BacExchange = bacExchange
type SigAlg = sigAlg
type SigScheme = sigScheme
type SubjectPublicKeyInfo = subjectPublicKeyInfo

var LdsDate = ldsDate
var MarshalISO19794Face = marshalISO19794Face
var OidBSI = oidBSI
var OidECDSAWithSHA1 = oidECDSAWithSHA1
var OidECDSAWithSHA224 = oidECDSAWithSHA224
var OidECDSAWithSHA256 = oidECDSAWithSHA256
var OidECDSAWithSHA384 = oidECDSAWithSHA384
var OidECDSAWithSHA512 = oidECDSAWithSHA512
var OidECPublicKey = oidECPublicKey
var OidMGF1 = oidMGF1
var OidRSAEncryption = oidRSAEncryption
var OidRSASSAPSS = oidRSASSAPSS
var OidSHA1 = oidSHA1
var OidSHA1WithRSA = oidSHA1WithRSA
var OidSHA224WithRSA = oidSHA224WithRSA
var OidSHA256 = oidSHA256
var OidSHA256WithRSA = oidSHA256WithRSA
var OidSHA384WithRSA = oidSHA384WithRSA
var OidSHA512 = oidSHA512
var OidSHA512WithRSA = oidSHA512WithRSA
var OidSignedData = oidSignedData
var OidStandardizedDomainParameters = oidStandardizedDomainParameters
var ParseAgreementKey = parseAgreementKey
var ErrMalformedSPKI = errMalformedSPKI
var ParseSigAlg = parseSigAlg
var PkiNamesEqual = pkiNamesEqual
var PkiNamesSameRDNs = pkiNamesSameRDNs
var PkiRDNKeys = pkiRDNKeys

// SM is the session's secure-messaging channel (nil while plain).
func (s *session) SM() *sm.Channel { return s.sm }

// SetTransceiver swaps the connection under a running session.
func (s *session) SetTransceiver(t Transceiver) { s.t = t }

// ReadChunk is the READ BINARY size the session has settled on.
func (s *session) ReadChunk() int { return s.readChunk }

// KeySeed is K_seed of BAC.
func (k BACKey) KeySeed() []byte { return k.keySeed() }

// PACESecret is the PACE password before the KDF.
func (k BACKey) PACESecret() []byte { return k.paceSecret() }

// Valid reports whether the key is usable.
func (k BACKey) Valid() error { return k.valid() }

// PACESecret is the PACE password before the KDF.
func (c CAN) PACESecret() []byte { return c.paceSecret() }

// Valid reports whether the CAN is usable.
func (c CAN) Valid() error { return c.valid() }

// NewBacExchange builds the terminal's half of a BAC run from fixed values.
func NewBacExchange(kEnc, kMAC, rndIC, rndIFD, kIFD []byte) *bacExchange {
	return &bacExchange{kEnc: kEnc, kMAC: kMAC, rndIC: rndIC, rndIFD: rndIFD, kIFD: kIFD}
}

// AuthenticationData is the EXTERNAL AUTHENTICATE data of the exchange.
func (x *bacExchange) AuthenticationData() ([]byte, error) { return x.authenticationData() }

// Finish checks the chip's answer and derives the session.
func (x *bacExchange) Finish(resp []byte) (*sm.Channel, error) { return x.finish(resp) }

// NewSigAlg builds a signature algorithm from its parts.
func NewSigAlg(scheme sigScheme, hash crypto.Hash, pssMGF crypto.Hash, pssSalt int) sigAlg {
	return sigAlg{scheme: scheme, hash: hash, pssMGF: pssMGF, pssSalt: pssSalt}
}

// Scheme, Hash, PSSMGF and PSSSalt read the parts of a signature algorithm.
func (a sigAlg) Scheme() sigScheme   { return a.scheme }
func (a sigAlg) Hash() crypto.Hash   { return a.hash }
func (a sigAlg) PSSMGF() crypto.Hash { return a.pssMGF }
func (a sigAlg) PSSSalt() int        { return a.pssSalt }

// Verify checks sig over msg with the key under alg.
func (k *PublicKey) Verify(alg sigAlg, msg, sig []byte) error { return k.verify(alg, msg, sig) }

// NewAgreementKey builds a chip-authentication key in one of its forms.
func NewAgreementKey(e *ec.PublicKey, d *dh.PublicKey, explicit, standardized bool) agreementKey {
	return agreementKey{ec: e, dh: d, explicit: explicit, standardized: standardized}
}

// EC, DH and Marshal read and encode an agreement key.
func (k agreementKey) EC() *ec.PublicKey        { return k.ec }
func (k agreementKey) DH() *dh.PublicKey        { return k.dh }
func (k agreementKey) Marshal() ([]byte, error) { return k.marshal() }

// Custom is the PACEDomainParameterInfo a PACEInfo resolved to.
func (p PACEInfo) Custom() *PACEDomainParameterInfo { return p.custom }

// Pass and Fail record a check, as the Reader does.
func (e *Evidence) Pass(name CheckName, detail string)            { e.pass(name, detail) }
func (e *Evidence) Fail(name CheckName, detail string, err error) { e.fail(name, detail, err) }

// KeysOnCurve lists the chip-authentication keys on curve c.
func (s *SecurityInfos) KeysOnCurve(c *ec.Curve) []*ec.PublicKey { return s.keysOnCurve(c) }

// The low-level session the Reader runs on, for the protocol tests.
type (
	Session        = session
	SessionOptions = sessionOptions
	PACEResult     = paceResult
)

// Session-level names the protocol tests use.
var (
	NewSession    = newSession
	SupportedPACE = supportedPACE
	FileDG        = efDG
)

// File identifiers and defaults the protocol tests use.
const (
	DefaultMaxFileSize = defaultMaxFileSize
	DefaultReadChunk   = defaultReadChunk
	FileCardSecurity   = efCardSecurity
	FileCardAccess     = efCardAccess
	FileCOM            = efCOM
	FileSOD            = efSOD
)

// LDS tags the LDS tests use.
var (
	DataGroupTag     = dataGroupTag
	DataGroupFromTag = dataGroupFromTag
)

// Tags of EF.COM and EF.SOD.
const (
	TagCOM = tagCOM
	TagSOD = tagSOD
)

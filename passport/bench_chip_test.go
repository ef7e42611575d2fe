package passport_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"testing"
	"time"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/ec"
	"github.com/go-mitid/mitid/passport/internal/oids"
	"github.com/go-mitid/mitid/passport/internal/pace"
	"github.com/go-mitid/mitid/passport/internal/sm"
	"github.com/go-mitid/mitid/passport/internal/testhex"
	"github.com/go-mitid/mitid/passport/passporttest"
)

// benchFiles is a 20 kB face-sized document: EF.COM, DG1, DG2.
func benchFiles(b *testing.B) map[uint16][]byte {
	return map[uint16][]byte{
		passport.FileCOM:   testhex.Decode(b, "60145F0104303130365F36063034303030305C026175"),
		passport.FileDG(1): testDG1(),
		passport.FileDG(2): bigDG2(20000),
	}
}

func benchRead(b *testing.B, cfg passporttest.ChipConfig, open func(context.Context, *passport.Session) error) {
	cfg.Files = benchFiles(b)
	cfg.Key = passport.BACKey{"L898902C3", "740812", "120415"}
	chip, err := passporttest.NewChip(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(cfg.Files[passport.FileDG(2)]) + len(cfg.Files[passport.FileDG(1)]) + len(cfg.Files[passport.FileCOM])))
	for b.Loop() {
		chip.Reset()
		s := passport.NewSession(chip, nil)
		if err := open(ctx, s); err != nil {
			b.Fatal(err)
		}
		for _, fid := range []uint16{passport.FileCOM, passport.FileDG(1), passport.FileDG(2)} {
			if _, err := s.ReadFile(ctx, fid); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkVirtualChipRead_BAC is a whole read (BAC, EF.COM, DG1, 20 kB DG2)
// with both the terminal and the chip side in the loop; compare with
// BenchmarkRawAESCBCAndCMAC_20kB, the cipher floor for the same bytes.
func BenchmarkVirtualChipRead_BAC(b *testing.B) {
	benchRead(b, passporttest.ChipConfig{}, func(ctx context.Context, s *passport.Session) error {
		if err := s.SelectApplication(ctx); err != nil {
			return err
		}
		return s.BAC(ctx, passport.BACKey{"L898902C3", "740812", "120415"})
	})
}

func benchPACE(b *testing.B, info passport.PACEInfo) {
	benchRead(b, passporttest.ChipConfig{CardAccess: cardAccess(b, info)}, func(ctx context.Context, s *passport.Session) error {
		if _, err := s.PACE(ctx, passport.BACKey{"L898902C3", "740812", "120415"}, info); err != nil {
			return err
		}
		return s.SelectApplication(ctx)
	})
}

// BenchmarkVirtualChipRead_PACEBrainpoolP256r1 is the same read opened
// with PACE-GM on brainpoolP256r1 (math/big arithmetic on both sides).
func BenchmarkVirtualChipRead_PACEBrainpoolP256r1(b *testing.B) {
	benchPACE(b, paceInfo(oids.PACEECDHGMAES128, 13))
}

// BenchmarkVirtualChipRead_PACENISTP256 opens with PACE-GM on P-256 (the
// mapped generator still needs the math/big arithmetic).
func BenchmarkVirtualChipRead_PACENISTP256(b *testing.B) {
	benchPACE(b, paceInfo(oids.PACEECDHGMAES128, 12))
}

// BenchmarkVirtualChipRead_PACEIMBrainpoolP256r1 is the same read opened
// with PACE Integrated Mapping on brainpoolP256r1: one point encoding (a
// modular exponentiation) and the block-cipher PRF on each side instead of
// generic mapping's mapping key pair and H = sk·PK (two scalar
// multiplications per side); compare with ..._PACEBrainpoolP256r1.
func BenchmarkVirtualChipRead_PACEIMBrainpoolP256r1(b *testing.B) {
	benchPACE(b, paceInfo(oids.PACEECDHIMAES128, 13))
}

// BenchmarkVirtualChipRead_PACEIMNISTP256 is Integrated Mapping on P-256.
func BenchmarkVirtualChipRead_PACEIMNISTP256(b *testing.B) {
	benchPACE(b, paceInfo(oids.PACEECDHIMAES128, 12))
}

// BenchmarkVirtualChipRead_PACEDHGM1024 opens with PACE-DH generic mapping
// on the 1024-bit group of RFC 5114 (parameter ID 0).
func BenchmarkVirtualChipRead_PACEDHGM1024(b *testing.B) {
	benchPACE(b, paceInfo(oids.PACEDHGMAES128, 0))
}

// BenchmarkRawIntegratedMap_BrainpoolP256r1 is the mapping primitive of
// PACE-IM alone: R_p(s, t) and the point encoding f_G.
func BenchmarkRawIntegratedMap_BrainpoolP256r1(b *testing.B) {
	d := pace.ECDomain{C: ec.BrainpoolP256r1()}
	s, t := make([]byte, 16), make([]byte, 16)
	_, _ = rand.Read(s)
	_, _ = rand.Read(t)
	for b.Loop() {
		x, err := pace.IMPRF(sm.CipherAES128, s, t, d.Prime())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.IntegratedMap(x); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawAESCBCAndCMAC_20kB encrypts and CMACs 20 kB twice (chip wraps,
// terminal unwraps): the least any AES secure-messaging read can cost.
func BenchmarkRawAESCBCAndCMAC_20kB(b *testing.B) {
	c, _ := aes.NewCipher(make([]byte, 16))
	buf := make([]byte, 20000/16*16)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		for i := 0; i < 2; i++ {
			cipher.NewCBCEncrypter(c, make([]byte, 16)).CryptBlocks(buf, buf) //nolint:gosec // G407: prices the ICAO 9303 PACE nonce decryption, which the standard specifies with a zero IV
			sm.CMAC(c, buf)
		}
	}
}

func benchSyntheticDocument(b *testing.B) (*passporttest.Document, *passporttest.Chip) {
	doc, err := passporttest.NewDocument(passporttest.DocumentOptions{Rand: rand.Reader, Now: fixtureNow, Algorithm: passporttest.ECDSABrainpoolP256})
	if err != nil {
		b.Fatal(err)
	}
	chip, err := passporttest.NewChip(doc.ChipConfig(rand.Reader))
	if err != nil {
		b.Fatal(err)
	}
	return doc, chip
}

func benchReader(b *testing.B, noPACE bool) {
	doc, chip := benchSyntheticDocument(b)
	opts := passport.Options{Key: doc.MRZ.Key(), Trust: doc.Trust, Now: func() time.Time { return fixtureNow }, NoPACE: noPACE}
	for b.Loop() {
		chip.Reset()
		_, ev, err := passport.NewReader(chip).Read(context.Background(), opts)
		if err != nil || !ev.Authentic() || !ev.ChipGenuine() {
			b.Fatalf("read failed: %v\n%s", err, ev)
		}
	}
}

// BenchmarkReaderRead_PACE is a complete inspection of a synthetic
// passport (brainpool PKI): PACE-GM brainpoolP256r1, all data groups, Chip
// Authentication, RSA Active Authentication and Passive Authentication;
// compare with BenchmarkRawVerifyPassive, the signature checks alone.
func BenchmarkReaderRead_PACE(b *testing.B) { benchReader(b, false) }

// BenchmarkReaderRead_BAC is the same inspection opened with BAC.
func BenchmarkReaderRead_BAC(b *testing.B) { benchReader(b, true) }

// BenchmarkRawVerifyPassive is Passive Authentication of the same document
// without any chip I/O.
func BenchmarkRawVerifyPassive(b *testing.B) {
	doc, _ := benchSyntheticDocument(b)
	for b.Loop() {
		if _, err := passport.VerifyPassive(doc.SOD, doc.DataGroups, doc.Trust, fixtureNow); err != nil {
			b.Fatal(err)
		}
	}
}

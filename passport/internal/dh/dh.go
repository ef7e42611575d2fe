package dh

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/go-mitid/mitid/passport/internal/ec"
)

// Finite-field Diffie-Hellman, as PACE (DH mappings) and Chip
// Authentication (id-CA-DH-*) run it on older chips: a prime modulus p and
// a generator g of a subgroup of prime order q (ICAO 9303 Part 11 §9.5.1,
// BSI TR-03110-3 §A.1.1, which take the groups of RFC 5114 §2.1–2.3 as
// standardized domain parameters 0, 1 and 2).

// ErrInvalidDHKey reports a Diffie-Hellman public key outside the group's
// prime-order subgroup (or 0, 1, p−1): accepting one would leak the private
// key's residue or force a known shared secret.
var ErrInvalidDHKey = errors.New("passport: Diffie-Hellman public key not in the group")

// Group is a finite-field Diffie-Hellman group. It is immutable; the
// standardized groups are shared values, so pointers compare.
type Group struct {
	name    string
	id      int // standardized parameter ID, or -1
	p, g, q *big.Int
	byteLen int
}

// Name is the group's name, e.g. "RFC 5114 1024-bit MODP, 160-bit subgroup".
func (g *Group) Name() string { return g.name }

// String is the group's name.
func (g *Group) String() string { return g.name }

// P returns a copy of the modulus.
func (g *Group) P() *big.Int { return new(big.Int).Set(g.p) }

// G returns a copy of the generator.
func (g *Group) G() *big.Int { return new(big.Int).Set(g.g) }

// Q returns a copy of the subgroup order.
func (g *Group) Q() *big.Int { return new(big.Int).Set(g.q) }

// ByteLen is the length of p in bytes: the length of encoded public keys
// and shared secrets.
func (g *Group) ByteLen() int { return g.byteLen }

// ParameterID returns the standardized domain parameter ID of the group,
// and false for a group given explicitly.
func (g *Group) ParameterID() (int, bool) { return g.id, g.id >= 0 }

func newDHGroup(name string, id int, p, gen, q *big.Int) *Group {
	return &Group{name: name, id: id, p: p, g: gen, q: q, byteLen: (p.BitLen() + 7) / 8}
}

// NewGroup builds a group from explicit parameters (a dhpublicnumber
// DomainParameters). The standardized group is returned when the
// parameters are one, so callers can compare pointers. It checks that p and
// q are prime, q divides p−1, and g generates the order-q subgroup.
func NewGroup(p, g, q *big.Int) (*Group, error) {
	if p == nil || g == nil || q == nil || p.Sign() <= 0 || g.Sign() <= 0 || q.Sign() <= 0 {
		return nil, fmt.Errorf("%w: DH domain parameters missing or not positive", ec.ErrUnsupportedCurve)
	}
	for id := 0; id <= 2; id++ {
		std, _ := StandardGroup(id)
		if std.p.Cmp(p) == 0 && std.g.Cmp(g) == 0 && std.q.Cmp(q) == 0 {
			return std, nil
		}
	}
	if p.BitLen() < 1024 || p.BitLen() > 4096 || q.BitLen() < 160 || q.BitLen() >= p.BitLen() {
		return nil, fmt.Errorf("%w: DH group of %d-bit p and %d-bit q", ec.ErrUnsupportedCurve, p.BitLen(), q.BitLen())
	}
	if !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
		return nil, fmt.Errorf("%w: DH modulus or subgroup order is not prime", ec.ErrUnsupportedCurve)
	}
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	if new(big.Int).Mod(pm1, q).Sign() != 0 {
		return nil, fmt.Errorf("%w: DH subgroup order does not divide p-1", ec.ErrUnsupportedCurve)
	}
	grp := newDHGroup(fmt.Sprintf("%d-bit MODP group, %d-bit subgroup", p.BitLen(), q.BitLen()), -1, p, g, q)
	if err := grp.CheckElement(g); err != nil {
		return nil, fmt.Errorf("%w: DH generator: %w", ec.ErrUnsupportedCurve, err)
	}
	return grp, nil
}

// Standardized DH groups: RFC 5114 §2.1, §2.2 and §2.3. Their consistency
// (primes, q | p−1, g of order q) is proven by TestDHGroups_Consistent.
var dhGroups = sync.OnceValue(func() [3]*Group {
	return [3]*Group{
		newDHGroup("RFC 5114 1024-bit MODP, 160-bit subgroup", 0,
			hexInt("B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C0"+
				"13ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0"+
				"A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371"),
			hexInt("A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213"+
				"160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A"+
				"D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5"),
			hexInt("F518AA8781A8DF278ABA4E7D64B7CB9D49462353")),
		newDHGroup("RFC 5114 2048-bit MODP, 224-bit subgroup", 1,
			hexInt("AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15"+
				"EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207"+
				"C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330"+
				"278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8"+
				"BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71"+
				"CF9DE5384E71B81C0AC4DFFE0C10E64F"),
			hexInt("AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFA"+
				"AB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A"+
				"E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EF"+
				"BB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381"+
				"B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC0179"+
				"81BC087F2A7065B384B890D3191F2BFA"),
			hexInt("801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB")),
		newDHGroup("RFC 5114 2048-bit MODP, 256-bit subgroup", 2,
			hexInt("87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA30"+
				"16C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"+
				"6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0E"+
				"F13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"+
				"C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F"+
				"693877FAD7EF09CADB094AE91E1A1597"),
			hexInt("3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555"+
				"BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"+
				"777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55"+
				"A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"+
				"B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D4795451"+
				"5E2327CFEF98C582664B4C0F6CC41659"),
			hexInt("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3")),
	}
})

// StandardGroup returns the finite-field group of a standardized domain
// parameter ID 0, 1 or 2 (ICAO 9303 Part 11 §9.5.1).
func StandardGroup(id int) (*Group, error) {
	if id < 0 || id > 2 {
		return nil, fmt.Errorf("%w: standardized domain parameters %d are not a DH group (0-2)", ec.ErrUnsupportedCurve, id)
	}
	return dhGroups()[id], nil
}

// CheckElement accepts y only in the order-q subgroup, excluding 1 (TR-03110
// requires the public-key validation of NIST SP 800-56A §5.6.2.3.1).
func (g *Group) CheckElement(y *big.Int) error {
	if y == nil || y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(new(big.Int).Sub(g.p, big.NewInt(1))) >= 0 {
		return fmt.Errorf("%w: outside 2..p-2", ErrInvalidDHKey)
	}
	if new(big.Int).Exp(y, g.q, g.p).Cmp(big.NewInt(1)) != 0 {
		return fmt.Errorf("%w: not in the order-q subgroup", ErrInvalidDHKey)
	}
	return nil
}

// Encode writes a group element big-endian, left-padded to ByteLen.
func (g *Group) Encode(y *big.Int) []byte { return y.FillBytes(make([]byte, g.byteLen)) }

// Decode reads a group element and validates it.
func (g *Group) Decode(b []byte) (*big.Int, error) {
	if len(b) == 0 || len(b) > g.byteLen {
		return nil, fmt.Errorf("%w: %d bytes for a %d-byte group", ErrInvalidDHKey, len(b), g.byteLen)
	}
	y := new(big.Int).SetBytes(b)
	if err := g.CheckElement(y); err != nil {
		return nil, err
	}
	return y, nil
}

// PublicKey is a finite-field Diffie-Hellman public key.
type PublicKey struct {
	Group *Group
	Y     *big.Int
}

// Bytes returns Y encoded to the group's length.
func (k *PublicKey) Bytes() []byte { return k.Group.Encode(k.Y) }

// PrivateKey is a finite-field Diffie-Hellman key pair.
type PrivateKey struct {
	PublicKey
	X *big.Int
}

// GenerateKey draws a private exponent in [1, q−1] from rand.
func (g *Group) GenerateKey(rand io.Reader) (*PrivateKey, error) {
	x, err := ec.RandScalar(rand, g.q)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{PublicKey: PublicKey{Group: g, Y: new(big.Int).Exp(g.g, x, g.p)}, X: x}, nil
}

// SharedSecret validates the peer's public value and returns peer^x mod p,
// left-padded to the group's length (the KDF input of ICAO 9303 Part 11 §9.7.1).
func (k *PrivateKey) SharedSecret(peer *big.Int) ([]byte, error) {
	if err := k.Group.CheckElement(peer); err != nil {
		return nil, err
	}
	if peer.Cmp(k.Y) == 0 {
		return nil, fmt.Errorf("%w: the peer echoed our public key", ErrInvalidDHKey)
	}
	return k.Group.Encode(new(big.Int).Exp(peer, k.X, k.Group.p)), nil
}

// DomainParameters is the DomainParameters of ANSI X9.42 (RFC 3279
// §2.3.3), the parameters of a dhpublicnumber key.
type DomainParameters struct {
	P, G, Q *big.Int
	J       *big.Int      `asn1:"optional"`
	Valid   asn1.RawValue `asn1:"optional"`
}

// hexInt parses a group constant written in hex.
func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("passport: bad group constant " + s) // only reachable by editing the constants above
	}
	return v
}

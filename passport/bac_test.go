package passport_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/sm"
	"github.com/go-mitid/mitid/passport/internal/testhex"
)

// appendixD is the whole BAC + secure messaging transcript of ICAO 9303
// Part 11 Appendix D.3 and D.4: GET CHALLENGE, EXTERNAL AUTHENTICATE, then
// SELECT EF.COM and two READ BINARY under 3DES secure messaging.
var appendixD = []exchange{
	{"0084000008", "4608F919887022129000"},
	{"008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728",
		"46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D74499000"},
	{"0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"},
	{"0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"},
	{"0CB000040D9701128E082EA28A70F3C7B53500", "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"},
}

// appendixDRand is RND.IFD ‖ K.IFD of Appendix D.3, injected as randomness.
const appendixDRand = "781723860C06C226" + "0B795240CB7049B01C19B33E32804F0B"

func TestBAC_Part11AppendixD3AndD4(t *testing.T) {
	chip := &scriptedChip{t: t, script: appendixD}
	s := passport.NewSession(chip, &passport.SessionOptions{Rand: bytes.NewReader(testhex.Decode(t, appendixDRand))})
	key, err := passport.NewBACKey("L898902C<", "690806", "940623")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.BAC(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := testhex.Upper(s.SM().SSC); got != "887022120C06C226" {
		t.Errorf("SSC = %s", got)
	}
	com, err := s.ReadFile(ctx, passport.FileCOM)
	if err != nil {
		t.Fatal(err)
	}
	if got := testhex.Upper(com); got != "60145F0104303130365F36063034303030305C026175" {
		t.Errorf("EF.COM = %s", got)
	}
	if got := testhex.Upper(s.SM().SSC); got != "887022120C06C22C" {
		t.Errorf("final SSC = %s", got)
	}
	chip.done()
}

// TestBAC_Part11AppendixD3SessionKeys checks the intermediate values of D.3.
func TestBAC_Part11AppendixD3SessionKeys(t *testing.T) {
	key := passport.BACKey{"L898902C<", "690806", "940623"}
	x := passport.NewBacExchange(
		sm.KDF(key.KeySeed(), sm.KDFEnc, sm.Cipher3DES),
		sm.KDF(key.KeySeed(), sm.KDFMAC, sm.Cipher3DES),
		testhex.Decode(t, "4608F91988702212"),                 // RND.IC
		testhex.Decode(t, "781723860C06C226"),                 // RND.IFD
		testhex.Decode(t, "0B795240CB7049B01C19B33E32804F0B"), // K.IFD
	)
	data, err := x.AuthenticationData()
	if err != nil {
		t.Fatal(err)
	}
	if got := testhex.Upper(data); got != "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7" {
		t.Errorf("E.IFD ‖ M.IFD = %s", got)
	}
	sc, err := x.Finish(testhex.Decode(t, "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"))
	if err != nil {
		t.Fatal(err)
	}
	if got := testhex.Upper(sc.RetailMACKey()); got != "F1CB1F1FB5ADF208806B89DC579DC1F8" {
		t.Errorf("KS_mac = %s", got)
	}
	if got := testhex.Upper(sc.SSC); got != "887022120C06C226" {
		t.Errorf("SSC = %s", got)
	}
	// A flipped bit in the chip's answer is caught by its MAC.
	bad := testhex.Decode(t, "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7448")
	if _, err := x.Finish(bad); !errors.Is(err, passport.ErrAuthenticationFailed) {
		t.Errorf("tampered answer: %v", err)
	}
}

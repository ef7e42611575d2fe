package passport_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-mitid/mitid/passport"
)

func TestCheckDigit_ICAOAppendixA(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"520727", '3'},
		{"AB2134<<<", '5'},
		{"HA672242<658022549601086<<<<<<<<<<<<<<0", '8'},
		{"D231458907<<<<<<<<<<<<<<<34071279507122<<<<<<<<<<<", '2'},
		{"HA672242<658022549601086<<<<<<<0", '8'},
		{"L898902C<", '3'},
		{"690806", '1'},
		{"940623", '6'},
		{"D23145890734", '9'},
		{"340712", '7'},
		{"950712", '2'},
		{"L898902C3", '6'},
		{"740812", '2'},
		{"120415", '9'},
	}
	for _, tc := range tests {
		got, err := passport.CheckDigit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := passport.CheckDigit("abc"); !errors.Is(err, passport.ErrInvalidMRZ) {
		t.Errorf("lower case accepted: %v", err)
	}
}

func TestParseMRZ_ICAOSpecimens(t *testing.T) {
	tests := []struct {
		name, mrz                string
		format                   passport.MRZFormat
		code, state, doc, nat    string
		dob, sex, doe            string
		primary, secondary       string
		optional, mrzInformation string
	}{
		{"TD1 Part 5", "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
			passport.TD1, "I", "UTO", "D23145890", "UTO", "740812", "F", "120415", "ERIKSSON", "ANNA MARIA", "", "D23145890774081221204159"},
		{"TD1 extended document number (Part 11 D.2)", "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<",
			passport.TD1, "I", "UTO", "D23145890734", "UTO", "340712", "M", "950712", "STEVENSON", "PETER JOHN", "", "D23145890734934071279507122"},
		{"TD2 Part 6", "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6",
			passport.TD2, "I", "UTO", "D23145890", "UTO", "740812", "F", "120415", "ERIKSSON", "ANNA MARIA", "", "D23145890774081221204159"},
		{"TD2 extended document number (Part 11 D.2)", "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227349<<<8",
			passport.TD2, "I", "UTO", "D23145890734", "UTO", "340712", "M", "950712", "STEVENSON", "PETER JOHN", "", "D23145890734934071279507122"},
		{"TD3 Part 4", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
			passport.TD3, "P", "UTO", "L898902C3", "UTO", "740812", "F", "120415", "ERIKSSON", "ANNA MARIA", "ZE184226B", "L898902C3674081221204159"},
		{"TD3 German one-letter state", "P<D<<SCHMIDT<<FINN<<<<<<<<<<<<<<<<<<<<<<<<<<AA89BXHZ56D<<7503201M2511188<<<<<<<<<<<<<<<8",
			passport.TD3, "P", "D", "AA89BXHZ5", "D", "750320", "M", "251118", "SCHMIDT", "FINN", "", "AA89BXHZ5675032012511188"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := passport.ParseMRZ(tc.mrz)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(m.Format, m.DocumentCode, m.IssuingState, m.DocumentNumber, m.Nationality, m.DateOfBirth, m.Sex, m.DateOfExpiry, m.PrimaryIdentifier, "/", m.SecondaryIdentifier, "/", m.OptionalData)
			want := fmt.Sprint(tc.format, tc.code, tc.state, tc.doc, tc.nat, tc.dob, tc.sex, tc.doe, tc.primary, "/", tc.secondary, "/", tc.optional)
			if got != want {
				t.Errorf("parsed\n %s\nwant\n %s", got, want)
			}
			if mi := m.Key().MRZInformation(); mi != tc.mrzInformation {
				t.Errorf("MRZ_information = %s, want %s", mi, tc.mrzInformation)
			}
			// The same MRZ split into lines parses the same.
			w := len(tc.mrz) / len(m.Lines)
			var lines []string
			for i := 0; i < len(tc.mrz); i += w {
				lines = append(lines, tc.mrz[i:i+w])
			}
			m2, err := passport.ParseMRZ(" " + strings.Join(lines, "\r\n") + "\n")
			if err != nil || m2.String() != m.String() {
				t.Errorf("line-split parse: %v", err)
			}
		})
	}
}

func TestParseMRZ_RejectsEveryWrongCheckDigit(t *testing.T) {
	td3 := "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	// Positions (in the concatenated MRZ) of each check digit and the field it guards.
	for pos, field := range map[int]string{44 + 9: "document number", 44 + 19: "date of birth", 44 + 27: "date of expiry", 44 + 42: "personal number", 44 + 43: "composite"} {
		b := []byte(td3)
		b[pos] = '0' + (b[pos]-'0'+1)%10
		_, err := passport.ParseMRZ(string(b))
		var cde *passport.CheckDigitError
		if !errors.As(err, &cde) || cde.Field != field || !errors.Is(err, passport.ErrMRZCheckDigit) || !errors.Is(err, passport.ErrInvalidMRZ) {
			t.Errorf("corrupting %s: err = %v", field, err)
		}
	}
	td1ext := []byte("I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<")
	td1ext[18] = '8' // extension check digit
	if _, err := passport.ParseMRZ(string(td1ext)); !errors.Is(err, passport.ErrMRZCheckDigit) {
		t.Errorf("extended number check digit: %v", err)
	}
}

func TestParseMRZ_RejectsMalformed(t *testing.T) {
	for name, s := range map[string]string{
		"empty":           "",
		"wrong length":    "P<UTOERIKSSON",
		"lower case":      strings.ToLower("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"),
		"uneven lines":    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L\n898902C36UTO7408122F1204159ZE184226B<<<<<10",
		"bad sex":         "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122Q1204159ZE184226B<<<<<10",
		"no extension":    "I<UTOD23145890<<<<<<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<",
		"TD3 filler cd":   "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C<<UTO7408122F1204159ZE184226B<<<<<10",
		"non-MRZ unicode": "P<UTOERIKSSØN<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	} {
		if _, err := passport.ParseMRZ(s); !errors.Is(err, passport.ErrInvalidMRZ) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestBACKey_KeySeedPart11AppendixD2(t *testing.T) {
	k, err := passport.NewBACKey("L898902C<", "690806", "940623")
	if err != nil {
		t.Fatal(err)
	}
	if mi := k.MRZInformation(); mi != "L898902C<369080619406236" {
		t.Errorf("MRZ_information = %s", mi)
	}
	if got := hex.EncodeToString(k.PACESecret()); !strings.EqualFold(got, "239AB9CB282DAF66231DC5A4DF6BFBAEDF477565") {
		t.Errorf("SHA-1 = %s", got)
	}
	if got := hex.EncodeToString(k.KeySeed()); !strings.EqualFold(got, "239AB9CB282DAF66231DC5A4DF6BFBAE") {
		t.Errorf("K_seed = %s", got)
	}
	ext := passport.BACKey{"D23145890734", "340712", "950712"}
	if got := hex.EncodeToString(ext.KeySeed()); !strings.EqualFold(got, "B366AD857DDCA2B08C0E299811714730") {
		t.Errorf("extended K_seed = %s", got)
	}
	// gmrtd password TestTypeAndKey1: PACE secret for an MRZ and a CAN.
	if got := hex.EncodeToString(passport.BACKey{"123456789", "820101", "291225"}.PACESecret()); got != "0ec557e7048cc90d31ec67599524b297adc33082" {
		t.Errorf("PACE MRZ secret = %s", got)
	}
	if got := hex.EncodeToString(passport.CAN("123456").PACESecret()); got != "313233343536" {
		t.Errorf("PACE CAN secret = %s", got)
	}
	if passport.CAN("12a").Valid() == nil || passport.CAN("").Valid() == nil || passport.CAN("123456").Valid() != nil {
		t.Error("CAN validation wrong")
	}
	if _, err := passport.NewBACKey("L898902C", "6908", "940623"); !errors.Is(err, passport.ErrInvalidMRZ) {
		t.Errorf("short date accepted: %v", err)
	}
}

func ExampleParseMRZ() {
	m, err := passport.ParseMRZ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Format, m.DocumentNumber, m.PrimaryIdentifier+",", m.SecondaryIdentifier)
	fmt.Println(m.Key().MRZInformation())
	// Output:
	// TD3 L898902C3 ERIKSSON, ANNA MARIA
	// L898902C3674081221204159
}

func FuzzParseMRZ(f *testing.F) {
	f.Add("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10")
	f.Add("I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<")
	f.Add("I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<D23145890<UTO3407127M95071227349<<<8")
	f.Add("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<L8988901C4XXX4009078F9612109<<<<<<<<")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := passport.ParseMRZ(s)
		if err != nil {
			if !errors.Is(err, passport.ErrInvalidMRZ) {
				t.Fatalf("error %v is not ErrInvalidMRZ", err)
			}
			return
		}
		// Whatever parses must reparse identically from its own lines.
		m2, err := passport.ParseMRZ(m.String())
		if err != nil || m2.DocumentNumber != m.DocumentNumber || m2.DateOfBirth != m.DateOfBirth {
			t.Fatalf("reparse of %q: %v", m.String(), err)
		}
		if err := m.Key().Valid(); err != nil && m.DocumentNumber != "" {
			t.Fatalf("parsed MRZ yields an invalid key: %v", err)
		}
	})
}

// FuzzNewBACKey: the three fields a person types from the data page are
// refused with ErrInvalidMRZ or give a key that is valid, the same when its
// own fields are given again, and whose MRZ information is the document
// number (padded to 9) and both dates, each with its check digit.
func FuzzNewBACKey(f *testing.F) {
	f.Add("L898902C3", "740812", "120415")
	f.Add("L898902C<<", "7408<2", "120415")
	f.Add("D23145890734", "340712", "950712")
	f.Add("l898902c3", "740812", "120415")
	f.Add("", "740812", "120415")
	f.Add("L898902C3", "74081", "1204155")
	f.Fuzz(func(t *testing.T, number, birth, expiry string) {
		k, err := passport.NewBACKey(number, birth, expiry)
		if err != nil {
			if !errors.Is(err, passport.ErrInvalidMRZ) {
				t.Fatalf("error %v is not ErrInvalidMRZ", err)
			}
			return
		}
		if err := k.Valid(); err != nil {
			t.Fatalf("NewBACKey gave an invalid key: %v", err)
		}
		again, err := passport.NewBACKey(k.DocumentNumber, k.DateOfBirth, k.DateOfExpiry)
		if err != nil || again != k {
			t.Fatalf("%+v → %+v, %v", k, again, err)
		}
		info := k.MRZInformation()
		if n := max(9, len(k.DocumentNumber)); len(info) != n+1+7+7 || !strings.HasPrefix(info, k.DocumentNumber) ||
			info[n+1:n+7] != k.DateOfBirth || info[n+8:n+14] != k.DateOfExpiry {
			t.Fatalf("%+v: MRZ information %q", k, info)
		}
		if len(k.PACESecret()) != 20 {
			t.Fatalf("PACE secret of %d bytes", len(k.PACESecret()))
		}
	})
}

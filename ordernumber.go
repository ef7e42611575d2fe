package mitid

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// Order numbers are read aloud over the phone and typed from a receipt, so
// they are short, drawn from codeAlphabet (no 0/O, 1/I/L), and end in a
// check character: eight random characters (31^8, about 8.5e11 numbers)
// and one check character (checkChar), which catches every single wrong
// character and every swap of two neighbours. Written "XXXX-XXXX-C".

const orderNumberLen = 8

// checkChar returns the check character for s (characters of
// codeAlphabet): the one that makes the weighted sum of all nine
// characters, weights 1 to 9, a multiple of 31. Since 31 is prime and no
// weight is a multiple of it, one wrong character always changes the sum,
// and so does a swap of neighbours (by the difference of the two).
func checkChar(s string) byte {
	const n = len(codeAlphabet) // 31
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += (i + 1) * strings.IndexByte(codeAlphabet, s[i])
	}
	// 9·c ≡ −sum (mod 31), and 7 is 9's inverse (63 = 2·31 + 1).
	return codeAlphabet[(n-sum%n)*7%n]
}

// newOrderNumber draws an order number.
func (s *Service) newOrderNumber() (string, error) {
	b := make([]byte, orderNumberLen)
	for i := range b {
		k, err := rand.Int(s.rand, big.NewInt(int64(len(codeAlphabet))))
		if err != nil {
			return "", NewError(CodeConfigInvalid, err, "the random source failed")
		}
		b[i] = codeAlphabet[k.Int64()]
	}
	return formatOrderNumber(string(b) + string(checkChar(string(b)))), nil
}

func formatOrderNumber(n string) string { return n[:4] + "-" + n[4:8] + "-" + n[8:] }

// ParseOrderNumber reads an order number as a person types it (any case,
// spaces and hyphens anywhere) and returns it in its written form
// "XXXX-XXXX-C". A number of the wrong length, with a character that is
// never used, or whose check character does not match fails with ErrInvalid
// (CodeOrderInvalid): a typo is caught before any lookup.
func ParseOrderNumber(s string) (string, error) {
	if len(s) > 64 {
		return "", invalidField(CodeOrderInvalid, "order", "an order number has 9 characters, like K7QM-4TX9-P")
	}
	n := normalizeCode(s)
	if len(n) != orderNumberLen+1 {
		return "", invalidField(CodeOrderInvalid, "order", "an order number has 9 characters, like K7QM-4TX9-P; check the number on your receipt")
	}
	for i := 0; i < len(n); i++ {
		if strings.IndexByte(codeAlphabet, n[i]) < 0 {
			return "", invalidField(CodeOrderInvalid, "order", "an order number never contains %q; check the number on your receipt", n[i])
		}
	}
	if checkChar(n[:orderNumberLen]) != n[orderNumberLen] {
		return "", invalidField(CodeOrderInvalid, "order", "this order number is mistyped (its check character does not match); check the number on your receipt")
	}
	return formatOrderNumber(n), nil
}

package passport_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/go-mitid/mitid/passport"
	"github.com/go-mitid/mitid/passport/internal/apdu"
)

// plainCard serves one file without secure messaging and lets a test shape
// its answers to READ BINARY.
type plainCard struct {
	file   []byte
	answer func(offset, ne int) (n int, sw uint16) // how many bytes to return, and the status
	reads  int
}

func (p *plainCard) Transceive(_ context.Context, wire []byte) ([]byte, error) {
	c, err := apdu.ParseCommand(wire)
	if err != nil {
		return status(apdu.SWWrongLength), nil
	}
	switch c.INS {
	case apdu.INSSelect:
		return status(apdu.SWOK), nil
	case apdu.INSReadBinary:
		p.reads++
		off := int(c.P1)<<8 | int(c.P2)
		n, sw := p.answer(off, c.Ne)
		if sw != apdu.SWOK && sw != apdu.SWEndOfFile {
			return status(sw), nil
		}
		n = min(n, len(p.file)-off)
		return apdu.Response{Data: p.file[off : off+n], SW: sw}.Bytes(), nil
	}
	return status(apdu.SWINSNotSupported), nil
}

func TestReadFile_WrongLeAnswers(t *testing.T) {
	file := bigDG2(1000)
	ctx := context.Background()
	t.Run("6Cxx names the length", func(t *testing.T) {
		card := &plainCard{file: file, answer: func(off, ne int) (int, uint16) {
			if ne != 0x40 && off+0x40 <= len(file) {
				return 0, 0x6C40
			}
			return ne, apdu.SWOK
		}}
		got, err := passport.NewSession(card, nil).ReadFile(ctx, passport.FileDG(2))
		if err != nil || !bytes.Equal(got, file) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("6700 halves the chunk for the rest of the session", func(t *testing.T) {
		card := &plainCard{file: file, answer: func(off, ne int) (int, uint16) {
			if ne > 100 {
				return 0, apdu.SWWrongLength
			}
			return ne, apdu.SWOK
		}}
		s := passport.NewSession(card, nil)
		got, err := s.ReadFile(ctx, passport.FileDG(2))
		if err != nil || !bytes.Equal(got, file) {
			t.Fatalf("%v", err)
		}
		if s.ReadChunk() > 100 {
			t.Errorf("chunk stayed %d", s.ReadChunk())
		}
		before := card.reads
		if _, err := s.ReadFile(ctx, passport.FileDG(2)); err != nil {
			t.Fatal(err)
		}
		if refused := card.reads - before - (len(file)+s.ReadChunk()-1)/s.ReadChunk(); refused > 1 {
			t.Errorf("%d refused reads on the second file", refused)
		}
	})
	t.Run("short answers with 6282 and a truncated file", func(t *testing.T) {
		card := &plainCard{file: file[:500], answer: func(off, ne int) (int, uint16) {
			if off+ne > 500 {
				return ne, apdu.SWEndOfFile
			}
			return ne, apdu.SWOK
		}}
		_, err := passport.NewSession(card, nil).ReadFile(ctx, passport.FileDG(2))
		if !errors.Is(err, passport.ErrEndOfFile) && !errors.Is(err, passport.ErrWrongParameters) {
			t.Fatalf("file shorter than its header: %v", err)
		}
	})
	t.Run("a chip that never gives data", func(t *testing.T) {
		card := &plainCard{file: file, answer: func(off, ne int) (int, uint16) { return 0, apdu.SWOK }}
		if _, err := passport.NewSession(card, nil).ReadFile(ctx, passport.FileDG(2)); err == nil {
			t.Fatal("empty answers accepted")
		}
	})
}

// status is a response APDU that carries only a status word.
func status(sw uint16) []byte { return apdu.Response{SW: sw}.Bytes() }

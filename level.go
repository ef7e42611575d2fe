package mitid

import "fmt"

// Level is an NSIS assurance level (Denmark's eIDAS framework): of identity
// (IAL), of authentication (AAL) or of the whole transaction (LoA). Levels
// are ordered, so comparisons read naturally: l >= LevelSubstantial.
type Level int

// The NSIS levels. The zero value is "no level", which meets no requirement.
const (
	LevelNone Level = iota
	LevelLow
	LevelSubstantial
	LevelHigh
)

// String returns the NSIS name of the level.
func (l Level) String() string {
	switch l {
	case LevelNone:
		return "None"
	case LevelLow:
		return "Low"
	case LevelSubstantial:
		return "Substantial"
	case LevelHigh:
		return "High"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Valid reports whether l is Low, Substantial or High.
func (l Level) Valid() bool { return l >= LevelLow && l <= LevelHigh }

// TransactionLevel is the level of a transaction: the lower of the identity
// level and the authentication level (NSIS; broker documentation).
func TransactionLevel(ial, aal Level) Level { return min(ial, aal) }

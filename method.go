package mitid

import (
	"slices"
)

// What a login is for (Action), the ways to log in (Method) and their
// factors (Step), and the authentication level a set of kinds gives.

// Action is what the person is asked to do, as a relying party states it
// (broker practice). The app and the login page show it with the text.
type Action string

// The actions.
const (
	ActionLogOn   Action = "LOG_ON"
	ActionApprove Action = "APPROVE"
	ActionConfirm Action = "CONFIRM"
	ActionAccept  Action = "ACCEPT"
	ActionSign    Action = "SIGN"
)

// actions lists the five actions.
var actions = []Action{ActionLogOn, ActionApprove, ActionConfirm, ActionAccept, ActionSign}

// Valid reports whether a is one of the five actions.
func (a Action) Valid() bool { return slices.Contains(actions, a) }

// Method is a way to log in: which authenticators, in which order.
type Method string

// The login methods and their factors, in MitID's order:
//
//	MethodCodeDisplay, MethodAudioReader: the code, then the password
//	MethodChip:       the password, then the chip
//	MethodApp:        the approval in the app
//	MethodAppAndChip: the approval in the app, then the chip (NSIS High)
const (
	MethodApp         Method = "app"
	MethodCodeDisplay Method = "code_display"
	MethodAudioReader Method = "audio_code_reader"
	MethodChip        Method = "chip"
	MethodAppAndChip  Method = "app_and_chip"
)

// methods lists the login methods.
var methods = []Method{MethodApp, MethodCodeDisplay, MethodAudioReader, MethodChip, MethodAppAndChip}

// Step is one factor of a login.
type Step string

// The steps. StepDone means every factor is in; FinishLogin may be called.
const (
	StepCode     Step = "code"
	StepPassword Step = "password"
	StepChip     Step = "chip"
	StepApproval Step = "approval"
	StepDone     Step = "done"
)

// steps returns the factors of m in order.
func (m Method) steps() []Step {
	switch m {
	case MethodCodeDisplay, MethodAudioReader:
		return []Step{StepCode, StepPassword}
	case MethodChip:
		return []Step{StepPassword, StepChip}
	case MethodApp:
		return []Step{StepApproval}
	case MethodAppAndChip:
		return []Step{StepApproval, StepChip}
	}
	return nil
}

// AuthenticationLevel is the NSIS authentication level (AAL) that a set of
// authenticator kinds gives together (broker documentation): a password
// alone or a chip alone is Low; a code display or audio code reader with the
// password is Substantial, as is the chip with the password and the app by
// itself (it has its own PIN or biometrics); the app with the chip is High.
func AuthenticationLevel(kinds []Kind) Level {
	has := func(k Kind) bool { return slices.Contains(kinds, k) }
	switch {
	case has(KindApp) && has(KindChip):
		return LevelHigh
	case has(KindApp):
		return LevelSubstantial
	case (has(KindCodeDisplay) || has(KindAudioReader) || has(KindChip)) && has(KindPassword):
		return LevelSubstantial
	case has(KindPassword) || has(KindChip) || has(KindCodeDisplay) || has(KindAudioReader):
		return LevelLow
	}
	return LevelNone
}

// Kinds returns the authenticator kinds method m uses.
func (m Method) Kinds() []Kind {
	switch m {
	case MethodCodeDisplay:
		return []Kind{KindCodeDisplay, KindPassword}
	case MethodAudioReader:
		return []Kind{KindAudioReader, KindPassword}
	case MethodChip:
		return []Kind{KindChip, KindPassword}
	case MethodApp:
		return []Kind{KindApp}
	case MethodAppAndChip:
		return []Kind{KindApp, KindChip}
	}
	return nil
}

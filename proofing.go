package mitid

import "context"

// ControlQuestionSource generates control questions from what the CPR
// register knows about a person (seed pages: "control questions based on
// information obtained from the CPR"). It may know too little about
// someone: then Questions returns no questions, and the desk recommends a
// witness.
type ControlQuestionSource interface {
	// Questions returns questions about the person with the CPR number and
	// their answers' keyed check (see ControlQuestion); none when the
	// register holds too little.
	Questions(ctx context.Context, cpr CPR) ([]ControlQuestion, error)
}

// ControlQuestion is one question and its expected answer.
type ControlQuestion struct {
	ID     string
	Text   string
	Answer string
}

// Package mitid models a national digital ID the way Denmark's MitID works:
// users with a self-chosen user ID that is never the CPR number, the whole
// life of their authenticators (app, code display, audio code reader, chip,
// password), activation and waiting periods, notifications of important
// events, and an audit log of every change.
//
// The entry point is Service, built by New from a Config that names a Store
// (store/memory for tests and demos, store/postgres for production), a clock,
// a random source and a KeyRing. Every change to a user is one atomic
// read-modify-write of the user aggregate that commits with the typed Events
// it recorded and the notifications they ask for, or not at all.
//
// Protocol packages stand alone and are composed here: codedisplay (TOTP),
// chip (FIDO U2F over WebAuthn), app (the app's signed approval) and passport
// (ICAO 9303). Test suites use the kit in mitidtest.
//
// # Finding your way
//
// The Service's methods, by the task they serve:
//
//   - A relying party's login, in the order a person meets it (login.go):
//     BeginLogin, ResumeLogin (a reload), ChooseMethod, SubmitCode, SubmitCodePair,
//     SubmitPassword, SubmitApproval, SubmitChip, FinishLogin, CancelLogin.
//     Every step returns a Login that says what comes Next; FinishLogin
//     returns the LoginResult with the assurance level.
//   - People: CreateUser, User, UserByUserID, UserByCPR, ChangeUserID,
//     ChangeContact, BlockUser, UnblockUser, ActivityLog, Advise.
//   - Authenticators: Authenticators, AddAuthenticator, AddApp,
//     AddCodeDevice, RequestAccess, MarkDelivered, SuspendAuthenticator,
//     BlockAuthenticator, UnblockAuthenticator, ReplaceAuthenticator.
//   - Activation: IssueCode, ActivateWithCode, ActivateCodeDevice,
//     ActivateAuthenticator, RedeemPCode, and for a chip
//     BeginChipRegistration or BeginChipActivationWithCode, then
//     FinishChipRegistration.
//   - Passwords: SetPassword, ChangePassword, RequestPasswordChange,
//     ChangePasswordAfterWait, ResetForgottenPassword.
//   - Ordering a code display, an audio code reader or a chip: PlaceOrder,
//     Order, PayOrder, ShipOrder, DeliverOrder, HandOverOrder,
//     HandOverOrderTo, CancelOrder.
//   - Identity proofing: EnrolByPassport (a passport's chip read and
//     verified), or at Citizen Service StartProofing, AnswerControlQuestions
//     or ConfirmWitness, CompleteProofing; PictureIDNumberIs.
//   - Operations: RunDue (events whose time has come), Rewrap (after a key
//     rotation), Dispatcher (delivering the outbox), Policy, Store.
//
// # Who may call what
//
// The Service proves who is at the keyboard only where a method takes its
// proof: a login's factors; a login of the person's (an ID whose factors
// are all in) for ActivateAuthenticator, ActivateCodeDevice,
// RequestPasswordChange, ChangePasswordAfterWait, ChangePassword,
// ReplaceAuthenticator, ConfirmWitness and an order identified by MitID; an
// activation code, temporary PIN or P-code for ActivateWithCode,
// RedeemPCode, ResetForgottenPassword and BeginChipActivationWithCode; a
// passport's chip for EnrolByPassport. Those are safe to offer to anyone:
// what a stranger who knows only a user ID can do with them is bounded (see
// throttle.go and anonymous.go). One thing they do tell, unlike a login:
// the methods that take a user ID and a code answer CodeUserNotFound for a
// user ID nobody has, so offered to anyone they tell which user IDs exist.
//
// Every other change takes the person's internal ID, which is no secret
// (every relying party is given it), and no proof: ChangeContact,
// ChangeUserID, BlockUser, UnblockUser, SetPassword, AddAuthenticator,
// AddApp, AddCodeDevice, RequestAccess, MarkDelivered,
// SuspendAuthenticator, BlockAuthenticator, UnblockAuthenticator, IssueCode
// on paper or for the app's passport scan (it returns the code to its
// caller), and the order's PayOrder, ShipOrder, DeliverOrder, HandOverOrder
// and CancelOrder. They are for a caller that has itself made sure who
// asks: a session of the person's own after a MitID login, a clerk of
// Citizen Service, the back office. Do not offer them to an anonymous
// caller. IssueCode by SMS is the exception: a person with no working
// authenticator asks for a temporary PIN with the user ID alone, so it may
// be offered to anyone; the code goes to the person's own phone, paced by
// Policy.CodeInterval and Policy.SMSCodesPerDay. PlaceOrder without
// identification may be offered to anyone too: it mails a receipt to the
// address it is given, at most three an hour to one address in one
// process (Receipt.EmailHeld), so pace it by client as well where several
// processes serve it.
//
// Every refusal is an *Error with a stable Code (ErrorCode reads it) and
// matches one of the sentinel errors (ErrInvalid, ErrNotFound, ...).
package mitid

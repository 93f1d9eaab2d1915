// Package errs defines the closed set of error kinds Basalt uses across layers.
//
// Every error that reaches the HTTP adapter is classified by Kind; the adapter maps
// the kind to a status code and writes the error text as Heketi does (text/plain,
// message plus newline). Error texts that Heketi clients read are kept exact, so an
// *Error's Error() returns its message unchanged; context for logs is carried in
// the wrapped error, not in the text.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the HTTP adapter and for callers that branch on it.
type Kind int

// The closed set of kinds. Internal is the zero value so an unclassified error
// is never mistaken for a client error.
const (
	Internal     Kind = iota // 500: a failure of Basalt or of a node
	NotFound                 // 404
	Conflict                 // 409
	Invalid                  // 400: the request is well-formed but not acceptable
	Unparsable               // 422: the request body could not be decoded
	NoSpace                  // 500 on the wire (Heketi's allocation failures), but distinct for callers
	Busy                     // 429
	Unavailable              // 503
	Unauthorized             // 401
)

var kindNames = [...]string{"internal", "not found", "conflict", "invalid", "unparsable", "no space", "busy", "unavailable", "unauthorized"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is an error with a kind and an exact wire message.
type Error struct {
	Kind Kind
	Msg  string // exact text written to clients
	Err  error  // optional cause, for logs and errors.Is/As
}

// Error returns the wire message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k whose wire text is msg.
func New(k Kind, msg string) error { return &Error{Kind: k, Msg: msg} }

// Newf is New with fmt.Sprintf formatting.
func Newf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Wrap classifies err as kind k keeping err's text as the wire message.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Msg: err.Error(), Err: err}
}

// Prefix returns an error of the same kind as err whose message is prefix + err's text.
// It is used for Heketi texts such as "Failed to allocate new volume: <err>".
func Prefix(prefix string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindOf(err), Msg: prefix + err.Error(), Err: err}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is classified as kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Heketi's generic error texts (apps/glusterfs/errors.go); clients compare some of them.
const (
	TextNotFound          = "Id not found"
	TextNoSpace           = "No space"
	TextConflict          = "The target exists, contains other items, or is in use."
	TextMaxBricks         = "Maximum number of bricks reached."
	TextMinBrickSize      = "Minimum brick size limit reached.  Out of space."
	TextBusy              = "Server busy. Retry operation later."
	TextInvalidPath       = "Invalid path or request"
	TextUnparsable        = "request unable to be parsed"
	TextNoReplacement     = "No Replacement was found for resource requested to be removed"
	TextNoNodes           = "No nodes in cluster"
	TextNoOnlineDevices   = "No online storage devices in cluster"
	TextMaintenance       = "Service disabled for maintenance"
	TextAdminRequired     = "Administrator access required"
	TextClusterIDNotFound = "Cluster id does not exist"
	TextNodeIDNotFound    = "Node id does not exist"
)

// ErrNotFound is the generic "Id not found" error.
var ErrNotFound = New(NotFound, TextNotFound)

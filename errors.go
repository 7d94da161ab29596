package ec2instances

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidInput is matched (with [errors.Is]) by every error that reports
// bad input found before any request was sent: an unknown filter name, a
// value outside a filter's documented set, a page size out of range, a bad
// tag, a nil client, conflicting action options.
var ErrInvalidInput = errors.New("ec2instances: invalid input")

// ValidationError describes one piece of bad input. It matches
// [ErrInvalidInput]. Field names what was wrong (a filter name, "PageSize",
// "tag key", ...), Value is the offending value as given, and Reason says
// what was expected.
type ValidationError struct {
	Field  string
	Value  string
	Reason string
}

// Error returns the message "ec2instances: <Field> <Value>: <Reason>",
// with Value quoted and left out when it is empty.
func (e *ValidationError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("ec2instances: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("ec2instances: %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is [ErrInvalidInput].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// ErrNotFound is matched (with [errors.Is]) by the errors that report
// instances that do not exist: iterating a collection built from
// [InstanceIDs] with unknown IDs, [Instance.Reload] of an instance that
// is gone, any other [Instance] method that EC2 answers with
// InvalidInstanceID.NotFound or InvalidInstanceID.Malformed, an instance
// waiter (other than WaitUntilTerminated) on an instance that is gone,
// and the per-ID errors of batch actions for such IDs.
var ErrNotFound = errors.New("ec2instances: instance not found")

// NotFoundError names instance IDs that EC2 reported as not existing
// (InvalidInstanceID.NotFound) or as not being instance IDs at all
// (InvalidInstanceID.Malformed). It matches [ErrNotFound]; Err, when
// set, is EC2's own error and is reachable with [errors.As].
type NotFoundError struct {
	IDs []string
	Err error
}

// Error returns a message that lists the IDs EC2 did not know. EC2's own
// error is not repeated; reach it with [errors.As] or Unwrap.
func (e *NotFoundError) Error() string {
	noun := "instance"
	if len(e.IDs) != 1 {
		noun = "instances"
	}
	return fmt.Sprintf("ec2instances: %s not found: %s", noun, strings.Join(e.IDs, ", "))
}

// Is reports whether target is [ErrNotFound].
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Unwrap returns EC2's error, if any.
func (e *NotFoundError) Unwrap() error { return e.Err }

// PaginationError reports an endpoint that answered a page with a
// NextToken it had already given in the same listing, which would
// otherwise loop for ever.
type PaginationError struct {
	Token string
}

// Error returns a message that quotes the repeated token.
func (e *PaginationError) Error() string {
	return fmt.Sprintf("ec2instances: DescribeInstances returned a NextToken it had already given (%q); stopping to avoid an endless listing", e.Token)
}

package ec2instances

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// scan lists the instances of c and calls emit with every non-empty page,
// cut to the collection's limit. It stops, with a nil error, when emit
// returns false or the limit is reached.
func (c Collection) scan(ctx context.Context, emit func([]Instance) bool) error {
	remaining := c.limit // -1: no limit
	if remaining == 0 {
		return nil
	}
	limited := func(page []Instance) bool {
		if remaining >= 0 && len(page) > remaining {
			page = page[:remaining]
		}
		if remaining > 0 {
			remaining -= len(page)
		}
		return emit(page) && remaining != 0
	}
	if c.hasIDs {
		return c.m.describeIDs(ctx, c.ids, c.filters, limited)
	}
	size := c.pageSize
	if size == 0 {
		size = c.m.opts.PageSize
	}
	return c.m.paginate(ctx, c.filters, nil, func() int {
		// Ask for no more than the limit still needs, within EC2's bounds.
		if remaining > 0 && remaining < size {
			return max(remaining, MinPageSize)
		}
		return size
	}, limited)
}

// paginate runs DescribeInstances with filters, one page after another,
// from the page token names (nil: the first) until the listing ends or
// emit returns false. pageSize is asked before every request. Pages
// without instances are skipped, even when they carry a NextToken.
func (m *Instances) paginate(ctx context.Context, filters []types.Filter, token *string, pageSize func() int, emit func([]Instance) bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := m.describe(ctx, &ec2.DescribeInstancesInput{
			Filters:    filters,
			MaxResults: aws.Int32(int32(pageSize())),
			NextToken:  token,
		})
		if err != nil {
			return ctxErrOr(ctx, err)
		}
		if page := m.flatten(out.Reservations); len(page) > 0 && !emit(page) {
			return nil
		}
		next := aws.ToString(out.NextToken)
		if next == "" {
			return nil
		}
		if token != nil && next == *token {
			return &PaginationError{Token: next}
		}
		token = out.NextToken
	}
}

// describeIDs lists the instances with the given IDs that match filters,
// at most MaxIDsPerCall IDs a call and without MaxResults (EC2 refuses it
// next to InstanceIds). IDs EC2 reports as missing or malformed are taken
// out and the call repeated for the others; after the listing, they are
// returned in a *NotFoundError.
func (m *Instances) describeIDs(ctx context.Context, ids []string, filters []types.Filter, emit func([]Instance) bool) error {
	var missing missingIDs
	for start := 0; start < len(ids); start += MaxIDsPerCall {
		chunk := ids[start:min(start+MaxIDsPerCall, len(ids))]
		more, err := m.describeChunk(ctx, chunk, filters, &missing, emit)
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if len(missing.ids) > 0 {
		return &NotFoundError{IDs: missing.ids, Err: missing.err}
	}
	return nil
}

// missingIDs gathers the IDs EC2 reported missing and its first such error.
type missingIDs struct {
	ids []string
	err error
}

// describeChunk lists one chunk of IDs for describeIDs. It reports
// whether the listing should go on.
func (m *Instances) describeChunk(ctx context.Context, ids []string, filters []types.Filter, missing *missingIDs, emit func([]Instance) bool) (bool, error) {
	var seen map[string]struct{} // IDs emitted before a restart; nil until then
	emitted := 0
	for len(ids) > 0 {
		var token *string
		restart := false
		for {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			out, err := m.describe(ctx, &ec2.DescribeInstancesInput{
				InstanceIds: ids,
				Filters:     filters,
				NextToken:   token,
			})
			if err != nil {
				if !isBadIDError(err) {
					return false, ctxErrOr(ctx, err)
				}
				bad := idsNamedIn(err, ids)
				if len(bad) == 0 {
					// EC2 did not say which IDs: halve the chunk until it does.
					if len(ids) == 1 {
						bad = ids
					} else {
						half := len(ids) / 2
						for _, part := range [][]string{ids[:half], ids[half:]} {
							more, err := m.describeChunk(ctx, part, filters, missing, emit)
							if err != nil || !more {
								return more, err
							}
						}
						return true, nil
					}
				}
				missing.ids = append(missing.ids, bad...)
				if missing.err == nil {
					missing.err = err
				}
				ids = without(ids, bad)
				if emitted > 0 && seen == nil {
					seen = make(map[string]struct{})
				}
				restart = true
				break
			}
			page := m.flatten(out.Reservations)
			if seen != nil {
				page = dropSeen(page, seen)
			}
			if len(page) > 0 {
				emitted += len(page)
				if seen != nil || token != nil || aws.ToString(out.NextToken) != "" {
					// Remember what was emitted in case a later page forces a restart.
					if seen == nil {
						seen = make(map[string]struct{})
					}
					for i := range page {
						seen[aws.ToString(page[i].InstanceId)] = struct{}{}
					}
				}
				if !emit(page) {
					return false, nil
				}
			}
			next := aws.ToString(out.NextToken)
			if next == "" {
				break
			}
			if token != nil && next == *token {
				return false, &PaginationError{Token: next}
			}
			token = out.NextToken
		}
		if !restart {
			break
		}
	}
	return true, nil
}

// flatten turns the reservations of one DescribeInstances page into one
// slice of Instance values, allocated once for the page.
func (m *Instances) flatten(rs []types.Reservation) []Instance {
	n := 0
	for i := range rs {
		n += len(rs[i].Instances)
	}
	if n == 0 {
		return nil
	}
	page := make([]Instance, n)
	k := 0
	for i := range rs {
		for j := range rs[i].Instances {
			page[k].Instance = rs[i].Instances[j]
			page[k].m = m
			k++
		}
	}
	return page
}

func dropSeen(page []Instance, seen map[string]struct{}) []Instance {
	out := page[:0]
	for i := range page {
		if _, dup := seen[aws.ToString(page[i].InstanceId)]; !dup {
			out = append(out, page[i])
		}
	}
	return out
}

// ctxErrOr returns ctx's error when ctx has ended (the SDK wraps it in an
// operation error), and err otherwise.
func ctxErrOr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return ctxErr
	}
	return err
}

// errorCode returns the EC2 error code in err's chain, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isBadIDError reports whether err is EC2's answer to instance IDs that do
// not exist or are not instance IDs at all.
func isBadIDError(err error) bool {
	switch errorCode(err) {
	case "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed":
		return true
	}
	return false
}

// idsNamedIn returns the members of ids that err's message names, in the
// order of ids. EC2's messages quote the IDs ("The instance IDs 'i-1, i-2'
// do not exist"), so the message is cut into words at anything that
// cannot be part of an ID.
func idsNamedIn(err error, ids []string) []string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	words := strings.FieldsFunc(ae.ErrorMessage(), func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	named := make(map[string]struct{}, len(words))
	for _, w := range words {
		named[w] = struct{}{}
	}
	var out []string
	for _, id := range ids {
		if _, ok := named[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// without returns the members of ids not in drop, in a new slice.
func without(ids, drop []string) []string {
	d := make(map[string]struct{}, len(drop))
	for _, id := range drop {
		d[id] = struct{}{}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := d[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

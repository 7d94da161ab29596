package ec2instances

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Limits and defaults of the EC2 API that the package works within.
const (
	// MinPageSize and MaxPageSize bound the MaxResults value EC2 accepts in
	// DescribeInstances.
	MinPageSize = 5
	MaxPageSize = 1000

	// DefaultPageSize is the MaxResults sent when neither the collection
	// nor [Options] set a page size. Asking for pages (rather than for
	// everything at once) keeps DescribeInstances clear of throttling and
	// timeouts on large accounts.
	DefaultPageSize = MaxPageSize

	// MaxIDsPerCall is the largest number of instance IDs one EC2 call
	// takes. Longer lists are split over several calls.
	MaxIDsPerCall = 1000

	// DefaultConcurrency is the number of action calls a batch action
	// runs at once when neither [Options] nor [Concurrency] say otherwise.
	DefaultConcurrency = 10
)

// Options configures an [Instances] manager. The zero value of every field
// selects the default documented on it. New applies the option functions
// given to it to a copy of the defaults, so an Options value is never
// shared between managers.
type Options struct {
	// PageSize is the MaxResults sent in each DescribeInstances call of a
	// collection that sets no page size of its own: 5 to 1000. Zero means
	// DefaultPageSize (1000).
	PageSize int

	// Concurrency is the most action calls (for example TerminateInstances
	// with up to 1000 IDs each) that one batch action runs at the same
	// time. Zero means DefaultConcurrency; 1 also turns off the parallel
	// listing described at SequentialListing. The [Concurrency] action
	// option overrides it for one call.
	Concurrency int

	// SequentialListing turns off the parallel listing that batch actions
	// use on collections of more than one page. By default such a
	// collection is listed in 17 DescribeInstances listings at once, each
	// adding one instance-id wildcard filter to the collection's own
	// filters ("i-00*" ... "i-0f*" for the 17-character IDs, and one
	// listing with "i-1*" ... "i-f*" for the older 8-character ones), which
	// together cover every instance ID exactly once. A large fleet is then
	// listed in about the time of its largest slice instead of one page
	// after another. The first page, listed the ordinary way, checks the
	// slices: if one of its instances is missing from them, if a slice
	// holds an instance outside it (an endpoint that ignores the filter),
	// or if a slice's listing fails, the action lists the collection once
	// more the ordinary way; instances already found are not counted
	// twice. (Iter, Pages, List, IDs and the collection waiters always
	// list the ordinary way.)
	// A collection with a Limit, with instance IDs, with an instance-id
	// filter of its own or with more than 185 filter values, and any
	// action run with Concurrency(1), is always listed the ordinary way.
	SequentialListing bool

	// MaxBackoff caps the wait between the retries a batch action makes
	// on its own, after the SDK's retryer gave up, for throttling
	// (RequestLimitExceeded, EC2ThrottledException, an exhausted retry
	// quota) and for server errors. Zero means 20 seconds.
	MaxBackoff time.Duration

	// ServerErrorRetries is the number of times a batch action repeats a
	// call that failed with a server error (HTTP 5xx) after the SDK's own
	// retries, before it checks with DescribeInstances what the call did.
	// Zero means 3; a negative value means none.
	ServerErrorRetries int

	// ReconcileTimeout bounds the DescribeInstances calls a batch action
	// makes, after its context ended, to learn what happened to the
	// instances whose calls were in flight. Zero means 30 seconds.
	ReconcileTimeout time.Duration

	// WaiterMinDelay and WaiterMaxDelay set the SDK waiters' polling
	// delays (see [ec2.InstanceRunningWaiterOptions]). Zero keeps the
	// SDK's defaults (15 s and 120 s).
	WaiterMinDelay, WaiterMaxDelay time.Duration

	// ClientOptions are passed to every SDK call the manager makes, for
	// example to change the retryer or add middleware for one manager
	// without building another client.
	ClientOptions []func(*ec2.Options)
}

func (o *Options) validate() error {
	if o.PageSize != 0 && (o.PageSize < MinPageSize || o.PageSize > MaxPageSize) {
		return &ValidationError{Field: "Options.PageSize", Value: strconv.Itoa(o.PageSize),
			Reason: fmt.Sprintf("must be between %d and %d", MinPageSize, MaxPageSize)}
	}
	if o.Concurrency < 0 {
		return &ValidationError{Field: "Options.Concurrency", Value: strconv.Itoa(o.Concurrency), Reason: "must be zero (default) or more"}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Options.MaxBackoff", o.MaxBackoff}, {"Options.ReconcileTimeout", o.ReconcileTimeout},
		{"Options.WaiterMinDelay", o.WaiterMinDelay}, {"Options.WaiterMaxDelay", o.WaiterMaxDelay}} {
		if d.v < 0 {
			return &ValidationError{Field: d.name, Value: d.v.String(), Reason: "must not be negative"}
		}
	}
	if o.WaiterMinDelay > 0 && o.WaiterMaxDelay > 0 && o.WaiterMinDelay > o.WaiterMaxDelay {
		return &ValidationError{Field: "Options.WaiterMinDelay", Value: o.WaiterMinDelay.String(),
			Reason: "must not exceed Options.WaiterMaxDelay " + o.WaiterMaxDelay.String()}
	}
	return nil
}

func (o *Options) setDefaults() {
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 20 * time.Second
	}
	if o.ServerErrorRetries == 0 {
		o.ServerErrorRetries = 3
	} else if o.ServerErrorRetries < 0 {
		o.ServerErrorRetries = 0
	}
	if o.ReconcileTimeout == 0 {
		o.ReconcileTimeout = 30 * time.Second
	}
}

// Instances is the entry point of the package, the counterpart of boto3's
// ec2.instances manager. It holds the client and the options and builds
// collections; it has no batch actions of its own, so acting on every
// instance of an account takes an explicit [Instances.All].
//
// An Instances is safe for concurrent use by several goroutines.
type Instances struct {
	client API
	opts   Options
	err    error // a nil client or bad options, reported by every operation
}

// New returns a manager that sends its requests through client. The option
// functions adjust a copy of the default [Options]. A nil client or an
// invalid option is not reported here but by every operation of the
// manager and of its collections, before any request is sent.
func New(client API, optFns ...func(*Options)) *Instances {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.ClientOptions = append([]func(*ec2.Options){}, o.ClientOptions...)
	m := &Instances{client: client, opts: o}
	if client == nil {
		m.err = &ValidationError{Field: "client", Reason: "is nil: pass an *ec2.Client or another ec2instances.API"}
	} else if err := m.opts.validate(); err != nil {
		m.err = err
	}
	m.opts.setDefaults()
	return m
}

// Options returns a copy of the options the manager works with, defaults
// filled in.
func (m *Instances) Options() Options {
	o := m.opts
	o.ClientOptions = append([]func(*ec2.Options){}, o.ClientOptions...)
	return o
}

// All returns the collection of every instance the account can see in the
// client's Region. Batch actions on it act on all of them; see
// [Collection.Filter] to narrow it first.
func (m *Instances) All() Collection {
	return Collection{m: m, limit: -1}
}

// Filter returns the collection of the instances that match every filter
// given. It is shorthand for m.All().Filter(filters...).
func (m *Instances) Filter(filters ...Filter) Collection {
	return m.All().Filter(filters...)
}

// InVPC returns the collection of the instances in the VPC with the given
// ID, like boto3's vpc.instances. The ID is matched exactly: it may not
// hold the wildcards * or ?.
func (m *Instances) InVPC(vpcID string) Collection {
	return m.scoped("vpc-id", vpcID)
}

// InSubnet returns the collection of the instances in the subnet with the
// given ID, like boto3's subnet.instances. The ID is matched exactly.
func (m *Instances) InSubnet(subnetID string) Collection {
	return m.scoped("subnet-id", subnetID)
}

// InPlacementGroup returns the collection of the instances in the
// placement group with the given name, like boto3's
// placement_group.instances. The name is matched exactly.
func (m *Instances) InPlacementGroup(name string) Collection {
	return m.scoped("placement-group-name", name)
}

func (m *Instances) scoped(filter, value string) Collection {
	c := m.All()
	switch {
	case value == "":
		c.err = &ValidationError{Field: "scope " + filter, Reason: "must not be empty"}
	case strings.ContainsAny(value, "*?"):
		c.err = &ValidationError{Field: "scope " + filter, Value: value,
			Reason: "a scope is matched exactly and may not hold the wildcards * or ?; use Filter for patterns"}
	}
	return c.Filter(Where(filter, value))
}

// Collection is a lazy, immutable description of a set of instances: the
// filters they match, an optional cap on their number and the page size
// to list them with. Building a collection sends nothing; every
// iteration or action sends fresh requests. Every builder method returns
// a new Collection and leaves its receiver unchanged, so a collection may
// be kept, extended in several directions and used from several
// goroutines at once.
//
// The zero Collection belongs to no manager; its operations return an
// error. Get collections from [Instances.All], [Instances.Filter] and the
// scoped constructors.
type Collection struct {
	m        *Instances
	filters  []types.Filter // never shared with another collection's appendable tail
	ids      []string       // the InstanceIds parameter, when hasIDs
	hasIDs   bool
	limit    int // -1: none
	pageSize int // 0: the manager's
	err      error
}

// Filter returns a collection of the instances of c that also match every
// filter given. Filters combine with AND, across calls too; the values of
// one filter combine with OR, as in EC2. Filters built from
// [InstanceIDs] restrict the collection to those IDs; several of them
// keep only the IDs they have in common.
//
// EC2 takes at most 200 filter values in one request, counted over all
// the filters of the collection (instance IDs do not count); a
// collection whose filters hold more is invalid, and its error gives the
// count.
//
// An invalid filter does not panic: the returned collection carries its
// error and reports it from every operation before any request is sent.
func (c Collection) Filter(filters ...Filter) Collection {
	n := c.clone()
	for _, f := range filters {
		if f.err != nil {
			n.setErr(f.err)
			continue
		}
		if f.ids {
			if !n.hasIDs {
				n.ids = append([]string{}, f.values...)
				n.hasIDs = true
			} else {
				n.ids = intersect(n.ids, f.values)
			}
			continue
		}
		if f.name == "" {
			n.setErr(&ValidationError{Field: "filter", Reason: "the zero Filter has no name; build filters with the package's constructors"})
			continue
		}
		n.filters = append(n.filters, types.Filter{Name: aws.String(f.name), Values: f.values})
	}
	if total := filterValueCount(n.filters); total > maxFilterValues {
		n.setErr(&ValidationError{Field: "filters", Reason: fmt.Sprintf(
			"%d filter values in all; EC2 accepts at most %d in one request, over all filters (InstanceIDs do not count)",
			total, maxFilterValues)})
	}
	return n
}

// filterValueCount returns the number of filter values in fs, the number
// EC2 limits to maxFilterValues per request.
func filterValueCount(fs []types.Filter) int {
	total := 0
	for _, f := range fs {
		total += len(f.Values)
	}
	return total
}

// Limit returns a collection that yields at most n instances of c. The
// listing stops requesting pages as soon as n instances were yielded;
// Limit(0) yields nothing and sends nothing. A negative n is an error.
// A later Limit replaces an earlier one.
func (c Collection) Limit(n int) Collection {
	nc := c.clone()
	if n < 0 {
		nc.setErr(&ValidationError{Field: "Limit", Value: strconv.Itoa(n), Reason: "must be zero or more"})
		return nc
	}
	nc.limit = n
	return nc
}

// PageSize returns a collection of the same instances listed n at a time:
// n is sent as DescribeInstances' MaxResults and must be between 5 and
// 1000. A collection with instance IDs sends no MaxResults (EC2 refuses
// the two together); its IDs are sent up to 1000 a call instead. A later
// PageSize replaces an earlier one.
func (c Collection) PageSize(n int) Collection {
	nc := c.clone()
	if n < MinPageSize || n > MaxPageSize {
		nc.setErr(&ValidationError{Field: "PageSize", Value: strconv.Itoa(n),
			Reason: fmt.Sprintf("must be between %d and %d", MinPageSize, MaxPageSize)})
		return nc
	}
	nc.pageSize = n
	return nc
}

// Err reports the first problem found while building c (an invalid
// filter, page size or limit, a nil client), or nil. Every operation of c
// returns the same error before sending a request.
func (c Collection) Err() error {
	switch {
	case c.m == nil:
		return &ValidationError{Field: "Collection", Reason: "the zero Collection belongs to no manager; start from ec2instances.New(...).All() or .Filter(...)"}
	case c.m.err != nil:
		return c.m.err
	}
	return c.err
}

// String describes the collection, for logs and error messages.
func (c Collection) String() string {
	var b strings.Builder
	b.WriteString("Collection(")
	sep := ""
	if c.hasIDs {
		fmt.Fprintf(&b, "InstanceIds=[%s]", strings.Join(c.ids, ","))
		sep = " "
	}
	for _, f := range c.filters {
		fmt.Fprintf(&b, "%s%s=%s", sep, aws.ToString(f.Name), strings.Join(f.Values, "|"))
		sep = " "
	}
	if c.limit >= 0 {
		fmt.Fprintf(&b, "%sLimit=%d", sep, c.limit)
		sep = " "
	}
	if c.pageSize > 0 {
		fmt.Fprintf(&b, "%sPageSize=%d", sep, c.pageSize)
	}
	b.WriteString(")")
	return b.String()
}

// Iter returns an iterator over the instances of c, listed page by page
// as the loop asks for them:
//
//	for inst, err := range c.Iter(ctx) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(inst.ID(), inst.State.Name)
//	}
//
// Leaving the loop early stops all requests. An error is yielded once, with
// a nil instance, and ends the iteration; a cancelled ctx ends it with
// ctx.Err(). A collection built from [InstanceIDs] first yields every
// instance that exists and then an error matching [ErrNotFound] that
// names the IDs that do not (a [*NotFoundError]).
func (c Collection) Iter(ctx context.Context) iter.Seq2[*Instance, error] {
	return func(yield func(*Instance, error) bool) {
		if err := c.Err(); err != nil {
			yield(nil, err)
			return
		}
		stopped := false
		err := c.scan(ctx, func(page []Instance) bool {
			for i := range page {
				if !yield(&page[i], nil) {
					stopped = true
					return false
				}
			}
			return true
		})
		if err != nil && !stopped {
			yield(nil, err)
		}
	}
}

// Pages returns an iterator over the pages of c as DescribeInstances
// returns them, flattened across reservations, like boto3's
// collection.pages(). Empty pages are skipped. Errors end the iteration
// as in [Collection.Iter].
func (c Collection) Pages(ctx context.Context) iter.Seq2[[]*Instance, error] {
	return func(yield func([]*Instance, error) bool) {
		if err := c.Err(); err != nil {
			yield(nil, err)
			return
		}
		stopped := false
		err := c.scan(ctx, func(page []Instance) bool {
			ptrs := make([]*Instance, len(page))
			for i := range page {
				ptrs[i] = &page[i]
			}
			if !yield(ptrs, nil) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(nil, err)
		}
	}
}

// List returns every instance of c. On error it returns the instances
// listed before the error together with it (for a collection built from
// [InstanceIDs], the instances that exist and a [*NotFoundError] for the
// rest).
func (c Collection) List(ctx context.Context) ([]*Instance, error) {
	var out []*Instance
	for inst, err := range c.Iter(ctx) {
		if err != nil {
			return out, err
		}
		out = append(out, inst)
	}
	return out, nil
}

// IDs returns the IDs of the instances of c, in listing order. On error
// it returns the IDs listed before the error together with it.
func (c Collection) IDs(ctx context.Context) ([]string, error) {
	var out []string
	if err := c.Err(); err != nil {
		return nil, err
	}
	err := c.scanWith(ctx, true, func(page []Instance) bool {
		for i := range page {
			out = append(out, aws.ToString(page[i].InstanceId))
		}
		return true
	})
	return out, err
}

// DryRun asks EC2 whether the caller may list c, like iterating boto3's
// filter(DryRun=True): it sends one DescribeInstances with DryRun set and
// c's filters (and, for a collection of instance IDs, its first 1000 IDs)
// and returns nil when EC2 answers that the request would have
// succeeded. Otherwise it returns EC2's error, typically
// UnauthorizedOperation. Nothing is listed.
func (c Collection) DryRun(ctx context.Context) error {
	if err := c.Err(); err != nil {
		return err
	}
	in := &ec2.DescribeInstancesInput{DryRun: aws.Bool(true), Filters: c.filters}
	if c.hasIDs {
		if len(c.ids) == 0 {
			return nil // nothing would be listed, so nothing is asked
		}
		in.InstanceIds = c.ids[:min(len(c.ids), MaxIDsPerCall)]
	}
	_, err := c.m.describe(ctx, in, false)
	switch {
	case err == nil:
		return errors.New("ec2instances: the endpoint ignored DryRun and answered DescribeInstances")
	case dryRunOK(err):
		return nil
	}
	return ctxErrOr(ctx, err)
}

// onlyIDs reports whether c is nothing but a list of instance IDs, which
// actions and waiters can use without listing them first.
func (c Collection) onlyIDs() bool {
	return c.hasIDs && len(c.filters) == 0 && c.limit < 0
}

func (c Collection) clone() Collection {
	n := c
	n.filters = append([]types.Filter(nil), c.filters...)
	n.ids = append([]string(nil), c.ids...)
	return n
}

func (c *Collection) setErr(err error) {
	if c.err == nil {
		c.err = err
	}
}

// intersect returns the members of a that are also in b, in a's order, in
// a new slice.
func intersect(a, b []string) []string {
	in := make(map[string]struct{}, len(b))
	for _, s := range b {
		in[s] = struct{}{}
	}
	out := []string{}
	for _, s := range a {
		if _, ok := in[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

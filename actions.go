package ec2instances

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/sync/errgroup"
)

// ActionOption adjusts one batch action ([Collection.Terminate] and the
// others) or one per-instance action. Options that do not apply to an
// action (Hibernate on Terminate, say) are reported as an error before
// any request is sent.
type ActionOption func(*actionConfig)

type actionConfig struct {
	dryRun         bool
	hibernate      bool
	force          bool
	skipOSShutdown bool
	additionalInfo *string
	concurrency    int
	onProgress     func(Progress)
	given          []string // the options given, by name
	err            error    // an invalid option value
}

// DryRun makes the action only check that the caller may perform it:
// EC2 answers DryRunOperation when it would have been allowed, which the
// package reports as success with [Result.DryRun] set, and
// UnauthorizedOperation when not, which is a failure.
func DryRun() ActionOption {
	return func(c *actionConfig) { c.dryRun = true; c.given = append(c.given, "DryRun") }
}

// Hibernate makes Stop hibernate the instances that were enabled for
// hibernation at launch (the others stop normally). It applies to Stop
// only.
func Hibernate() ActionOption {
	return func(c *actionConfig) { c.hibernate = true; c.given = append(c.given, "Hibernate") }
}

// Force makes Stop or Terminate shut the instances down forcibly if their
// operating system does not finish a graceful shutdown in time, without
// flushing file system caches. It applies to Stop and Terminate.
func Force() ActionOption {
	return func(c *actionConfig) { c.force = true; c.given = append(c.given, "Force") }
}

// SkipOSShutdown makes Stop or Terminate skip the graceful operating
// system shutdown altogether, at the risk of losing data that was not yet
// written. It applies to Stop and Terminate.
func SkipOSShutdown() ActionOption {
	return func(c *actionConfig) { c.skipOSShutdown = true; c.given = append(c.given, "SkipOSShutdown") }
}

// AdditionalInfo sends StartInstances' AdditionalInfo parameter, which
// EC2 reserves for its own use. It applies to Start only.
func AdditionalInfo(s string) ActionOption {
	return func(c *actionConfig) { c.additionalInfo = &s; c.given = append(c.given, "AdditionalInfo") }
}

// Concurrency sets the most action calls of up to 1000 IDs each that a
// batch action runs at the same time, in place of [Options.Concurrency].
// n must be at least 1. With 1, the collection is also listed one page
// after another rather than in parallel slices (see
// [Options.SequentialListing]), so the action never has more than one
// request in flight.
func Concurrency(n int) ActionOption {
	return func(c *actionConfig) {
		c.given = append(c.given, "Concurrency")
		if n < 1 && c.err == nil {
			c.err = &ValidationError{Field: "Concurrency", Value: strconv.Itoa(n), Reason: "must be at least 1"}
		}
		c.concurrency = n
	}
}

// OnProgress registers fn to be called as a batch action lists, sends and
// settles instances, for example to draw a progress bar. Calls never
// overlap, so fn needs no locking of its own, but it runs on the action's
// goroutines and should return quickly; it must not start another action
// on the same collection and wait for it. The last call has Done set and
// carries the final counts.
func OnProgress(fn func(Progress)) ActionOption {
	return func(c *actionConfig) { c.onProgress = fn; c.given = append(c.given, "OnProgress") }
}

// Progress is a snapshot of a batch action's counts, passed to the
// function given with [OnProgress].
type Progress struct {
	Action      string // the EC2 action, e.g. "TerminateInstances"
	Listed      int    // distinct instances found so far
	ListingDone bool   // no more instances will be found
	Dispatched  int    // instances sent in an action call at least once
	Succeeded   int
	Failed      int
	Unknown     int
	Done        bool // the action has finished; the counts are final
}

// actionOptions lists, per action, the options it accepts besides DryRun.
var actionOptions = map[string][]string{
	"CreateTags":         {"Concurrency", "OnProgress"},
	"MonitorInstances":   {"Concurrency", "OnProgress"},
	"UnmonitorInstances": {"Concurrency", "OnProgress"},
	"RebootInstances":    {"Concurrency", "OnProgress"},
	"StartInstances":     {"Concurrency", "OnProgress", "AdditionalInfo"},
	"StopInstances":      {"Concurrency", "OnProgress", "Hibernate", "Force", "SkipOSShutdown"},
	"TerminateInstances": {"Concurrency", "OnProgress", "Force", "SkipOSShutdown"},
	"DeleteTags":         {},
}

func newActionConfig(action string, opts []ActionOption) (*actionConfig, error) {
	cfg := &actionConfig{}
	for _, o := range opts {
		if o == nil {
			return nil, &ValidationError{Field: action + " option", Reason: "is nil"}
		}
		o(cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	for _, name := range cfg.given {
		if name != "DryRun" && !slices.Contains(actionOptions[action], name) {
			var takers []string
			for _, a := range []string{"StartInstances", "StopInstances", "TerminateInstances", "RebootInstances", "MonitorInstances", "UnmonitorInstances", "CreateTags"} {
				if slices.Contains(actionOptions[a], name) {
					takers = append(takers, a)
				}
			}
			return nil, &ValidationError{Field: "option " + name,
				Reason: fmt.Sprintf("does not apply to %s (it applies to %s)", action, strings.Join(takers, ", "))}
		}
	}
	return cfg, nil
}

func (c *actionConfig) dryRunFlag() *bool {
	if c.dryRun {
		return aws.Bool(true)
	}
	return nil
}

func flag(b bool) *bool {
	if b {
		return aws.Bool(true)
	}
	return nil
}

// Result reports what a batch action did to every instance it found:
// each ID is in exactly one of Succeeded, Failed and Unknown.
//
// Unknown holds the IDs of calls whose outcome could not be learned, for
// example a call still in flight when the context was cancelled whose
// effect a later DescribeInstances could not confirm. Succeeded and
// Unknown are sorted.
type Result[T any] struct {
	// DryRun is set when the action ran with [DryRun]: Succeeded then
	// lists the instances EC2 would have acted on, and nothing changed.
	DryRun bool
	// Succeeded lists the IDs the action succeeded on.
	Succeeded []string
	// Items holds what EC2 reported for each succeeded ID: the state
	// change of Start, Stop and Terminate, the monitoring state of Monitor
	// and Unmonitor. It is empty for CreateTags and Reboot, and for IDs
	// whose success was learned by describing them after an uncertain
	// call (then PreviousState is the state the instance was listed in,
	// or nil if it was not listed).
	Items map[string]T
	// Failed holds the IDs the action failed on, with the reason: EC2's
	// error (reachable with errors.As as a smithy.APIError), a
	// [*NotFoundError] for IDs that do not exist, the context's error
	// for IDs that were never sent because the context ended, or, when
	// the listing of the collection failed, an error wrapping
	// BatchError.ListErr for every instance found (none was acted on).
	Failed map[string]error
	// Unknown lists the IDs whose outcome is not known.
	Unknown []string
}

// Outcome says what a batch action did to one instance; see
// [Result.Outcome].
type Outcome int

// The outcomes of one instance in a [Result].
const (
	NotIncluded Outcome = iota // the ID was not part of the action
	Succeeded
	Failed
	Unknown
)

// String returns the outcome's name, e.g. "succeeded".
func (o Outcome) String() string {
	switch o {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Unknown:
		return "unknown"
	}
	return "not included"
}

// Outcome reports which group id is in.
func (r *Result[T]) Outcome(id string) Outcome {
	if _, ok := r.Failed[id]; ok {
		return Failed
	}
	if _, ok := slices.BinarySearch(r.Succeeded, id); ok {
		return Succeeded
	}
	if _, ok := slices.BinarySearch(r.Unknown, id); ok {
		return Unknown
	}
	return NotIncluded
}

// FailedIDs returns the IDs in Failed, sorted.
func (r *Result[T]) FailedIDs() []string {
	ids := make([]string, 0, len(r.Failed))
	for id := range r.Failed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Len returns the number of instances the result covers.
func (r *Result[T]) Len() int { return len(r.Succeeded) + len(r.Failed) + len(r.Unknown) }

// BatchError is the error of a batch action that did not succeed on every
// instance, or whose listing failed part way. The [Result] returned with
// it says which instances are affected; the error unwraps to the distinct
// causes, so errors.As(err, &apiErr) with a smithy.APIError and
// errors.Is(err, context.Canceled) work.
type BatchError struct {
	Action  string // the EC2 action, e.g. "TerminateInstances"
	Total   int    // instances in the Result
	Failed  int
	Unknown int
	// ListErr is the error that ended the listing of the collection
	// early, if any. The action then sent nothing: the instances listed
	// before it are in Result.Failed.
	ListErr error
	// Causes holds the distinct errors behind Failed and Unknown, at most
	// maxCauses of them.
	Causes []error
}

const maxCauses = 50

// Error summarises the counts and the first cause.
func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ec2instances: %s: ", e.Action)
	if e.ListErr != nil {
		fmt.Fprintf(&b, "listing the collection failed, nothing was sent (%d instances found): %v", e.Total, e.ListErr)
		return b.String()
	}
	fmt.Fprintf(&b, "%d of %d instances failed, %d unknown", e.Failed, e.Total, e.Unknown)
	if len(e.Causes) > 0 {
		fmt.Fprintf(&b, ": %v", e.Causes[0])
		if n := len(e.Causes) - 1; n > 0 {
			fmt.Fprintf(&b, " (and %d other errors)", n)
		}
	}
	return b.String()
}

// Unwrap returns the listing error, if any, and the causes.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, 0, len(e.Causes)+1)
	if e.ListErr != nil {
		errs = append(errs, e.ListErr)
	}
	return append(errs, e.Causes...)
}

// verb describes one EC2 batch action for the engine.
type verb[T any] struct {
	name string
	// call sends the action for ids and returns what EC2 reported per ID.
	call func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) (map[string]T, error)
	// reached tells from an instance's data whether the action has taken
	// effect on it, and the item to report. Nil for actions whose effect
	// cannot be seen (Reboot).
	reached func(inst *types.Instance, listed *types.InstanceState) (T, bool)
	// partial is set for actions that may act on some IDs of a call that
	// fails with OperationNotPermitted (TerminateInstances' per-zone rule).
	partial bool
	// itemless is set for actions that report nothing per ID (CreateTags,
	// Reboot): Result.Items stays empty.
	itemless bool
}

// CreateTags adds the tags to every instance of c, replacing the values
// of keys they already have, like boto3's collection.create_tags. Keys
// must be 1 to 127 characters and not start with "aws:", values at most
// 256 characters, and there may be at most 50 tags; a bad tag is an error
// before any request. See [Collection.Terminate] for how the instances
// are found, chunked and reported.
func (c Collection) CreateTags(ctx context.Context, tags map[string]string, opts ...ActionOption) (*Result[struct{}], error) {
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ec2Tags := make([]types.Tag, len(keys))
	for i, k := range keys {
		ec2Tags[i] = types.Tag{Key: aws.String(k), Value: aws.String(tags[k])}
	}
	v := &verb[struct{}]{
		name:     "CreateTags",
		itemless: true,
		call: func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) (map[string]struct{}, error) {
			_, err := m.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: ec2Tags, DryRun: cfg.dryRunFlag()}, m.opts.ClientOptions...)
			return nil, err
		},
		reached: func(inst *types.Instance, _ *types.InstanceState) (struct{}, bool) {
			for k, want := range tags {
				got, ok := (&Instance{Instance: *inst}).Tag(k)
				if !ok || got != want {
					return struct{}{}, false
				}
			}
			return struct{}{}, true
		},
	}
	return runBatch(ctx, c, v, opts)
}

// Monitor turns on detailed CloudWatch monitoring for every instance of
// c (MonitorInstances), like boto3's collection.monitor(). Items holds
// each instance's monitoring state as EC2 reported it ("pending" at
// first). See [Collection.Terminate] for how the batch works.
func (c Collection) Monitor(ctx context.Context, opts ...ActionOption) (*Result[types.InstanceMonitoring], error) {
	return runBatch(ctx, c, monitorVerb("MonitorInstances", types.MonitoringStatePending, types.MonitoringStateEnabled), opts)
}

// Unmonitor turns detailed monitoring off for every instance of c
// (UnmonitorInstances); see [Collection.Monitor].
func (c Collection) Unmonitor(ctx context.Context, opts ...ActionOption) (*Result[types.InstanceMonitoring], error) {
	return runBatch(ctx, c, monitorVerb("UnmonitorInstances", types.MonitoringStateDisabling, types.MonitoringStateDisabled), opts)
}

func monitorVerb(name string, states ...types.MonitoringState) *verb[types.InstanceMonitoring] {
	return &verb[types.InstanceMonitoring]{
		name: name,
		call: func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) (map[string]types.InstanceMonitoring, error) {
			var list []types.InstanceMonitoring
			if name == "MonitorInstances" {
				out, err := m.client.MonitorInstances(ctx, &ec2.MonitorInstancesInput{InstanceIds: ids, DryRun: cfg.dryRunFlag()}, m.opts.ClientOptions...)
				if err != nil {
					return nil, err
				}
				list = out.InstanceMonitorings
			} else {
				out, err := m.client.UnmonitorInstances(ctx, &ec2.UnmonitorInstancesInput{InstanceIds: ids, DryRun: cfg.dryRunFlag()}, m.opts.ClientOptions...)
				if err != nil {
					return nil, err
				}
				list = out.InstanceMonitorings
			}
			items := make(map[string]types.InstanceMonitoring, len(list))
			for _, im := range list {
				items[aws.ToString(im.InstanceId)] = im
			}
			return items, nil
		},
		reached: func(inst *types.Instance, _ *types.InstanceState) (types.InstanceMonitoring, bool) {
			if inst.Monitoring == nil || !slices.Contains(states, inst.Monitoring.State) {
				return types.InstanceMonitoring{}, false
			}
			mon := *inst.Monitoring
			return types.InstanceMonitoring{InstanceId: inst.InstanceId, Monitoring: &mon}, true
		},
	}
}

// Reboot asks EC2 to reboot every instance of c (RebootInstances), like
// boto3's collection.reboot(). EC2 ignores terminated instances. A reboot
// cannot be seen afterwards, so an uncertain call leaves its IDs in
// Unknown. See [Collection.Terminate] for how the batch works.
func (c Collection) Reboot(ctx context.Context, opts ...ActionOption) (*Result[struct{}], error) {
	v := &verb[struct{}]{
		name:     "RebootInstances",
		itemless: true,
		call: func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) (map[string]struct{}, error) {
			_, err := m.client.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: ids, DryRun: cfg.dryRunFlag()}, m.opts.ClientOptions...)
			return nil, err
		},
	}
	return runBatch(ctx, c, v, opts)
}

// Start starts every instance of c (StartInstances), like boto3's
// collection.start(). Items holds each instance's state change. Option
// [AdditionalInfo] applies. See [Collection.Terminate] for how the batch
// works.
func (c Collection) Start(ctx context.Context, opts ...ActionOption) (*Result[types.InstanceStateChange], error) {
	return runBatch(ctx, c, stateVerb("StartInstances", false, func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) ([]types.InstanceStateChange, error) {
		out, err := m.client.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids, DryRun: cfg.dryRunFlag(), AdditionalInfo: cfg.additionalInfo}, m.opts.ClientOptions...)
		if err != nil {
			return nil, err
		}
		return out.StartingInstances, nil
	}, types.InstanceStateNamePending, types.InstanceStateNameRunning), opts)
}

// Stop stops every instance of c (StopInstances), like boto3's
// collection.stop(). Items holds each instance's state change. Options
// [Hibernate], [Force] and [SkipOSShutdown] apply. Instances with stop
// protection are reported failed with EC2's OperationNotPermitted error;
// the others are still stopped. See [Collection.Terminate] for how the
// batch works.
func (c Collection) Stop(ctx context.Context, opts ...ActionOption) (*Result[types.InstanceStateChange], error) {
	return runBatch(ctx, c, stateVerb("StopInstances", true, func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) ([]types.InstanceStateChange, error) {
		out, err := m.client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids, DryRun: cfg.dryRunFlag(),
			Hibernate: flag(cfg.hibernate), Force: flag(cfg.force), SkipOsShutdown: flag(cfg.skipOSShutdown)}, m.opts.ClientOptions...)
		if err != nil {
			return nil, err
		}
		return out.StoppingInstances, nil
	}, types.InstanceStateNameStopping, types.InstanceStateNameStopped), opts)
}

// Terminate terminates every instance of c (TerminateInstances), like
// boto3's collection.terminate(), without its accidents:
//
//   - The instances are those c lists, filters and Limit honoured. The
//     listing runs to the end first (a collection of more than one page
//     is listed in parallel slices; see [Options.SequentialListing]), so
//     the action cannot change what is found, and no instance is sent
//     twice or skipped even when the action changes whether instances
//     match c's filters. If the listing fails, nothing is sent. The IDs
//     are then sent in calls of at most 1000, up to [Options.Concurrency]
//     (or [Concurrency]) calls at a time.
//   - One bad ID does not sink its call: IDs EC2 reports as missing are
//     reported failed with a [*NotFoundError] and the call is repeated
//     for the others. Instances with termination protection are reported
//     failed with EC2's OperationNotPermitted error and the others are
//     still terminated, across Availability Zones.
//   - Throttling (RequestLimitExceeded, EC2ThrottledException, an
//     exhausted SDK retry quota) is retried with jittered backoff for as
//     long as ctx lives. A call whose outcome is uncertain (a server error
//     that outlasted the retries, an answer lost on the way, or ctx ending
//     while it was in flight) is checked with DescribeInstances, and its
//     IDs are reported succeeded or unknown accordingly. Once ctx ends no
//     further call is sent; IDs not yet sent are reported failed with
//     ctx's error.
//
// The [Result] says, for every instance found, whether it succeeded
// (with its state change in Items), failed (with the reason) or is
// unknown. The error is nil only if every instance succeeded and the
// listing completed; otherwise it is a [*BatchError]. Options [Force],
// [SkipOSShutdown], [DryRun], [Concurrency] and [OnProgress] apply.
func (c Collection) Terminate(ctx context.Context, opts ...ActionOption) (*Result[types.InstanceStateChange], error) {
	return runBatch(ctx, c, stateVerb("TerminateInstances", true, func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) ([]types.InstanceStateChange, error) {
		out, err := m.client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids, DryRun: cfg.dryRunFlag(),
			Force: flag(cfg.force), SkipOsShutdown: flag(cfg.skipOSShutdown)}, m.opts.ClientOptions...)
		if err != nil {
			return nil, err
		}
		return out.TerminatingInstances, nil
	}, types.InstanceStateNameShuttingDown, types.InstanceStateNameTerminated), opts)
}

func stateVerb(name string, partial bool, send func(context.Context, *Instances, []string, *actionConfig) ([]types.InstanceStateChange, error), states ...types.InstanceStateName) *verb[types.InstanceStateChange] {
	return &verb[types.InstanceStateChange]{
		name:    name,
		partial: partial,
		call: func(ctx context.Context, m *Instances, ids []string, cfg *actionConfig) (map[string]types.InstanceStateChange, error) {
			list, err := send(ctx, m, ids, cfg)
			if err != nil {
				return nil, err
			}
			items := make(map[string]types.InstanceStateChange, len(list))
			for _, sc := range list {
				items[aws.ToString(sc.InstanceId)] = sc
			}
			return items, nil
		},
		reached: func(inst *types.Instance, listed *types.InstanceState) (types.InstanceStateChange, bool) {
			if inst.State == nil || !slices.Contains(states, inst.State.Name) {
				return types.InstanceStateChange{}, false
			}
			cur := *inst.State
			return types.InstanceStateChange{InstanceId: inst.InstanceId, CurrentState: &cur, PreviousState: listed}, true
		},
	}
}

// checkTags applies EC2's documented tag limits.
func checkTags(tags map[string]string) error {
	if len(tags) == 0 {
		return &ValidationError{Field: "tags", Reason: "at least one tag is required"}
	}
	if len(tags) > 50 {
		return &ValidationError{Field: "tags", Value: strconv.Itoa(len(tags)), Reason: "a resource has at most 50 tags"}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the same bad tag every time
	for _, k := range keys {
		if err := checkTagKey(k); err != nil {
			return err
		}
		if n := utf8.RuneCountInString(tags[k]); n > 256 {
			return &ValidationError{Field: "tag value of " + strconv.Quote(k), Value: tags[k], Reason: fmt.Sprintf("is %d characters; at most 256 are allowed", n)}
		}
		if !utf8.ValidString(tags[k]) {
			return &ValidationError{Field: "tag value of " + strconv.Quote(k), Value: tags[k], Reason: "is not valid UTF-8"}
		}
	}
	return nil
}

func checkTagKey(k string) error {
	n := utf8.RuneCountInString(k)
	switch {
	case n == 0:
		return &ValidationError{Field: "tag key", Reason: "must not be empty"}
	case n > 127:
		return &ValidationError{Field: "tag key", Value: k, Reason: fmt.Sprintf("is %d characters; at most 127 are allowed", n)}
	case !utf8.ValidString(k):
		return &ValidationError{Field: "tag key", Value: k, Reason: "is not valid UTF-8"}
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return &ValidationError{Field: "tag key", Value: k, Reason: `the prefix "aws:" is reserved for AWS`}
	}
	return nil
}

// batch is the state of one running batch action.
type batch[T any] struct {
	m   *Instances
	v   *verb[T]
	cfg *actionConfig

	mu            sync.Mutex
	res           *Result[T]
	order         []string                       // the IDs found, in listing order, each once
	seen          map[string]struct{}            // the IDs in order
	listed        map[string]types.InstanceState // state at listing time
	settled       map[string]struct{}            // IDs with an outcome
	causes        []error
	causeOK       map[any]struct{}
	missing       missingIDs // IDs failed as not found, for one NotFoundError cause
	dryRunIgnored bool       // a DryRun call was answered with success
	prog          Progress

	progMu sync.Mutex // serialises OnProgress calls
}

// missingIDs gathers IDs EC2 reported missing and its first such error.
type missingIDs struct {
	ids []string
	err error
}

func (m *missingIDs) add(ids []string, err error) {
	m.ids = append(m.ids, ids...)
	if m.err == nil {
		m.err = err
	}
}

// asError returns a *NotFoundError naming the IDs, or nil if there are none.
func (m *missingIDs) asError() error {
	if len(m.ids) == 0 {
		return nil
	}
	return &NotFoundError{IDs: m.ids, Err: m.err}
}

// errDryRunIgnored is the cause reported when an endpoint performs an
// action that was sent with DryRun.
var errDryRunIgnored = errors.New("ec2instances: the endpoint ignored DryRun and performed the action; no further calls were sent")

// runBatch runs one batch action: it lists the collection to the end,
// then sends the action for the IDs found, up to MaxIDsPerCall a call
// and conc calls at a time. Listing everything first means the action
// cannot change what the listing finds, whatever the action does to the
// instances' match of the collection's filters and however the endpoint's
// page tokens behave, and that a listing that fails acts on nothing. The
// listing is cheap (IDs and states only, in parallel slices), and a fleet
// of up to conc×1000 instances is then acted on in one round of calls.
func runBatch[T any](ctx context.Context, c Collection, v *verb[T], opts []ActionOption) (*Result[T], error) {
	cfg, err := newActionConfig(v.name, opts)
	if err != nil {
		return nil, err
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	b := &batch[T]{
		m:       c.m,
		v:       v,
		cfg:     cfg,
		res:     &Result[T]{DryRun: cfg.dryRun, Items: map[string]T{}, Failed: map[string]error{}},
		seen:    map[string]struct{}{},
		listed:  map[string]types.InstanceState{},
		settled: map[string]struct{}{},
		causeOK: map[any]struct{}{},
		prog:    Progress{Action: v.name},
	}
	conc := cfg.concurrency
	if conc == 0 {
		conc = c.m.opts.Concurrency
	}
	listErr := b.list(ctx, c, conc)
	b.update(func(p *Progress) { p.ListingDone = true })
	if listErr != nil {
		// Acting on part of a collection is not what was asked for:
		// nothing is sent, and the instances found are reported failed.
		b.failAll(b.order, fmt.Errorf("not sent: listing the collection failed: %w", listErr))
		return b.finish(listErr)
	}
	b.dispatch(ctx, b.order, conc)
	return b.finish(nil)
}

// add records one page of listed instances (or bare IDs, as Instances
// with only InstanceId set), dropping IDs already found.
func (b *batch[T]) add(page []Instance) {
	n := 0
	b.mu.Lock()
	for i := range page {
		id := aws.ToString(page[i].InstanceId)
		if _, dup := b.seen[id]; dup {
			continue
		}
		b.seen[id] = struct{}{}
		b.order = append(b.order, id)
		if st := page[i].State; st != nil {
			b.listed[id] = types.InstanceState{Code: st.Code, Name: st.Name}
		}
		n++
	}
	b.mu.Unlock()
	if n > 0 {
		b.update(func(p *Progress) { p.Listed += n })
	}
}

func (b *batch[T]) found() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.order)
}

// list finds the instances of c.
func (b *batch[T]) list(ctx context.Context, c Collection, conc int) error {
	switch {
	case c.onlyIDs():
		// Only IDs: act on them directly; EC2 reports the missing ones.
		page := make([]Instance, len(c.ids))
		for i, id := range c.ids {
			page[i].InstanceId = aws.String(id)
		}
		b.add(page)
		return nil
	case c.hasIDs || c.limit >= 0:
		err := c.scanWith(ctx, true, func(page []Instance) bool { b.add(page); return true })
		var nf *NotFoundError
		if errors.As(err, &nf) && ctx.Err() == nil {
			// The listing went through; these IDs of the collection do
			// not exist.
			b.update(func(p *Progress) { p.Listed += len(nf.IDs) })
			b.failEach(nf.IDs, func(id string) error { return &NotFoundError{IDs: []string{id}, Err: nf.Err} })
			return nil
		}
		return err
	case b.m.opts.SequentialListing || conc < 2 || hasFilter(c.filters, "instance-id") ||
		filterValueCount(c.filters)+len(idSegments[len(idSegments)-1]) > maxFilterValues:
		// (A segment adds up to 15 filter values of its own.)
		return b.listFrom(ctx, c)
	}
	return b.listSegmented(ctx, c)
}

// maxListRestarts bounds how often in a row listFrom starts a listing
// again without finding anything new.
const maxListRestarts = 3

// listFrom lists c one page after another. If a request fails after the
// first page (an endpoint that invalidates its page tokens when the
// instances change, as moto does), the listing starts again from the
// first page, the instances seen before being dropped as repeats, until
// it completes or maxListRestarts restarts in a row found nothing new.
func (b *batch[T]) listFrom(ctx context.Context, c Collection) error {
	size := c.pageSize
	if size == 0 {
		size = b.m.opts.PageSize
	}
	for fruitless := 0; ; {
		before, pages := b.found(), 0
		err := b.m.paginate(ctx, c.filters, true, func() int { return size }, func(page []Instance) bool {
			pages++
			b.add(page)
			return true
		})
		if err == nil || ctx.Err() != nil || pages == 0 {
			return ctxErrOr(ctx, err)
		}
		if b.found() > before {
			fruitless = 0
		} else if fruitless++; fruitless > maxListRestarts {
			return err
		}
	}
}

func hasFilter(fs []types.Filter, name string) bool {
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			return true
		}
	}
	return false
}

// idSegments split the space of EC2 instance IDs into disjoint slices
// that cover it, each given by the ID prefixes it holds: 17-character IDs
// start with "i-0" and are split on their next digit, and the older
// 8-character IDs that start with any other digit form one more slice.
// A slice is listed with an instance-id filter of its prefixes followed
// by the wildcard "*".
var idSegments = func() [][]string {
	const hex = "0123456789abcdef"
	var segs [][]string
	for _, h := range hex {
		segs = append(segs, []string{"i-0" + string(h)})
	}
	var legacy []string
	for _, h := range hex[1:] {
		legacy = append(legacy, "i-"+string(h))
	}
	return append(segs, legacy)
}()

// inSegment reports whether id starts with one of the prefixes of seg.
func inSegment(id string, seg []string) bool {
	for _, p := range seg {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// errSegmentIgnored ends a segmented listing whose endpoint answered a
// segment with instances outside it.
var errSegmentIgnored = errors.New("ec2instances: the endpoint ignored an instance-id filter")

// listSegmented lists a collection in parallel slices of the ID space
// when it holds more than one page; see Options.SequentialListing. The
// first page, listed the ordinary way, checks the segments: if they miss
// one of its instances, answer a segment with instances outside it, or
// fail, the collection is listed again the ordinary way (the instances
// already found are not repeated).
func (b *batch[T]) listSegmented(ctx context.Context, c Collection) error {
	size := c.pageSize
	if size == 0 {
		size = b.m.opts.PageSize
	}
	out, err := b.m.describe(ctx, &ec2.DescribeInstancesInput{Filters: c.filters, MaxResults: aws.Int32(int32(size))}, true)
	if err != nil {
		return ctxErrOr(ctx, err)
	}
	first := b.m.flatten(out.Reservations)
	if aws.ToString(out.NextToken) == "" {
		b.add(first)
		return nil
	}
	unconfirmed := make(map[string]struct{}, len(first))
	for i := range first {
		unconfirmed[first[i].ID()] = struct{}{}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, seg := range idSegments {
		wild := make([]string, len(seg))
		for i, p := range seg {
			wild[i] = p + "*"
		}
		fs := append(slices.Clip(c.filters), types.Filter{Name: aws.String("instance-id"), Values: wild})
		g.Go(func() error {
			var outside bool
			err := b.m.paginate(gctx, fs, true, func() int { return size }, func(page []Instance) bool {
				mu.Lock()
				for i := range page {
					id := page[i].ID()
					delete(unconfirmed, id)
					outside = outside || !inSegment(id, seg)
				}
				mu.Unlock()
				b.add(page)
				return !outside
			})
			if err == nil && outside {
				err = errSegmentIgnored
			}
			return err
		})
	}
	err = g.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	b.add(first)
	if err == nil && len(unconfirmed) == 0 {
		return nil
	}
	return b.listFrom(ctx, c)
}

// dispatch sends the action for ids, MaxIDsPerCall a call, conc calls at
// a time. In a dry run the first call goes alone, so that an endpoint
// that ignores DryRun acts on one call's instances at most.
func (b *batch[T]) dispatch(ctx context.Context, ids []string, conc int) {
	var chunks [][]string
	for start := 0; start < len(ids); start += MaxIDsPerCall {
		chunks = append(chunks, ids[start:min(start+MaxIDsPerCall, len(ids))])
	}
	if b.cfg.dryRun && len(chunks) > 1 {
		b.send(ctx, chunks[0])
		chunks = chunks[1:]
	}
	var g errgroup.Group
	g.SetLimit(conc)
	for _, chunk := range chunks {
		g.Go(func() error {
			b.send(ctx, chunk)
			return nil
		})
	}
	_ = g.Wait()
}

// send processes one chunk, unless the action must not go on.
func (b *batch[T]) send(ctx context.Context, ids []string) {
	if err := ctx.Err(); err != nil {
		b.failAll(ids, err) // never sent
		return
	}
	b.mu.Lock()
	ignored := b.dryRunIgnored
	b.mu.Unlock()
	if ignored {
		b.failAll(ids, errDryRunIgnored)
		return
	}
	b.update(func(p *Progress) { p.Dispatched += len(ids) })
	b.process(ctx, ids)
}

// maxSplits bounds the calls one chunk spends halving itself to find the
// IDs that an error names no more precisely than "some of them".
const maxSplits = 32

// process sends the action for one chunk and settles every ID in it.
func (b *batch[T]) process(ctx context.Context, ids []string) {
	queue := [][]string{ids}
	throttled, serverErrs, splits := 0, 0, 0
	// split queues both halves of ids, or fails them all with err once the
	// chunk has split maxSplits times.
	split := func(ids []string, err error) {
		if splits >= maxSplits {
			b.failAll(ids, err)
			return
		}
		splits++
		queue = append(queue, ids[len(ids)/2:], ids[:len(ids)/2])
	}
	for len(queue) > 0 {
		ids := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if len(ids) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			b.failAll(ids, err)
			continue
		}
		items, err := b.v.call(ctx, b.m, ids, b.cfg)
		switch {
		case err == nil:
			if b.cfg.dryRun {
				b.mu.Lock()
				b.dryRunIgnored = true
				b.mu.Unlock()
			}
			b.succeed(ids, items)
		case b.cfg.dryRun && dryRunOK(err):
			b.succeed(ids, nil)
		case ctx.Err() != nil && (errorCode(err) == "" || isUncertain(err)):
			// Cut short by ctx: the call may or may not have acted.
			b.reconcile(ctx, ids, err)
		case isThrottle(err):
			if werr := sleepCtx(ctx, b.m.backoff(throttled)); werr != nil {
				b.failAll(ids, werr) // not sent again
				continue
			}
			throttled++
			queue = append(queue, ids)
		case isBadIDError(err):
			bad := idsNamedIn(err, ids)
			if len(bad) == 0 && len(ids) > 1 {
				split(ids, err)
				continue
			}
			if len(bad) == 0 {
				bad = ids
			}
			b.failEach(bad, func(id string) error { return &NotFoundError{IDs: []string{id}, Err: err} })
			queue = append(queue, without(ids, bad))
		case errorCode(err) == "OperationNotPermitted":
			rest := ids
			if b.v.partial {
				rest = b.settleReached(ctx, ids)
			}
			named := idsNamedIn(err, rest)
			switch {
			case len(named) > 0:
				b.failAll(named, err)
				queue = append(queue, without(rest, named))
			case len(rest) > 1:
				split(rest, err)
			default:
				b.failAll(rest, err)
			}
		case isUncertain(err):
			if serverErrs < b.m.opts.ServerErrorRetries && sleepCtx(ctx, b.m.backoff(serverErrs)) == nil {
				serverErrs++
				queue = append(queue, ids)
				continue
			}
			b.reconcile(ctx, ids, err)
		default:
			// A definite refusal. If it names some of the IDs (for example
			// IncorrectInstanceState), only those fail.
			named := idsNamedIn(err, ids)
			if len(named) == 0 || len(named) == len(ids) {
				b.failAll(ids, err)
				continue
			}
			b.failAll(named, err)
			queue = append(queue, without(ids, named))
		}
	}
}

// settleReached describes ids and records those the action is seen to
// have taken effect on as succeeded; it returns the others (all of them
// if the describe fails).
func (b *batch[T]) settleReached(ctx context.Context, ids []string) []string {
	found := b.describeMap(ctx, ids)
	var rest []string
	for _, id := range ids {
		if inst, ok := found[id]; ok {
			if item, ok := b.v.reached(inst, b.listedState(id)); ok {
				b.succeed([]string{id}, map[string]T{id: item})
				continue
			}
		}
		rest = append(rest, id)
	}
	return rest
}

// reconcile settles ids after a call whose outcome is uncertain: those
// the action is seen to have taken effect on succeeded, the rest are
// unknown. In a dry run nothing can be seen, so all are unknown.
func (b *batch[T]) reconcile(ctx context.Context, ids []string, cause error) {
	cause = ctxErrOr(ctx, cause)
	if b.v.reached == nil || b.cfg.dryRun {
		b.unknown(ids, cause)
		return
	}
	b.unknown(b.settleReached(ctx, ids), cause)
}

// describeMap returns the current data of those of ids that can be
// described; errors leave IDs out. Once ctx has ended it describes with
// a context of its own, bounded by Options.ReconcileTimeout, so that the
// outcome of calls cut short by ctx can still be learned.
func (b *batch[T]) describeMap(ctx context.Context, ids []string) map[string]*types.Instance {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), b.m.opts.ReconcileTimeout)
		defer cancel()
	}
	found := make(map[string]*types.Instance, len(ids))
	_ = b.m.describeIDs(ctx, ids, nil, func(page []Instance) bool {
		for i := range page {
			found[page[i].ID()] = &page[i].Instance
		}
		return true
	})
	return found
}

func (b *batch[T]) listedState(id string) *types.InstanceState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st, ok := b.listed[id]; ok {
		return &st
	}
	return nil
}

func (b *batch[T]) succeed(ids []string, items map[string]T) {
	n := 0
	b.mu.Lock()
	for _, id := range ids {
		if _, done := b.settled[id]; done {
			continue
		}
		b.settled[id] = struct{}{}
		b.res.Succeeded = append(b.res.Succeeded, id)
		if item, ok := items[id]; ok && !b.v.itemless {
			b.res.Items[id] = item
		}
		n++
	}
	b.mu.Unlock()
	b.update(func(p *Progress) { p.Succeeded += n })
}

func (b *batch[T]) failAll(ids []string, err error) {
	b.failEach(ids, func(string) error { return err })
}

func (b *batch[T]) failEach(ids []string, errFor func(string) error) {
	n := 0
	b.mu.Lock()
	for _, id := range ids {
		if _, done := b.settled[id]; done {
			continue
		}
		b.settled[id] = struct{}{}
		err := errFor(id)
		b.res.Failed[id] = err
		b.addCause(err)
		n++
	}
	b.mu.Unlock()
	b.update(func(p *Progress) { p.Failed += n })
}

func (b *batch[T]) unknown(ids []string, cause error) {
	n := 0
	b.mu.Lock()
	for _, id := range ids {
		if _, done := b.settled[id]; done {
			continue
		}
		b.settled[id] = struct{}{}
		b.res.Unknown = append(b.res.Unknown, id)
		n++
	}
	if n > 0 {
		b.addCause(cause)
	}
	b.mu.Unlock()
	b.update(func(p *Progress) { p.Unknown += n })
}

// addCause keeps err among the distinct causes; b.mu is held.
func (b *batch[T]) addCause(err error) {
	// Per-ID NotFoundErrors become one cause naming all of them, added
	// by finish.
	var nf *NotFoundError
	if errors.As(err, &nf) {
		b.missing.add(nf.IDs, nf.Err)
		return
	}
	if len(b.causes) >= maxCauses {
		return
	}
	if v := reflect.ValueOf(err); v.Comparable() {
		if _, dup := b.causeOK[err]; dup {
			return
		}
		b.causeOK[err] = struct{}{}
	}
	b.causes = append(b.causes, err)
}

func (b *batch[T]) update(fn func(*Progress)) {
	b.progMu.Lock()
	defer b.progMu.Unlock()
	fn(&b.prog)
	if b.cfg.onProgress != nil {
		b.cfg.onProgress(b.prog)
	}
}

func (b *batch[T]) finish(listErr error) (*Result[T], error) {
	b.mu.Lock()
	res := b.res
	slices.Sort(res.Succeeded)
	slices.Sort(res.Unknown)
	causes := b.causes
	if len(b.missing.ids) > 0 {
		ids := slices.Sorted(slices.Values(b.missing.ids))
		causes = append([]error{&NotFoundError{IDs: ids, Err: b.missing.err}}, causes...)
	}
	ignored := b.dryRunIgnored
	if ignored {
		res.DryRun = false // the action really ran
		causes = append([]error{errDryRunIgnored}, causes...)
	}
	b.mu.Unlock()
	b.update(func(p *Progress) { p.ListingDone, p.Done = true, true })
	if len(res.Failed) == 0 && len(res.Unknown) == 0 && listErr == nil && !ignored {
		return res, nil
	}
	return res, &BatchError{
		Action:  b.v.name,
		Total:   res.Len(),
		Failed:  len(res.Failed),
		Unknown: len(res.Unknown),
		ListErr: listErr,
		Causes:  causes,
	}
}

// backoff returns a random wait before retry number attempt (from 0):
// full jitter over an exponential bound capped at Options.MaxBackoff.
func (m *Instances) backoff(attempt int) time.Duration {
	bound := 100 * time.Millisecond << min(attempt, 16)
	if bound > m.opts.MaxBackoff || bound <= 0 {
		bound = m.opts.MaxBackoff
	}
	return rand.N(bound) + time.Millisecond
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isThrottle reports whether err means EC2 refused the call for its rate,
// or the SDK ran out of retry quota (which it does only after failures
// it would have retried; the call is then repeated after a backoff).
func isThrottle(err error) bool {
	if _, ok := retry.DefaultThrottleErrorCodes[errorCode(err)]; ok {
		return true
	}
	var q ratelimit.QuotaExceededError
	return errors.As(err, &q)
}

// isUncertain reports whether err leaves open whether EC2 carried out the
// call: an HTTP 5xx answer, an answer that could not be read, or a
// request that may have been sent without an answer coming back. Errors
// from before sending (credentials, signing, endpoint resolution) and
// EC2's 4xx refusals are certain failures.
func isUncertain(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() >= 500
	}
	var (
		se *smithyhttp.RequestSendError
		de *smithy.DeserializationError
		ce *aws.RequestCanceledError
	)
	return errors.As(err, &se) || errors.As(err, &de) || errors.As(err, &ce) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// dryRunOK reports whether err is EC2's answer to a dry run that would
// have succeeded.
func dryRunOK(err error) bool { return errorCode(err) == "DryRunOperation" }

// A waitKind selects one of the SDK's instance waiters.
type waitKind int

const (
	waitExists waitKind = iota
	waitRunning
	waitStopped
	waitTerminated
)

var waitStates = map[waitKind][]types.InstanceStateName{
	waitRunning:    {types.InstanceStateNameRunning},
	waitStopped:    {types.InstanceStateNameStopped},
	waitTerminated: {types.InstanceStateNameTerminated},
}

func (k waitKind) String() string {
	return [...]string{"exists", "running", "stopped", "terminated"}[k]
}

// waitRetryable is the type of the SDK waiters' Retryable functions.
type waitRetryable = func(context.Context, *ec2.DescribeInstancesInput, *ec2.DescribeInstancesOutput, error) (bool, error)

// waitIDs runs the SDK waiter of kind for ids (at most MaxIDsPerCall),
// with two changes to its rules: throttling is retried rather than
// fatal, and the terminated waiter counts instances EC2 no longer knows
// (InvalidInstanceID.NotFound) as terminated, since EC2 forgets
// terminated instances after a while. It returns the last
// DescribeInstances answer, which covers only the instances still known
// when the wait succeeded (nil when none are). Other errors that name
// missing instances are returned as a *NotFoundError.
func (m *Instances) waitIDs(ctx context.Context, kind waitKind, ids []string, maxWait time.Duration) (*ec2.DescribeInstancesOutput, error) {
	if maxWait <= 0 {
		return nil, &ValidationError{Field: "maxWait", Value: maxWait.String(), Reason: "must be positive"}
	}
	in := &ec2.DescribeInstancesInput{InstanceIds: ids}
	wrap := func(def waitRetryable) waitRetryable {
		return func(ctx context.Context, in *ec2.DescribeInstancesInput, out *ec2.DescribeInstancesOutput, err error) (bool, error) {
			switch {
			case err == nil:
			case isThrottle(err) && ctx.Err() == nil:
				return true, nil
			case kind == waitTerminated && isBadIDError(err):
				if gone := idsNamedIn(err, in.InstanceIds); len(gone) > 0 {
					in.InstanceIds = without(in.InstanceIds, gone)
					return len(in.InstanceIds) > 0, nil
				}
			}
			return def(ctx, in, out, err)
		}
	}
	minD, maxD, co := m.opts.WaiterMinDelay, m.opts.WaiterMaxDelay, m.opts.ClientOptions
	var (
		out *ec2.DescribeInstancesOutput
		err error
	)
	switch kind {
	case waitExists:
		out, err = ec2.NewInstanceExistsWaiter(m.client, func(o *ec2.InstanceExistsWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
			o.Retryable = wrap(o.Retryable)
		}).WaitForOutput(ctx, in, maxWait)
	case waitRunning:
		out, err = ec2.NewInstanceRunningWaiter(m.client, func(o *ec2.InstanceRunningWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
			o.Retryable = wrap(o.Retryable)
		}).WaitForOutput(ctx, in, maxWait)
	case waitStopped:
		out, err = ec2.NewInstanceStoppedWaiter(m.client, func(o *ec2.InstanceStoppedWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
			o.Retryable = wrap(o.Retryable)
		}).WaitForOutput(ctx, in, maxWait)
	default:
		out, err = ec2.NewInstanceTerminatedWaiter(m.client, func(o *ec2.InstanceTerminatedWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
			o.Retryable = wrap(o.Retryable)
		}).WaitForOutput(ctx, in, maxWait)
	}
	if err != nil && isBadIDError(err) {
		missing := idsNamedIn(err, in.InstanceIds)
		if len(missing) == 0 {
			missing = in.InstanceIds
		}
		err = &NotFoundError{IDs: missing, Err: err}
	}
	return out, err
}

func setDelays(minDst, maxDst *time.Duration, minD, maxD time.Duration) {
	if minD > 0 {
		*minDst = minD
		if *maxDst < minD && maxD == 0 {
			*maxDst = minD
		}
	}
	if maxD > 0 {
		*maxDst = maxD
		if *minDst > maxD {
			*minDst = maxD
		}
	}
}

// WaitError is the error of a collection waiter: the instances in IDs
// did not reach State in time (or reached a state from which they never
// will). Err is the SDK waiter's error.
type WaitError struct {
	State string
	IDs   []string
	Err   error
}

// Error names the instances that did not get there.
func (e *WaitError) Error() string {
	return fmt.Sprintf("ec2instances: %d instances not %s: %s: %v", len(e.IDs), e.State, strings.Join(e.IDs, ", "), e.Err)
}

// Unwrap returns the waiter's error.
func (e *WaitError) Unwrap() error { return e.Err }

// WaitUntilExists waits, for at most maxWait after finding them, until
// DescribeInstances knows every instance of c. It is mostly useful on a
// collection built from [InstanceIDs] of new instances, since EC2 may
// not know new IDs at once. See [Collection.WaitUntilRunning].
func (c Collection) WaitUntilExists(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitExists, maxWait)
}

// WaitUntilRunning waits until every instance of c is running, for at
// most maxWait after finding them. The instances are those c lists when
// the call starts (or, for a collection of only [InstanceIDs], those
// IDs); they are waited for by ID, up to 1000 per SDK InstanceRunning
// waiter, all the waiters at once and within the one maxWait.
// Throttling is retried until maxWait is up. If some instances do not
// get there, the error is a [*WaitError] naming them.
func (c Collection) WaitUntilRunning(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitRunning, maxWait)
}

// WaitUntilStopped waits, for at most maxWait after finding them, until
// every instance of c is stopped; see [Collection.WaitUntilRunning].
func (c Collection) WaitUntilStopped(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitStopped, maxWait)
}

// WaitUntilTerminated waits, for at most maxWait after finding them,
// until every instance of c is terminated; see
// [Collection.WaitUntilRunning]. Instances that EC2 no longer knows
// count as terminated.
func (c Collection) WaitUntilTerminated(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitTerminated, maxWait)
}

func (c Collection) wait(ctx context.Context, kind waitKind, maxWait time.Duration) error {
	if err := c.Err(); err != nil {
		return err
	}
	if maxWait <= 0 {
		return &ValidationError{Field: "maxWait", Value: maxWait.String(), Reason: "must be positive"}
	}
	var ids []string
	if c.onlyIDs() {
		ids = c.ids
	} else {
		var err error
		if ids, err = c.IDs(ctx); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	var (
		mu      sync.Mutex
		pending []string
		errs    []error
		g       errgroup.Group
	)
	for start := 0; start < len(ids); start += MaxIDsPerCall {
		chunk := ids[start:min(start+MaxIDsPerCall, len(ids))]
		g.Go(func() error {
			_, err := c.m.waitIDs(wctx, kind, chunk, maxWait)
			if err == nil {
				return nil
			}
			notThere := c.m.notInState(ctx, kind, chunk)
			mu.Lock()
			pending = append(pending, notThere...)
			errs = append(errs, err)
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	if len(errs) == 0 {
		return nil
	}
	slices.Sort(pending)
	return &WaitError{State: kind.String(), IDs: pending, Err: errors.Join(errs...)}
}

// notInState returns the members of ids not (known to be) in kind's
// state; if they cannot be described within Options.ReconcileTimeout,
// all of them.
func (m *Instances) notInState(ctx context.Context, kind waitKind, ids []string) []string {
	if ctx.Err() != nil {
		return ids
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.ReconcileTimeout)
	defer cancel()
	there := map[string]bool{}
	err := m.listIDs(ctx, ids, nil, true, func(page []Instance) bool {
		for i := range page {
			ok := kind == waitExists || page[i].State != nil && slices.Contains(waitStates[kind], page[i].State.Name)
			there[page[i].ID()] = ok
		}
		return true
	})
	var nf *NotFoundError
	if kind == waitTerminated && errors.As(err, &nf) {
		for _, id := range nf.IDs {
			there[id] = true // forgotten by EC2: terminated
		}
	}
	var out []string
	for _, id := range ids {
		if !there[id] {
			out = append(out, id)
		}
	}
	return out
}

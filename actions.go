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
// n must be at least 1.
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
	// [*NotFoundError] for IDs that do not exist, or the context's error
	// for IDs that were never sent because the context ended.
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
	// early, if any: instances not yet listed were not acted on.
	ListErr error
	// Causes holds the distinct errors behind Failed and Unknown, at most
	// maxCauses of them.
	Causes []error
}

const maxCauses = 50

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ec2instances: %s: ", e.Action)
	if e.ListErr != nil {
		fmt.Fprintf(&b, "listing stopped early (%v); ", e.ListErr)
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
		name: "CreateTags",
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
		name: "RebootInstances",
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
//   - The instances are those c lists, filters and Limit honoured. They
//     are sent in calls of at most 1000 IDs, up to [Options.Concurrency]
//     (or [Concurrency]) calls at a time, while the listing goes on; no
//     instance is sent twice or skipped, even when the action changes
//     whether instances match c's filters.
//   - One bad ID does not sink its call: IDs EC2 reports as missing are
//     reported failed with a [*NotFoundError] and the call is repeated
//     for the others. Instances with termination protection are reported
//     failed with EC2's OperationNotPermitted error and the others are
//     still terminated, across Availability Zones.
//   - Throttling (RequestLimitExceeded, EC2ThrottledException, an
//     exhausted SDK retry quota) is retried with jittered backoff for as
//     long as ctx lives. A call whose outcome is uncertain (a server error
//     that outlasted the retries, or ctx ending while it was in flight) is
//     checked with DescribeInstances, and its IDs are reported succeeded
//     or unknown accordingly. Once ctx ends no further call is sent; IDs
//     listed but not yet sent are reported failed with ctx's error.
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

	mu      sync.Mutex
	res     *Result[T]
	settled map[string]struct{}            // IDs with an outcome
	listed  map[string]types.InstanceState // state at listing time
	causes  []error
	causeOK map[any]struct{}
	missing missingIDs // IDs failed as not found, for one NotFoundError cause
	prog    Progress

	progMu sync.Mutex // serialises OnProgress calls
}

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
		settled: map[string]struct{}{},
		listed:  map[string]types.InstanceState{},
		causeOK: map[any]struct{}{},
		prog:    Progress{Action: v.name},
	}
	conc := cfg.concurrency
	if conc == 0 {
		conc = c.m.opts.Concurrency
	}

	chunks := make(chan []string)
	ck := &chunker{out: chunks, seen: map[string]struct{}{}, onNew: b.noteListed}
	listErr := make(chan error, 1)
	go func() {
		err := b.list(ctx, c, ck)
		ck.flush()
		close(chunks)
		listErr <- err
	}()

	var g errgroup.Group
	g.SetLimit(conc)
	for chunk := range chunks {
		if err := ctx.Err(); err != nil {
			b.failAll(chunk, err) // never sent
			continue
		}
		b.update(func(p *Progress) { p.Dispatched += len(chunk) })
		g.Go(func() error {
			b.process(ctx, chunk)
			return nil
		})
	}
	_ = g.Wait()
	lerr := <-listErr
	return b.finish(lerr)
}

// chunker gathers listed IDs, drops repeats and hands out chunks of at
// most MaxIDsPerCall.
type chunker struct {
	mu    sync.Mutex
	seen  map[string]struct{}
	buf   []string
	out   chan<- []string
	onNew func([]Instance, []bool)
}

// add takes one page of listed instances (or bare IDs, as Instances with
// only InstanceId set) and sends out every chunk that fills up.
func (k *chunker) add(page []Instance) {
	var full [][]string
	fresh := make([]bool, len(page))
	k.mu.Lock()
	for i := range page {
		id := aws.ToString(page[i].InstanceId)
		if _, dup := k.seen[id]; dup {
			continue
		}
		k.seen[id] = struct{}{}
		fresh[i] = true
		if k.buf == nil {
			k.buf = make([]string, 0, MaxIDsPerCall)
		}
		k.buf = append(k.buf, id)
		if len(k.buf) == MaxIDsPerCall {
			full = append(full, k.buf)
			k.buf = nil
		}
	}
	k.mu.Unlock()
	k.onNew(page, fresh)
	for _, ch := range full {
		k.out <- ch
	}
}

func (k *chunker) flush() {
	k.mu.Lock()
	buf := k.buf
	k.buf = nil
	k.mu.Unlock()
	if len(buf) > 0 {
		k.out <- buf
	}
}

// noteListed records the listing state of new instances and counts them.
func (b *batch[T]) noteListed(page []Instance, fresh []bool) {
	n := 0
	b.mu.Lock()
	for i := range page {
		if !fresh[i] {
			continue
		}
		n++
		if st := page[i].State; st != nil {
			b.listed[aws.ToString(page[i].InstanceId)] = types.InstanceState{Code: st.Code, Name: st.Name}
		}
	}
	b.mu.Unlock()
	if n > 0 {
		b.update(func(p *Progress) { p.Listed += n })
	}
}

// list finds the instances of c and feeds them to ck.
func (b *batch[T]) list(ctx context.Context, c Collection, ck *chunker) error {
	defer b.update(func(p *Progress) { p.ListingDone = true })
	if c.onlyIDs() {
		// Only IDs: act on them directly; EC2 reports the missing ones.
		page := make([]Instance, len(c.ids))
		for i, id := range c.ids {
			page[i].InstanceId = aws.String(id)
		}
		ck.add(page)
		return nil
	}
	if c.hasIDs || c.limit >= 0 {
		return c.scan(ctx, func(page []Instance) bool { ck.add(page); return true })
	}
	if b.m.opts.SequentialListing || hasFilter(c.filters, "instance-id") {
		return b.listFrom(ctx, c, nil, ck)
	}
	return b.listSegmented(ctx, c, ck)
}

// maxListRestarts bounds how often listFrom starts a listing again.
const maxListRestarts = 3

// listFrom lists c one page after another, from the page token names
// (nil: the first). If a request that carries a NextToken fails (an
// endpoint that invalidates tokens when the instances they point at
// change, as moto does while the action changes them), the listing starts
// again from the first page, up to maxListRestarts times; the chunker
// drops the instances seen before.
func (b *batch[T]) listFrom(ctx context.Context, c Collection, token *string, ck *chunker) error {
	size := c.pageSize
	if size == 0 {
		size = b.m.opts.PageSize
	}
	for restarts := 0; ; restarts++ {
		pages := 0
		err := b.m.paginate(ctx, c.filters, token, func() int { return size }, func(page []Instance) bool {
			pages++
			ck.add(page)
			return true
		})
		if err == nil || ctx.Err() != nil || (pages == 0 && token == nil) || restarts == maxListRestarts {
			return ctxErrOr(ctx, err)
		}
		token = nil
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

// idSegments are instance-id filter values that split the ID space
// into disjoint slices covering every EC2 instance ID: 17-character IDs
// start with "i-0" and are split on their next digit, and the older
// 8-character IDs that start with any other digit form one more slice.
var idSegments = func() [][]string {
	const hex = "0123456789abcdef"
	var segs [][]string
	for _, h := range hex {
		segs = append(segs, []string{"i-0" + string(h) + "*"})
	}
	var legacy []string
	for _, h := range hex[1:] {
		legacy = append(legacy, "i-"+string(h)+"*")
	}
	return append(segs, legacy)
}()

// listSegmented lists a collection in parallel slices of the ID space
// when it holds more than one page; see Options.SequentialListing.
func (b *batch[T]) listSegmented(ctx context.Context, c Collection, ck *chunker) error {
	size := c.pageSize
	if size == 0 {
		size = b.m.opts.PageSize
	}
	out, err := b.m.describe(ctx, &ec2.DescribeInstancesInput{Filters: c.filters, MaxResults: aws.Int32(int32(size))})
	if err != nil {
		return ctxErrOr(ctx, err)
	}
	first := b.m.flatten(out.Reservations)
	token := aws.ToString(out.NextToken)
	if token == "" {
		ck.add(first)
		return nil
	}
	// The first page waits until a segment lists its instances too: if
	// one never does, the endpoint does not honour the segment filters.
	unconfirmed := make(map[string]int, len(first))
	for i := range first {
		unconfirmed[first[i].ID()] = i
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, seg := range idSegments {
		fs := append(slices.Clip(c.filters), types.Filter{Name: aws.String("instance-id"), Values: seg})
		g.Go(func() error {
			return b.m.paginate(gctx, fs, nil, func() int { return size }, func(page []Instance) bool {
				mu.Lock()
				for i := range page {
					delete(unconfirmed, page[i].ID())
				}
				mu.Unlock()
				ck.add(page)
				return true
			})
		})
	}
	err = g.Wait()
	rest := make([]Instance, 0, len(unconfirmed))
	for _, i := range unconfirmed {
		rest = append(rest, first[i])
	}
	ck.add(rest)
	if err != nil {
		return ctxErrOr(ctx, err)
	}
	if len(rest) == 0 {
		return nil
	}
	// Fall back to one listing, on from the first page (or, if the token
	// stops working, from the start); the chunker drops repeats.
	return b.listFrom(ctx, c, out.NextToken, ck)
}

// process sends the action for one chunk and settles every ID in it.
func (b *batch[T]) process(ctx context.Context, ids []string) {
	queue := [][]string{ids}
	throttled, serverErrs := 0, 0
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
			b.succeed(ids, items)
		case b.cfg.dryRun && dryRunOK(err):
			b.succeed(ids, nil)
		case ctx.Err() != nil:
			b.reconcile(ctx, ids, err)
		case isThrottle(err):
			if werr := sleepCtx(ctx, b.m.backoff(throttled)); werr != nil {
				b.failAll(ids, werr) // not sent: the throttled call did nothing
				continue
			}
			throttled++
			queue = append(queue, ids)
		case isBadIDError(err):
			bad := idsNamedIn(err, ids)
			if len(bad) == 0 {
				if len(ids) == 1 {
					bad = ids
				} else {
					queue = append(queue, ids[len(ids)/2:], ids[:len(ids)/2])
					continue
				}
			}
			for _, id := range bad {
				b.fail(id, &NotFoundError{IDs: []string{id}, Err: err})
			}
			queue = append(queue, without(ids, bad))
		case errorCode(err) == "OperationNotPermitted":
			rest := ids
			if b.v.partial {
				rest = b.settleReached(ctx, ids)
			}
			named := idsNamedIn(err, rest)
			if len(named) == 0 {
				if len(rest) <= 1 {
					b.failAll(rest, err)
				} else {
					queue = append(queue, rest[len(rest)/2:], rest[:len(rest)/2])
				}
				continue
			}
			b.failAll(named, err)
			queue = append(queue, without(rest, named))
		case isServerError(err):
			if serverErrs < b.m.opts.ServerErrorRetries {
				if werr := sleepCtx(ctx, b.m.backoff(serverErrs)); werr == nil {
					serverErrs++
					queue = append(queue, ids)
					continue
				}
			}
			b.reconcile(ctx, ids, err)
		default:
			// A client error. If it names some of the IDs (for example
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

// settleReached describes ids and records those the action already took
// effect on as succeeded; it returns the others. If the describe fails,
// it returns ids unchanged (repeating the action is harmless).
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
// unknown. It describes with a context of its own, since ctx may have
// ended.
func (b *batch[T]) reconcile(ctx context.Context, ids []string, cause error) {
	cause = ctxErrOr(ctx, cause)
	if b.v.reached == nil {
		b.unknown(ids, cause)
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.m.opts.ReconcileTimeout)
	defer cancel()
	found := b.describeMap(rctx, ids)
	var unsure []string
	for _, id := range ids {
		if inst, ok := found[id]; ok {
			if item, ok := b.v.reached(inst, b.listedState(id)); ok {
				b.succeed([]string{id}, map[string]T{id: item})
				continue
			}
		}
		unsure = append(unsure, id)
	}
	b.unknown(unsure, cause)
}

// describeMap returns the current data of those of ids that can be
// described; errors leave IDs out.
func (b *batch[T]) describeMap(ctx context.Context, ids []string) map[string]*types.Instance {
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
		if item, ok := items[id]; ok {
			b.res.Items[id] = item
		}
		n++
	}
	b.mu.Unlock()
	b.update(func(p *Progress) { p.Succeeded += n })
}

func (b *batch[T]) fail(id string, err error) {
	b.failEach([]string{id}, func(string) error { return err })
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
		b.missing.ids = append(b.missing.ids, nf.IDs...)
		if b.missing.err == nil {
			b.missing.err = nf.Err
		}
		return
	}
	if len(b.causes) >= maxCauses {
		return
	}
	if reflect.TypeOf(err).Comparable() {
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
	b.mu.Unlock()
	b.update(func(p *Progress) { p.ListingDone, p.Done = true, true })
	if len(res.Failed) == 0 && len(res.Unknown) == 0 && listErr == nil {
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

// describe is DescribeInstances with the engine's throttling retries.
func (m *Instances) describe(ctx context.Context, in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	for attempt := 0; ; attempt++ {
		out, err := m.client.DescribeInstances(ctx, in, m.opts.ClientOptions...)
		if err == nil || !isThrottle(err) || ctx.Err() != nil {
			return out, err
		}
		if werr := sleepCtx(ctx, m.backoff(attempt)); werr != nil {
			return nil, err
		}
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
// including the SDK running out of retry quota on such refusals.
func isThrottle(err error) bool {
	if _, ok := retry.DefaultThrottleErrorCodes[errorCode(err)]; ok {
		return true
	}
	var q ratelimit.QuotaExceededError
	return errors.As(err, &q) && !isServerError(err)
}

// isServerError reports whether err leaves the call's outcome uncertain:
// an HTTP 5xx answer, or no answer at all.
func isServerError(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() >= 500
	}
	return errorCode(err) == "" // no EC2 answer: a transport failure
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

// waitIDs runs the SDK waiter of kind for ids (at most MaxIDsPerCall).
func (m *Instances) waitIDs(ctx context.Context, kind waitKind, ids []string, maxWait time.Duration) (*ec2.DescribeInstancesOutput, error) {
	if maxWait <= 0 {
		return nil, &ValidationError{Field: "maxWait", Value: maxWait.String(), Reason: "must be positive"}
	}
	in := &ec2.DescribeInstancesInput{InstanceIds: ids}
	minD, maxD, co := m.opts.WaiterMinDelay, m.opts.WaiterMaxDelay, m.opts.ClientOptions
	switch kind {
	case waitExists:
		return ec2.NewInstanceExistsWaiter(m.client, func(o *ec2.InstanceExistsWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
		}).WaitForOutput(ctx, in, maxWait)
	case waitRunning:
		return ec2.NewInstanceRunningWaiter(m.client, func(o *ec2.InstanceRunningWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
		}).WaitForOutput(ctx, in, maxWait)
	case waitStopped:
		return ec2.NewInstanceStoppedWaiter(m.client, func(o *ec2.InstanceStoppedWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
		}).WaitForOutput(ctx, in, maxWait)
	default:
		return ec2.NewInstanceTerminatedWaiter(m.client, func(o *ec2.InstanceTerminatedWaiterOptions) {
			setDelays(&o.MinDelay, &o.MaxDelay, minD, maxD)
			o.ClientOptions = append(o.ClientOptions, co...)
		}).WaitForOutput(ctx, in, maxWait)
	}
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

func (e *WaitError) Error() string {
	return fmt.Sprintf("ec2instances: %d instances not %s: %s: %v", len(e.IDs), e.State, strings.Join(e.IDs, ", "), e.Err)
}

// Unwrap returns the waiter's error.
func (e *WaitError) Unwrap() error { return e.Err }

// WaitUntilExists waits, for at most maxWait, until DescribeInstances
// knows every instance of c. It is mostly useful on a collection built
// from [InstanceIDs] of new instances, since EC2 may not know new IDs at
// once. See [Collection.WaitUntilRunning].
func (c Collection) WaitUntilExists(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitExists, maxWait)
}

// WaitUntilRunning waits, for at most maxWait, until every instance of c
// is running. The instances are those c lists when the call starts (or,
// for a collection of only [InstanceIDs], those IDs); they are waited for
// by ID, up to 1000 per SDK InstanceRunning waiter, the waiters running
// concurrently. If some do not get there, the error is a [*WaitError]
// naming them.
func (c Collection) WaitUntilRunning(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitRunning, maxWait)
}

// WaitUntilStopped waits, for at most maxWait, until every instance of c
// is stopped; see [Collection.WaitUntilRunning].
func (c Collection) WaitUntilStopped(ctx context.Context, maxWait time.Duration) error {
	return c.wait(ctx, waitStopped, maxWait)
}

// WaitUntilTerminated waits, for at most maxWait, until every instance of
// c is terminated; see [Collection.WaitUntilRunning].
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
	var (
		mu      sync.Mutex
		pending []string
		errs    []error
	)
	var g errgroup.Group
	g.SetLimit(c.m.opts.Concurrency)
	for start := 0; start < len(ids); start += MaxIDsPerCall {
		chunk := ids[start:min(start+MaxIDsPerCall, len(ids))]
		g.Go(func() error {
			_, err := c.m.waitIDs(ctx, kind, chunk, maxWait)
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
// state; if they cannot be described, all of them.
func (m *Instances) notInState(ctx context.Context, kind waitKind, ids []string) []string {
	if ctx.Err() != nil {
		return ids
	}
	there := map[string]bool{}
	_ = m.describeIDs(ctx, ids, nil, func(page []Instance) bool {
		for i := range page {
			ok := kind == waitExists || page[i].State != nil && slices.Contains(waitStates[kind], page[i].State.Name)
			there[page[i].ID()] = ok
		}
		return true
	})
	var out []string
	for _, id := range ids {
		if !there[id] {
			out = append(out, id)
		}
	}
	return out
}

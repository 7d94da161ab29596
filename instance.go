package ec2instances

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instance is one EC2 instance, the counterpart of boto3's ec2.Instance.
// It embeds the SDK's [types.Instance], so its data reads as boto3's
// attributes do: inst.State.Name, inst.PublicIpAddress, inst.Tags.
//
// The data is what EC2 returned when the instance was last listed,
// reloaded or waited for; [Instance.Reload] refreshes it. An Instance
// from [Instances.Instance] holds only its ID until then.
//
// An Instance may be read by several goroutines at once, but a method
// that refreshes its data (Reload, the waiters, and the state-changing
// actions, which store the new State) must not run at the same time as
// other use of the same Instance.
type Instance struct {
	types.Instance
	m   *Instances
	err error // an invalid ID given to Instances.Instance
}

// Instance returns the instance with the given ID without sending a
// request, like boto3's ec2.Instance(id). Its data stays empty until
// [Instance.Reload]; its actions work at once. An ID that is not an
// instance ID is reported by every method of the result, before any
// request is sent; the error names it as the "instance ID".
func (m *Instances) Instance(id string) *Instance {
	inst := &Instance{m: m}
	inst.InstanceId = aws.String(id)
	if !isInstanceID(id) {
		inst.err = filterValueError("instance ID", id, "must be i- followed by 8 or 17 lowercase hexadecimal digits")
	}
	return inst
}

// Create launches instances with RunInstances, like boto3's
// ec2.create_instances, and returns them as EC2 described them in its
// answer (usually in the pending state; see [Instance.WaitUntilRunning]).
// The caller's input is not modified.
//
// Counts: EC2 (and boto3) require both MinCount and MaxCount. Here, when
// both are nil, one instance is launched; when only one of them is set,
// the other is given the same value, so MaxCount: 3 alone launches
// exactly 3 instances or none. Both must be at least 1 and MinCount must
// not exceed MaxCount; otherwise Create returns a [*ValidationError]
// without sending a request.
//
// Dry run: with DryRun set in the input, Create returns nil instances and
// a nil error when EC2 answers that the launch would have been allowed
// (DryRunOperation), and EC2's error (typically UnauthorizedOperation)
// otherwise.
//
// EC2 is eventually consistent: for a moment after Create returns, other
// calls may not know the new IDs yet and answer
// InvalidInstanceID.NotFound (reported as an error matching
// [ErrNotFound]). Create does not retry; wait for the instances before
// acting on them when it matters (for many, [Collection.WaitUntilExists]
// on a collection of their [InstanceIDs] waits for all at once):
//
//	insts, err := ins.Create(ctx, in)
//	if err != nil {
//		return err
//	}
//	if err := insts[0].WaitUntilExists(ctx, time.Minute); err != nil {
//		return err
//	}
func (m *Instances) Create(ctx context.Context, in *ec2.RunInstancesInput) ([]*Instance, error) {
	if m.err != nil {
		return nil, m.err
	}
	if in == nil {
		return nil, &ValidationError{Field: "RunInstancesInput", Reason: "is nil"}
	}
	cp := *in
	for _, c := range []struct {
		field string
		n     *int32
	}{{"RunInstancesInput.MinCount", cp.MinCount}, {"RunInstancesInput.MaxCount", cp.MaxCount}} {
		if c.n != nil && *c.n < 1 {
			return nil, &ValidationError{Field: c.field, Value: strconv.Itoa(int(*c.n)), Reason: "must be at least 1"}
		}
	}
	switch {
	case cp.MinCount == nil && cp.MaxCount == nil:
		cp.MinCount, cp.MaxCount = aws.Int32(1), aws.Int32(1)
	case cp.MinCount == nil:
		cp.MinCount = aws.Int32(*cp.MaxCount)
	case cp.MaxCount == nil:
		cp.MaxCount = aws.Int32(*cp.MinCount)
	case *cp.MinCount > *cp.MaxCount:
		return nil, &ValidationError{Field: "RunInstancesInput.MinCount", Value: strconv.Itoa(int(*cp.MinCount)),
			Reason: "must not exceed RunInstancesInput.MaxCount " + strconv.Itoa(int(*cp.MaxCount))}
	}
	out, err := m.client.RunInstances(ctx, &cp, m.opts.ClientOptions...)
	if err != nil {
		if aws.ToBool(cp.DryRun) && dryRunOK(err) {
			return nil, nil
		}
		return nil, ctxErrOr(ctx, err)
	}
	insts := make([]*Instance, len(out.Instances))
	for i := range out.Instances {
		insts[i] = &Instance{Instance: out.Instances[i], m: m}
	}
	return insts, nil
}

// ID returns the instance's ID.
func (i *Instance) ID() string { return aws.ToString(i.InstanceId) }

// Tag returns the value of the instance's tag with the given key and
// whether the instance has that tag, as of its current data.
func (i *Instance) Tag(key string) (string, bool) {
	for _, t := range i.Tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value), true
		}
	}
	return "", false
}

// apiErr returns the error of a call about the instance alone: EC2's
// answer that the instance does not exist (or that its ID is malformed)
// becomes a *NotFoundError naming it, as the batch actions report it.
func (i *Instance) apiErr(ctx context.Context, err error) error {
	if isBadIDError(err) {
		return &NotFoundError{IDs: []string{i.ID()}, Err: err}
	}
	return ctxErrOr(ctx, err)
}

func (i *Instance) check() error {
	if i == nil || i.m == nil {
		return &ValidationError{Field: "Instance", Reason: "was not made by an Instances manager; use Instances.Instance(id)"}
	}
	if i.m.err != nil {
		return i.m.err
	}
	return i.err
}

// Reload refreshes the instance's data with DescribeInstances. If the
// instance no longer exists, it returns an error matching [ErrNotFound]
// (boto3 fails later, on attribute access) and keeps the old data.
func (i *Instance) Reload(ctx context.Context) error {
	if err := i.check(); err != nil {
		return err
	}
	id := i.ID()
	var found *types.Instance
	err := i.m.describeIDs(ctx, []string{id}, nil, func(page []Instance) bool {
		for k := range page {
			if page[k].ID() == id {
				found = &page[k].Instance
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if found == nil {
		return &NotFoundError{IDs: []string{id}}
	}
	i.Instance = *found
	return nil
}

// self is the one-instance collection the instance's actions run on.
func (i *Instance) self() Collection {
	return i.m.Filter(InstanceIDs(i.ID()))
}

// single returns the outcome of a one-instance batch action: the item
// and nil when it succeeded (or was only a dry run), else the error.
func single[T any](i *Instance, res *Result[T], err error) (*T, error) {
	if err == nil {
		if item, ok := res.Items[i.ID()]; ok {
			return &item, nil
		}
		return nil, nil
	}
	if res != nil {
		if e, ok := res.Failed[i.ID()]; ok {
			return nil, e
		}
	}
	return nil, err
}

// stateChange runs a state-changing action on the instance and stores the
// state EC2 reported.
func (i *Instance) stateChange(ctx context.Context, act func(Collection) (*Result[types.InstanceStateChange], error)) (*types.InstanceStateChange, error) {
	if err := i.check(); err != nil {
		return nil, err
	}
	res, err := act(i.self())
	ch, err := single(i, res, err)
	if ch != nil && ch.CurrentState != nil {
		st := *ch.CurrentState
		i.State = &st
	}
	return ch, err
}

// Start starts the instance (StartInstances) and returns the state change
// EC2 reported, which is also stored in the instance's State. With
// [DryRun] it only checks permission: a nil error means the call would
// have been allowed, and the state change is nil. The options are those
// of [Collection.Start].
func (i *Instance) Start(ctx context.Context, opts ...ActionOption) (*types.InstanceStateChange, error) {
	return i.stateChange(ctx, func(c Collection) (*Result[types.InstanceStateChange], error) { return c.Start(ctx, opts...) })
}

// Stop stops the instance (StopInstances); see [Instance.Start] for what
// it returns and [Collection.Stop] for the options.
func (i *Instance) Stop(ctx context.Context, opts ...ActionOption) (*types.InstanceStateChange, error) {
	return i.stateChange(ctx, func(c Collection) (*Result[types.InstanceStateChange], error) { return c.Stop(ctx, opts...) })
}

// Terminate terminates the instance (TerminateInstances); see
// [Instance.Start] for what it returns and [Collection.Terminate] for the
// options. A protected instance fails with EC2's OperationNotPermitted
// error.
func (i *Instance) Terminate(ctx context.Context, opts ...ActionOption) (*types.InstanceStateChange, error) {
	return i.stateChange(ctx, func(c Collection) (*Result[types.InstanceStateChange], error) { return c.Terminate(ctx, opts...) })
}

// Reboot asks EC2 to reboot the instance (RebootInstances).
func (i *Instance) Reboot(ctx context.Context, opts ...ActionOption) error {
	if err := i.check(); err != nil {
		return err
	}
	res, err := i.self().Reboot(ctx, opts...)
	_, err = single(i, res, err)
	return err
}

// Monitor turns on detailed monitoring (MonitorInstances) and returns the
// monitoring state EC2 reported, which is also stored in the instance's
// Monitoring field.
func (i *Instance) Monitor(ctx context.Context, opts ...ActionOption) (*types.InstanceMonitoring, error) {
	return i.monitoring(ctx, func(c Collection) (*Result[types.InstanceMonitoring], error) { return c.Monitor(ctx, opts...) })
}

// Unmonitor turns off detailed monitoring (UnmonitorInstances); see
// [Instance.Monitor].
func (i *Instance) Unmonitor(ctx context.Context, opts ...ActionOption) (*types.InstanceMonitoring, error) {
	return i.monitoring(ctx, func(c Collection) (*Result[types.InstanceMonitoring], error) { return c.Unmonitor(ctx, opts...) })
}

func (i *Instance) monitoring(ctx context.Context, act func(Collection) (*Result[types.InstanceMonitoring], error)) (*types.InstanceMonitoring, error) {
	if err := i.check(); err != nil {
		return nil, err
	}
	res, err := act(i.self())
	mon, err := single(i, res, err)
	if mon != nil && mon.Monitoring != nil {
		st := *mon.Monitoring
		i.Monitoring = &st
	}
	return mon, err
}

// CreateTags adds the tags to the instance, replacing the values of keys
// it already has (CreateTags), and updates the instance's Tags to match.
// The tags are checked as in [Collection.CreateTags].
func (i *Instance) CreateTags(ctx context.Context, tags map[string]string, opts ...ActionOption) error {
	if err := i.check(); err != nil {
		return err
	}
	res, err := i.self().CreateTags(ctx, tags, opts...)
	if _, err = single(i, res, err); err != nil || res.DryRun {
		return err
	}
	for k, v := range tags {
		i.setTag(k, v)
	}
	return nil
}

func (i *Instance) setTag(key, value string) {
	for n := range i.Tags {
		if aws.ToString(i.Tags[n].Key) == key {
			i.Tags[n].Value = aws.String(value)
			return
		}
	}
	i.Tags = append(i.Tags, types.Tag{Key: aws.String(key), Value: aws.String(value)})
}

// DeleteTags removes the tags with the given keys from the instance,
// whatever their values (DeleteTags), and from the instance's Tags. Of
// the action options only [DryRun] applies. If EC2 does not know the
// instance, the error matches [ErrNotFound].
func (i *Instance) DeleteTags(ctx context.Context, keys []string, opts ...ActionOption) error {
	if err := i.check(); err != nil {
		return err
	}
	cfg, err := newActionConfig("DeleteTags", opts)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return &ValidationError{Field: "DeleteTags keys", Reason: "at least one key is required (EC2 would delete every tag)"}
	}
	in := &ec2.DeleteTagsInput{Resources: []string{i.ID()}, DryRun: cfg.dryRunFlag()}
	for _, k := range keys {
		if err := checkTagKey(k); err != nil {
			return err
		}
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k)})
	}
	if _, err := i.m.client.DeleteTags(ctx, in, i.m.opts.ClientOptions...); err != nil {
		if cfg.dryRun && dryRunOK(err) {
			return nil
		}
		return i.apiErr(ctx, err)
	}
	if cfg.dryRun {
		return nil
	}
	drop := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		drop[k] = struct{}{}
	}
	kept := i.Tags[:0:0]
	for _, t := range i.Tags {
		if _, ok := drop[aws.ToString(t.Key)]; !ok {
			kept = append(kept, t)
		}
	}
	i.Tags = kept
	return nil
}

// ModifyAttribute changes one attribute of the instance with
// ModifyInstanceAttribute. The input's InstanceId is set to the
// instance's ID (on a copy; the caller's input is not modified). A
// DryRunOperation answer to an input with DryRun set returns nil. The
// instance's data is not refreshed; call [Instance.Reload] to see the
// change. If EC2 does not know the instance, the error matches
// [ErrNotFound].
func (i *Instance) ModifyAttribute(ctx context.Context, in *ec2.ModifyInstanceAttributeInput) error {
	if err := i.check(); err != nil {
		return err
	}
	if in == nil {
		return &ValidationError{Field: "ModifyInstanceAttributeInput", Reason: "is nil"}
	}
	cp := *in
	cp.InstanceId = aws.String(i.ID())
	if _, err := i.m.client.ModifyInstanceAttribute(ctx, &cp, i.m.opts.ClientOptions...); err != nil {
		if aws.ToBool(cp.DryRun) && dryRunOK(err) {
			return nil
		}
		return i.apiErr(ctx, err)
	}
	return nil
}

// DescribeAttribute returns one attribute of the instance with
// DescribeInstanceAttribute, for example
// [types.InstanceAttributeNameDisableApiTermination]. If EC2 does not
// know the instance, the error matches [ErrNotFound].
func (i *Instance) DescribeAttribute(ctx context.Context, attr types.InstanceAttributeName) (*ec2.DescribeInstanceAttributeOutput, error) {
	if err := i.check(); err != nil {
		return nil, err
	}
	if attr == "" {
		return nil, &ValidationError{Field: "attribute", Reason: "is empty; pass one of the types.InstanceAttributeName constants"}
	}
	out, err := i.m.client.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(i.ID()),
		Attribute:  attr,
	}, i.m.opts.ClientOptions...)
	if err != nil {
		return nil, i.apiErr(ctx, err)
	}
	return out, nil
}

// ConsoleOutput returns the instance's console output (GetConsoleOutput),
// decoded from the base64 EC2 sends. With latest set it asks for the
// most recent output, which only Nitro instances support. If EC2 does not
// know the instance, the error matches [ErrNotFound].
func (i *Instance) ConsoleOutput(ctx context.Context, latest bool) (string, error) {
	if err := i.check(); err != nil {
		return "", err
	}
	in := &ec2.GetConsoleOutputInput{InstanceId: aws.String(i.ID())}
	if latest {
		in.Latest = aws.Bool(true)
	}
	out, err := i.m.client.GetConsoleOutput(ctx, in, i.m.opts.ClientOptions...)
	if err != nil {
		return "", i.apiErr(ctx, err)
	}
	if out.Output == nil {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(*out.Output)
	if err != nil {
		return "", errors.New("ec2instances: console output of " + i.ID() + " is not base64: " + err.Error())
	}
	return string(b), nil
}

// WaitUntilExists waits, for at most maxWait, until DescribeInstances
// knows the instance (EC2 is eventually consistent: a new ID may be
// unknown for a moment, see [Instances.Create]). It uses the SDK's
// InstanceExists waiter and refreshes the instance's data when it
// returns. If the instance is still unknown at maxWait, the error
// matches [ErrNotFound].
func (i *Instance) WaitUntilExists(ctx context.Context, maxWait time.Duration) error {
	return i.wait(ctx, waitExists, maxWait)
}

// WaitUntilRunning waits, for at most maxWait, until the instance is
// running, with the SDK's InstanceRunning waiter; it fails early if the
// instance is terminated or being stopped or terminated. The instance's
// data is refreshed when it returns (boto3's waiters leave it stale),
// also on failure, so that State shows where it stopped. If the instance
// does not exist (or no longer does), the error matches [ErrNotFound].
func (i *Instance) WaitUntilRunning(ctx context.Context, maxWait time.Duration) error {
	return i.wait(ctx, waitRunning, maxWait)
}

// WaitUntilStopped waits, for at most maxWait, until the instance is
// stopped, with the SDK's InstanceStopped waiter, and refreshes the
// instance's data. If the instance does not exist (or no longer does),
// the error matches [ErrNotFound].
func (i *Instance) WaitUntilStopped(ctx context.Context, maxWait time.Duration) error {
	return i.wait(ctx, waitStopped, maxWait)
}

// WaitUntilTerminated waits, for at most maxWait, until the instance is
// terminated, with the SDK's InstanceTerminated waiter, and refreshes
// the instance's data.
//
// EC2 stops listing a terminated instance after a while (about an hour);
// DescribeInstances then answers InvalidInstanceID.NotFound. The SDK's
// waiter fails on that answer, but here it counts as terminated: the
// method returns nil and sets the instance's State to terminated (code
// 48), the rest of its data unchanged. Since EC2 gives the same answer
// for an ID it does not know yet, call this only for instances EC2 knew
// (see [Instance.WaitUntilExists]).
func (i *Instance) WaitUntilTerminated(ctx context.Context, maxWait time.Duration) error {
	return i.wait(ctx, waitTerminated, maxWait)
}

func (i *Instance) wait(ctx context.Context, kind waitKind, maxWait time.Duration) error {
	if err := i.check(); err != nil {
		return err
	}
	if maxWait <= 0 {
		return &ValidationError{Field: "maxWait", Value: maxWait.String(), Reason: "must be positive"}
	}
	id := i.ID()
	out, err := i.m.waitIDs(ctx, kind, []string{id}, maxWait)
	if isBadIDError(err) {
		// The Stopped and Terminated waiters give up at once on NotFound.
		return i.gone(kind, err)
	}
	if out != nil {
		for _, r := range out.Reservations {
			for k := range r.Instances {
				if aws.ToString(r.Instances[k].InstanceId) == id {
					i.Instance = r.Instances[k]
					return err
				}
			}
		}
	}
	if err == nil {
		if kind == waitTerminated {
			// Success without the instance in the output: EC2 no
			// longer lists it.
			return i.gone(kind, nil)
		}
		return nil
	}
	if ctx.Err() != nil || errors.Is(err, ErrInvalidInput) {
		return err
	}
	// Best effort: show the state the waiter gave up in. The Exists and
	// Running waiters retry on NotFound until maxWait; this tells whether
	// the instance is there at all.
	if rerr := i.Reload(ctx); errors.Is(rerr, ErrNotFound) {
		return i.gone(kind, rerr)
	}
	return err
}

// gone is the outcome of a waiter for an instance EC2 does not know: a
// terminated instance that EC2 has purged for WaitUntilTerminated, an
// error matching ErrNotFound for the others.
func (i *Instance) gone(kind waitKind, err error) error {
	if kind == waitTerminated {
		i.State = &types.InstanceState{Name: types.InstanceStateNameTerminated, Code: aws.Int32(48)}
		return nil
	}
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nf
	}
	return &NotFoundError{IDs: []string{i.ID()}, Err: err}
}

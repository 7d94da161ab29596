package ec2instances

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/ec2go/ec2instances/ec2test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastWaiters polls every few milliseconds, so waiter tests take no time.
func fastWaiters(o *Options) {
	o.WaiterMinDelay, o.WaiterMaxDelay = 5*time.Millisecond, 20*time.Millisecond
}

// describeCodes returns the error codes of the DescribeInstances answers
// the server gave, in order ("" for success).
func describeCodes(srv *ec2test.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Action == "DescribeInstances" {
			out = append(out, r.ErrorCode)
		}
	}
	return out
}

// fakeClock is a clock for ec2test that moves only when told.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// Right after Create, EC2 may not know the new ID; WaitUntilExists waits
// until it does and loads the instance's data.
func TestCoreWaitUntilExistsAfterCreate(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog(),
		ec2test.WithEventualConsistency(400*time.Millisecond))
	defer srv.Close()
	ins := New(srv.Client(), fastWaiters)

	insts, err := ins.Create(bg, &ec2.RunInstancesInput{ImageId: aws.String(ec2test.DefaultImageID), InstanceType: types.InstanceTypeT3Micro})
	require.NoError(t, err)
	require.Len(t, insts, 1)
	inst := insts[0]
	assert.Equal(t, types.InstanceStateNamePending, inst.State.Name)

	err = inst.Reload(bg)
	require.ErrorIs(t, err, ErrNotFound, "the new ID is not visible yet")

	require.NoError(t, inst.WaitUntilExists(bg, 10*time.Second))
	assert.Equal(t, types.InstanceStateNameRunning, inst.State.Name, "the waiter refreshed the data")
	assert.Equal(t, types.InstanceTypeT3Micro, inst.InstanceType)
	codes := describeCodes(srv)
	require.GreaterOrEqual(t, len(codes), 3, "Reload, at least one NotFound poll, one success")
	assert.Equal(t, "InvalidInstanceID.NotFound", codes[0])
	assert.Equal(t, "InvalidInstanceID.NotFound", codes[1], "the waiter retried on NotFound")
	assert.Equal(t, "", codes[len(codes)-1])
	for _, r := range srv.Requests() {
		if r.Action == "DescribeInstances" {
			assert.Equal(t, []string{inst.ID()}, r.InstanceIDs)
		}
	}
	live, ok := srv.Instance(inst.ID())
	require.True(t, ok)
	assert.Equal(t, live.State.Name, inst.State.Name)
}

// An instance that never appears: WaitUntilExists gives up at maxWait
// with an error matching ErrNotFound.
func TestCoreWaitUntilExistsNeverThere(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	inst := New(srv.Client(), fastWaiters).Instance(fakeID(77))
	start := time.Now()
	err := inst.WaitUntilExists(bg, 300*time.Millisecond)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "ec2instances: instance not found: "+fakeID(77), err.Error())
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "the waiter kept trying until maxWait")
	assert.GreaterOrEqual(t, srv.RequestCount("DescribeInstances"), 1)
	assert.Nil(t, inst.State)
}

// WaitUntilTerminated over HTTP: through shutting-down to terminated, the
// data refreshed.
func TestCoreWaitUntilTerminated(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithTransitionDelay(40*time.Millisecond))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{InstanceType: "m5.large"})[0]
	inst := New(srv.Client(), fastWaiters).Instance(id)

	ch, err := inst.Terminate(bg)
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNameShuttingDown, ch.CurrentState.Name)
	require.NoError(t, inst.WaitUntilTerminated(bg, 10*time.Second))
	assert.Equal(t, types.InstanceStateNameTerminated, inst.State.Name)
	assert.Equal(t, int32(48), aws.ToInt32(inst.State.Code))
	assert.Equal(t, types.InstanceTypeM5Large, inst.InstanceType, "the data came from DescribeInstances")
	assert.GreaterOrEqual(t, srv.RequestCount("DescribeInstances"), 2, "it polled while shutting down")
	live, ok := srv.Instance(id)
	require.True(t, ok, "still visible: retention is an hour")
	assert.Equal(t, types.InstanceStateNameTerminated, live.State.Name)
}

// An instance EC2 has already purged is terminated: WaitUntilTerminated
// succeeds although DescribeInstances answers NotFound (where the SDK's
// waiter fails), sets State to terminated and keeps the other data.
func TestCoreWaitUntilTerminatedPurged(t *testing.T) {
	clock := newFakeClock()
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog(), ec2test.WithClock(clock.now),
		ec2test.WithTerminatedRetention(time.Minute))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{InstanceType: "t3.small"})[0]
	ins := New(srv.Client(), fastWaiters)
	inst := ins.Instance(id)
	require.NoError(t, inst.Reload(bg))
	_, err := inst.Terminate(bg)
	require.NoError(t, err)
	clock.advance(2 * time.Minute)
	_, visible := srv.Instance(id)
	require.False(t, visible, "purged")

	srv.ResetRequests()
	require.NoError(t, inst.WaitUntilTerminated(bg, 10*time.Second))
	assert.Equal(t, types.InstanceStateNameTerminated, inst.State.Name)
	assert.Equal(t, int32(48), aws.ToInt32(inst.State.Code))
	assert.Equal(t, types.InstanceTypeT3Small, inst.InstanceType, "the rest of the data is kept")
	assert.Equal(t, []string{"InvalidInstanceID.NotFound"}, describeCodes(srv), "one poll, answered NotFound")

	// The same through a lazy instance that was never loaded.
	lazy := ins.Instance(id)
	require.NoError(t, lazy.WaitUntilTerminated(bg, time.Second))
	assert.Equal(t, types.InstanceStateNameTerminated, lazy.State.Name)

	// The SDK waiter itself fails here, which is what the method corrects.
	err = ec2.NewInstanceTerminatedWaiter(srv.Client(), func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	}).Wait(bg, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Second)
	assert.Equal(t, "InvalidInstanceID.NotFound", errorCode(err), "SDK InstanceTerminated waiter: %v", err)
}

// The realistic race: the waiter sees shutting-down, and by its next poll
// the instance is terminated and already purged.
func TestCoreWaitUntilTerminatedPurgedBetweenPolls(t *testing.T) {
	// Shutting down for 200ms, listed as terminated for 100ms more; the
	// waiter polls at once and then 400ms later.
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog(),
		ec2test.WithTransitionDelay(200*time.Millisecond), ec2test.WithTerminatedRetention(100*time.Millisecond))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	inst := New(srv.Client(), func(o *Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 400*time.Millisecond, 400*time.Millisecond
	}).Instance(id)
	_, err := inst.Terminate(bg)
	require.NoError(t, err)
	srv.ResetRequests()
	require.NoError(t, inst.WaitUntilTerminated(bg, 10*time.Second))
	assert.Equal(t, types.InstanceStateNameTerminated, inst.State.Name)
	assert.Equal(t, []string{"", "InvalidInstanceID.NotFound"}, describeCodes(srv))
}

// The other waiters on an instance that is gone end with an error
// matching ErrNotFound that names it.
func TestCoreWaitersOnGoneInstance(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait func(*Instance) error
		slow bool // the SDK waiter retries NotFound until maxWait
	}{
		{"Running", func(i *Instance) error { return i.WaitUntilRunning(bg, 200*time.Millisecond) }, true},
		{"Exists", func(i *Instance) error { return i.WaitUntilExists(bg, 200*time.Millisecond) }, true},
		{"Stopped", func(i *Instance) error { return i.WaitUntilStopped(bg, 10*time.Second) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog())
			defer srv.Close()
			id := srv.Launch(ec2test.LaunchSpec{InstanceType: "t3.nano"})[0]
			inst := New(srv.Client(), fastWaiters).Instance(id)
			require.NoError(t, inst.Reload(bg))
			srv.Remove(id)
			srv.ResetRequests()

			err := tc.wait(inst)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrNotFound), "%v", err)
			var nf *NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, []string{id}, nf.IDs)
			assert.Equal(t, "InvalidInstanceID.NotFound", errorCode(err), "EC2's error is inside")
			assert.Equal(t, types.InstanceStateNameRunning, inst.State.Name, "the old data is kept")
			codes := describeCodes(srv)
			if tc.slow {
				assert.NotEmpty(t, codes)
			} else {
				assert.Equal(t, []string{"InvalidInstanceID.NotFound"}, codes, "the Stopped waiter stops at the first NotFound")
			}
			for _, c := range codes {
				assert.Equal(t, "InvalidInstanceID.NotFound", c)
			}
		})
	}
}

// A waiter that fails for another reason keeps its error and shows the
// state it gave up in.
func TestCoreWaitUntilRunningOnTerminatedInstance(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{State: "terminated"})[0]
	inst := New(srv.Client(), fastWaiters).Instance(id)
	err := inst.WaitUntilRunning(bg, 10*time.Second)
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNotFound))
	assert.Contains(t, err.Error(), "waiter state transitioned to Failure")
	assert.Equal(t, types.InstanceStateNameTerminated, inst.State.Name)
	assert.Equal(t, 2, srv.RequestCount("DescribeInstances"), "one poll, and one Reload (the SDK waiter returns no output on failure)")
}

// Over HTTP, the Instance methods that call EC2 directly report an
// instance EC2 does not know with an error matching ErrNotFound.
func TestCoreDirectCallsNotFoundOverHTTP(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog())
	defer srv.Close()
	id := fakeID(0xabc)
	inst := New(srv.Client()).Instance(id)
	errs := map[string]error{
		"DeleteTags":      inst.DeleteTags(bg, []string{"k"}),
		"ModifyAttribute": inst.ModifyAttribute(bg, &ec2.ModifyInstanceAttributeInput{DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}),
	}
	_, errs["DescribeAttribute"] = inst.DescribeAttribute(bg, types.InstanceAttributeNameInstanceType)
	_, errs["ConsoleOutput"] = inst.ConsoleOutput(bg, false)
	for op, err := range errs {
		assert.True(t, errors.Is(err, ErrNotFound), "%s: %v", op, err)
		assert.EqualError(t, err, "ec2instances: instance not found: "+id, op)
	}
	for _, r := range srv.Requests() {
		assert.Equal(t, []string{id}, r.InstanceIDs, r.Action)
		assert.Equal(t, "InvalidInstanceID.NotFound", r.ErrorCode, r.Action)
	}
	assert.Len(t, srv.Requests(), 4, "one request each")
}

// The package's filter limits are the endpoint's: what passes validation
// is accepted by ec2test, and one value more is refused before sending
// (where ec2test would answer FilterLimitExceeded).
func TestCoreFilterLimitsAgreeWithEndpoint(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, Tags: map[string]string{"Name": "web"}})
	ins := New(srv.Client())
	long := strings.Repeat("w", 255)

	ok := ins.Filter(VPCID(values("vpc-", 149)...), Tag("Name", "web", long)).Filter(SubnetID(values("subnet-", 49)...))
	require.NoError(t, ok.Err())
	ids, err := ok.IDs(bg)
	require.NoError(t, err, "200 values, one of 255 characters: the endpoint takes them")
	assert.Empty(t, ids, "no instance is in those VPCs")
	n := srv.RequestCount("DescribeInstances")
	assert.Equal(t, 1, n)

	for _, bad := range []Collection{
		ok.Filter(InstanceStateName("running")),
		ins.Filter(Tag("Name", long+"w")),
	} {
		_, err := bad.IDs(bg)
		require.ErrorIs(t, err, ErrInvalidInput)
	}
	assert.Equal(t, n, srv.RequestCount("DescribeInstances"), "refused before sending")

	// What the endpoint answers to the same requests sent directly.
	client := srv.Client()
	_, err = client.DescribeInstances(bg, &ec2.DescribeInstancesInput{Filters: append(slices.Clone(ok.filters),
		types.Filter{Name: aws.String("instance-state-name"), Values: []string{"running"}})})
	assert.Equal(t, "FilterLimitExceeded", errorCode(err))
	_, err = client.DescribeInstances(bg, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:Name"), Values: []string{long + "w"}}}})
	assert.Equal(t, "FilterLimitExceeded", errorCode(err))
}

// A dry-run Create returns no instances and no error when EC2 would have
// allowed the launch, EC2's error when not; nothing is launched.
func TestCoreCreateDryRun(t *testing.T) {
	var denied atomic.Bool // read by the server's goroutines
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithDeny(func(action string, _ []string) bool {
		return denied.Load() && action == "RunInstances"
	}))
	defer srv.Close()
	ins := New(srv.Client())
	in := &ec2.RunInstancesInput{ImageId: aws.String(ec2test.DefaultImageID), MaxCount: aws.Int32(2), DryRun: aws.Bool(true)}
	got, err := ins.Create(bg, in)
	require.NoError(t, err)
	assert.Nil(t, got)
	assert.Equal(t, 1, srv.RequestCount("RunInstances"))

	denied.Store(true)
	got, err = ins.Create(bg, in)
	assert.Nil(t, got)
	assert.Equal(t, "UnauthorizedOperation", errorCode(err))
	assert.Equal(t, 0, srv.Len(), "nothing was launched")
}

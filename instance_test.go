package ec2instances

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstanceWithBadIDSendsNothing(t *testing.T) {
	s := &stub{}
	inst := New(s).Instance("i-nope")
	assert.Equal(t, "i-nope", inst.ID())
	checks := []error{
		inst.Reload(bg),
		inst.Reboot(bg),
		inst.CreateTags(bg, map[string]string{"a": "b"}),
		inst.DeleteTags(bg, []string{"a"}),
		inst.ModifyAttribute(bg, &ec2.ModifyInstanceAttributeInput{}),
		inst.WaitUntilRunning(bg, time.Second),
	}
	_, err := inst.Terminate(bg)
	checks = append(checks, err)
	_, err = inst.Monitor(bg)
	checks = append(checks, err)
	_, err = inst.ConsoleOutput(bg, false)
	checks = append(checks, err)
	_, err = inst.DescribeAttribute(bg, types.InstanceAttributeNameInstanceType)
	checks = append(checks, err)
	for _, err := range checks {
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrInvalidInput)
		assert.EqualError(t, err, `ec2instances: instance ID "i-nope": must be i- followed by 8 or 17 lowercase hexadecimal digits`)
	}
	assert.Equal(t, 0, s.total())
}

func TestReload(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 3))}
	inst := New(s).Instance(fakeID(1))
	assert.Nil(t, inst.State, "a lazy instance has no data before Reload")
	require.NoError(t, inst.Reload(bg))
	assert.Equal(t, types.InstanceStateNameRunning, inst.State.Name)
	assert.Equal(t, []string{fakeID(1)}, s.describes()[0].InstanceIds)

	gone := New(s).Instance(fakeID(42))
	gone.InstanceType = types.InstanceTypeT3Micro
	err := gone.Reload(bg)
	require.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, "ec2instances: instance not found: "+fakeID(42))
	assert.Equal(t, types.InstanceTypeT3Micro, gone.InstanceType, "the old data is kept")
}

func TestInstanceTag(t *testing.T) {
	inst := &Instance{Instance: types.Instance{Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web-1")}, {Key: aws.String("empty"), Value: aws.String("")}}}}
	v, ok := inst.Tag("Name")
	assert.True(t, ok)
	assert.Equal(t, "web-1", v)
	v, ok = inst.Tag("empty")
	assert.True(t, ok)
	assert.Equal(t, "", v)
	_, ok = inst.Tag("missing")
	assert.False(t, ok)
}

func TestInstanceActionsStoreTheNewState(t *testing.T) {
	s := &stub{}
	inst := New(s).Instance(fakeID(3))
	ch, err := inst.Stop(bg, Force())
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNameStopping, ch.CurrentState.Name)
	assert.Equal(t, types.InstanceStateNameStopping, inst.State.Name)
	assert.True(t, aws.ToBool(s.inputs("StopInstances")[0].(*ec2.StopInstancesInput).Force))

	ch, err = inst.Start(bg)
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNamePending, inst.State.Name)
	assert.Equal(t, fakeID(3), aws.ToString(ch.InstanceId))

	_, err = inst.Terminate(bg)
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNameShuttingDown, inst.State.Name)

	mon, err := inst.Monitor(bg)
	require.NoError(t, err)
	assert.Equal(t, types.MonitoringStatePending, mon.Monitoring.State)
	assert.Equal(t, types.MonitoringStatePending, inst.Monitoring.State)
	_, err = inst.Unmonitor(bg)
	require.NoError(t, err)
	assert.Equal(t, types.MonitoringStateDisabling, inst.Monitoring.State)

	require.NoError(t, inst.Reboot(bg))
	assert.Equal(t, []string{fakeID(3)}, s.inputs("RebootInstances")[0].(*ec2.RebootInstancesInput).InstanceIds)
}

func TestInstanceActionErrorsAreTheInstancesOwn(t *testing.T) {
	s := &stub{action: func(string, []string) error {
		return apiErr("IncorrectInstanceState", "The instance '"+fakeID(3)+"' is not in a state from which it can be started.")
	}}
	inst := New(s).Instance(fakeID(3))
	ch, err := inst.Start(bg)
	assert.Nil(t, ch)
	require.Error(t, err)
	assert.Equal(t, "IncorrectInstanceState", errorCode(err))
	var be *BatchError
	assert.False(t, errors.As(err, &be), "a single instance gets EC2's error, not a batch error")
}

func TestInstanceDryRun(t *testing.T) {
	s := &stub{action: func(string, []string) error {
		return apiErr("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}}
	inst := New(s).Instance(fakeID(3))
	ch, err := inst.Terminate(bg, DryRun())
	assert.NoError(t, err)
	assert.Nil(t, ch)
	assert.Nil(t, inst.State, "a dry run changes nothing")
	assert.NoError(t, inst.CreateTags(bg, map[string]string{"a": "1"}, DryRun()))
	assert.Empty(t, inst.Tags)
	require.NoError(t, inst.ModifyAttribute(bg, &ec2.ModifyInstanceAttributeInput{DryRun: aws.Bool(true)}))
}

func TestInstanceTags(t *testing.T) {
	s := &stub{}
	inst := New(s).Instance(fakeID(5))
	inst.Tags = []types.Tag{{Key: aws.String("keep"), Value: aws.String("1")}, {Key: aws.String("env"), Value: aws.String("dev")}}
	require.NoError(t, inst.CreateTags(bg, map[string]string{"env": "prod", "team": "a"}))
	v, _ := inst.Tag("env")
	assert.Equal(t, "prod", v)
	v, _ = inst.Tag("team")
	assert.Equal(t, "a", v)
	assert.Equal(t, []string{fakeID(5)}, s.inputs("CreateTags")[0].(*ec2.CreateTagsInput).Resources)

	require.NoError(t, inst.DeleteTags(bg, []string{"env", "team"}))
	del := s.inputs("DeleteTags")[0].(*ec2.DeleteTagsInput)
	assert.Equal(t, []types.Tag{{Key: aws.String("env")}, {Key: aws.String("team")}}, del.Tags, "no values: delete whatever the value")
	assert.Len(t, inst.Tags, 1)

	err := inst.DeleteTags(bg, nil)
	assert.EqualError(t, err, "ec2instances: DeleteTags keys: at least one key is required (EC2 would delete every tag)")
	assert.Equal(t, 1, s.count("DeleteTags"))
}

func TestModifyAndDescribeAttribute(t *testing.T) {
	s := &stub{}
	inst := New(s).Instance(fakeID(8))
	in := &ec2.ModifyInstanceAttributeInput{DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}
	require.NoError(t, inst.ModifyAttribute(bg, in))
	assert.Nil(t, in.InstanceId, "the caller's input is not modified")
	sent := s.inputs("ModifyInstanceAttribute")[0].(*ec2.ModifyInstanceAttributeInput)
	assert.Equal(t, fakeID(8), aws.ToString(sent.InstanceId))
	assert.True(t, aws.ToBool(sent.DisableApiTermination.Value))

	out, err := inst.DescribeAttribute(bg, types.InstanceAttributeNameDisableApiTermination)
	require.NoError(t, err)
	assert.True(t, aws.ToBool(out.DisableApiTermination.Value))
	_, err = inst.DescribeAttribute(bg, "")
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestConsoleOutputIsDecoded(t *testing.T) {
	s := &stub{}
	out, err := New(s).Instance(fakeID(8)).ConsoleOutput(bg, true)
	require.NoError(t, err)
	assert.Equal(t, "hello, console\n", out)
	assert.True(t, aws.ToBool(s.inputs("GetConsoleOutput")[0].(*ec2.GetConsoleOutputInput).Latest))
}

func TestCreate(t *testing.T) {
	s := &stub{}
	ins := New(s)
	in := &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678")}
	got, err := ins.Create(bg, in)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Nil(t, in.MinCount, "the caller's input is not modified")
	sent := s.inputs("RunInstances")[0].(*ec2.RunInstancesInput)
	assert.Equal(t, int32(1), aws.ToInt32(sent.MinCount))
	assert.Equal(t, int32(1), aws.ToInt32(sent.MaxCount))

	got, err = ins.Create(bg, &ec2.RunInstancesInput{MinCount: aws.Int32(3), MaxCount: aws.Int32(3)})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, types.InstanceStateNamePending, got[2].State.Name)
	require.NoError(t, got[2].Reboot(bg), "created instances can act")

	_, err = ins.Create(bg, nil)
	assert.ErrorIs(t, err, ErrInvalidInput)
}

func TestWaitersRefreshData(t *testing.T) {
	var n atomic.Int32
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		st := types.InstanceStateNameStopping
		if n.Add(1) >= 3 {
			st = types.InstanceStateNameStopped
		}
		insts := running(in.InstanceIds)
		for i := range insts {
			insts[i].State.Name = st
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	ins := New(s, func(o *Options) { o.WaiterMinDelay, o.WaiterMaxDelay = time.Millisecond, 2*time.Millisecond })
	inst := ins.Instance(fakeID(2))
	require.NoError(t, inst.WaitUntilStopped(bg, 5*time.Second))
	assert.Equal(t, types.InstanceStateNameStopped, inst.State.Name, "the waiter refreshes the data")
	assert.Equal(t, int32(3), n.Load())

	// Nothing starts it: the waiter gives up at maxWait, and the data
	// still shows why.
	err := inst.WaitUntilRunning(bg, 100*time.Millisecond)
	require.Error(t, err)
	assert.Equal(t, types.InstanceStateNameStopped, inst.State.Name)

	err = inst.WaitUntilRunning(bg, 0)
	assert.EqualError(t, err, `ec2instances: maxWait "0s": must be positive`)
}

func TestCollectionWaiterNamesStragglers(t *testing.T) {
	ids := fakeIDs(0, 1500)
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		insts := running(in.InstanceIds)
		for i := range insts {
			if aws.ToString(insts[i].InstanceId) == ids[1200] {
				insts[i].State.Name = types.InstanceStateNamePending
			}
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	ins := New(s, func(o *Options) { o.WaiterMinDelay, o.WaiterMaxDelay = time.Millisecond, 2*time.Millisecond })
	err := ins.Filter(InstanceIDs(ids...)).WaitUntilRunning(bg, 50*time.Millisecond)
	var we *WaitError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, []string{ids[1200]}, we.IDs)
	assert.Equal(t, "running", we.State)
	for _, in := range s.describes() {
		assert.LessOrEqual(t, len(in.InstanceIds), 1000)
	}
	require.NoError(t, ins.Filter(InstanceIDs(ids[:1000]...)).WaitUntilRunning(bg, time.Second))
}

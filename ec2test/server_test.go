package ec2test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// clock is a manual clock for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var ctx = context.Background()

// noRetry makes a client give up after one attempt, so fault tests see
// the server's answer.
func noRetry(o *ec2.Options) { o.RetryMaxAttempts = 1 }

// apiErr returns the code, message and status of an SDK error.
func apiErr(t *testing.T, err error) (string, string, int) {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "not an API error: %v", err)
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), ae.ErrorMessage(), status
}

func requireCode(t *testing.T, err error, code string, status int) string {
	t.Helper()
	c, msg, st := apiErr(t, err)
	require.Equal(t, code, c, msg)
	require.Equal(t, status, st, msg)
	return msg
}

func state(t *testing.T, s *Server, id string) types.InstanceStateName {
	t.Helper()
	in, ok := s.Instance(id)
	require.True(t, ok, "instance %s not visible", id)
	return in.State.Name
}

func TestIDsDeterministic(t *testing.T) {
	a, b := NewServer(WithSeed(7)), NewServer(WithSeed(7))
	defer a.Close()
	defer b.Close()
	ida := a.Launch(LaunchSpec{Count: 50})
	idb := b.Launch(LaunchSpec{Count: 50})
	require.Equal(t, ida, idb)
	seen := map[string]bool{}
	for _, id := range ida {
		require.True(t, validInstanceID(id), id)
		require.Len(t, id, 19)
		require.False(t, seen[id])
		seen[id] = true
	}
	c := NewServer(WithSeed(8))
	defer c.Close()
	require.NotEqual(t, ida, c.Launch(LaunchSpec{Count: 50}))
	in, _ := a.Instance(ida[0])
	require.True(t, strings.HasPrefix(*in.NetworkInterfaces[0].NetworkInterfaceId, "eni-0"))
}

// TestLaunchSpreadsZonesByReservation checks Launch without a zone: the
// instances go round-robin over the zones, and those of a zone form one
// reservation, as one RunInstances call per zone would make them. IDs come
// back in launch order, the order DescribeInstances lists them in.
func TestLaunchSpreadsZonesByReservation(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 7})
	zones := map[string][]string{}
	subnets := map[string]string{}
	var order []string
	for _, id := range ids {
		in, ok := s.Instance(id)
		require.True(t, ok)
		az := *in.Placement.AvailabilityZone
		if len(zones[az]) == 0 {
			order = append(order, az)
		}
		require.Equal(t, int32(len(zones[az])), *in.AmiLaunchIndex, "launch index within the zone's reservation")
		zones[az] = append(zones[az], id)
		if sn, ok := subnets[az]; ok {
			require.Equal(t, sn, *in.SubnetId, "one subnet per zone")
		}
		subnets[az] = *in.SubnetId
	}
	require.Equal(t, []string{"us-east-1a", "us-east-1b", "us-east-1c"}, order, "zone after zone")
	require.Len(t, zones["us-east-1a"], 3)
	require.Len(t, zones["us-east-1b"], 2)
	require.Len(t, zones["us-east-1c"], 2)
	out, err := s.Client().DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 3, "one reservation per zone")
	var listed []string
	for _, r := range out.Reservations {
		az := *r.Instances[0].Placement.AvailabilityZone
		require.Equal(t, zones[az], instanceIDsOf(r.Instances), "the reservation holds its zone's instances")
		listed = append(listed, instanceIDsOf(r.Instances)...)
	}
	require.Equal(t, ids, listed, "Launch returns IDs in DescribeInstances order")

	// The rotation goes on where it stopped: 7 instances moved it by 7,
	// so the next spread starts in us-east-1b.
	next := s.Launch(LaunchSpec{Count: 2})
	a, _ := s.Instance(next[0])
	b, _ := s.Instance(next[1])
	require.Equal(t, "us-east-1b", *a.Placement.AvailabilityZone)
	require.Equal(t, "us-east-1c", *b.Placement.AvailabilityZone)

	one := s.Launch(LaunchSpec{Count: 2, AvailabilityZone: "us-east-1c"})
	for _, id := range one {
		in, _ := s.Instance(id)
		require.Equal(t, "us-east-1c", *in.Placement.AvailabilityZone)
	}
	require.Panics(t, func() { s.Launch(LaunchSpec{AvailabilityZone: "mars-1a"}) })
	require.Panics(t, func() { s.Launch(LaunchSpec{State: "exploded"}) })
}

func instanceIDsOf(ins []types.Instance) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = *in.InstanceId
	}
	return out
}

func TestRunInstancesValidation(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	base := func() *ec2.RunInstancesInput {
		return &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	}
	in := base()
	in.ImageId = aws.String("img-1")
	_, err := c.RunInstances(ctx, in)
	requireCode(t, err, "InvalidAMIID.Malformed", 400)
	in = base()
	in.MaxCount = aws.Int32(0)
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "InvalidParameterValue", 400)
	in = base()
	in.Placement = &types.Placement{AvailabilityZone: aws.String("us-east-1z")}
	_, err = c.RunInstances(ctx, in)
	msg := requireCode(t, err, "InvalidParameterValue", 400)
	require.Contains(t, msg, "us-east-1z")
	in = base()
	in.TagSpecifications = []types.TagSpecification{{ResourceType: "instance", Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}}}
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "InvalidParameterValue", 400)
	in = base()
	in.InstanceType = "not a type"
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "InvalidParameterValue", 400)
	in = base()
	in.MaxCount = aws.Int32(2)
	in.PrivateIpAddress = aws.String("10.0.0.9")
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "InvalidParameterCombination", 400)
	var tags []types.Tag
	for i := 0; i < 51; i++ {
		tags = append(tags, types.Tag{Key: aws.String("k" + strconv.Itoa(i)), Value: aws.String("v")})
	}
	in = base()
	in.TagSpecifications = []types.TagSpecification{{ResourceType: "instance", Tags: tags}}
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "TagLimitExceeded", 400)
	require.Equal(t, 0, s.Len())
}

func TestRunInstancesClientToken(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client()
	in := &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(2), MaxCount: aws.Int32(2), ClientToken: aws.String("once")}
	a, err := c.RunInstances(ctx, in)
	require.NoError(t, err)
	b, err := c.RunInstances(ctx, in)
	require.NoError(t, err)
	require.Equal(t, *a.ReservationId, *b.ReservationId)
	require.Equal(t, 2, s.Len())
	require.Equal(t, "once", *a.Instances[0].ClientToken)
}

func TestStateMachine(t *testing.T) {
	clk := newClock()
	s := NewServer(WithClock(clk.Now), WithTransitionDelay(time.Minute))
	defer s.Close()
	c := s.Client(noRetry)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		Monitoring: &types.RunInstancesMonitoringEnabled{Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	id := *run.Instances[0].InstanceId
	ids := []string{id}
	require.Equal(t, types.InstanceStateNamePending, state(t, s, id))
	in, _ := s.Instance(id)
	require.Equal(t, "pending", *in.StateReason.Code)
	require.Equal(t, types.MonitoringStatePending, in.Monitoring.State)
	// A pending instance that never ran cannot be stopped.
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	msg := requireCode(t, err, "IncorrectInstanceState", 400)
	require.Contains(t, msg, "never reached the 'running' state")
	clk.Advance(time.Minute)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, id))
	in, _ = s.Instance(id)
	require.Nil(t, in.StateReason)
	require.Equal(t, "", *in.StateTransitionReason)
	require.Equal(t, types.MonitoringStateEnabled, in.Monitoring.State)

	// Start of a running instance reports no change.
	st, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, types.InstanceStateNameRunning, st.StartingInstances[0].PreviousState.Name)
	require.Equal(t, types.InstanceStateNameRunning, st.StartingInstances[0].CurrentState.Name)

	sp, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, int32(16), *sp.StoppingInstances[0].PreviousState.Code)
	require.Equal(t, int32(64), *sp.StoppingInstances[0].CurrentState.Code)
	require.Equal(t, types.InstanceStateNameStopping, state(t, s, id))
	// Starting a stopping instance is refused; stopping it again is a no-op.
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	requireCode(t, err, "IncorrectInstanceState", 400)
	sp, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, types.InstanceStateNameStopping, sp.StoppingInstances[0].CurrentState.Name)
	clk.Advance(time.Minute)
	in, _ = s.Instance(id)
	require.Equal(t, types.InstanceStateNameStopped, in.State.Name)
	require.Nil(t, in.PublicIpAddress, "a stopped instance has no public address")
	require.Equal(t, "User initiated (2024-05-06 07:09:09 GMT)", *in.StateTransitionReason)
	require.Equal(t, reasonUserMessage, *in.StateReason.Message)

	st, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, types.InstanceStateNamePending, st.StartingInstances[0].CurrentState.Name)
	clk.Advance(time.Minute)
	in, _ = s.Instance(id)
	require.Equal(t, types.InstanceStateNameRunning, in.State.Name)
	require.NotNil(t, in.PublicIpAddress, "a started instance gets a public address again")

	tm, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, types.InstanceStateNameShuttingDown, tm.TerminatingInstances[0].CurrentState.Name)
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	requireCode(t, err, "IncorrectInstanceState", 400)
	clk.Advance(time.Minute)
	in, _ = s.Instance(id)
	require.Equal(t, types.InstanceStateNameTerminated, in.State.Name)
	require.Nil(t, in.PrivateIpAddress)
	require.Empty(t, in.NetworkInterfaces)
	tm, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, types.InstanceStateNameTerminated, tm.TerminatingInstances[0].PreviousState.Name)
	require.Equal(t, types.InstanceStateNameTerminated, tm.TerminatingInstances[0].CurrentState.Name)
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	msg = requireCode(t, err, "IncorrectInstanceState", 400)
	require.Equal(t, "The instance '"+id+"' is not in a state from which it can be started.", msg)
	// Reboot ignores terminated instances.
	_, err = c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: ids})
	require.NoError(t, err)

	// Retention: visible for an hour after termination, then gone.
	clk.Advance(59 * time.Minute)
	_, ok := s.Instance(id)
	require.True(t, ok)
	clk.Advance(time.Minute)
	_, ok = s.Instance(id)
	require.False(t, ok)
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	requireCode(t, err, "InvalidInstanceID.NotFound", 400)
}

func TestTerminatedRetention(t *testing.T) {
	clk := newClock()
	s := NewServer(WithClock(clk.Now), WithTerminatedRetention(10*time.Second))
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 3})
	_, err := s.Client().TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[:2]})
	require.NoError(t, err)
	require.Equal(t, 3, s.Len())
	clk.Advance(10 * time.Second)
	require.Equal(t, 1, s.Len())
	s.Launch(LaunchSpec{}) // purges
	s.mu.RLock()
	require.Len(t, s.list, 2)
	s.mu.RUnlock()

	forever := NewServer(WithTerminatedRetention(-1), WithClock(clk.Now))
	defer forever.Close()
	id := forever.Launch(LaunchSpec{State: "terminated"})[0]
	clk.Advance(1000 * time.Hour)
	require.Equal(t, types.InstanceStateNameTerminated, state(t, forever, id))
}

func TestEventualConsistency(t *testing.T) {
	clk := newClock()
	s := NewServer(WithClock(clk.Now), WithEventualConsistency(5*time.Second))
	defer s.Close()
	c := s.Client(noRetry)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	require.NoError(t, err)
	id := *run.Instances[0].InstanceId
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	requireCode(t, err, "InvalidInstanceID.NotFound", 400)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	requireCode(t, err, "InvalidInstanceID.NotFound", 400)
	require.Empty(t, describeIDs(t, c))
	clk.Advance(5 * time.Second)
	require.Equal(t, []string{id}, describeIDs(t, c))
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	require.NoError(t, err)
}

func TestTerminationProtectionPerZone(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	a := s.Launch(LaunchSpec{AvailabilityZone: "us-east-1a"})[0]
	b := s.Launch(LaunchSpec{AvailabilityZone: "us-east-1a"})[0]
	cc := s.Launch(LaunchSpec{AvailabilityZone: "us-east-1b", DisableAPITermination: true})[0]
	d := s.Launch(LaunchSpec{AvailabilityZone: "us-east-1b"})[0]
	e := s.Launch(LaunchSpec{AvailabilityZone: "us-east-1c", DisableAPITermination: true})[0]
	_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{a, b, cc, d}})
	msg := requireCode(t, err, "OperationNotPermitted", 400)
	require.Equal(t, "The instance '"+cc+"' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", msg)
	require.Equal(t, types.InstanceStateNameTerminated, state(t, s, a))
	require.Equal(t, types.InstanceStateNameTerminated, state(t, s, b))
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, cc))
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, d))
	// Two protected instances: both named.
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{cc, e, d}})
	msg = requireCode(t, err, "OperationNotPermitted", 400)
	require.Contains(t, msg, cc)
	require.Contains(t, msg, e)
	require.NotContains(t, msg, d)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, d))
	// Through ModifyInstanceAttribute.
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(cc), DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	require.NoError(t, err)
	s.SetProtection(e, false, false)
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{cc, e, d}})
	require.NoError(t, err)
}

func TestStopProtection(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	ids := s.Launch(LaunchSpec{Count: 2})
	s.SetProtection(ids[1], false, true)
	_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	msg := requireCode(t, err, "OperationNotPermitted", 400)
	require.Equal(t, "The instance '"+ids[1]+"' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", msg)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, ids[0]), "the whole call fails")
	attr, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(ids[1]), Attribute: types.InstanceAttributeNameDisableApiStop})
	require.NoError(t, err)
	require.True(t, *attr.DisableApiStop.Value)
	// Termination is still allowed.
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
}

func TestBadIDs(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	ids := s.Launch(LaunchSpec{Count: 2})
	missing := []string{"i-0123456789abcdef0", "i-12345678"}
	_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: append(append([]string{}, ids...), missing...)})
	msg := requireCode(t, err, "InvalidInstanceID.NotFound", 400)
	require.Equal(t, "The instance IDs 'i-0123456789abcdef0, i-12345678' do not exist", msg)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, ids[0]))
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{ids[0], "i-bogus", "instance"}})
	msg = requireCode(t, err, "InvalidInstanceID.Malformed", 400)
	require.Equal(t, `Invalid ids: "i-bogus", "instance"`, msg)
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-ABCDEF12"}})
	msg = requireCode(t, err, "InvalidInstanceID.Malformed", 400)
	require.Equal(t, `Invalid id: "i-ABCDEF12"`, msg)
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(missing[0]), DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	requireCode(t, err, "InvalidInstanceID.NotFound", 400)
	many := make([]string, 1001)
	for i := range many {
		many[i] = ids[0]
	}
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: many})
	requireCode(t, err, "InvalidParameterValue", 400)
	status, body := rawPost(t, s, "application/x-www-form-urlencoded", "Action=StopInstances&Version=2016-11-15")
	require.Equal(t, 400, status)
	require.Contains(t, body, "<Code>MissingParameter</Code>")
	s.Remove(ids[1])
	_, err = c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: ids})
	msg = requireCode(t, err, "InvalidInstanceID.NotFound", 400)
	require.Equal(t, "The instance ID '"+ids[1]+"' does not exist", msg)
	// Duplicates are fine and answered once.
	out, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{ids[0], ids[0]}})
	require.NoError(t, err)
	require.Len(t, out.StoppingInstances, 1)
}

func TestDryRunAndDeny(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	var denied string
	s := NewServer(WithDeny(func(action string, ids []string) bool {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, action)
		for _, id := range ids {
			if id == denied {
				return true
			}
		}
		return action == "RebootInstances"
	}))
	defer s.Close()
	c := s.Client(noRetry)
	ids := s.Launch(LaunchSpec{Count: 40})
	mu.Lock()
	denied = ids[0]
	mu.Unlock()
	allowed := ids[1]
	_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{allowed}, DryRun: aws.Bool(true)})
	requireCode(t, err, "DryRunOperation", 412)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, allowed))
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{denied}, DryRun: aws.Bool(true)})
	requireCode(t, err, "UnauthorizedOperation", 403)
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{denied}})
	requireCode(t, err, "UnauthorizedOperation", 403)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, denied))
	_, err = c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{allowed}})
	requireCode(t, err, "UnauthorizedOperation", 403)
	for _, call := range []func() error{
		func() error {
			_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), DryRun: aws.Bool(true)})
			return err
		},
		func() error {
			_, err := c.MonitorInstances(ctx, &ec2.MonitorInstancesInput{InstanceIds: []string{allowed}, DryRun: aws.Bool(true)})
			return err
		},
		func() error {
			_, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(allowed), DryRun: aws.Bool(true),
				DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
			return err
		},
		func() error {
			_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{allowed}, DryRun: aws.Bool(true)})
			return err
		},
		func() error {
			_, err := c.GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(allowed), DryRun: aws.Bool(true)})
			return err
		},
		func() error {
			_, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{DryRun: aws.Bool(true)})
			return err
		},
	} {
		requireCode(t, call(), "DryRunOperation", 412)
	}
	require.Equal(t, 40, s.Len())
	mu.Lock()
	require.Contains(t, seen, "RunInstances")
	mu.Unlock()
}

func TestTags(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	ids := s.Launch(LaunchSpec{Count: 2, Tags: map[string]string{"a": "1", "b": "2"}})
	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("3")}, {Key: aws.String("c")}}})
	require.NoError(t, err)
	in, _ := s.Instance(ids[0])
	require.Equal(t, map[string]string{"a": "1", "b": "3", "c": ""}, tagsOf(in))
	_, err = c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("nope")}, {Key: aws.String("b")}}})
	require.NoError(t, err)
	in, _ = s.Instance(ids[0])
	require.Equal(t, map[string]string{"a": "1", "c": ""}, tagsOf(in))
	_, err = c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String("c"), Value: aws.String("")}}})
	require.NoError(t, err)
	in, _ = s.Instance(ids[0])
	require.Equal(t, map[string]string{"a": "1"}, tagsOf(in))
	_, err = c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids[1:]})
	require.NoError(t, err)
	in, _ = s.Instance(ids[1])
	require.Empty(t, in.Tags)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"vol-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("x")}}})
	requireCode(t, err, "InvalidID", 400)
	var many []types.Tag
	for i := 0; i < 50; i++ {
		many = append(many, types.Tag{Key: aws.String("k" + strconv.Itoa(i)), Value: aws.String("v")})
	}
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids[:1], Tags: many})
	requireCode(t, err, "TagLimitExceeded", 400)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String(strings.Repeat("k", 128))}}})
	requireCode(t, err, "InvalidParameterValue", 400)
	// Lengths count characters, not bytes.
	for _, tc := range []struct {
		key, value string
		ok         bool
	}{
		{strings.Repeat("é", 127), strings.Repeat("é", 256), true},
		{strings.Repeat("é", 128), "", false},
		{"k", strings.Repeat("é", 257), false},
	} {
		_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String(tc.key), Value: aws.String(tc.value)}}})
		if tc.ok {
			require.NoError(t, err)
		} else {
			requireCode(t, err, "InvalidParameterValue", 400)
		}
	}
	require.True(t, s.SetTags(ids[1], map[string]string{"z": "1", "y": "2"}))
	in, _ = s.Instance(ids[1])
	require.Equal(t, "y", *in.Tags[0].Key)
}

// TestDeleteTagsKeepsUnchanged: DeleteTags leaves the tags of an instance
// that loses none as they are, still shared by the instances of its
// launch.
func TestDeleteTagsKeepsUnchanged(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 2, AvailabilityZone: "us-east-1a", Tags: map[string]string{"a": "1", "b": "2"}})
	firstTag := func(id string) *tag {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return &s.byID[id].tags[0]
	}
	shared := firstTag(ids[0])
	require.Same(t, shared, firstTag(ids[1]))
	c := s.Client(noRetry)
	_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("2")}, {Key: aws.String("c")}}})
	require.NoError(t, err)
	require.Same(t, shared, firstTag(ids[0]))
	require.Same(t, shared, firstTag(ids[1]))
	_, err = c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String("a")}}})
	require.NoError(t, err)
	in, _ := s.Instance(ids[0])
	require.Equal(t, map[string]string{"b": "2"}, tagsOf(in))
	in, _ = s.Instance(ids[1])
	require.Equal(t, map[string]string{"a": "1", "b": "2"}, tagsOf(in), "the shared tags are not changed in place")
	require.Same(t, shared, firstTag(ids[1]))
}

// TestFilterValueLengthInCharacters: a filter value may have 255
// characters, however many bytes they take.
func TestFilterValueLengthInCharacters(t *testing.T) {
	s := NewServer()
	defer s.Close()
	describe := func(value string) error {
		_, err := s.Client(noRetry).DescribeInstances(ctx, &ec2.DescribeInstancesInput{
			Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{value}}}})
		return err
	}
	require.NoError(t, describe(strings.Repeat("é", 255)))
	requireCode(t, describe(strings.Repeat("é", 256)), "FilterLimitExceeded", 400)
}

func tagsOf(in types.Instance) map[string]string {
	m := map[string]string{}
	for _, t := range in.Tags {
		m[*t.Key] = *t.Value
	}
	return m
}

func TestMonitoring(t *testing.T) {
	clk := newClock()
	s := NewServer(WithClock(clk.Now), WithTransitionDelay(time.Second))
	defer s.Close()
	c := s.Client()
	ids := s.Launch(LaunchSpec{Count: 2})
	out, err := c.MonitorInstances(ctx, &ec2.MonitorInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Len(t, out.InstanceMonitorings, 2)
	require.Equal(t, types.MonitoringStatePending, out.InstanceMonitorings[0].Monitoring.State)
	clk.Advance(time.Second)
	require.Equal(t, []string{ids[0], ids[1]}, describeIDs(t, c, types.Filter{Name: aws.String("monitoring-state"), Values: []string{"enabled"}}))
	un, err := c.UnmonitorInstances(ctx, &ec2.UnmonitorInstancesInput{InstanceIds: ids[:1]})
	require.NoError(t, err)
	require.Equal(t, types.MonitoringStateDisabling, un.InstanceMonitorings[0].Monitoring.State)
	clk.Advance(time.Second)
	in, _ := s.Instance(ids[0])
	require.Equal(t, types.MonitoringStateDisabled, in.Monitoring.State)
}

func TestAttributes(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	id := s.Launch(LaunchSpec{InstanceType: "t3.micro", SecurityGroupIDs: []string{"sg-0123456789abcdef0"}})[0]
	other := s.Launch(LaunchSpec{InstanceType: "t3.micro"})[0]
	modify := func(in *ec2.ModifyInstanceAttributeInput) error {
		in.InstanceId = aws.String(id)
		_, err := c.ModifyInstanceAttribute(ctx, in)
		return err
	}
	describe := func(a types.InstanceAttributeName) *ec2.DescribeInstanceAttributeOutput {
		out, err := c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: a})
		require.NoError(t, err, a)
		require.Equal(t, id, *out.InstanceId)
		return out
	}
	err := modify(&ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("t3.large")}})
	msg := requireCode(t, err, "IncorrectInstanceState", 400)
	require.Equal(t, "The instance '"+id+"' is not in the 'stopped' state.", msg)
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	require.NoError(t, err)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{InstanceType: &types.AttributeValue{Value: aws.String("t3.large")}}))
	require.Equal(t, "t3.large", *describe(types.InstanceAttributeNameInstanceType).InstanceType.Value)
	o, _ := s.Instance(other)
	require.Equal(t, types.InstanceTypeT3Micro, o.InstanceType, "copy on write keeps the other instance")
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{Attribute: types.InstanceAttributeNameSourceDestCheck, Value: aws.String("false")}))
	require.False(t, *describe(types.InstanceAttributeNameSourceDestCheck).SourceDestCheck.Value)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{UserData: &types.SecureBlobAttributeValue{Value: []byte("hello")}}))
	require.NotEmpty(t, *describe(types.InstanceAttributeNameUserData).UserData.Value)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{Groups: []string{"sg-0fedcba9876543210"}}))
	g := describe(types.InstanceAttributeNameGroupSet).Groups
	require.Len(t, g, 1)
	require.Equal(t, "sg-0fedcba9876543210", *g[0].GroupId)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{BlockDeviceMappings: []types.InstanceBlockDeviceMappingSpecification{
		{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: aws.Bool(false)}}}}))
	bd := describe(types.InstanceAttributeNameBlockDeviceMapping).BlockDeviceMappings
	require.False(t, *bd[0].Ebs.DeleteOnTermination)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{InstanceInitiatedShutdownBehavior: &types.AttributeValue{Value: aws.String("terminate")}}))
	require.Equal(t, "terminate", *describe(types.InstanceAttributeNameInstanceInitiatedShutdownBehavior).InstanceInitiatedShutdownBehavior.Value)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{EbsOptimized: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	require.True(t, *describe(types.InstanceAttributeNameEbsOptimized).EbsOptimized.Value)
	require.NoError(t, modify(&ec2.ModifyInstanceAttributeInput{EnaSupport: &types.AttributeBooleanValue{Value: aws.Bool(false)}}))
	require.False(t, *describe(types.InstanceAttributeNameEnaSupport).EnaSupport.Value)
	require.Equal(t, "/dev/xvda", *describe(types.InstanceAttributeNameRootDeviceName).RootDeviceName.Value)
	require.False(t, *describe(types.InstanceAttributeNameEnclaveOptions).EnclaveOptions.Enabled)
	require.False(t, *describe(types.InstanceAttributeNameDisableApiTermination).DisableApiTermination.Value)
	require.Equal(t, "simple", *describe(types.InstanceAttributeNameSriovNetSupport).SriovNetSupport.Value)
	require.Nil(t, describe(types.InstanceAttributeNameKernel).KernelId.Value)
	require.Empty(t, describe(types.InstanceAttributeNameProductCodes).ProductCodes)
	describe(types.InstanceAttributeNameRamdisk)
	describe(types.InstanceAttributeNameDisableApiStop)

	err = modify(&ec2.ModifyInstanceAttributeInput{})
	requireCode(t, err, "InvalidParameterCombination", 400)
	err = modify(&ec2.ModifyInstanceAttributeInput{DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)},
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	msg = requireCode(t, err, "InvalidParameterCombination", 400)
	require.Contains(t, msg, "disableApiStop, disableApiTermination")
	err = modify(&ec2.ModifyInstanceAttributeInput{Attribute: "bogus", Value: aws.String("1")})
	requireCode(t, err, "InvalidParameterValue", 400)
	_, err = c.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: "bogus"})
	requireCode(t, err, "InvalidParameterValue", 400)
}

func TestDescribeInstanceStatus(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	run := s.Launch(LaunchSpec{Count: 7})
	stop := s.Launch(LaunchSpec{Count: 2, State: "stopped"})
	out, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{})
	require.NoError(t, err)
	require.Len(t, out.InstanceStatuses, 7)
	st := out.InstanceStatuses[0]
	require.Equal(t, types.SummaryStatusOk, st.InstanceStatus.Status)
	require.Equal(t, types.StatusTypePassed, st.SystemStatus.Details[0].Status)
	all, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true), MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	require.Len(t, all.InstanceStatuses, 5)
	next, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true), MaxResults: aws.Int32(5), NextToken: all.NextToken})
	require.NoError(t, err)
	require.Len(t, next.InstanceStatuses, 4)
	require.Nil(t, next.NextToken)
	require.Equal(t, types.SummaryStatusNotApplicable, next.InstanceStatuses[3].InstanceStatus.Status)
	byID, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: append(run[:1], stop...)})
	require.NoError(t, err)
	require.Len(t, byID.InstanceStatuses, 1)
	f, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(true),
		Filters: []types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"stopped"}}}})
	require.NoError(t, err)
	require.Len(t, f.InstanceStatuses, 2)
	// DescribeInstanceStatus has no tag filters.
	_, err = c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{Filters: []types.Filter{{Name: aws.String("tag:x"), Values: []string{"y"}}}})
	requireCode(t, err, "InvalidParameterValue", 400)
	_, err = c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{Filters: []types.Filter{{Name: aws.String("image-id"), Values: []string{"y"}}}})
	requireCode(t, err, "InvalidParameterValue", 400)
}

func TestConsoleOutput(t *testing.T) {
	s := NewServer()
	defer s.Close()
	id := s.Launch(LaunchSpec{})[0]
	out, err := s.Client().GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id), Latest: aws.Bool(true)})
	require.NoError(t, err)
	require.Equal(t, id, *out.InstanceId)
	require.NotNil(t, out.Timestamp)
	in, _ := s.Instance(id)
	require.Equal(t, b64(ConsoleOutput(id, *in.LaunchTime)), *out.Output)
}

// rawPost sends a body to the server and returns status and body.
func rawPost(t *testing.T, s *Server, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL(), strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var sb strings.Builder
	_, _ = io.Copy(&sb, resp.Body)
	require.Equal(t, "text/xml;charset=UTF-8", resp.Header.Get("Content-Type"))
	return resp.StatusCode, sb.String()
}

func TestBadRequests(t *testing.T) {
	s := NewServer(WithMaxBodySize(1 << 20))
	defer s.Close()
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"missing action", form, "Version=2016-11-15", 400, "MissingAction"},
		{"empty body", form, "", 400, "MissingAction"},
		{"missing version", form, "Action=DescribeInstances", 400, "MissingParameter"},
		{"wrong version", form, "Action=DescribeInstances&Version=2010-01-01", 400, "NoSuchVersion"},
		{"unknown action", form, "Action=DescribeUnicorns&Version=2016-11-15", 400, "InvalidAction"},
		{"malformed form", form, "Action=DescribeInstances&Version=2016-11-15&%zz=1", 400, "MalformedQueryString"},
		{"json", "application/json", `{"Action":"DescribeInstances"}`, 400, "InvalidParameterValue"},
		{"bad bool", form, "Action=DescribeInstances&Version=2016-11-15&DryRun=maybe", 400, "InvalidParameterValue"},
		{"bad int", form, "Action=DescribeInstances&Version=2016-11-15&MaxResults=lots", 400, "InvalidParameterValue"},
		{"max results low", form, "Action=DescribeInstances&Version=2016-11-15&MaxResults=4", 400, "InvalidParameterValue"},
		{"max results high", form, "Action=DescribeInstances&Version=2016-11-15&MaxResults=1001", 400, "InvalidParameterValue"},
		{"max results with ids", form, "Action=DescribeInstances&Version=2016-11-15&MaxResults=5&InstanceId.1=i-12345678", 400, "InvalidParameterCombination"},
		{"filter without name", form, "Action=DescribeInstances&Version=2016-11-15&Filter.1.Value.1=x", 400, "InvalidParameterValue"},
		{"filter without values", form, "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id", 400, "InvalidParameterValue"},
		{"unknown filter", form, "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=colour&Filter.1.Value.1=x", 400, "InvalidParameterValue"},
		{"long filter value", form, "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id&Filter.1.Value.1=" + strings.Repeat("x", 256), 400, "FilterLimitExceeded"},
		{"bad token", form, "Action=DescribeInstances&Version=2016-11-15&MaxResults=5&NextToken=abc", 400, "InvalidParameterValue"},
		{"huge body", form, "Action=DescribeInstances&Version=2016-11-15&x=" + strings.Repeat("a", 2<<20), 413, "RequestEntityTooLarge"},
		{"run without counts", form, "Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678", 400, "MissingParameter"},
		{"run without image", form, "Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=1", 400, "MissingParameter"},
		{"tags without resources", form, "Action=CreateTags&Version=2016-11-15&Tag.1.Key=a", 400, "MissingParameter"},
		{"attribute without instance", form, "Action=DescribeInstanceAttribute&Version=2016-11-15&Attribute=instanceType", 400, "MissingParameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawPost(t, s, c.ctype, c.body)
			require.Equal(t, c.status, status, body)
			require.Contains(t, body, "<Code>"+c.code+"</Code>")
			require.True(t, strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response><Errors><Error>"), body)
			require.Contains(t, body, "<RequestID>")
		})
	}
	var values []string
	for i := 1; i <= 201; i++ {
		values = append(values, "Filter.1.Value."+strconv.Itoa(i)+"=x")
	}
	status, body := rawPost(t, s, form, "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id&"+strings.Join(values, "&"))
	require.Equal(t, 400, status)
	require.Contains(t, body, "FilterLimitExceeded")
	// GET works as in EC2's query API.
	resp, err := http.Get(s.URL() + "/?Action=DescribeInstances&Version=2016-11-15")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	req, _ := http.NewRequest(http.MethodDelete, s.URL(), nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 405, resp.StatusCode)
}

func TestUnknownActionThroughSDK(t *testing.T) {
	s := NewServer()
	defer s.Close()
	_, err := s.Client(noRetry).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	msg := requireCode(t, err, "InvalidAction", 400)
	require.Equal(t, "The action DescribeVpcs is not valid for this web service.", msg)
	require.Equal(t, 1, s.RequestCount("DescribeVpcs"))
}

func TestFaultsDeterministic(t *testing.T) {
	outcomes := func() []string {
		s := NewServer(WithSeed(42), WithThrottleRate(0.3), WithServerErrorRate(0.2))
		defer s.Close()
		c := s.Client(noRetry)
		var out []string
		for i := 0; i < 40; i++ {
			_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			if err == nil {
				out = append(out, "ok")
				continue
			}
			code, _, status := apiErr(t, err)
			out = append(out, code+"/"+strconv.Itoa(status))
		}
		require.Equal(t, 40, s.RequestCount("DescribeInstances"))
		return out
	}
	a, b := outcomes(), outcomes()
	require.Equal(t, a, b)
	count := map[string]int{}
	for _, o := range a {
		count[o]++
	}
	require.Greater(t, count["RequestLimitExceeded/503"], 3, count)
	require.Greater(t, count["InternalError/500"], 2, count)
	require.Greater(t, count["ok"], 10, count)
}

func TestFaultsNeverApply(t *testing.T) {
	s := NewServer(WithThrottleRate(1))
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 3})
	c := s.Client(noRetry)
	_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	requireCode(t, err, "RequestLimitExceeded", 503)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, ids[0]))
	// Faults limited to one action.
	s.SetFaults(Faults{ServerErrorRate: 1, Actions: []string{"StopInstances"}})
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	requireCode(t, err, "InternalError", 500)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, ids[0]))
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	require.Equal(t, []string{"StopInstances"}, s.CurrentFaults().Actions)
	s.SetFaults(Faults{})
	// The SDK's retryer rides over a throttle: with a rate of 0.5 and the
	// default three attempts, most calls succeed.
	s.SetFaults(Faults{ThrottleRate: 0.5})
	fast := s.Client(func(o *ec2.Options) {
		o.Retryer = retryNoWait{o.Retryer}
	})
	okCount := 0
	for i := 0; i < 20; i++ {
		if _, err := fast.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); err == nil {
			okCount++
		}
	}
	require.Greater(t, okCount, 10)
}

func TestLatencyAndCancel(t *testing.T) {
	s := NewServer(WithLatency(200 * time.Millisecond))
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 2})
	c := s.Client(noRetry)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := c.TerminateInstances(cctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.Error(t, err)
	time.Sleep(250 * time.Millisecond)
	require.Equal(t, types.InstanceStateNameRunning, state(t, s, ids[0]), "a request abandoned during latency has no effect")
	start := time.Now()
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
	s.SetFaults(Faults{Latency: time.Millisecond})
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
}

func TestRequestLogAndHook(t *testing.T) {
	var mu sync.Mutex
	var hooked []Request
	s := NewServer(WithRequestLog(), WithRequestHook(func(r Request) {
		mu.Lock()
		hooked = append(hooked, r)
		mu.Unlock()
	}))
	defer s.Close()
	c := s.Client(noRetry)
	ids := s.Launch(LaunchSpec{Count: 2})
	_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	require.Error(t, err)
	_, err = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids[:1], Tags: []types.Tag{{Key: aws.String("a")}}})
	require.NoError(t, err)
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	require.Equal(t, "StopInstances", reqs[0].Action)
	require.Equal(t, ids, reqs[0].InstanceIDs)
	require.Equal(t, 200, reqs[0].Status)
	require.Equal(t, "InvalidInstanceID.NotFound", reqs[1].ErrorCode)
	require.Equal(t, 400, reqs[1].Status)
	require.Equal(t, ids[:1], reqs[2].InstanceIDs)
	require.Equal(t, "a", reqs[2].Params.Get("Tag.1.Key"))
	require.Equal(t, 1, s.RequestCount("StopInstances"))
	require.Equal(t, 3, s.RequestCount(""))
	mu.Lock()
	require.Len(t, hooked, 3)
	require.Equal(t, 0, hooked[0].Status)
	mu.Unlock()
	s.ResetRequests()
	require.Empty(t, s.Requests())
	require.Equal(t, 0, s.RequestCount("StopInstances"))
}

func TestHandlerOnOtherServer(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Launch(LaunchSpec{Count: 2})
	other := httptestServer(t, s.Handler())
	c := ec2.NewFromConfig(s.AWSConfig(), func(o *ec2.Options) { o.BaseEndpoint = aws.String(other) })
	require.Len(t, describeIDs(t, c), 2)
}

func TestConcurrentUse(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 200, Tags: map[string]string{"team": "blue"}})
	c := s.Client()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := ids[(w*10+i)%len(ids)]
				switch i % 4 {
				case 0:
					_, _ = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
				case 1:
					_, _ = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
				case 2:
					_, _ = c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("w"), Value: aws.String(strconv.Itoa(w))}}})
				default:
					_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(50),
						Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}}})
					if err != nil {
						t.Error(err)
					}
				}
				s.Instances()
				s.SetFaults(Faults{})
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 200, s.Len())
}

func TestQueryParamsHelpers(t *testing.T) {
	r := &request{params: url.Values{"A.3": {"c"}, "A.1": {"a"}, "A.10": {"j"}, "A.x": {"bad"}, "A.0": {"zero"}, "A.01": {"lead"}}}
	require.Equal(t, []string{"a", "c", "j"}, r.list("A"))
	require.Equal(t, []int{1, 3, 10}, r.indexes("A"))
}

func TestInstanceLimit(t *testing.T) {
	s := NewServer(WithInstanceLimit(5))
	defer s.Close()
	c := s.Client(noRetry)
	s.Launch(LaunchSpec{Count: 3})
	out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(10)})
	require.NoError(t, err)
	require.Len(t, out.Instances, 2)
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	requireCode(t, err, "InstanceLimitExceeded", 400)
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*out.Instances[0].InstanceId}})
	require.NoError(t, err)
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	require.NoError(t, err)
}

// TestClientNoClosedConnection guards the HTTPClient work-around: many
// large answers in a row on reused connections, with no retries, must all
// be read completely.
func TestClientNoClosedConnection(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Launch(LaunchSpec{Count: 8})
	c := s.Client(noRetry)
	for i := 0; i < 150; i++ {
		_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		require.NoError(t, err, "request %d", i)
	}
	require.Equal(t, 150, s.RequestCount("DescribeInstances"))
}

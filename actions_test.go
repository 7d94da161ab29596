package ec2instances

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fast(o *Options) { o.MaxBackoff = time.Millisecond }

func terminateIDs(s *stub) [][]string {
	var out [][]string
	for _, in := range s.inputs("TerminateInstances") {
		out = append(out, in.(*ec2.TerminateInstancesInput).InstanceIds)
	}
	return out
}

func TestActionOptionChecks(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 3))}
	c := New(s).All()
	cases := []struct {
		run  func() error
		text string
	}{
		{func() error { _, err := c.Terminate(bg, Hibernate()); return err },
			`ec2instances: option Hibernate: does not apply to TerminateInstances (it applies to StopInstances)`},
		{func() error { _, err := c.Start(bg, Force()); return err },
			`ec2instances: option Force: does not apply to StartInstances (it applies to StopInstances, TerminateInstances)`},
		{func() error { _, err := c.Reboot(bg, SkipOSShutdown()); return err },
			`ec2instances: option SkipOSShutdown: does not apply to RebootInstances (it applies to StopInstances, TerminateInstances)`},
		{func() error { _, err := c.Stop(bg, AdditionalInfo("x")); return err },
			`ec2instances: option AdditionalInfo: does not apply to StopInstances (it applies to StartInstances)`},
		{func() error { _, err := c.Monitor(bg, Concurrency(0)); return err },
			`ec2instances: Concurrency "0": must be at least 1`},
		{func() error { _, err := c.Unmonitor(bg, nil); return err },
			`ec2instances: UnmonitorInstances option: is nil`},
		{func() error { return New(s).Instance(fakeID(1)).DeleteTags(bg, []string{"a"}, Force()) },
			`ec2instances: option Force: does not apply to DeleteTags (it applies to StopInstances, TerminateInstances)`},
	}
	for _, tc := range cases {
		err := tc.run()
		assert.EqualError(t, err, tc.text)
		assert.ErrorIs(t, err, ErrInvalidInput)
	}
	assert.Equal(t, 0, s.total())
}

func TestTagChecks(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 3))}
	c := New(s).All()
	many := map[string]string{}
	for i := range 51 {
		many[fmt.Sprint("k", i)] = "v"
	}
	cases := []struct {
		tags map[string]string
		text string
	}{
		{nil, `ec2instances: tags: at least one tag is required`},
		{map[string]string{"": "x"}, `ec2instances: tag key: must not be empty`},
		{map[string]string{strings.Repeat("k", 128): "x"}, `ec2instances: tag key "` + strings.Repeat("k", 128) + `": is 128 characters; at most 127 are allowed`},
		{map[string]string{"aws:cloudformation:stack": "x"}, `ec2instances: tag key "aws:cloudformation:stack": the prefix "aws:" is reserved for AWS`},
		{map[string]string{"AWS:x": "x"}, `ec2instances: tag key "AWS:x": the prefix "aws:" is reserved for AWS`},
		{map[string]string{"k": strings.Repeat("é", 257)}, `ec2instances: tag value of "k" "` + strings.Repeat("é", 257) + `": is 257 characters; at most 256 are allowed`},
		{many, `ec2instances: tags "51": a resource has at most 50 tags`},
	}
	for _, tc := range cases {
		_, err := c.CreateTags(bg, tc.tags)
		assert.EqualError(t, err, tc.text)
		assert.ErrorIs(t, err, ErrInvalidInput)
	}
	// The limits themselves are fine.
	ok := map[string]string{strings.Repeat("ü", 127): strings.Repeat("v", 256), "Name": ""}
	assert.NoError(t, checkTags(ok))
	assert.Equal(t, 0, s.total())
}

func TestDirectIDsAreChunkedWithoutListing(t *testing.T) {
	s := &stub{}
	all := fakeIDs(0, 2500)
	res, err := New(s).Filter(InstanceIDs(all...)).Terminate(bg)
	require.NoError(t, err)
	assert.Equal(t, 0, s.count("DescribeInstances"), "a collection of only IDs needs no listing")
	got := terminateIDs(s)
	require.Len(t, got, 3)
	slices.SortFunc(got, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	assert.Equal(t, [][]string{all[:1000], all[1000:2000], all[2000:]}, got)
	assert.Equal(t, all, res.Succeeded)
	assert.Len(t, res.Items, 2500)
	assert.Equal(t, types.InstanceStateNameShuttingDown, res.Items[all[7]].CurrentState.Name)
	assert.Equal(t, Succeeded, res.Outcome(all[7]))
	assert.Equal(t, NotIncluded, res.Outcome(fakeID(99999)))
}

func TestListedInstancesAreActedOnOnce(t *testing.T) {
	all := fakeIDs(0, 2345)
	s := &stub{describe: fleet(all)}
	res, err := New(s, func(o *Options) { o.SequentialListing = true }).Filter(Where("instance-state-name", "running")).PageSize(100).Stop(bg)
	require.NoError(t, err)
	assert.Equal(t, all, res.Succeeded)
	var sent []string
	var sizes []int
	for _, in := range s.inputs("StopInstances") {
		ids := in.(*ec2.StopInstancesInput).InstanceIds
		sent = append(sent, ids...)
		sizes = append(sizes, len(ids))
	}
	slices.Sort(sent)
	assert.Equal(t, all, sent, "every instance is sent exactly once")
	slices.Sort(sizes)
	assert.Equal(t, []int{345, 1000, 1000}, sizes, "pages of 100 are gathered into calls of 1000")
	assert.Equal(t, 24, s.count("DescribeInstances"))
}

func TestLimitHonouredByActions(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 100))}
	res, err := New(s).All().Limit(12).Reboot(bg)
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 12), res.Succeeded)
	assert.Empty(t, res.Items)
	assert.Equal(t, []int32{12}, maxResults(s.describes()))
}

func TestNotFoundIDsAreDroppedAndTheRestActedOn(t *testing.T) {
	known := fakeIDs(0, 10)
	s := &stub{}
	s.action = func(op string, ids []string) error {
		var missing []string
		for _, id := range ids {
			if !slices.Contains(known, id) {
				missing = append(missing, "'"+id+"'")
			}
		}
		if len(missing) > 0 {
			return apiErr("InvalidInstanceID.NotFound", "The instance IDs "+strings.Join(missing, ", ")+" do not exist")
		}
		return nil
	}
	ids := []string{fakeID(1), fakeID(50), fakeID(2), fakeID(51)}
	res, err := New(s).Filter(InstanceIDs(ids...)).Terminate(bg)
	require.Error(t, err)
	assert.Equal(t, []string{fakeID(1), fakeID(2)}, res.Succeeded)
	assert.Equal(t, []string{fakeID(50), fakeID(51)}, res.FailedIDs())
	assert.ErrorIs(t, res.Failed[fakeID(50)], ErrNotFound)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 2, be.Failed)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae, "the batch error unwraps to EC2's error")
	assert.Equal(t, "InvalidInstanceID.NotFound", ae.ErrorCode())
	assert.Equal(t, [][]string{ids, {fakeID(1), fakeID(2)}}, terminateIDs(s))
}

func TestProtectedInstancesIsolatedAcrossZones(t *testing.T) {
	// Two zones; one protected instance in zone b. Like EC2, a call
	// with it terminates zone a's instances and fails.
	ids := fakeIDs(0, 6)
	zone := func(id string) string {
		if slices.Index(ids, id) < 3 {
			return "a"
		}
		return "b"
	}
	protected := ids[4]
	state := map[string]types.InstanceStateName{}
	for _, id := range ids {
		state[id] = types.InstanceStateNameRunning
	}
	var mu sync.Mutex
	s := &stub{}
	s.action = func(op string, call []string) error {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(call, protected) {
			for _, id := range call {
				state[id] = types.InstanceStateNameShuttingDown
			}
			return nil
		}
		for _, id := range call {
			if zone(id) != zone(protected) {
				state[id] = types.InstanceStateNameShuttingDown
			}
		}
		return apiErr("OperationNotPermitted", "The instance '"+protected+"' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.")
	}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		mu.Lock()
		defer mu.Unlock()
		var insts []types.Instance
		for _, id := range in.InstanceIds {
			insts = append(insts, types.Instance{InstanceId: aws.String(id), State: &types.InstanceState{Name: state[id]}})
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	res, err := New(s).Filter(InstanceIDs(ids...)).Terminate(bg)
	require.Error(t, err)
	assert.Equal(t, []string{protected}, res.FailedIDs())
	assert.Equal(t, "OperationNotPermitted", errorCode(res.Failed[protected]))
	assert.Equal(t, without(ids, []string{protected}), res.Succeeded)
	for _, id := range without(ids, []string{protected}) {
		assert.Equal(t, types.InstanceStateNameShuttingDown, state[id], id)
	}
	assert.Equal(t, types.InstanceStateNameRunning, state[protected])
	// First call, a describe to see what it did, then the rest of zone b.
	assert.Equal(t, [][]string{ids, {ids[3], ids[5]}}, terminateIDs(s))
}

func TestProtectedInstanceFoundByHalving(t *testing.T) {
	ids := fakeIDs(0, 8)
	protected := ids[5]
	s := &stub{}
	s.action = func(op string, call []string) error {
		if slices.Contains(call, protected) {
			return apiErr("OperationNotPermitted", "stop protection is on")
		}
		return nil
	}
	res, err := New(s).Filter(InstanceIDs(ids...)).Reboot(bg)
	require.Error(t, err)
	assert.Equal(t, []string{protected}, res.FailedIDs())
	assert.Equal(t, without(ids, []string{protected}), res.Succeeded)
	assert.LessOrEqual(t, s.count("RebootInstances"), 7)
}

func TestStateErrorNamingOneIDFailsOnlyIt(t *testing.T) {
	ids := fakeIDs(0, 4)
	s := &stub{}
	s.action = func(op string, call []string) error {
		if slices.Contains(call, ids[2]) {
			return apiErr("IncorrectInstanceState", "The instance '"+ids[2]+"' is not in a state from which it can be started.")
		}
		return nil
	}
	res, err := New(s).Filter(InstanceIDs(ids...)).Start(bg)
	require.Error(t, err)
	assert.Equal(t, []string{ids[2]}, res.FailedIDs())
	assert.Equal(t, []string{ids[0], ids[1], ids[3]}, res.Succeeded)
}

func TestErrorNamingNoIDFailsTheChunk(t *testing.T) {
	ids := fakeIDs(0, 3)
	s := &stub{action: func(string, []string) error {
		return apiErr("UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: abc")
	}}
	res, err := New(s).Filter(InstanceIDs(ids...)).Monitor(bg)
	require.Error(t, err)
	assert.Equal(t, ids, res.FailedIDs())
	assert.Empty(t, res.Succeeded)
	assert.Equal(t, 1, s.count("MonitorInstances"))
	assert.Contains(t, err.Error(), "ec2instances: MonitorInstances: 3 of 3 instances failed, 0 unknown: ")
	assert.Contains(t, err.Error(), "UnauthorizedOperation")
}

func TestThrottlingAndQuotaAreRetried(t *testing.T) {
	var n atomic.Int32
	throttle := apiErr("RequestLimitExceeded", "Request limit exceeded.")
	s := &stub{action: func(string, []string) error {
		switch n.Add(1) {
		case 1:
			return throttle
		case 2:
			return errors.Join(throttle, fmt.Errorf("failed to get rate limit token, %w", ratelimit.QuotaExceededError{Available: 0, Requested: 5}))
		case 3:
			return apiErr("EC2ThrottledException", "slow down")
		}
		return nil
	}}
	ids := fakeIDs(0, 5)
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).Stop(bg)
	require.NoError(t, err)
	assert.Equal(t, ids, res.Succeeded)
	assert.Equal(t, 4, s.count("StopInstances"))
}

var httpResponse500 = http.Response{StatusCode: 500}

func serverError() error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &httpResponse500},
		Err:      apiErr("InternalError", "An internal error has occurred"),
	}}
}

func TestServerErrorsRetriedThenReconciled(t *testing.T) {
	ids := fakeIDs(0, 4)
	s := &stub{action: func(string, []string) error { return serverError() }}
	// The describe shows two of them terminated (the call did act on
	// them), so those succeed; the others stay unknown.
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		var insts []types.Instance
		for i, id := range in.InstanceIds {
			st := types.InstanceStateNameRunning
			if i < 2 {
				st = types.InstanceStateNameTerminated
			}
			insts = append(insts, types.Instance{InstanceId: aws.String(id), State: &types.InstanceState{Name: st}})
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).Terminate(bg)
	require.Error(t, err)
	assert.Equal(t, 4, s.count("TerminateInstances"), "one call and three retries")
	assert.Equal(t, ids[:2], res.Succeeded)
	assert.Equal(t, ids[2:], res.Unknown)
	assert.Equal(t, types.InstanceStateNameTerminated, res.Items[ids[0]].CurrentState.Name)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 2, be.Unknown)
}

func TestDryRun(t *testing.T) {
	ids := fakeIDs(0, 3)
	s := &stub{action: func(string, []string) error {
		return apiErr("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}}
	res, err := New(s).Filter(InstanceIDs(ids...)).Terminate(bg, DryRun())
	require.NoError(t, err)
	assert.True(t, res.DryRun)
	assert.Equal(t, ids, res.Succeeded)
	assert.Empty(t, res.Items)
	assert.True(t, aws.ToBool(s.inputs("TerminateInstances")[0].(*ec2.TerminateInstancesInput).DryRun))

	s.action = func(string, []string) error {
		return apiErr("UnauthorizedOperation", "You are not authorized to perform this operation.")
	}
	res, err = New(s).Filter(InstanceIDs(ids...)).Terminate(bg, DryRun())
	require.Error(t, err)
	assert.True(t, res.DryRun)
	assert.Equal(t, ids, res.FailedIDs())

	// Without DryRun, a DryRunOperation answer is not success.
	s.action = func(string, []string) error {
		return apiErr("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	res, err = New(s).Filter(InstanceIDs(ids...)).Terminate(bg)
	require.Error(t, err)
	assert.Equal(t, ids, res.FailedIDs())
}

func TestOptionsReachTheRequest(t *testing.T) {
	s := &stub{}
	c := New(s).Filter(InstanceIDs(fakeID(1)))
	_, err := c.Stop(bg, Hibernate(), Force(), SkipOSShutdown())
	require.NoError(t, err)
	stop := s.inputs("StopInstances")[0].(*ec2.StopInstancesInput)
	assert.True(t, aws.ToBool(stop.Hibernate))
	assert.True(t, aws.ToBool(stop.Force))
	assert.True(t, aws.ToBool(stop.SkipOsShutdown))
	assert.Nil(t, stop.DryRun)
	_, err = c.Terminate(bg, Force())
	require.NoError(t, err)
	term := s.inputs("TerminateInstances")[0].(*ec2.TerminateInstancesInput)
	assert.True(t, aws.ToBool(term.Force))
	assert.Nil(t, term.SkipOsShutdown)
	_, err = c.Start(bg, AdditionalInfo("reserved"))
	require.NoError(t, err)
	assert.Equal(t, "reserved", aws.ToString(s.inputs("StartInstances")[0].(*ec2.StartInstancesInput).AdditionalInfo))
	_, err = c.CreateTags(bg, map[string]string{"b": "2", "a": "1"})
	require.NoError(t, err)
	assert.Equal(t, []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}},
		s.inputs("CreateTags")[0].(*ec2.CreateTagsInput).Tags)
}

func TestConcurrencyIsBounded(t *testing.T) {
	var cur, peak atomic.Int32
	s := &stub{action: func(string, []string) error {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1)
		return nil
	}}
	ids := fakeIDs(0, 9000)
	res, err := New(s).Filter(InstanceIDs(ids...)).Reboot(bg, Concurrency(3))
	require.NoError(t, err)
	assert.Len(t, res.Succeeded, 9000)
	assert.Equal(t, 9, s.count("RebootInstances"))
	assert.LessOrEqual(t, peak.Load(), int32(3))
	assert.GreaterOrEqual(t, peak.Load(), int32(2), "calls do run concurrently")
}

func TestProgressReportsFinalCounts(t *testing.T) {
	ids := fakeIDs(0, 2500)
	s := &stub{describe: fleet(ids)}
	var calls []Progress
	res, err := New(s, func(o *Options) { o.SequentialListing = true }).All().Monitor(bg, OnProgress(func(p Progress) { calls = append(calls, p) }))
	require.NoError(t, err)
	require.NotEmpty(t, calls)
	last := calls[len(calls)-1]
	assert.Equal(t, Progress{Action: "MonitorInstances", Listed: 2500, ListingDone: true, Dispatched: 2500, Succeeded: 2500, Done: true}, last)
	for i := 1; i < len(calls); i++ {
		assert.GreaterOrEqual(t, calls[i].Succeeded, calls[i-1].Succeeded, "counts only grow")
	}
	assert.Equal(t, types.MonitoringStatePending, res.Items[ids[0]].Monitoring.State)
}

func TestSegmentedListingFallsBack(t *testing.T) {
	// An endpoint that answers nothing for the instance-id wildcard (the
	// first page is never confirmed), or refuses it: the action lists one
	// page after another instead, and still acts on everything once.
	for _, tc := range []struct {
		name      string
		segment   func() (*ec2.DescribeInstancesOutput, error)
		describes int // 0: not checked
	}{
		{"empty segments", func() (*ec2.DescribeInstancesOutput, error) { return &ec2.DescribeInstancesOutput{}, nil },
			1 + 17 + 3}, // first page, 17 empty segments, then the ordinary listing of 3 pages
		{"refused segments", func() (*ec2.DescribeInstancesOutput, error) {
			return nil, apiErr("InvalidParameterValue", "wildcards are not supported for instance-id")
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := fakeIDs(0, 2500)
			list := fleet(all)
			s := &stub{describe: func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
				if hasFilter(in.Filters, "instance-id") {
					return tc.segment()
				}
				return list(in)
			}}
			res, err := New(s).All().Terminate(bg)
			require.NoError(t, err)
			assert.Equal(t, all, res.Succeeded)
			var sent []string
			for _, ids := range terminateIDs(s) {
				sent = append(sent, ids...)
			}
			slices.Sort(sent)
			assert.Equal(t, all, sent)
			if tc.describes > 0 {
				assert.Equal(t, tc.describes, s.count("DescribeInstances"))
			}
		})
	}
}

func TestSegmentedListingSplitsByIDPrefix(t *testing.T) {
	// 17-character IDs spread over the 16 "i-0h" prefixes, and some of
	// the old 8-character ones; the stub honours the wildcards.
	var all []string
	for i := range 3200 {
		all = append(all, fmt.Sprintf("i-0%x%015x", i%16, i))
	}
	for i := range 40 {
		all = append(all, fmt.Sprintf("i-%x%07x", 1+i%15, i))
	}
	slices.Sort(all)
	s := &stub{describe: func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		ids := all
		for _, f := range in.Filters {
			if aws.ToString(f.Name) == "instance-id" {
				ids = slices.DeleteFunc(slices.Clone(all), func(id string) bool {
					return !slices.ContainsFunc(f.Values, func(v string) bool { return strings.HasPrefix(id, strings.TrimSuffix(v, "*")) })
				})
			}
		}
		return fleet(ids)(in)
	}}
	res, err := New(s).All().Stop(bg)
	require.NoError(t, err)
	assert.Equal(t, all, res.Succeeded)
	assert.Equal(t, 18, s.count("DescribeInstances"), "one page, then one page per segment")
	var sent []string
	for _, in := range s.inputs("StopInstances") {
		sent = append(sent, in.(*ec2.StopInstancesInput).InstanceIds...)
	}
	slices.Sort(sent)
	assert.Equal(t, all, sent, "each instance once, the first page's too")
}

func TestCancelBeforeDispatchFailsWithCtxErr(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	cancel()
	s := &stub{}
	ids := fakeIDs(0, 3)
	res, err := New(s).Filter(InstanceIDs(ids...)).Terminate(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, ids, res.FailedIDs())
	assert.ErrorIs(t, res.Failed[ids[0]], context.Canceled)
	assert.Equal(t, 0, s.count("TerminateInstances"))
}

func TestCancelInFlightIsReconciled(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	ids := fakeIDs(0, 4)
	s := &stub{action: func(string, []string) error {
		cancel()
		return fmt.Errorf("operation error EC2: TerminateInstances: %w", context.Canceled)
	}}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		insts := running(in.InstanceIds)
		insts[0].State.Name = types.InstanceStateNameShuttingDown // the call reached EC2 for this one
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	res, err := New(s).Filter(InstanceIDs(ids...)).Terminate(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, ids[:1], res.Succeeded)
	assert.Equal(t, ids[1:], res.Unknown)
	assert.Empty(t, res.Failed)
	assert.Equal(t, 1, s.count("DescribeInstances"), "the reconcile describe runs although ctx ended")
}

func TestRebootCannotBeReconciled(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	s := &stub{action: func(string, []string) error { cancel(); return context.Canceled }}
	res, err := New(s).Filter(InstanceIDs(fakeID(1))).Reboot(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{fakeID(1)}, res.Unknown)
	assert.Equal(t, 0, s.count("DescribeInstances"))
}

func TestListingErrorIsReported(t *testing.T) {
	calls := 0
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		calls++
		if calls >= 3 {
			return nil, apiErr("InvalidParameterValue", "bad")
		}
		return fleet(fakeIDs(0, 100))(in)
	}
	res, err := New(s, func(o *Options) { o.SequentialListing = true }).All().PageSize(10).Reboot(bg)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Error(t, be.ListErr)
	assert.Equal(t, "InvalidParameterValue", errorCode(be.ListErr))
	assert.Empty(t, res.Succeeded)
	assert.Equal(t, fakeIDs(0, 20), res.FailedIDs(), "what was listed is reported, not acted on")
	assert.ErrorIs(t, res.Failed[fakeID(3)], be.ListErr)
	assert.Equal(t, 0, s.count("RebootInstances"), "a collection that could not be listed is not acted on")
	assert.Equal(t, "ec2instances: RebootInstances: listing the collection failed, nothing was sent (20 instances found): "+be.ListErr.Error(), err.Error())
}

func TestBatchErrorMatchesErrNotFound(t *testing.T) {
	s := &stub{action: func(op string, ids []string) error {
		if slices.Contains(ids, fakeID(9)) {
			return apiErr("InvalidInstanceID.NotFound", "The instance ID '"+fakeID(9)+"' does not exist")
		}
		return nil
	}}
	res, err := New(s).Filter(InstanceIDs(fakeID(1), fakeID(9))).Terminate(bg)
	require.ErrorIs(t, err, ErrNotFound)
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, []string{fakeID(9)}, nf.IDs)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "InvalidInstanceID.NotFound", ae.ErrorCode())
	assert.Equal(t, []string{fakeID(1)}, res.Succeeded)
}

func TestListingRestartsAfterATokenFails(t *testing.T) {
	calls := 0
	s := &stub{}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		calls++
		if calls == 3 { // the second token fails once
			return nil, serverError()
		}
		return fleet(fakeIDs(0, 100))(in)
	}
	res, err := New(s, fast, func(o *Options) { o.SequentialListing = true }).All().PageSize(10).Reboot(bg)
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 100), res.Succeeded)
	assert.Equal(t, 2+1+10, s.count("DescribeInstances"), "two pages, the failure, then a full listing")
	assert.Equal(t, 1, s.count("RebootInstances"), "the repeated pages were not sent again")
}

func TestListingSurvivesTokensThatExpireOnChange(t *testing.T) {
	// A strict endpoint: a token stops working as soon as any instance
	// changes. The listing starts again as needed, and every running
	// instance is still stopped exactly once.
	all := fakeIDs(0, 2600) // more than two chunks
	var mu sync.Mutex
	stopped := map[string]bool{}
	version := 0
	s := &stub{}
	s.action = func(op string, ids []string) error {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			stopped[id] = true
		}
		version++
		return nil
	}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		time.Sleep(time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		var live []string
		for _, id := range all {
			if !stopped[id] {
				live = append(live, id)
			}
		}
		start := 0
		if in.NextToken != nil {
			var v int
			fmt.Sscanf(*in.NextToken, "%d:%d", &v, &start)
			if v != version {
				return nil, serverError()
			}
		}
		end := min(start+int(*in.MaxResults), len(live))
		out := &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: running(live[start:end])}}}
		if end < len(live) {
			out.NextToken = aws.String(fmt.Sprintf("%d:%d", version, end))
		}
		return out, nil
	}
	res, err := New(s, fast, func(o *Options) { o.SequentialListing = true }).Filter(Where("instance-state-name", "running")).PageSize(100).Stop(bg, Concurrency(1))
	require.NoError(t, err)
	assert.Equal(t, all, res.Succeeded)
	var sent []string
	for _, in := range s.inputs("StopInstances") {
		sent = append(sent, in.(*ec2.StopInstancesInput).InstanceIds...)
	}
	slices.Sort(sent)
	assert.Equal(t, all, sent, "each instance sent once")
}

// offsetTokens is an endpoint whose page token is an offset into the
// list of instances that match the filters now: when an action changes
// which instances match, the offsets shift. Only running instances
// match the filter; stopping one takes it out of the list.
type offsetTokens struct {
	mu      sync.Mutex
	all     []string
	stopped map[string]bool
}

func (o *offsetTokens) describe(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var live []string
	for _, id := range o.all {
		if !o.stopped[id] {
			live = append(live, id)
		}
	}
	return fleet(live)(in)
}

func (o *offsetTokens) act(_ string, ids []string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		o.stopped[id] = true
	}
	return nil
}

func TestFilterChangingActionWithShiftingTokens(t *testing.T) {
	for _, sequential := range []bool{true, false} {
		t.Run(fmt.Sprintf("sequential=%v", sequential), func(t *testing.T) {
			o := &offsetTokens{all: fakeIDs(0, 5000), stopped: map[string]bool{}}
			s := &stub{describe: o.describe, action: o.act}
			ins := New(s, func(opt *Options) { opt.SequentialListing = sequential })
			res, err := ins.Filter(InstanceStateName("running")).PageSize(100).Stop(bg)
			require.NoError(t, err)
			assert.Equal(t, o.all, res.Succeeded)
			assert.Len(t, o.stopped, 5000, "every running instance was stopped")
			var sent []string
			for _, in := range s.inputs("StopInstances") {
				sent = append(sent, in.(*ec2.StopInstancesInput).InstanceIds...)
			}
			assert.Len(t, sent, 5000, "each exactly once")
		})
	}
}

func TestSegmentedListingStopsWhenTheEndpointIgnoresSegments(t *testing.T) {
	// An endpoint that ignores the instance-id filter answers every
	// segment with everything: the first page that shows it ends the
	// segments, and one ordinary listing follows. (The IDs spread over
	// the prefixes, so that every segment's first page shows it.)
	var all []string
	for i := range 2500 {
		all = append(all, fmt.Sprintf("i-0%x%015x", i%16, i))
	}
	slices.Sort(all)
	s := &stub{describe: fleet(all)}
	res, err := New(s, func(o *Options) { o.Concurrency = 2 }).All().Stop(bg)
	require.NoError(t, err)
	assert.Equal(t, all, res.Succeeded)
	assert.LessOrEqual(t, s.count("DescribeInstances"), 1+17+3, "no segment goes past its first page")
	assert.Equal(t, 3, s.count("StopInstances"))
}

func TestConcurrencyOneListsSequentially(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 2500))}
	res, err := New(s).All().Reboot(bg, Concurrency(1))
	require.NoError(t, err)
	assert.Len(t, res.Succeeded, 2500)
	for _, in := range s.describes() {
		assert.False(t, hasFilter(in.Filters, "instance-id"), "no segments with Concurrency(1)")
	}
	assert.Equal(t, 3, s.count("DescribeInstances"))
}

func TestMissingIDsOfAFilteredIDCollectionFail(t *testing.T) {
	ids := fakeIDs(0, 3)
	missing := fakeID(99)
	s := &stub{describe: fleet(ids)}
	res, err := New(s).Filter(InstanceIDs(append(slices.Clone(ids), missing)...), InstanceStateName("running")).Terminate(bg)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	assert.NoError(t, be.ListErr, "the listing went through")
	assert.Equal(t, ids, res.Succeeded)
	assert.Equal(t, []string{missing}, res.FailedIDs())
	assert.ErrorIs(t, res.Failed[missing], ErrNotFound)
	assert.Equal(t, [][]string{ids}, terminateIDs(s), "the missing ID is not sent")
}

func TestUnnamedRefusalsHaveACallBudget(t *testing.T) {
	// Every call fails with an OperationNotPermitted that names no ID:
	// halving cannot find a culprit, and gives up after maxSplits.
	ids := fakeIDs(0, 1000)
	s := &stub{action: func(string, []string) error { return apiErr("OperationNotPermitted", "not allowed") }}
	res, err := New(s).Filter(InstanceIDs(ids...)).Reboot(bg)
	require.Error(t, err)
	assert.Equal(t, ids, res.FailedIDs())
	assert.Equal(t, 1+2*maxSplits, s.count("RebootInstances"))
}

func TestErrorsBeforeSendingAreCertain(t *testing.T) {
	// No EC2 code and no sign of a request on the wire (the SDK could not
	// get credentials): nothing happened, so the IDs fail at once.
	ids := fakeIDs(0, 3)
	s := &stub{action: func(string, []string) error {
		return errors.New("failed to refresh cached credentials, no EC2 IMDS role found")
	}}
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).Stop(bg)
	require.Error(t, err)
	assert.Equal(t, ids, res.FailedIDs())
	assert.Empty(t, res.Unknown)
	assert.Equal(t, 1, s.count("StopInstances"))
	assert.Equal(t, 0, s.count("DescribeInstances"))
}

func TestLostAnswersAreReconciled(t *testing.T) {
	// The request went out and no answer came back: the call may have
	// acted, so after the retries the IDs are described.
	ids := fakeIDs(0, 2)
	s := &stub{action: func(string, []string) error {
		return &smithyhttp.RequestSendError{Err: errors.New("read tcp: connection reset by peer")}
	}}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		insts := running(in.InstanceIds)
		insts[1].State.Name = types.InstanceStateNameStopping
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).Stop(bg)
	require.Error(t, err)
	assert.Equal(t, ids[1:], res.Succeeded)
	assert.Equal(t, ids[:1], res.Unknown)
	assert.Equal(t, 4, s.count("StopInstances"), "the call and three repeats")
}

func TestServerErrorsUnderAnExhaustedQuotaAreRetried(t *testing.T) {
	var n atomic.Int32
	s := &stub{action: func(string, []string) error {
		if n.Add(1) <= 6 {
			return errors.Join(serverError(), fmt.Errorf("failed to get rate limit token, %w", ratelimit.QuotaExceededError{Available: 0, Requested: 10}))
		}
		return nil
	}}
	ids := fakeIDs(0, 3)
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).Terminate(bg)
	require.NoError(t, err)
	assert.Equal(t, ids, res.Succeeded)
	assert.Equal(t, 7, s.count("TerminateInstances"), "more repeats than ServerErrorRetries: the quota is not a server error")
	assert.Equal(t, 0, s.count("DescribeInstances"))
}

func TestDryRunWithUncertainAnswersIsUnknown(t *testing.T) {
	ids := fakeIDs(0, 3)
	s := &stub{action: func(string, []string) error { return serverError() }, describe: fleet(ids)}
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).Stop(bg, DryRun())
	require.Error(t, err)
	assert.True(t, res.DryRun)
	assert.Empty(t, res.Succeeded, "a dry run's effect cannot be seen, so it is not guessed")
	assert.Equal(t, ids, res.Unknown)
}

func TestEndpointIgnoringDryRunIsStopped(t *testing.T) {
	ids := fakeIDs(0, 2500)
	s := &stub{} // answers success: DryRun ignored
	res, err := New(s).Filter(InstanceIDs(ids...)).Terminate(bg, DryRun())
	require.Error(t, err)
	assert.ErrorIs(t, err, errDryRunIgnored)
	assert.False(t, res.DryRun, "the action really ran")
	assert.Equal(t, 1, s.count("TerminateInstances"), "one call, then no more")
	assert.Equal(t, ids[:1000], res.Succeeded, "what the endpoint acted on is reported")
	assert.Len(t, res.Failed, 1500)
	assert.ErrorIs(t, res.Failed[ids[2000]], errDryRunIgnored)
}

func TestReconciledCreateTagsHasNoItems(t *testing.T) {
	ids := fakeIDs(0, 2)
	s := &stub{action: func(string, []string) error { return serverError() }}
	s.describe = func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		insts := running(in.InstanceIds)
		for i := range insts {
			insts[i].Tags = []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: insts}}}, nil
	}
	res, err := New(s, fast).Filter(InstanceIDs(ids...)).CreateTags(bg, map[string]string{"k": "v"})
	require.NoError(t, err)
	assert.Equal(t, ids, res.Succeeded, "the tags are there: the call took effect")
	assert.Empty(t, res.Items)
}

func TestDispatchedCountsOnlyWhatWasSent(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	ids := fakeIDs(0, 3000)
	var last Progress
	s := &stub{action: func(string, []string) error { cancel(); return nil }}
	res, err := New(s).Filter(InstanceIDs(ids...)).Reboot(ctx, Concurrency(1), OnProgress(func(p Progress) { last = p }))
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, res.Succeeded, 1000)
	assert.Len(t, res.Failed, 2000)
	assert.Equal(t, 1000, last.Dispatched)
	assert.Equal(t, 3000, last.Listed)
	assert.True(t, last.Done)
}

// sliceErr cannot be used as a map key; wrapErr's type can, but not a
// wrapErr that holds a sliceErr.
type sliceErr struct{ ids []string }

func (e sliceErr) Error() string { return strings.Join(e.ids, ",") }

type wrapErr struct{ inner error }

func (e wrapErr) Error() string { return "wrapped: " + e.inner.Error() }

func TestUncomparableErrorsAreKept(t *testing.T) {
	ids := fakeIDs(0, 2)
	s := &stub{action: func(_ string, call []string) error { return wrapErr{sliceErr{call}} }}
	res, err := New(s).Filter(InstanceIDs(ids...)).Reboot(bg)
	require.Error(t, err)
	assert.Equal(t, ids, res.FailedIDs())
	assert.Contains(t, err.Error(), "wrapped: "+ids[0])
}

func TestThrottledDescribeThenCancelEndsWithCtxErr(t *testing.T) {
	ctx, cancel := context.WithCancel(bg)
	s := &stub{describe: func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		cancel()
		return nil, apiErr("RequestLimitExceeded", "Request limit exceeded.")
	}}
	for _, err := range New(s).All().Iter(ctx) {
		assert.ErrorIs(t, err, context.Canceled)
	}
	_, err := New(s).All().IDs(ctx)
	assert.Equal(t, context.Canceled, err)
}

func TestManyFilterValuesListSequentially(t *testing.T) {
	// 190 values of the collection's own and up to 15 of a segment would
	// pass EC2's 200: such a collection is listed the ordinary way.
	vals := make([]string, 190)
	for i := range vals {
		vals[i] = fmt.Sprint("v", i)
	}
	s := &stub{describe: fleet(fakeIDs(0, 2500))}
	res, err := New(s).Filter(Tag("k", vals...)).Reboot(bg)
	require.NoError(t, err)
	assert.Len(t, res.Succeeded, 2500)
	for _, in := range s.describes() {
		assert.False(t, hasFilter(in.Filters, "instance-id"))
	}
	assert.Equal(t, 3, s.count("DescribeInstances"))
}

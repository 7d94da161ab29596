package ec2instances_test

// Integration tests: the real aws-sdk-go-v2 client over HTTP against the
// ec2test endpoint. Every test checks the endpoint's state afterwards and,
// where it matters, the exact requests it received.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ec2i "github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

var ctx = context.Background()

// quickRetries keeps the SDK's standard retryer (and its retry quota) but
// with short backoffs, so fault tests finish quickly.
func quickRetries(o *ec2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.NewExponentialJitterBackoff(20 * time.Millisecond)
	})
}

func newManager(srv *ec2test.Server, optFns ...func(*ec2i.Options)) *ec2i.Instances {
	optFns = append([]func(*ec2i.Options){func(o *ec2i.Options) {
		o.MaxBackoff = 20 * time.Millisecond
		o.WaiterMinDelay, o.WaiterMaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}}, optFns...)
	return ec2i.New(srv.Client(quickRetries), optFns...)
}

func truthState(t *testing.T, srv *ec2test.Server, id string) types.InstanceStateName {
	t.Helper()
	inst, ok := srv.Instance(id)
	require.True(t, ok, "the endpoint knows %s", id)
	return inst.State.Name
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func requestsOf(srv *ec2test.Server, action string) []ec2test.Request {
	var out []ec2test.Request
	for _, r := range srv.Requests() {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

func TestHTTPIterSendsExactRequests(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithRequestLog())
	defer srv.Close()
	web := srv.Launch(ec2test.LaunchSpec{Count: 23, Tags: map[string]string{"role": "web"}})
	srv.Launch(ec2test.LaunchSpec{Count: 7, Tags: map[string]string{"role": "db"}})
	ins := newManager(srv)

	ids, err := ins.Filter(ec2i.Tag("role", "web"), ec2i.InstanceStateName("running")).PageSize(10).IDs(ctx)
	require.NoError(t, err)
	assert.Equal(t, web, ids)
	reqs := requestsOf(srv, "DescribeInstances")
	require.Equal(t, 3, len(reqs))
	for i, r := range reqs {
		assert.Equal(t, "10", r.Params.Get("MaxResults"))
		assert.Equal(t, "tag:role", r.Params.Get("Filter.1.Name"))
		assert.Equal(t, "web", r.Params.Get("Filter.1.Value.1"))
		assert.Equal(t, "instance-state-name", r.Params.Get("Filter.2.Name"))
		assert.Equal(t, i > 0, r.Params.Has("NextToken"))
	}

	srv.ResetRequests()
	list, err := ins.Filter(ec2i.InstanceIDs(web[3], web[1])).PageSize(50).List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	reqs = requestsOf(srv, "DescribeInstances")
	require.Equal(t, 1, len(reqs))
	assert.False(t, reqs[0].Params.Has("MaxResults"), "no MaxResults next to InstanceIds")
	assert.Equal(t, []string{web[3], web[1]}, reqs[0].InstanceIDs)
}

func TestHTTPMissingIDsEndIterationWithNotFound(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 3})
	srv.Remove(ids[1])
	var got []string
	var last error
	for inst, err := range newManager(srv).Filter(ec2i.InstanceIDs(ids...)).Iter(ctx) {
		if err != nil {
			last = err
			break
		}
		got = append(got, inst.ID())
	}
	assert.ElementsMatch(t, []string{ids[0], ids[2]}, got)
	require.ErrorIs(t, last, ec2i.ErrNotFound)
	var nf *ec2i.NotFoundError
	require.ErrorAs(t, last, &nf)
	assert.Equal(t, []string{ids[1]}, nf.IDs)

	err := newManager(srv).Instance(ids[1]).Reload(ctx)
	assert.ErrorIs(t, err, ec2i.ErrNotFound)
}

func TestHTTPTerminate10kSendsTenFullCalls(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithRequestLog())
	defer srv.Close()
	doomed := srv.Launch(ec2test.LaunchSpec{Count: 10000, Tags: map[string]string{"fleet": "doomed"}})
	keep := srv.Launch(ec2test.LaunchSpec{Count: 300, Tags: map[string]string{"fleet": "keep"}})

	res, err := newManager(srv).Filter(ec2i.Tag("fleet", "doomed")).Terminate(ctx)
	require.NoError(t, err)

	calls := requestsOf(srv, "TerminateInstances")
	for _, c := range calls {
		t.Logf("TerminateInstances: %d IDs, status %d %s", len(c.InstanceIDs), c.Status, c.ErrorCode)
	}
	require.Equal(t, 10, len(calls))
	var sent []string
	for _, c := range calls {
		assert.Equal(t, 1000, len(c.InstanceIDs))
		sent = append(sent, c.InstanceIDs...)
	}
	assert.Equal(t, sorted(doomed), sorted(sent), "each doomed instance sent exactly once")
	assert.Equal(t, sorted(doomed), res.Succeeded)
	assert.Empty(t, res.Failed)
	assert.Empty(t, res.Unknown)
	assert.Equal(t, types.InstanceStateNameShuttingDown, res.Items[doomed[0]].CurrentState.Name)
	assert.Equal(t, types.InstanceStateNameRunning, res.Items[doomed[0]].PreviousState.Name)
	for _, id := range doomed {
		assert.Equal(t, types.InstanceStateNameTerminated, truthState(t, srv, id))
	}
	for _, id := range keep {
		assert.Equal(t, types.InstanceStateNameRunning, truthState(t, srv, id))
	}
}

func TestHTTPFilterChangingStopAcrossManyPages(t *testing.T) {
	for _, sequential := range []bool{true, false} {
		t.Run(fmt.Sprint("sequential=", sequential), func(t *testing.T) {
			srv := ec2test.NewServer(ec2test.WithRequestLog())
			defer srv.Close()
			runningIDs := srv.Launch(ec2test.LaunchSpec{Count: 1600})
			stopped := srv.Launch(ec2test.LaunchSpec{Count: 150, State: "stopped"})
			more := srv.Launch(ec2test.LaunchSpec{Count: 1000})
			runningIDs = append(runningIDs, more...) // 2600 running: three calls

			ins := newManager(srv, func(o *ec2i.Options) { o.SequentialListing = sequential })
			res, err := ins.Filter(ec2i.InstanceStateName("running")).PageSize(5).Stop(ctx)
			require.NoError(t, err)
			assert.Equal(t, sorted(runningIDs), res.Succeeded, "no instance skipped although each stop changes what matches")
			for _, id := range append(runningIDs, stopped...) {
				assert.Equal(t, types.InstanceStateNameStopped, truthState(t, srv, id))
			}
			var sent []string
			for _, c := range requestsOf(srv, "StopInstances") {
				sent = append(sent, c.InstanceIDs...)
			}
			assert.Equal(t, sorted(runningIDs), sorted(sent), "none sent twice")
			assert.Len(t, requestsOf(srv, "StopInstances"), 3)
		})
	}
}

func TestHTTPThrottlingLosesNothing(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithSeed(7), ec2test.WithThrottleRate(0.3), ec2test.WithRequestLog())
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 3000})
	// A tiny retry quota, so the SDK runs out of it and the engine's own
	// retries must carry the work.
	quota := &countingQuota{RateLimiter: ratelimit.NewTokenRateLimit(10)}
	client := srv.Client(func(o *ec2.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.NewExponentialJitterBackoff(5 * time.Millisecond)
			so.RateLimiter = quota
		})
	})
	ins := ec2i.New(client, func(o *ec2i.Options) { o.MaxBackoff = 10 * time.Millisecond; o.PageSize = 100 })
	res, err := ins.All().Stop(ctx, ec2i.Concurrency(8))
	require.NoError(t, err)
	assert.Equal(t, sorted(ids), res.Succeeded, "each ID reported once, as succeeded")
	for _, id := range ids {
		assert.Equal(t, types.InstanceStateNameStopped, truthState(t, srv, id))
	}
	throttled := 0
	for _, r := range srv.Requests() {
		if r.ErrorCode == "RequestLimitExceeded" {
			throttled++
		}
	}
	assert.Greater(t, throttled, 5, "the endpoint did throttle")
	assert.Positive(t, quota.refused.Load(), "the SDK ran out of retry quota")
}

// countingQuota counts the retries the SDK's retry quota refused.
type countingQuota struct {
	retry.RateLimiter
	refused atomic.Int32
}

func (q *countingQuota) GetToken(ctx context.Context, cost uint) (func() error, error) {
	release, err := q.RateLimiter.GetToken(ctx, cost)
	if err != nil {
		q.refused.Add(1)
	}
	return release, err
}

func TestHTTPSharedDefaultClientUnderThrottling(t *testing.T) {
	// Several batch actions at once on one client with the SDK's default
	// retryer: none may fail for "retry quota exceeded".
	srv := ec2test.NewServer(ec2test.WithSeed(3), ec2test.WithThrottleRate(0.5))
	defer srv.Close()
	var groups [][]string
	for g := range 6 {
		groups = append(groups, srv.Launch(ec2test.LaunchSpec{Count: 400, Tags: map[string]string{"group": fmt.Sprint(g)}}))
	}
	// The SDK's standard retryer with its default quota of 500 tokens,
	// only with short backoffs; the quota runs out under this load.
	quota := &countingQuota{RateLimiter: ratelimit.NewTokenRateLimit(500)}
	client := srv.Client(func(o *ec2.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.NewExponentialJitterBackoff(time.Millisecond)
			so.RateLimiter = quota
		})
	})
	ins := ec2i.New(client, func(o *ec2i.Options) { o.MaxBackoff = 20 * time.Millisecond; o.PageSize = 5 })
	var wg sync.WaitGroup
	errs := make([]error, len(groups))
	for g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[g] = ins.Filter(ec2i.Tag("group", fmt.Sprint(g))).CreateTags(ctx, map[string]string{"done": "yes"}, ec2i.Concurrency(4))
		}()
	}
	wg.Wait()
	for g, err := range errs {
		require.NoError(t, err, "group %d", g)
		for _, id := range groups[g] {
			inst, _ := srv.Instance(id)
			assert.True(t, slices.ContainsFunc(inst.Tags, func(tg types.Tag) bool { return *tg.Key == "done" && *tg.Value == "yes" }))
		}
	}
	assert.Positive(t, quota.refused.Load(), "the shared quota did run out")
}

func TestHTTPVanishedIDInAChunk(t *testing.T) {
	var srv *ec2test.Server
	var once sync.Once
	var gone string
	srv = ec2test.NewServer(ec2test.WithRequestLog(), ec2test.WithRequestHook(func(r ec2test.Request) {
		if r.Action == "TerminateInstances" && len(r.InstanceIDs) == 1000 {
			once.Do(func() { gone = r.InstanceIDs[777]; srv.Remove(gone) })
		}
	}))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 2500})

	res, err := newManager(srv).All().Terminate(ctx)
	require.Error(t, err)
	require.NotEmpty(t, gone)
	assert.Equal(t, []string{gone}, res.FailedIDs())
	assert.ErrorIs(t, res.Failed[gone], ec2i.ErrNotFound)
	var ae smithy.APIError
	require.ErrorAs(t, res.Failed[gone], &ae)
	assert.Equal(t, "InvalidInstanceID.NotFound", ae.ErrorCode())
	rest := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == gone })
	assert.Equal(t, sorted(rest), res.Succeeded)
	for _, id := range rest {
		assert.Equal(t, types.InstanceStateNameTerminated, truthState(t, srv, id))
	}
	assert.Equal(t, 4, len(requestsOf(srv, "TerminateInstances")), "three calls and one repeat without the vanished ID")
}

func TestHTTPProtectedInstanceAmongThousandsInThreeZones(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithAvailabilityZones("us-east-1a", "us-east-1b", "us-east-1c"), ec2test.WithRequestLog())
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 3000})
	protected := ids[1234]
	srv.SetProtection(protected, true, false)

	res, err := newManager(srv).All().Terminate(ctx)
	require.Error(t, err)
	for _, id := range ids {
		st := truthState(t, srv, id)
		switch res.Outcome(id) {
		case ec2i.Succeeded:
			assert.Equal(t, types.InstanceStateNameTerminated, st, id)
		case ec2i.Failed:
			assert.Equal(t, types.InstanceStateNameRunning, st, id)
		default:
			t.Errorf("%s: outcome %v", id, res.Outcome(id))
		}
	}
	assert.Equal(t, []string{protected}, res.FailedIDs())
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "OperationNotPermitted", ae.ErrorCode())
	assert.Len(t, res.Succeeded, 2999)
	// Three calls; the one with the protected instance terminates the
	// other zones, a describe sees that, and one more call takes the
	// rest of its zone.
	assert.Len(t, requestsOf(srv, "TerminateInstances"), 4)
}

func TestHTTPStopProtectedInstancesAmongThousands(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithRequestLog())
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 3000})
	protected := []string{ids[10], ids[2500]}
	for _, id := range protected {
		srv.SetProtection(id, false, true)
	}
	res, err := newManager(srv).All().Stop(ctx)
	require.Error(t, err)
	assert.Equal(t, sorted(protected), res.FailedIDs())
	for _, id := range protected {
		assert.Equal(t, "OperationNotPermitted", ec2iErrorCode(res.Failed[id]))
		assert.Equal(t, types.InstanceStateNameRunning, truthState(t, srv, id))
	}
	assert.Len(t, res.Succeeded, 2998)
	for _, id := range res.Succeeded {
		assert.Equal(t, types.InstanceStateNameStopped, truthState(t, srv, id))
	}
	assert.LessOrEqual(t, len(requestsOf(srv, "StopInstances")), 5, "three calls, and one more for each chunk with a protected instance")
}

func ec2iErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestHTTPCancelMidBatch(t *testing.T) {
	// TerminateInstances calls take effect at once, then their answers
	// are held back; the third call's arrival cancels the action. The
	// calls in flight then have acted without an answer, and the calls
	// not yet sent never will be.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var calls atomic.Int32
	srv := ec2test.NewServer(ec2test.WithRequestLog(), ec2test.WithRequestHook(func(r ec2test.Request) {
		if r.Action == "TerminateInstances" && calls.Add(1) == 3 {
			cancel()
		}
	}))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 6000})
	srv.SetFaults(ec2test.Faults{ResponseLatency: 200 * time.Millisecond, Actions: []string{"TerminateInstances"}})

	res, err := newManager(srv).All().Terminate(cctx, ec2i.Concurrency(3))
	require.ErrorIs(t, err, context.Canceled)
	changed := 0
	for _, id := range ids {
		st := truthState(t, srv, id)
		isChanged := st == types.InstanceStateNameTerminated
		if isChanged {
			changed++
		}
		switch res.Outcome(id) {
		case ec2i.Succeeded:
			assert.True(t, isChanged, "%s reported succeeded but is %s", id, st)
		case ec2i.Failed:
			assert.False(t, isChanged, "%s reported failed but was terminated", id)
			assert.ErrorIs(t, res.Failed[id], context.Canceled)
		case ec2i.Unknown:
		default:
			t.Errorf("%s is not reported", id)
		}
	}
	assert.Equal(t, 3000, changed, "the three calls sent took effect")
	assert.Len(t, res.Succeeded, 3000, "the calls cut short were seen to have acted")
	assert.Len(t, res.Failed, 3000, "the calls after the cancel were never sent")
	assert.Empty(t, res.Unknown)
	assert.Len(t, requestsOf(srv, "TerminateInstances"), 3)
}

func TestHTTPDryRunAndDeny(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithDeny(func(action string, _ []string) bool { return action == "RebootInstances" }))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 5})
	ins := newManager(srv)

	res, err := ins.All().Terminate(ctx, ec2i.DryRun())
	require.NoError(t, err)
	assert.True(t, res.DryRun)
	assert.Equal(t, sorted(ids), res.Succeeded)
	for _, id := range ids {
		assert.Equal(t, types.InstanceStateNameRunning, truthState(t, srv, id), "a dry run changes nothing")
	}

	res2, err := ins.All().Reboot(ctx, ec2i.DryRun())
	require.Error(t, err)
	assert.Equal(t, sorted(ids), res2.FailedIDs())
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "UnauthorizedOperation", ae.ErrorCode())

	require.NoError(t, ins.Filter(ec2i.Tag("x", "y")).DryRun(ctx))
}

func TestHTTPOtherActions(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 1200, State: "stopped"})
	ins := newManager(srv)
	all := ins.Filter(ec2i.InstanceIDs(ids...))

	res, err := all.Start(ctx)
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNamePending, res.Items[ids[0]].CurrentState.Name)
	assert.Equal(t, types.InstanceStateNameStopped, res.Items[ids[0]].PreviousState.Name)
	require.NoError(t, all.WaitUntilRunning(ctx, 10*time.Second))

	_, err = all.CreateTags(ctx, map[string]string{"owner": "ops", "Name": ""})
	require.NoError(t, err)
	// A filtered collection's waiter lists the instances, then waits by ID.
	require.NoError(t, ins.Filter(ec2i.Tag("owner", "ops")).WaitUntilRunning(ctx, 10*time.Second))
	err = ins.Filter(ec2i.Tag("owner", "ops")).WaitUntilStopped(ctx, 50*time.Millisecond)
	var we *ec2i.WaitError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, len(ids), len(we.IDs), "every instance is named as not stopped")
	mon, err := all.Monitor(ctx)
	require.NoError(t, err)
	assert.Equal(t, types.MonitoringStatePending, mon.Items[ids[5]].Monitoring.State)
	for _, id := range ids {
		inst, _ := srv.Instance(id)
		assert.Equal(t, types.InstanceStateNameRunning, inst.State.Name)
		assert.Equal(t, types.MonitoringStateEnabled, inst.Monitoring.State)
		got := map[string]string{}
		for _, tg := range inst.Tags {
			got[*tg.Key] = *tg.Value
		}
		assert.Equal(t, map[string]string{"owner": "ops", "Name": ""}, got)
	}
	_, err = ins.Filter(ec2i.Tag("owner", "ops")).Unmonitor(ctx)
	require.NoError(t, err)
	reb, err := ins.Filter(ec2i.MonitoringState("disabled")).Reboot(ctx)
	require.NoError(t, err)
	assert.Len(t, reb.Succeeded, 1200)
}

func TestHTTPInstanceResource(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithTransitionDelay(30 * time.Millisecond))
	defer srv.Close()
	ins := newManager(srv)
	created, err := ins.Create(ctx, &ec2.RunInstancesInput{ImageId: awsString(ec2test.DefaultImageID), InstanceType: types.InstanceTypeT3Micro})
	require.NoError(t, err)
	require.Len(t, created, 1)
	inst := created[0]
	assert.Equal(t, types.InstanceStateNamePending, inst.State.Name)
	require.NoError(t, inst.WaitUntilRunning(ctx, 5*time.Second))
	assert.Equal(t, types.InstanceStateNameRunning, inst.State.Name, "the waiter refreshed the data")

	require.NoError(t, inst.ModifyAttribute(ctx, &ec2.ModifyInstanceAttributeInput{DisableApiTermination: &types.AttributeBooleanValue{Value: awsBool(true)}}))
	attr, err := inst.DescribeAttribute(ctx, types.InstanceAttributeNameDisableApiTermination)
	require.NoError(t, err)
	assert.True(t, *attr.DisableApiTermination.Value)
	_, err = inst.Terminate(ctx)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "OperationNotPermitted", ae.ErrorCode())

	require.NoError(t, inst.ModifyAttribute(ctx, &ec2.ModifyInstanceAttributeInput{DisableApiTermination: &types.AttributeBooleanValue{Value: awsBool(false)}}))
	ch, err := inst.Terminate(ctx)
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNameShuttingDown, ch.CurrentState.Name)
	require.NoError(t, inst.WaitUntilTerminated(ctx, 5*time.Second))
	assert.Equal(t, types.InstanceStateNameTerminated, inst.State.Name)

	out, err := inst.ConsoleOutput(ctx, false)
	require.NoError(t, err)
	assert.NotEmpty(t, out)
}

func awsString(s string) *string { return &s }
func awsBool(b bool) *bool       { return &b }

func TestHTTPCollectionWaiterRidesOutThrottling(t *testing.T) {
	for seed := range int64(4) {
		srv := ec2test.NewServer(ec2test.WithSeed(seed), ec2test.WithTransitionDelay(30*time.Millisecond))
		ids := srv.Launch(ec2test.LaunchSpec{Count: 50, State: "stopped"})
		ins := newManager(srv, func(o *ec2i.Options) {
			o.WaiterMinDelay = 10 * time.Millisecond
			o.WaiterMaxDelay = 20 * time.Millisecond
		})
		fleet := ins.Filter(ec2i.InstanceIDs(ids...))
		_, err := fleet.Start(ctx)
		require.NoError(t, err)
		srv.SetFaults(ec2test.Faults{ThrottleRate: 0.6, Actions: []string{"DescribeInstances"}})
		require.NoError(t, fleet.WaitUntilRunning(ctx, 20*time.Second), "seed %d", seed)
		for _, id := range ids {
			assert.Equal(t, types.InstanceStateNameRunning, truthState(t, srv, id))
		}
		srv.Close()
	}
}

func TestHTTPCollectionWaiterChunksShareOneDeadline(t *testing.T) {
	// Five chunks of 1000 that never get there, with Concurrency 1: the
	// five waiters start at once and share the one maxWait, rather than
	// waiting one maxWait after another.
	var mu sync.Mutex
	var start time.Time
	firstPoll := map[string]time.Duration{} // chunk (its first ID) -> when it was first polled
	srv := ec2test.NewServer(ec2test.WithRequestHook(func(r ec2test.Request) {
		if r.Action == "DescribeInstances" && len(r.InstanceIDs) == 1000 {
			mu.Lock()
			if _, ok := firstPoll[r.InstanceIDs[0]]; !ok && !start.IsZero() {
				firstPoll[r.InstanceIDs[0]] = time.Since(start)
			}
			mu.Unlock()
		}
	}))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 5000})
	ins := newManager(srv, func(o *ec2i.Options) {
		o.Concurrency = 1
		o.WaiterMinDelay = 50 * time.Millisecond
		o.WaiterMaxDelay = 50 * time.Millisecond
	})
	const maxWait = 2 * time.Second
	mu.Lock()
	start = time.Now()
	mu.Unlock()
	err := ins.Filter(ec2i.InstanceIDs(ids...)).WaitUntilStopped(ctx, maxWait)
	var we *ec2i.WaitError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, sorted(ids), we.IDs)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, firstPoll, 5)
	for chunk, at := range firstPoll {
		assert.Less(t, at, maxWait, "chunk %s started before the first maxWait was up", chunk)
	}
}

func TestHTTPCollectionWaitUntilTerminatedCountsPurgedInstances(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := ec2test.NewServer(ec2test.WithClock(clock), ec2test.WithTerminatedRetention(time.Minute))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 1500})
	ins := newManager(srv)
	fleet := ins.Filter(ec2i.InstanceIDs(ids...))
	_, err := fleet.Terminate(ctx)
	require.NoError(t, err)
	mu.Lock()
	now = now.Add(time.Hour) // EC2 has forgotten them
	mu.Unlock()
	_, known := srv.Instance(ids[0])
	require.False(t, known)
	require.NoError(t, fleet.WaitUntilTerminated(ctx, 5*time.Second))
	// Half forgotten, half still there and terminated: the same.
	more := srv.Launch(ec2test.LaunchSpec{Count: 10})
	_, err = ins.Filter(ec2i.InstanceIDs(more...)).Terminate(ctx)
	require.NoError(t, err)
	require.NoError(t, ins.Filter(ec2i.InstanceIDs(append(more, ids[:5]...)...)).WaitUntilTerminated(ctx, 5*time.Second))
}

package ec2instances_test

// Batch-action scenarios written once against the EC2 API and run on two
// endpoints: the in-process ec2test server always, and moto when
// EC2INSTANCES_MOTO_ENDPOINT is set (scripts/moto.sh sets it; with CI=true a
// missing moto is a failure). Setup and checks go through the SDK only, so
// each scenario checks what the endpoint holds afterwards, not what the
// library says about it.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ec2i "github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/conformance"
	"github.com/ec2go/ec2instances/ec2test"
)

// endpoint is what the scenarios need to know about where they run.
type endpoint struct {
	client *ec2.Client
	moto   bool // moto: no Monitor/Unmonitor, DisableApiTermination ignored at launch
}

func TestBatchScenariosEC2Test(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	runBatchScenarios(t, endpoint{client: srv.Client()})
}

func TestBatchScenariosMoto(t *testing.T) {
	url := os.Getenv("EC2INSTANCES_MOTO_ENDPOINT")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("EC2INSTANCES_MOTO_ENDPOINT is not set: in CI the moto scenarios must run (use scripts/moto.sh)")
		}
		t.Skip("EC2INSTANCES_MOTO_ENDPOINT is not set; run through scripts/moto.sh to check against moto")
	}
	runBatchScenarios(t, endpoint{client: conformance.NewClient(url), moto: true})
}

func runBatchScenarios(t *testing.T, ep endpoint) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	run := hex.EncodeToString(b)
	ins := ec2i.New(ep.client, func(o *ec2i.Options) {
		o.MaxBackoff = 50 * time.Millisecond
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	// launch starts n instances in reservations of per, tagged with the
	// run and the scenario, and returns their IDs.
	launch := func(t *testing.T, scenario string, n, per int) []string {
		t.Helper()
		var ids []string
		for len(ids) < n {
			k := int32(min(per, n-len(ids)))
			out, err := ep.client.RunInstances(ctx, &ec2.RunInstancesInput{
				ImageId: aws.String(conformance.ImageID), InstanceType: types.InstanceTypeT3Micro,
				MinCount: aws.Int32(k), MaxCount: aws.Int32(k),
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{
					{Key: aws.String("run"), Value: aws.String(run)},
					{Key: aws.String("scenario"), Value: aws.String(scenario)},
				}}},
			})
			require.NoError(t, err)
			for _, inst := range out.Instances {
				ids = append(ids, *inst.InstanceId)
			}
		}
		return ids
	}
	scenario := func(name string) ec2i.Collection {
		return ins.Filter(ec2i.Tag("run", run), ec2i.Tag("scenario", name))
	}
	// states reads the endpoint's state of every ID with the raw SDK.
	states := func(t *testing.T, ids []string) map[string]types.InstanceStateName {
		t.Helper()
		got := map[string]types.InstanceStateName{}
		for start := 0; start < len(ids); start += 500 {
			out, err := ep.client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids[start:min(start+500, len(ids))]})
			require.NoError(t, err)
			for _, r := range out.Reservations {
				for _, inst := range r.Instances {
					got[*inst.InstanceId] = inst.State.Name
				}
			}
		}
		return got
	}
	gone := func(st types.InstanceStateName) bool {
		return st == types.InstanceStateNameShuttingDown || st == types.InstanceStateNameTerminated
	}

	t.Run("terminate by tag touches only the tagged", func(t *testing.T) {
		doomed := launch(t, "doomed", 120, 40)
		kept := launch(t, "kept", 30, 30)
		res, err := scenario("doomed").Terminate(ctx)
		require.NoError(t, err)
		assert.Equal(t, sorted(doomed), res.Succeeded)
		st := states(t, append(slices.Clone(doomed), kept...))
		for _, id := range doomed {
			assert.True(t, gone(st[id]), "%s is %s", id, st[id])
		}
		for _, id := range kept {
			assert.Equal(t, types.InstanceStateNameRunning, st[id], id)
		}
	})

	t.Run("stop the running ones across small pages", func(t *testing.T) {
		ids := launch(t, "pages", 36, 3) // twelve reservations: moto pages by reservation
		res, err := ins.Filter(ec2i.Tag("run", run), ec2i.Tag("scenario", "pages"), ec2i.InstanceStateName("running")).PageSize(5).Stop(ctx)
		require.NoError(t, err)
		assert.Equal(t, sorted(ids), res.Succeeded)
		for id, st := range states(t, ids) {
			assert.Contains(t, []types.InstanceStateName{types.InstanceStateNameStopping, types.InstanceStateNameStopped}, st, id)
		}
	})

	t.Run("dry run changes nothing", func(t *testing.T) {
		ids := launch(t, "dry", 5, 5)
		res, err := scenario("dry").Terminate(ctx, ec2i.DryRun())
		require.NoError(t, err)
		assert.True(t, res.DryRun)
		assert.Equal(t, sorted(ids), res.Succeeded)
		for id, st := range states(t, ids) {
			assert.Equal(t, types.InstanceStateNameRunning, st, id)
		}
	})

	t.Run("a vanished ID fails alone", func(t *testing.T) {
		ids := launch(t, "vanished", 8, 8)
		missing := "i-0123456789abcdef0"
		res, err := ins.Filter(ec2i.InstanceIDs(append(slices.Clone(ids), missing)...)).Terminate(ctx)
		require.ErrorIs(t, err, ec2i.ErrNotFound)
		assert.Equal(t, []string{missing}, res.FailedIDs())
		assert.Equal(t, sorted(ids), res.Succeeded)
		for id, st := range states(t, ids) {
			assert.True(t, gone(st), "%s is %s", id, st)
		}
	})

	t.Run("a protected instance fails alone", func(t *testing.T) {
		ids := launch(t, "protected", 10, 10)
		protected := ids[4]
		// moto ignores DisableApiTermination at launch, so set it after.
		_, err := ep.client.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
			InstanceId: aws.String(protected), DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		require.NoError(t, err)
		res, err := scenario("protected").Terminate(ctx)
		var ae smithy.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "OperationNotPermitted", ae.ErrorCode())
		st := states(t, ids)
		for _, id := range ids {
			switch res.Outcome(id) {
			case ec2i.Succeeded:
				assert.True(t, gone(st[id]), "%s reported terminated but is %s", id, st[id])
			case ec2i.Failed:
				assert.Equal(t, types.InstanceStateNameRunning, st[id], id)
			default:
				t.Errorf("%s: %v", id, res.Outcome(id))
			}
		}
		assert.Equal(t, []string{protected}, res.FailedIDs())
	})

	t.Run("tags, reboot and waiters", func(t *testing.T) {
		ids := launch(t, "misc", 6, 6)
		c := scenario("misc")
		_, err := c.CreateTags(ctx, map[string]string{"owner": "ops"})
		require.NoError(t, err)
		tagged, err := ins.Filter(ec2i.Tag("run", run), ec2i.Tag("owner", "ops")).IDs(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, ids, tagged)
		reb, err := c.Reboot(ctx)
		require.NoError(t, err)
		assert.Len(t, reb.Succeeded, 6)
		_, err = c.Stop(ctx)
		require.NoError(t, err)
		require.NoError(t, ins.Filter(ec2i.InstanceIDs(ids...)).WaitUntilStopped(ctx, 30*time.Second))
		for id, st := range states(t, ids) {
			assert.Equal(t, types.InstanceStateNameStopped, st, id)
		}
	})

	t.Run("monitor and unmonitor", func(t *testing.T) {
		if ep.moto {
			t.Skip("moto: MonitorInstances and UnmonitorInstances are not implemented (500)")
		}
		ids := launch(t, "monitor", 4, 4)
		res, err := scenario("monitor").Monitor(ctx)
		require.NoError(t, err)
		assert.Equal(t, sorted(ids), res.Succeeded)
		on, err := ins.Filter(ec2i.Tag("run", run), ec2i.Tag("scenario", "monitor"), ec2i.MonitoringState("enabled", "pending")).IDs(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, ids, on)
		_, err = scenario("monitor").Unmonitor(ctx)
		require.NoError(t, err)
	})

	t.Run("a cancel with calls in flight reports what they did", func(t *testing.T) {
		// The endpoint acts on the TerminateInstances calls, but their
		// answers never arrive: the context is cancelled as soon as
		// each request has been answered, before the SDK reads the
		// answer. Every instance must come back succeeded (seen
		// terminated by a describe after the cancel) or unknown, and
		// none failed.
		ids := launch(t, "cancel", 12, 12)
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		client := ec2.New(ep.client.Options(), func(o *ec2.Options) {
			o.HTTPClient = cancelAfter{inner: o.HTTPClient, action: "TerminateInstances", cancel: cancel}
		})
		lost := ec2i.New(client, func(o *ec2i.Options) { o.MaxBackoff = 50 * time.Millisecond })
		res, err := lost.Filter(ec2i.InstanceIDs(ids...)).Terminate(cctx)
		require.ErrorIs(t, cctx.Err(), context.Canceled, "the answer was lost")
		st := states(t, ids)
		for _, id := range ids {
			switch res.Outcome(id) {
			case ec2i.Succeeded:
				assert.True(t, gone(st[id]), "%s reported succeeded but is %s", id, st[id])
			case ec2i.Unknown:
			default:
				t.Errorf("%s: %v although the call reached the endpoint", id, res.Outcome(id))
			}
			assert.True(t, gone(st[id]), "%s: the call acted", id)
		}
		assert.Equal(t, sorted(ids), res.Succeeded, "the describe after the cancel saw every one terminated")
		assert.NoError(t, err, "every instance succeeded, so the action did")
	})

	t.Run("more IDs than one call takes", func(t *testing.T) {
		// 1100 IDs: two TerminateInstances calls (a collection of only
		// IDs is acted on without a listing). Last, since the extra
		// instances slow down moto's filtered listings.
		ids := launch(t, "chunks", 1100, 100)
		res, err := ins.Filter(ec2i.InstanceIDs(ids...)).Terminate(ctx)
		require.NoError(t, err)
		assert.Equal(t, sorted(ids), res.Succeeded)
		for id, st := range states(t, ids) {
			assert.True(t, gone(st), "%s is %s", id, st)
		}
	})
}

// cancelAfter is an HTTP client that sends each request of one action,
// then calls cancel and reports the cancellation instead of the answer,
// as if the answer had been lost when the caller gave up.
type cancelAfter struct {
	inner  ec2.HTTPClient
	action string
	cancel context.CancelFunc
}

func (c cancelAfter) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := c.inner.Do(r)
	if err != nil || !bytes.Contains(body, []byte("Action="+c.action)) {
		return resp, err
	}
	_ = resp.Body.Close()
	c.cancel()
	return nil, context.Canceled
}

package ec2instances

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// values returns n distinct values prefix0, prefix1, ...
func values(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// collectionOps runs every operation of c that sends requests and returns
// their errors, so a test can check that each one reports the
// collection's error.
func collectionOps(c Collection) map[string]error {
	errs := map[string]error{}
	_, errs["IDs"] = c.IDs(bg)
	_, errs["List"] = c.List(bg)
	for _, err := range c.Iter(bg) {
		errs["Iter"] = err
	}
	for _, err := range c.Pages(bg) {
		errs["Pages"] = err
	}
	errs["DryRun"] = c.DryRun(bg)
	_, errs["Stop"] = c.Stop(bg)
	_, errs["Terminate"] = c.Terminate(bg)
	_, errs["CreateTags"] = c.CreateTags(bg, map[string]string{"k": "v"})
	_, errs["Monitor"] = c.Monitor(bg)
	errs["WaitUntilRunning"] = c.WaitUntilRunning(bg, time.Second)
	return errs
}

// TestCoreCollectionValidationSendsNothing checks every validation rule
// of filters and collection builders: the error matches ErrInvalidInput,
// has the exact text, is returned by every operation, and no request
// reaches the client.
func TestCoreCollectionValidationSendsNothing(t *testing.T) {
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name  string
		build func(*Instances) Collection
		want  string
	}{
		{"unknown filter name", func(m *Instances) Collection { return m.Filter(Where("instance-state", "running")) },
			`ec2instances: filter name "instance-state": not a DescribeInstances filter; did you mean instance-state-name?`},
		{"empty value list", func(m *Instances) Collection { return m.Filter(VPCID()) },
			`ec2instances: filter vpc-id: at least one value is required`},
		{"enum value in the wrong case", func(m *Instances) Collection { return m.Filter(InstanceStateName("Running")) },
			`ec2instances: filter instance-state-name value "Running": must be one of ` + stateNames + ` (case-sensitive)`},
		{"bool filter", func(m *Instances) Collection { return m.Filter(EBSOptimized("yes")) },
			`ec2instances: filter ebs-optimized value "yes": must be true or false (case-sensitive)`},
		{"int filter", func(m *Instances) Collection { return m.Filter(LaunchIndex("first")) },
			`ec2instances: filter launch-index value "first": must be a non-negative decimal integer`},
		{"int filter out of range", func(m *Instances) Collection { return m.Filter(MetadataOptionsHTTPPutResponseHopLimit("65")) },
			`ec2instances: filter metadata-options.http-put-response-hop-limit value "65": must be a decimal integer from 1 to 64`},
		{"time filter", func(m *Instances) Collection { return m.Filter(LaunchTime("yesterday")) },
			`ec2instances: filter launch-time value "yesterday": ` + filterTimeWant},
		{"201 values in one filter", func(m *Instances) Collection { return m.Filter(VPCID(values("vpc-", 201)...)) },
			`ec2instances: filter vpc-id: 201 values given; EC2 accepts at most 200 filter values in one request`},
		{"201 values over two filters", func(m *Instances) Collection {
			return m.Filter(VPCID(values("vpc-", 150)...), SubnetID(values("subnet-", 51)...))
		}, `ec2instances: filters: 201 filter values in all; EC2 accepts at most 200 in one request, over all filters (InstanceIDs do not count)`},
		{"300 values over chained Filter calls", func(m *Instances) Collection {
			return m.Filter(VPCID(values("vpc-", 150)...)).Filter(SubnetID(values("subnet-", 150)...))
		}, `ec2instances: filters: 300 filter values in all; EC2 accepts at most 200 in one request, over all filters (InstanceIDs do not count)`},
		{"too many values in a scoped collection", func(m *Instances) Collection {
			return m.InVPC("vpc-1").Filter(SubnetID(values("subnet-", 200)...))
		}, `ec2instances: filters: 201 filter values in all; EC2 accepts at most 200 in one request, over all filters (InstanceIDs do not count)`},
		{"value of 256 characters", func(m *Instances) Collection { return m.Filter(Tag("Name", long)) },
			`ec2instances: filter tag:Name value "` + long + `": is 256 characters long; EC2 accepts at most 255`},
		{"malformed InstanceIDs", func(m *Instances) Collection { return m.Filter(InstanceIDs(fakeID(1), "i-123")) },
			`ec2instances: InstanceIDs value "i-123": must be i- followed by 8 or 17 lowercase hexadecimal digits`},
		{"empty InstanceIDs value", func(m *Instances) Collection { return m.Filter(InstanceIDs("")) },
			`ec2instances: InstanceIDs value: the empty string is not allowed; must be i- followed by 8 or 17 lowercase hexadecimal digits`},
		{"zero Filter", func(m *Instances) Collection { return m.Filter(Filter{}) },
			`ec2instances: filter: the zero Filter has no name; build filters with the package's constructors`},
		{"page size", func(m *Instances) Collection { return m.All().PageSize(4) },
			`ec2instances: PageSize "4": must be between 5 and 1000`},
		{"negative limit", func(m *Instances) Collection { return m.All().Limit(-1) },
			`ec2instances: Limit "-1": must be zero or more`},
		{"first error wins", func(m *Instances) Collection {
			return m.Filter(InstanceStateName("Running")).Filter(Where("colour", "red")).PageSize(1)
		}, `ec2instances: filter instance-state-name value "Running": must be one of ` + stateNames + ` (case-sensitive)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{describe: fleet(fakeIDs(0, 3))}
			c := tc.build(New(s))
			require.EqualError(t, c.Err(), tc.want)
			assert.ErrorIs(t, c.Err(), ErrInvalidInput)
			for op, err := range collectionOps(c) {
				assert.EqualError(t, err, tc.want, op)
				assert.ErrorIs(t, err, ErrInvalidInput, op)
			}
			assert.Equal(t, 0, s.total(), "no request may be sent")
		})
	}
}

// The limit counts filter values only: 200 of them plus any number of
// instance IDs is a valid request, and exactly what is sent.
func TestCoreFilterValueLimitBoundary(t *testing.T) {
	s := &stub{describe: fleet(fakeIDs(0, 3))}
	ins := New(s)
	c := ins.Filter(VPCID(values("vpc-", 150)...)).Filter(SubnetID(values("subnet-", 50)...), InstanceIDs(fakeIDs(0, 3)...))
	require.NoError(t, c.Err())
	ids, err := c.IDs(bg)
	require.NoError(t, err)
	assert.Equal(t, fakeIDs(0, 3), ids)
	in := s.describes()
	require.Len(t, in, 1)
	require.Len(t, in[0].Filters, 2)
	assert.Len(t, in[0].Filters[0].Values, 150)
	assert.Len(t, in[0].Filters[1].Values, 50)
	assert.Equal(t, fakeIDs(0, 3), in[0].InstanceIds)

	// A 255-character value is sent as it is.
	v := strings.Repeat("é", 255)
	_, err = ins.Filter(Tag("Name", v)).IDs(bg)
	require.NoError(t, err)
	assert.Equal(t, []types.Filter{{Name: aws.String("tag:Name"), Values: []string{v}}}, s.describes()[1].Filters)
}

// TestCoreManagerValidationSendsNothing checks the validation of New's
// options, of Create, of the Instance methods' arguments and of Instance
// values not made by a manager.
func TestCoreManagerValidationSendsNothing(t *testing.T) {
	id := fakeID(7)
	idWant := "must be i- followed by 8 or 17 lowercase hexadecimal digits"
	for _, tc := range []struct {
		name string
		opts func(*Options)
		call func(*Instances) error
		want string
	}{
		// Options: reported by every operation of the manager.
		{"negative Options.Concurrency", func(o *Options) { o.Concurrency = -1 }, nil,
			`ec2instances: Options.Concurrency "-1": must be zero (default) or more`},
		{"negative Options.MaxBackoff", func(o *Options) { o.MaxBackoff = -time.Second }, nil,
			`ec2instances: Options.MaxBackoff "-1s": must not be negative`},
		{"negative Options.ReconcileTimeout", func(o *Options) { o.ReconcileTimeout = -time.Minute }, nil,
			`ec2instances: Options.ReconcileTimeout "-1m0s": must not be negative`},
		{"negative Options.WaiterMinDelay", func(o *Options) { o.WaiterMinDelay = -time.Millisecond }, nil,
			`ec2instances: Options.WaiterMinDelay "-1ms": must not be negative`},
		{"negative Options.WaiterMaxDelay", func(o *Options) { o.WaiterMaxDelay = -time.Millisecond }, nil,
			`ec2instances: Options.WaiterMaxDelay "-1ms": must not be negative`},
		{"WaiterMinDelay above WaiterMaxDelay", func(o *Options) { o.WaiterMinDelay, o.WaiterMaxDelay = time.Minute, time.Second }, nil,
			`ec2instances: Options.WaiterMinDelay "1m0s": must not exceed Options.WaiterMaxDelay 1s`},
		{"Options.PageSize", func(o *Options) { o.PageSize = 4 }, nil,
			`ec2instances: Options.PageSize "4": must be between 5 and 1000`},

		// Create.
		{"Create(nil)", nil, func(m *Instances) error { _, err := m.Create(bg, nil); return err },
			`ec2instances: RunInstancesInput: is nil`},
		{"MinCount above MaxCount", nil, func(m *Instances) error {
			_, err := m.Create(bg, &ec2.RunInstancesInput{MinCount: aws.Int32(5), MaxCount: aws.Int32(3)})
			return err
		}, `ec2instances: RunInstancesInput.MinCount "5": must not exceed RunInstancesInput.MaxCount 3`},
		{"MinCount zero", nil, func(m *Instances) error {
			_, err := m.Create(bg, &ec2.RunInstancesInput{MinCount: aws.Int32(0), MaxCount: aws.Int32(3)})
			return err
		}, `ec2instances: RunInstancesInput.MinCount "0": must be at least 1`},
		{"MaxCount alone negative", nil, func(m *Instances) error {
			_, err := m.Create(bg, &ec2.RunInstancesInput{MaxCount: aws.Int32(-2)})
			return err
		}, `ec2instances: RunInstancesInput.MaxCount "-2": must be at least 1`},

		// Instance arguments.
		{"malformed instance ID", nil, func(m *Instances) error { return m.Instance("bad").Reload(bg) },
			`ec2instances: instance ID "bad": ` + idWant},
		{"empty instance ID", nil, func(m *Instances) error { _, err := m.Instance("").Stop(bg); return err },
			`ec2instances: instance ID: the empty string is not allowed; ` + idWant},
		{"ModifyAttribute(nil)", nil, func(m *Instances) error { return m.Instance(id).ModifyAttribute(bg, nil) },
			`ec2instances: ModifyInstanceAttributeInput: is nil`},
		{"DescribeAttribute(\"\")", nil, func(m *Instances) error { _, err := m.Instance(id).DescribeAttribute(bg, ""); return err },
			`ec2instances: attribute: is empty; pass one of the types.InstanceAttributeName constants`},
		{"DeleteTags without keys", nil, func(m *Instances) error { return m.Instance(id).DeleteTags(bg, nil) },
			`ec2instances: DeleteTags keys: at least one key is required (EC2 would delete every tag)`},
		{"DeleteTags of an aws: key", nil, func(m *Instances) error { return m.Instance(id).DeleteTags(bg, []string{"Name", "aws:x"}) },
			`ec2instances: tag key "aws:x": the prefix "aws:" is reserved for AWS`},
		{"CreateTags with an empty key", nil, func(m *Instances) error { return m.Instance(id).CreateTags(bg, map[string]string{"": "v"}) },
			`ec2instances: tag key: must not be empty`},
		{"negative Concurrency option", nil, func(m *Instances) error { _, err := m.Instance(id).Stop(bg, Concurrency(-1)); return err },
			`ec2instances: Concurrency "-1": must be at least 1`},
		{"zero maxWait", nil, func(m *Instances) error { return m.Instance(id).WaitUntilRunning(bg, 0) },
			`ec2instances: maxWait "0s": must be positive`},
		{"negative maxWait of WaitUntilTerminated", nil, func(m *Instances) error { return m.Instance(id).WaitUntilTerminated(bg, -time.Second) },
			`ec2instances: maxWait "-1s": must be positive`},
		{"Instance not made by a manager", nil, func(*Instances) error { return (&Instance{}).Reload(bg) },
			`ec2instances: Instance: was not made by an Instances manager; use Instances.Instance(id)`},
		{"nil *Instance", nil, func(*Instances) error { var i *Instance; _, err := i.Terminate(bg); return err },
			`ec2instances: Instance: was not made by an Instances manager; use Instances.Instance(id)`},
		{"hand-made Instance with an ID", nil, func(*Instances) error {
			inst := &Instance{Instance: types.Instance{InstanceId: aws.String(id)}}
			return inst.WaitUntilExists(bg, time.Second)
		}, `ec2instances: Instance: was not made by an Instances manager; use Instances.Instance(id)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{describe: fleet(fakeIDs(0, 10))}
			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			m := New(s, opts...)
			calls := map[string]error{}
			if tc.call != nil {
				calls["call"] = tc.call(m)
			} else {
				// Bad options: every entry point reports them.
				for op, err := range collectionOps(m.All()) {
					calls[op] = err
				}
				_, calls["Create"] = m.Create(bg, &ec2.RunInstancesInput{})
				calls["Reload"] = m.Instance(id).Reload(bg)
				calls["DeleteTags"] = m.Instance(id).DeleteTags(bg, []string{"k"})
				_, calls["ConsoleOutput"] = m.Instance(id).ConsoleOutput(bg, false)
				calls["WaitUntilTerminated"] = m.Instance(id).WaitUntilTerminated(bg, time.Second)
			}
			for op, err := range calls {
				require.Error(t, err, op)
				assert.EqualError(t, err, tc.want, op)
				assert.True(t, errors.Is(err, ErrInvalidInput), "%s: %v does not match ErrInvalidInput", op, err)
				var ve *ValidationError
				assert.True(t, errors.As(err, &ve), "%s: %T is not a *ValidationError", op, err)
			}
			assert.Equal(t, 0, s.total(), "no request may be sent")
		})
	}
}

// Create fills in the count that is missing from the other one, and one
// instance when both are missing; the caller's input is left alone.
func TestCoreCreateCounts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max *int32
		wantMin  int32
		wantMax  int32
	}{
		{"neither", nil, nil, 1, 1},
		{"only MaxCount", nil, aws.Int32(3), 3, 3},
		{"only MinCount", aws.Int32(2), nil, 2, 2},
		{"both", aws.Int32(2), aws.Int32(4), 2, 4},
		{"equal", aws.Int32(5), aws.Int32(5), 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{}
			in := &ec2.RunInstancesInput{ImageId: aws.String("ami-12345678"), MinCount: tc.min, MaxCount: tc.max}
			got, err := New(s).Create(bg, in)
			require.NoError(t, err)
			require.Equal(t, 1, s.total())
			sent := s.inputs("RunInstances")[0].(*ec2.RunInstancesInput)
			assert.Equal(t, tc.wantMin, aws.ToInt32(sent.MinCount))
			assert.Equal(t, tc.wantMax, aws.ToInt32(sent.MaxCount))
			assert.Len(t, got, int(tc.wantMax), "the stub launches MaxCount instances")
			assert.Equal(t, tc.min, in.MinCount, "the caller's input is not modified")
			assert.Equal(t, tc.max, in.MaxCount, "the caller's input is not modified")
		})
	}
}

// notFoundStub answers every call about instances with EC2's
// InvalidInstanceID.NotFound.
type notFoundStub struct {
	stub
	code string
}

func (s *notFoundStub) err(id string) error {
	return apiErr(s.code, "The instance ID '"+id+"' does not exist")
}

func (s *notFoundStub) DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, fns ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	_, _ = s.stub.DeleteTags(ctx, in, fns...)
	return nil, s.err(in.Resources[0])
}

func (s *notFoundStub) ModifyInstanceAttribute(ctx context.Context, in *ec2.ModifyInstanceAttributeInput, fns ...func(*ec2.Options)) (*ec2.ModifyInstanceAttributeOutput, error) {
	_, _ = s.stub.ModifyInstanceAttribute(ctx, in, fns...)
	return nil, s.err(aws.ToString(in.InstanceId))
}

func (s *notFoundStub) DescribeInstanceAttribute(ctx context.Context, in *ec2.DescribeInstanceAttributeInput, fns ...func(*ec2.Options)) (*ec2.DescribeInstanceAttributeOutput, error) {
	_, _ = s.stub.DescribeInstanceAttribute(ctx, in, fns...)
	return nil, s.err(aws.ToString(in.InstanceId))
}

func (s *notFoundStub) GetConsoleOutput(ctx context.Context, in *ec2.GetConsoleOutputInput, fns ...func(*ec2.Options)) (*ec2.GetConsoleOutputOutput, error) {
	_, _ = s.stub.GetConsoleOutput(ctx, in, fns...)
	return nil, s.err(aws.ToString(in.InstanceId))
}

// The Instance methods that call EC2 directly report an unknown instance
// as the batch actions do: a *NotFoundError naming it, matching
// ErrNotFound, with EC2's error inside.
func TestCoreDirectCallsReportNotFound(t *testing.T) {
	id := fakeID(42)
	for _, code := range []string{"InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"} {
		s := &notFoundStub{code: code}
		s.describe = fleet(nil)
		s.action = func(string, []string) error { return s.err(id) }
		inst := New(s).Instance(id)
		inst.Tags = []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
		calls := map[string]error{
			"DeleteTags":      inst.DeleteTags(bg, []string{"k"}),
			"ModifyAttribute": inst.ModifyAttribute(bg, &ec2.ModifyInstanceAttributeInput{DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}}),
			"CreateTags":      inst.CreateTags(bg, map[string]string{"a": "b"}),
			"Reboot":          inst.Reboot(bg),
			"Reload":          inst.Reload(bg),
		}
		_, calls["DescribeAttribute"] = inst.DescribeAttribute(bg, types.InstanceAttributeNameInstanceType)
		_, calls["ConsoleOutput"] = inst.ConsoleOutput(bg, false)
		_, calls["Terminate"] = inst.Terminate(bg)
		_, calls["Monitor"] = inst.Monitor(bg)
		for op, err := range calls {
			require.Error(t, err, op)
			assert.True(t, errors.Is(err, ErrNotFound), "%s (%s): %v does not match ErrNotFound", op, code, err)
			var nf *NotFoundError
			if assert.True(t, errors.As(err, &nf), "%s (%s): %T", op, code, err) {
				assert.Equal(t, []string{id}, nf.IDs, op)
			}
			assert.Equal(t, "ec2instances: instance not found: "+id, err.Error(), op)
			if op != "Reload" {
				assert.Equal(t, code, errorCode(err), "%s: EC2's error is kept inside", op)
			}
		}
		assert.Equal(t, "v", aws.ToString(inst.Tags[0].Value), "a failed DeleteTags keeps the tag")
		assert.Len(t, inst.Tags, 1, "a failed CreateTags adds nothing")
		for _, op := range []string{"DeleteTags", "ModifyInstanceAttribute", "DescribeInstanceAttribute", "GetConsoleOutput"} {
			assert.Equal(t, 1, s.count(op), "%s sent once", op)
		}
		assert.Equal(t, []string{id}, s.inputs("DeleteTags")[0].(*ec2.DeleteTagsInput).Resources)
		assert.Equal(t, id, aws.ToString(s.inputs("ModifyInstanceAttribute")[0].(*ec2.ModifyInstanceAttributeInput).InstanceId))
	}
}

// Other errors of the direct calls are EC2's own, unwrapped.
func TestCoreDirectCallsKeepOtherErrors(t *testing.T) {
	s := &notFoundStub{code: "UnauthorizedOperation"}
	inst := New(s).Instance(fakeID(1))
	err := inst.DeleteTags(bg, []string{"k"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNotFound))
	assert.Equal(t, "UnauthorizedOperation", errorCode(err))
	_, err = inst.ConsoleOutput(bg, true)
	assert.False(t, errors.Is(err, ErrNotFound))
	assert.Equal(t, "UnauthorizedOperation", errorCode(err))
}

package ec2instances

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// stub is an API that records every request and answers from functions
// the test sets. Unset functions answer with empty outputs.
type stub struct {
	mu    sync.Mutex
	calls []stubCall

	describe func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error)
	// action answers the instance actions (TerminateInstances, ...) and
	// CreateTags; nil answers success for every ID.
	action func(op string, ids []string) error
}

type stubCall struct {
	Op string
	In any
}

var _ API = (*stub)(nil)

func (s *stub) record(op string, in any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, stubCall{op, in})
}

// count returns how many calls of op were made.
func (s *stub) count(op string) int {
	return len(s.inputs(op))
}

// total returns how many calls were made.
func (s *stub) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func (s *stub) inputs(op string) []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []any
	for _, c := range s.calls {
		if c.Op == op {
			out = append(out, c.In)
		}
	}
	return out
}

func (s *stub) describes() []*ec2.DescribeInstancesInput {
	var out []*ec2.DescribeInstancesInput
	for _, in := range s.inputs("DescribeInstances") {
		out = append(out, in.(*ec2.DescribeInstancesInput))
	}
	return out
}

func (s *stub) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	s.record("DescribeInstances", in)
	if s.describe == nil {
		return &ec2.DescribeInstancesOutput{}, nil
	}
	return s.describe(in)
}

func (s *stub) act(op string, ids []string) error {
	if s.action == nil {
		return nil
	}
	return s.action(op, ids)
}

func changes(ids []string, prev, cur types.InstanceStateName) []types.InstanceStateChange {
	out := make([]types.InstanceStateChange, len(ids))
	for i, id := range ids {
		out[i] = types.InstanceStateChange{InstanceId: aws.String(id),
			PreviousState: &types.InstanceState{Name: prev}, CurrentState: &types.InstanceState{Name: cur}}
	}
	return out
}

func monitorings(ids []string, st types.MonitoringState) []types.InstanceMonitoring {
	out := make([]types.InstanceMonitoring, len(ids))
	for i, id := range ids {
		out[i] = types.InstanceMonitoring{InstanceId: aws.String(id), Monitoring: &types.Monitoring{State: st}}
	}
	return out
}

func (s *stub) RunInstances(_ context.Context, in *ec2.RunInstancesInput, _ ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error) {
	s.record("RunInstances", in)
	n := int(aws.ToInt32(in.MaxCount))
	out := &ec2.RunInstancesOutput{}
	for i := range n {
		out.Instances = append(out.Instances, types.Instance{InstanceId: aws.String(fakeID(9000 + i)),
			State: &types.InstanceState{Name: types.InstanceStateNamePending, Code: aws.Int32(0)}})
	}
	return out, nil
}

func (s *stub) CreateTags(_ context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	s.record("CreateTags", in)
	return &ec2.CreateTagsOutput{}, s.act("CreateTags", in.Resources)
}

func (s *stub) DeleteTags(_ context.Context, in *ec2.DeleteTagsInput, _ ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	s.record("DeleteTags", in)
	return &ec2.DeleteTagsOutput{}, s.act("DeleteTags", in.Resources)
}

func (s *stub) MonitorInstances(_ context.Context, in *ec2.MonitorInstancesInput, _ ...func(*ec2.Options)) (*ec2.MonitorInstancesOutput, error) {
	s.record("MonitorInstances", in)
	if err := s.act("MonitorInstances", in.InstanceIds); err != nil {
		return nil, err
	}
	return &ec2.MonitorInstancesOutput{InstanceMonitorings: monitorings(in.InstanceIds, types.MonitoringStatePending)}, nil
}

func (s *stub) UnmonitorInstances(_ context.Context, in *ec2.UnmonitorInstancesInput, _ ...func(*ec2.Options)) (*ec2.UnmonitorInstancesOutput, error) {
	s.record("UnmonitorInstances", in)
	if err := s.act("UnmonitorInstances", in.InstanceIds); err != nil {
		return nil, err
	}
	return &ec2.UnmonitorInstancesOutput{InstanceMonitorings: monitorings(in.InstanceIds, types.MonitoringStateDisabling)}, nil
}

func (s *stub) RebootInstances(_ context.Context, in *ec2.RebootInstancesInput, _ ...func(*ec2.Options)) (*ec2.RebootInstancesOutput, error) {
	s.record("RebootInstances", in)
	return &ec2.RebootInstancesOutput{}, s.act("RebootInstances", in.InstanceIds)
}

func (s *stub) StartInstances(_ context.Context, in *ec2.StartInstancesInput, _ ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error) {
	s.record("StartInstances", in)
	if err := s.act("StartInstances", in.InstanceIds); err != nil {
		return nil, err
	}
	return &ec2.StartInstancesOutput{StartingInstances: changes(in.InstanceIds, "stopped", "pending")}, nil
}

func (s *stub) StopInstances(_ context.Context, in *ec2.StopInstancesInput, _ ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	s.record("StopInstances", in)
	if err := s.act("StopInstances", in.InstanceIds); err != nil {
		return nil, err
	}
	return &ec2.StopInstancesOutput{StoppingInstances: changes(in.InstanceIds, "running", "stopping")}, nil
}

func (s *stub) TerminateInstances(_ context.Context, in *ec2.TerminateInstancesInput, _ ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error) {
	s.record("TerminateInstances", in)
	if err := s.act("TerminateInstances", in.InstanceIds); err != nil {
		return nil, err
	}
	return &ec2.TerminateInstancesOutput{TerminatingInstances: changes(in.InstanceIds, "running", "shutting-down")}, nil
}

func (s *stub) ModifyInstanceAttribute(_ context.Context, in *ec2.ModifyInstanceAttributeInput, _ ...func(*ec2.Options)) (*ec2.ModifyInstanceAttributeOutput, error) {
	s.record("ModifyInstanceAttribute", in)
	if aws.ToBool(in.DryRun) {
		return nil, apiErr("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	return &ec2.ModifyInstanceAttributeOutput{}, nil
}

func (s *stub) DescribeInstanceAttribute(_ context.Context, in *ec2.DescribeInstanceAttributeInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstanceAttributeOutput, error) {
	s.record("DescribeInstanceAttribute", in)
	return &ec2.DescribeInstanceAttributeOutput{InstanceId: in.InstanceId,
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(true)}}, nil
}

func (s *stub) GetConsoleOutput(_ context.Context, in *ec2.GetConsoleOutputInput, _ ...func(*ec2.Options)) (*ec2.GetConsoleOutputOutput, error) {
	s.record("GetConsoleOutput", in)
	return &ec2.GetConsoleOutputOutput{InstanceId: in.InstanceId, Output: aws.String("aGVsbG8sIGNvbnNvbGUK")}, nil
}

// apiErr builds an EC2-style API error.
func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

// fakeID returns a well-formed instance ID for n.
func fakeID(n int) string { return fmt.Sprintf("i-%017x", n) }

func fakeIDs(from, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fakeID(from + i)
	}
	return ids
}

// fleet returns a describe function over instances with the given IDs,
// all running. It pages by MaxResults with the offset as the token,
// one reservation per page, and answers InstanceIds queries like EC2
// (InvalidInstanceID.NotFound naming every unknown ID).
func fleet(ids []string) func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	return func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		if len(in.InstanceIds) > 0 {
			var missing []string
			for _, id := range in.InstanceIds {
				if !slices.Contains(ids, id) {
					missing = append(missing, id)
				}
			}
			if len(missing) == 1 {
				return nil, apiErr("InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", missing[0]))
			} else if len(missing) > 1 {
				return nil, apiErr("InvalidInstanceID.NotFound", fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", ")))
			}
			return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: running(in.InstanceIds)}}}, nil
		}
		start := 0
		if in.NextToken != nil {
			start, _ = strconv.Atoi(*in.NextToken)
		}
		end := len(ids)
		if in.MaxResults != nil {
			end = min(start+int(*in.MaxResults), len(ids))
		}
		out := &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: running(ids[start:end])}}}
		if end < len(ids) {
			out.NextToken = aws.String(strconv.Itoa(end))
		}
		return out, nil
	}
}

func running(ids []string) []types.Instance {
	out := make([]types.Instance, len(ids))
	for i, id := range ids {
		out[i] = types.Instance{InstanceId: aws.String(id),
			State: &types.InstanceState{Name: types.InstanceStateNameRunning, Code: aws.Int32(16)}}
	}
	return out
}

// scripted returns a describe function that answers the given pages in
// order, each with NextToken "t<n>" except the last.
func scripted(pages ...[]string) func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	return func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		n := 0
		if in.NextToken != nil {
			n, _ = strconv.Atoi(strings.TrimPrefix(*in.NextToken, "t"))
		}
		out := &ec2.DescribeInstancesOutput{}
		if len(pages[n]) > 0 {
			out.Reservations = []types.Reservation{{Instances: running(pages[n])}}
		}
		if n+1 < len(pages) {
			out.NextToken = aws.String("t" + strconv.Itoa(n+1))
		}
		return out, nil
	}
}

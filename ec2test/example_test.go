package ec2test_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/ec2go/ec2instances/ec2test"
)

// A test starts a server, takes a real *ec2.Client for it and calls EC2
// as usual. Like EC2, one RunInstances call puts all its instances in one
// zone and subnet.
func ExampleNewServer() {
	s := ec2test.NewServer()
	defer s.Close()
	client := s.Client()
	ctx := context.Background()

	run, err := client.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId:  aws.String(ec2test.DefaultImageID),
		MinCount: aws.Int32(2),
		MaxCount: aws.Int32(2),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}},
		}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("launched", len(run.Instances), "instances, state", run.Instances[0].State.Name)

	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}},
	})
	if err != nil {
		panic(err)
	}
	for _, in := range out.Reservations[0].Instances {
		fmt.Println(*in.InstanceId, in.State.Name, *in.Placement.AvailabilityZone)
	}
	// Output:
	// launched 2 instances, state pending
	// i-0ac79afd7d601b2b4 running us-east-1a
	// i-02b2b7f3ec2f94a94 running us-east-1a
}

// Launch seeds instances without HTTP; Instance reads the server's truth
// back, as DescribeInstances would show it.
func ExampleServer_Launch() {
	s := ec2test.NewServer(ec2test.WithSeed(7))
	defer s.Close()
	ids := s.Launch(ec2test.LaunchSpec{Count: 1000, InstanceType: "t3.micro", Tags: map[string]string{"env": "test"}})
	s.Launch(ec2test.LaunchSpec{Count: 10, State: "stopped"})

	out, err := s.Client().TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: ids[:3]})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(out.TerminatingInstances), "terminating")
	in, _ := s.Instance(ids[0])
	fmt.Println(in.State.Name, *in.StateTransitionReason != "")
	fmt.Println(s.Len(), "instances")
	// Output:
	// 3 terminating
	// terminated true
	// 1010 instances
}

// SetFaults changes the injected faults while the server runs. A fault is
// decided before a request is processed, so a throttled call changes
// nothing.
func ExampleServer_SetFaults() {
	s := ec2test.NewServer(ec2test.WithSeed(3))
	defer s.Close()
	ids := s.Launch(ec2test.LaunchSpec{Count: 2})
	client := s.Client(func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()

	s.SetFaults(ec2test.Faults{ThrottleRate: 1, Actions: []string{"StopInstances"}})
	_, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("stop:", apiErr.ErrorCode())
	}
	in, _ := s.Instance(ids[0])
	fmt.Println("state:", in.State.Name)

	s.SetFaults(ec2test.Faults{})
	if _, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids}); err != nil {
		panic(err)
	}
	in, _ = s.Instance(ids[0])
	fmt.Println("state:", in.State.Name)
	fmt.Println("StopInstances requests:", s.RequestCount("StopInstances"))
	// Output:
	// stop: RequestLimitExceeded
	// state: running
	// state: stopped
	// StopInstances requests: 2
}

// WithDeny simulates IAM: denied calls fail with UnauthorizedOperation,
// also in a dry run, which otherwise answers DryRunOperation.
func ExampleWithDeny() {
	var protected string
	s := ec2test.NewServer(ec2test.WithDeny(func(action string, instanceIDs []string) bool {
		if action != "TerminateInstances" {
			return false
		}
		for _, id := range instanceIDs {
			if id == protected {
				return true
			}
		}
		return false
	}))
	defer s.Close()
	ids := s.Launch(ec2test.LaunchSpec{Count: 2})
	protected = ids[1]
	client := s.Client()
	ctx := context.Background()

	for _, id := range ids {
		_, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}, DryRun: aws.Bool(true)})
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			fmt.Println(apiErr.ErrorCode())
		}
	}
	// Output:
	// DryRunOperation
	// UnauthorizedOperation
}

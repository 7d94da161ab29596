package ec2instances_test

// Runnable examples of the package's API. Each one runs against an
// in-process ec2test endpoint, so `go test` runs them with no AWS account;
// in a program, build the client from your AWS configuration instead:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	ins := ec2instances.New(ec2.NewFromConfig(cfg))

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

// The package in brief: a lazy collection, Go iterators, and a batch
// action that accounts for every instance. (The README opens with this
// code.)
func Example() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, InstanceType: "t3.small", Tags: map[string]string{"env": "staging"}})
	srv.Launch(ec2test.LaunchSpec{Count: 3, InstanceType: "m5.large", Tags: map[string]string{"env": "prod"}})
	ctx := context.Background()

	ins := ec2instances.New(srv.Client()) // in a program: ec2.NewFromConfig(cfg)

	staging := ins.Filter(
		ec2instances.InstanceStateName("running"),
		ec2instances.Tag("env", "staging"),
	)
	for inst, err := range staging.Iter(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(inst.InstanceType, inst.State.Name)
	}

	res, err := staging.Stop(ctx) // 1000 IDs a call, concurrent calls, every ID accounted for
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(res.Succeeded), "stopping")
	// Output:
	// t3.small running
	// t3.small running
	// 2 stopping
}

// Error handling: bad input is ErrInvalidInput and nothing was sent; a
// batch action that did not succeed everywhere returns a *BatchError,
// and its Result says which instance failed and why. (The README's
// section on errors shows this code.)
func Example_errors() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 4, Tags: map[string]string{"role": "batch"}})
	srv.Launch(ec2test.LaunchSpec{Tags: map[string]string{"role": "batch"}, DisableAPITermination: true})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.Filter(ec2instances.Tag("role", "batch")).Terminate(ctx)
	if errors.Is(err, ec2instances.ErrInvalidInput) {
		fmt.Println("bad filter, tag or option; nothing was sent:", err) // and res is nil
		return
	}
	fmt.Println(len(res.Succeeded), "terminated")

	var batchErr *ec2instances.BatchError
	if errors.As(err, &batchErr) {
		fmt.Printf("%d of %d failed, %d unknown\n", batchErr.Failed, batchErr.Total, batchErr.Unknown)
		for _, id := range res.FailedIDs() {
			var apiErr smithy.APIError
			switch cause := res.Failed[id]; {
			case errors.Is(cause, ec2instances.ErrNotFound):
				fmt.Println("no such instance")
			case errors.As(cause, &apiErr):
				fmt.Println(apiErr.ErrorCode()) // e.g. OperationNotPermitted: termination protection
			default:
				fmt.Println(cause) // e.g. context.Canceled: never sent
			}
		}
		// res.Unknown lists the instances whose outcome could not be
		// learned (a call in flight when ctx ended): look again later.
	}
	// Output:
	// 4 terminated
	// 1 of 5 failed, 0 unknown
	// OperationNotPermitted
}

// Retries and concurrency: the SDK's retryer retries each call; batch
// actions add their own retries of throttling and server errors on top,
// and run several calls at once. (The README's section on retries shows
// this code.)
func Example_retries() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 50})
	ctx := context.Background()

	client := srv.Client(func(o *ec2.Options) { // in a program: ec2.NewFromConfig(cfg, ...)
		o.RetryMaxAttempts = 5 // the SDK's attempts per call (default 3)
	})
	ins := ec2instances.New(client, func(o *ec2instances.Options) {
		o.Concurrency = 20               // action calls at once (default 10)
		o.MaxBackoff = 30 * time.Second  // cap on the engine's own backoff (default 20 s)
		o.ServerErrorRetries = 5         // engine retries of a 5xx before checking (default 3)
		o.ReconcileTimeout = time.Minute // checking in-flight calls after ctx ends (default 30 s)
	})
	res, err := ins.All().Stop(ctx, ec2instances.Concurrency(4)) // for this action only
	fmt.Println(len(res.Succeeded), err)
	// Output:
	// 50 <nil>
}

// Testing your own code: give it a client of an ec2test server, then
// read the server's truth back. (The README's section on testing shows
// this code.)
func Example_testing() {
	// The code under test: stop everything tagged env=ci.
	stopCI := func(ctx context.Context, ins *ec2instances.Instances) error {
		_, err := ins.Filter(ec2instances.Tag("env", "ci")).Stop(ctx)
		return err
	}

	// In a test function: srv := ec2test.NewServer(); defer srv.Close() ...
	srv := ec2test.NewServer()
	defer srv.Close()
	ci := srv.Launch(ec2test.LaunchSpec{Count: 3, Tags: map[string]string{"env": "ci"}})
	prod := srv.Launch(ec2test.LaunchSpec{Count: 2, Tags: map[string]string{"env": "prod"}})

	if err := stopCI(context.Background(), ec2instances.New(srv.Client())); err != nil {
		fmt.Println(err) // t.Fatal(err)
	}
	for _, id := range append(ci, prod...) {
		inst, _ := srv.Instance(id)
		fmt.Println(inst.State.Name) // compare with what the test expects
	}
	// Output:
	// stopped
	// stopped
	// stopped
	// running
	// running
}

// countingAPI is an ec2instances.API that counts the calls it passes on
// to the client it wraps. Embedding the interface supplies the methods it
// does not override.
type countingAPI struct {
	ec2instances.API
	describes, stops atomic.Int32 // batch actions call concurrently
}

func (c *countingAPI) DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	c.describes.Add(1)
	return c.API.DescribeInstances(ctx, in, optFns...)
}

func (c *countingAPI) StopInstances(ctx context.Context, in *ec2.StopInstancesInput, optFns ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error) {
	c.stops.Add(1)
	return c.API.StopInstances(ctx, in, optFns...)
}

// API is the part of the SDK client the package uses. Any implementation
// will do: here one that wraps a client and counts calls.
func ExampleAPI() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3, Tags: map[string]string{"env": "ci"}})

	api := &countingAPI{API: srv.Client()}
	ins := ec2instances.New(api)
	res, err := ins.Filter(ec2instances.Tag("env", "ci")).Stop(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(res.Succeeded), "stopping")
	fmt.Println(api.describes.Load(), "DescribeInstances,", api.stops.Load(), "StopInstances")
	// Output:
	// 3 stopping
	// 1 DescribeInstances, 1 StopInstances
}

// New wraps an SDK client. The option functions adjust the defaults;
// Instances.Options reports the result.
func ExampleNew() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3})

	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.Concurrency = 4
	})
	ids, err := ins.All().IDs(context.Background())
	fmt.Println(len(ids), err)

	opts := ins.Options()
	fmt.Println(opts.Concurrency, opts.PageSize, opts.SequentialListing)
	// Output:
	// 3 <nil>
	// 4 1000 false
}

// A nil client, or an option out of range, is not reported by New but by
// every operation, before any request is sent.
func ExampleNew_invalid() {
	ins := ec2instances.New(nil)
	_, err := ins.All().IDs(context.Background())
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))

	ins = ec2instances.New(ec2.New(ec2.Options{}), func(o *ec2instances.Options) { o.PageSize = 2000 })
	_, err = ins.All().IDs(context.Background())
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// true
	// true
}

// Options tune a manager: page size, batch concurrency, the batch
// engine's own retries, waiter polling, and SDK options for every call.
func ExampleOptions() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 12})

	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.PageSize = 5                 // MaxResults of each DescribeInstances
		o.Concurrency = 2              // batch action calls at once
		o.SequentialListing = true     // batch actions list one page after another (Iter always does)
		o.MaxBackoff = 5 * time.Second // cap on the engine's throttling backoff
		o.WaiterMinDelay, o.WaiterMaxDelay = 50*time.Millisecond, time.Second
		o.ClientOptions = append(o.ClientOptions, func(eo *ec2.Options) {
			eo.RetryMaxAttempts = 5 // the SDK's own retries
		})
	})
	pages := 0
	for _, err := range ins.All().Pages(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		pages++
	}
	fmt.Println(pages, "pages")
	// Output:
	// 3 pages
}

// All is every instance; acting on all of them has to say so.
func ExampleInstances_All() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 4})
	srv.Launch(ec2test.LaunchSpec{Count: 2, State: "stopped"})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	states := map[types.InstanceStateName]int{}
	for inst, err := range ins.All().Iter(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		states[inst.State.Name]++
	}
	fmt.Println(states)
	// Output:
	// map[running:4 stopped:2]
}

// Filter selects instances; filters AND together, the values of one
// filter OR together.
func ExampleInstances_Filter() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3, Tags: map[string]string{"role": "web"}})
	srv.Launch(ec2test.LaunchSpec{Count: 2, Tags: map[string]string{"role": "db"}})
	srv.Launch(ec2test.LaunchSpec{Count: 1, Tags: map[string]string{"role": "web"}, State: "stopped"})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	web, _ := ins.Filter(ec2instances.Tag("role", "web")).IDs(ctx)
	runningWeb, _ := ins.Filter(ec2instances.Tag("role", "web"), ec2instances.InstanceStateName("running")).IDs(ctx)
	webOrDB, _ := ins.Filter(ec2instances.Tag("role", "web", "db")).IDs(ctx)
	fmt.Println(len(web), len(runningWeb), len(webOrDB))
	// Output:
	// 4 3 6
}

// InVPC, InSubnet and InPlacementGroup are boto3's vpc.instances,
// subnet.instances and placement_group.instances.
func ExampleInstances_InVPC() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3, VPCID: "vpc-0a1b2c3d", SubnetID: "subnet-0a1b2c3d"})
	srv.Launch(ec2test.LaunchSpec{Count: 2, PlacementGroup: "hpc"})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	inVPC, _ := ins.InVPC("vpc-0a1b2c3d").IDs(ctx)
	inSubnet, _ := ins.InSubnet("subnet-0a1b2c3d").IDs(ctx)
	inGroup, _ := ins.InPlacementGroup("hpc").IDs(ctx)
	fmt.Println(len(inVPC), len(inSubnet), len(inGroup))
	fmt.Println(ins.InVPC("vpc-0a1b2c3d"))
	// Output:
	// 3 3 2
	// Collection(vpc-id=vpc-0a1b2c3d)
}

// Instance makes an instance from its ID without a request; Reload loads
// its data. Actions work at once.
func ExampleInstances_Instance() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{InstanceType: "t3.micro", Tags: map[string]string{"Name": "web-1"}})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	inst := ins.Instance(id)
	fmt.Println(inst.ID() == id, inst.State == nil)
	if err := inst.Reload(ctx); err != nil {
		fmt.Println(err)
		return
	}
	name, _ := inst.Tag("Name")
	fmt.Println(inst.InstanceType, inst.State.Name, name)

	// An ID that is not an instance ID is reported before any request.
	err := ins.Instance("web-1").Reload(ctx)
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	fmt.Println(err)
	// Output:
	// true true
	// t3.micro running web-1
	// true
	// ec2instances: instance ID "web-1": must be i- followed by 8 or 17 lowercase hexadecimal digits
}

// Create launches instances, like boto3's create_instances, and returns
// them as RunInstances described them.
func ExampleInstances_Create() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	ctx := context.Background()

	insts, err := ins.Create(ctx, &ec2.RunInstancesInput{
		ImageId:      aws.String(ec2test.DefaultImageID),
		InstanceType: types.InstanceTypeT3Micro,
		MinCount:     aws.Int32(2),
		MaxCount:     aws.Int32(2),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         []types.Tag{{Key: aws.String("role"), Value: aws.String("worker")}},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, inst := range insts {
		role, _ := inst.Tag("role")
		fmt.Println(inst.InstanceType, inst.State.Name, role)
	}
	if err := insts[0].WaitUntilRunning(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(insts[0].State.Name)
	// Output:
	// t3.micro pending worker
	// t3.micro pending worker
	// running
}

// Filter narrows a collection. Filters given together or in later calls
// all must match (AND); the values of one filter are alternatives (OR).
// Each call returns a new collection and leaves the old one as it was.
func ExampleCollection_Filter() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, InstanceType: "t3.micro", Tags: map[string]string{"env": "prod"}})
	srv.Launch(ec2test.LaunchSpec{InstanceType: "t3.small", Tags: map[string]string{"env": "prod"}})
	srv.Launch(ec2test.LaunchSpec{InstanceType: "m5.large", Tags: map[string]string{"env": "prod"}})
	srv.Launch(ec2test.LaunchSpec{InstanceType: "t3.micro", Tags: map[string]string{"env": "dev"}})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	prod := ins.Filter(ec2instances.Tag("env", "prod"))
	small := prod.Filter(ec2instances.InstanceType("t3.micro", "t3.small"))
	for _, c := range []ec2instances.Collection{prod, small} {
		ids, err := c.IDs(ctx)
		fmt.Println(c, len(ids), err)
	}

	// EC2 takes at most 200 filter values in one request, over all filters.
	var vpcs []string
	for i := range 201 {
		vpcs = append(vpcs, fmt.Sprintf("vpc-%08x", i))
	}
	fmt.Println(small.Filter(ec2instances.VPCID(vpcs[:198]...)).Err())
	// Output:
	// Collection(tag:env=prod) 4 <nil>
	// Collection(tag:env=prod instance-type=t3.micro|t3.small) 3 <nil>
	// ec2instances: filters: 201 filter values in all; EC2 accepts at most 200 in one request, over all filters (InstanceIDs do not count)
}

// Iter lists the instances page by page as the loop asks for them.
// Leaving the loop early stops the requests.
func ExampleCollection_Iter() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 30, InstanceType: "m5.large"})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	n := 0
	for inst, err := range ins.All().PageSize(10).Iter(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
		if n == 12 {
			fmt.Println(inst.InstanceType, inst.State.Name)
			break
		}
	}
	fmt.Println(n)
	// Output:
	// m5.large running
	// 12
}

// Pages yields the instances as DescribeInstances returns them, like
// boto3's collection.pages().
func ExampleCollection_Pages() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 12})
	ins := ec2instances.New(srv.Client())

	for page, err := range ins.All().PageSize(5).Pages(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(len(page))
	}
	// Output:
	// 5
	// 5
	// 2
}

// List returns the whole collection; on error it returns what it listed
// before the error.
func ExampleCollection_List() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, InstanceType: "c5.large", AvailabilityZone: "us-east-1b"})
	ins := ec2instances.New(srv.Client())

	insts, err := ins.All().List(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, inst := range insts {
		fmt.Println(inst.InstanceType, *inst.Placement.AvailabilityZone, inst.State.Name)
	}
	// Output:
	// c5.large us-east-1b running
	// c5.large us-east-1b running
}

// IDs returns the instance IDs, in listing order.
func ExampleCollection_IDs() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	launched := srv.Launch(ec2test.LaunchSpec{Count: 5})
	ins := ec2instances.New(srv.Client())

	ids, err := ins.All().IDs(context.Background())
	fmt.Println(len(ids), slices.Equal(ids, launched), err)
	// Output:
	// 5 true <nil>
}

// Limit caps the instances yielded, and the instances a batch action
// acts on. The listing stops as soon as it has enough.
func ExampleCollection_Limit() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 20})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	ids, _ := ins.All().Limit(3).IDs(ctx)
	fmt.Println(len(ids))

	res, _ := ins.All().Limit(4).Stop(ctx)
	fmt.Println(len(res.Succeeded))

	none, _ := ins.All().Limit(0).IDs(ctx)
	_, err := ins.All().Limit(-1).IDs(ctx)
	fmt.Println(len(none), errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// 3
	// 4
	// 0 true
}

// PageSize sets DescribeInstances' MaxResults, which EC2 accepts from 5
// to 1000.
func ExampleCollection_PageSize() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 23})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	var sizes []int
	for page, err := range ins.All().PageSize(10).Pages(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		sizes = append(sizes, len(page))
	}
	fmt.Println(sizes)

	_, err := ins.All().PageSize(3).IDs(ctx)
	fmt.Println(err)
	// Output:
	// [10 10 3]
	// ec2instances: PageSize "3": must be between 5 and 1000
}

// DryRun asks EC2 whether the caller may list the collection, like
// boto3's filter(DryRun=True); nothing is listed.
func ExampleCollection_DryRun() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	ins := ec2instances.New(srv.Client())
	fmt.Println(ins.Filter(ec2instances.InstanceStateName("running")).DryRun(context.Background()))

	// An endpoint that refuses DescribeInstances to this caller.
	denied := ec2test.NewServer(ec2test.WithDeny(func(action string, _ []string) bool {
		return action == "DescribeInstances"
	}))
	defer denied.Close()
	err := ec2instances.New(denied.Client()).All().DryRun(context.Background())
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}
	// Output:
	// <nil>
	// UnauthorizedOperation
}

// String describes a collection for logs.
func ExampleCollection_String() {
	ins := ec2instances.New(ec2.New(ec2.Options{}))
	c := ins.Filter(ec2instances.Tag("env", "prod"), ec2instances.InstanceStateName("running", "stopped")).Limit(10)
	fmt.Println(c)
	// Output:
	// Collection(tag:env=prod instance-state-name=running|stopped Limit=10)
}

// Err reports a mistake made while building a collection; every
// operation returns the same error before sending anything.
func ExampleCollection_Err() {
	ins := ec2instances.New(ec2.New(ec2.Options{}))
	c := ins.Filter(ec2instances.InstanceStateName("Running")).PageSize(5)
	fmt.Println(c.Err())
	_, err := c.IDs(context.Background())
	fmt.Println(err == c.Err() || errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// ec2instances: filter instance-state-name value "Running": must be one of pending, running, shutting-down, terminated, stopping, stopped (case-sensitive)
	// true
}

// CreateTags tags every instance of a collection.
func ExampleCollection_CreateTags() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3, Tags: map[string]string{"role": "web"}})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.Filter(ec2instances.Tag("role", "web")).CreateTags(ctx, map[string]string{"owner": "web-team"})
	fmt.Println(len(res.Succeeded), err)

	owned, _ := ins.Filter(ec2instances.Tag("owner", "web-team")).IDs(ctx)
	fmt.Println(len(owned))

	// Bad tags are refused before any request.
	_, err = ins.All().CreateTags(ctx, map[string]string{"aws:owner": "x"})
	fmt.Println(err)
	// Output:
	// 3 <nil>
	// 3
	// ec2instances: tag key "aws:owner": the prefix "aws:" is reserved for AWS
}

// Monitor turns on detailed monitoring; Items holds the monitoring state
// EC2 reported for each instance.
func ExampleCollection_Monitor() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.All().Monitor(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range res.Succeeded {
		fmt.Println(res.Items[id].Monitoring.State)
	}
	enabled, _ := ins.Filter(ec2instances.MonitoringState("enabled")).IDs(ctx)
	fmt.Println(len(enabled))
	// Output:
	// pending
	// pending
	// 2
}

// Unmonitor turns detailed monitoring off.
func ExampleCollection_Unmonitor() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, Monitoring: true})
	ins := ec2instances.New(srv.Client())

	res, err := ins.Filter(ec2instances.MonitoringState("enabled")).Unmonitor(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range res.Succeeded {
		fmt.Println(res.Items[id].Monitoring.State)
	}
	// Output:
	// disabling
	// disabling
}

// Reboot queues a reboot of every instance; there are no Items, since a
// reboot leaves no visible state.
func ExampleCollection_Reboot() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3})
	ins := ec2instances.New(srv.Client())

	res, err := ins.All().Reboot(context.Background())
	fmt.Println(len(res.Succeeded), len(res.Items), err)
	// Output:
	// 3 0 <nil>
}

// Start starts instances; Items holds each state change.
func ExampleCollection_Start() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, State: "stopped"})
	ins := ec2instances.New(srv.Client())

	res, err := ins.Filter(ec2instances.InstanceStateName("stopped")).Start(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range res.Succeeded {
		ch := res.Items[id]
		fmt.Println(ch.PreviousState.Name, "->", ch.CurrentState.Name)
	}
	// Output:
	// stopped -> pending
	// stopped -> pending
}

// Stop stops instances. One with stop protection fails on its own; the
// others still stop.
func ExampleCollection_Stop() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3, Tags: map[string]string{"env": "staging"}})
	protected := srv.Launch(ec2test.LaunchSpec{Tags: map[string]string{"env": "staging"}, DisableAPIStop: true})[0]
	ins := ec2instances.New(srv.Client())

	res, err := ins.Filter(ec2instances.Tag("env", "staging")).Stop(context.Background())
	fmt.Println(len(res.Succeeded), "stopping")
	fmt.Println(res.Outcome(protected))
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}
	// Output:
	// 3 stopping
	// failed
	// OperationNotPermitted
}

// Terminate terminates instances and accounts for every one. EC2 would
// fail the whole call for the protected instance and leave its zone
// alone; the package terminates all the others.
func ExampleCollection_Terminate() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 6, Tags: map[string]string{"role": "batch"}}) // across 3 zones
	protected := srv.Launch(ec2test.LaunchSpec{
		Tags:                  map[string]string{"role": "batch"},
		DisableAPITermination: true,
	})[0]
	ins := ec2instances.New(srv.Client())

	res, err := ins.Filter(ec2instances.Tag("role", "batch")).Terminate(context.Background())
	fmt.Println(len(res.Succeeded), "terminated,", len(res.Failed), "failed,", len(res.Unknown), "unknown")
	fmt.Println(res.FailedIDs()[0] == protected)

	var be *ec2instances.BatchError
	if errors.As(err, &be) {
		fmt.Println(be.Action, be.Failed, "of", be.Total)
	}
	var apiErr smithy.APIError
	if errors.As(res.Failed[protected], &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}
	// Output:
	// 6 terminated, 1 failed, 0 unknown
	// true
	// TerminateInstances 1 of 7
	// OperationNotPermitted
}

// An instance ID that does not exist fails on its own, with an error
// matching ErrNotFound; the other instances are acted on.
func ExampleCollection_Terminate_missingIDs() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 2})
	ins := ec2instances.New(srv.Client())

	const gone = "i-0123456789abcdef0"
	res, _ := ins.Filter(ec2instances.InstanceIDs(ids[0], gone, ids[1])).Terminate(context.Background())
	fmt.Println(len(res.Succeeded), res.FailedIDs())
	fmt.Println(errors.Is(res.Failed[gone], ec2instances.ErrNotFound))

	// With no IDs at all the collection is empty: nothing is terminated.
	var none []string
	res, err := ins.Filter(ec2instances.InstanceIDs(none...)).Terminate(context.Background())
	fmt.Println(res.Len(), err)
	// Output:
	// 2 [i-0123456789abcdef0]
	// true
	// 0 <nil>
}

// Outcome says what an action did to one instance.
func ExampleResult_Outcome() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 2})
	protected := srv.Launch(ec2test.LaunchSpec{DisableAPIStop: true})[0]
	other := srv.Launch(ec2test.LaunchSpec{Tags: map[string]string{"keep": "yes"}})[0]
	ins := ec2instances.New(srv.Client())

	res, _ := ins.Filter(ec2instances.InstanceIDs(ids[0], ids[1], protected)).Stop(context.Background())
	for _, id := range []string{ids[0], ids[1], protected, other} {
		fmt.Println(res.Outcome(id))
	}
	fmt.Println(res.Len())
	// Output:
	// succeeded
	// succeeded
	// failed
	// not included
	// 3
}

// FailedIDs lists the failed instances in order, to report them one by
// one.
func ExampleResult_FailedIDs() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3})
	srv.Launch(ec2test.LaunchSpec{Count: 2, DisableAPITermination: true})
	ins := ec2instances.New(srv.Client())

	res, _ := ins.All().Terminate(context.Background())
	for _, id := range res.FailedIDs() {
		var apiErr smithy.APIError
		if errors.As(res.Failed[id], &apiErr) {
			fmt.Println(strings.HasPrefix(id, "i-"), apiErr.ErrorCode())
		}
	}
	// Output:
	// true OperationNotPermitted
	// true OperationNotPermitted
}

// A *BatchError counts the instances that failed and unwraps to EC2's
// errors, so errors.As finds a smithy.APIError.
func ExampleBatchError() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 4})
	srv.Launch(ec2test.LaunchSpec{DisableAPITermination: true})
	ins := ec2instances.New(srv.Client())

	_, err := ins.All().Terminate(context.Background())
	var be *ec2instances.BatchError
	if errors.As(err, &be) {
		fmt.Printf("%s: %d of %d failed, %d unknown\n", be.Action, be.Failed, be.Total, be.Unknown)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}
	// Output:
	// TerminateInstances: 1 of 5 failed, 0 unknown
	// OperationNotPermitted
}

// DryRun only checks permission. EC2's DryRunOperation answer is success,
// with Result.DryRun set; UnauthorizedOperation is a failure.
func ExampleDryRun() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithDeny(func(action string, _ []string) bool {
		return action == "TerminateInstances"
	}))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.All().Stop(ctx, ec2instances.DryRun())
	fmt.Println(res.DryRun, len(res.Succeeded), err)

	res, err = ins.All().Terminate(ctx, ec2instances.DryRun())
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(len(res.Failed), apiErr.ErrorCode())
	}

	running, _ := ins.Filter(ec2instances.InstanceStateName("running")).IDs(ctx)
	fmt.Println(len(running))
	// Output:
	// true 3 <nil>
	// 3 UnauthorizedOperation
	// 3
}

// OnProgress reports a batch action's counts as it goes, for example to
// draw a progress bar. The last call has Done set.
func ExampleOnProgress() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 300})
	ins := ec2instances.New(srv.Client())

	var last ec2instances.Progress
	calls := 0
	_, err := ins.All().Stop(context.Background(), ec2instances.OnProgress(func(p ec2instances.Progress) {
		calls++ // calls never overlap
		last = p
	}))
	fmt.Println(err, calls > 1)
	fmt.Printf("%+v\n", last)
	// Output:
	// <nil> true
	// {Action:StopInstances Listed:300 ListingDone:true Dispatched:300 Succeeded:300 Failed:0 Unknown:0 Done:true}
}

// Concurrency bounds the action calls of up to 1000 IDs that run at the
// same time, for one action; Options.Concurrency sets the default.
func ExampleConcurrency() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog())
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 1200})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.All().Terminate(ctx, ec2instances.Concurrency(1))
	fmt.Println(len(res.Succeeded), err)
	largest := 0
	for _, r := range srv.Requests() {
		if r.Action == "TerminateInstances" {
			largest = max(largest, len(r.InstanceIDs))
		}
	}
	fmt.Println("largest call:", largest, "IDs")

	_, err = ins.All().Terminate(ctx, ec2instances.Concurrency(0))
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// 1200 <nil>
	// largest call: 1000 IDs
	// true
}

// Hibernate, Force and SkipOSShutdown are StopInstances' parameters;
// Force and SkipOSShutdown apply to TerminateInstances too. An option
// that does not apply is refused before any request.
func ExampleHibernate() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog())
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.All().Stop(ctx, ec2instances.Hibernate(), ec2instances.Force())
	fmt.Println(len(res.Succeeded), err)
	for _, r := range srv.Requests() {
		if r.Action == "StopInstances" {
			fmt.Println(r.Params.Get("Hibernate"), r.Params.Get("Force"))
			break
		}
	}

	_, err = ins.All().Terminate(ctx, ec2instances.Hibernate())
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// 2 <nil>
	// true true
	// true
}

// Force stops (or terminates) instances without waiting for a graceful
// shutdown of their operating system. Start takes no Force: the option
// is refused before any request.
func ExampleForce() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithRequestLog())
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	inst := ec2instances.New(srv.Client()).Instance(id)
	ctx := context.Background()

	ch, err := inst.Stop(ctx, ec2instances.Force())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ch.PreviousState.Name, "->", ch.CurrentState.Name)
	for _, r := range srv.Requests() {
		fmt.Println(r.Action, "Force="+r.Params.Get("Force"))
	}

	_, err = inst.Start(ctx, ec2instances.Force())
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput), len(srv.Requests()))
	// Output:
	// running -> stopping
	// StopInstances Force=true
	// true 1
}

// SkipOSShutdown skips the graceful shutdown of the operating system.
func ExampleSkipOSShutdown() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2})
	ins := ec2instances.New(srv.Client())

	res, err := ins.All().Terminate(context.Background(), ec2instances.SkipOSShutdown(), ec2instances.Force())
	fmt.Println(len(res.Succeeded), err)
	// Output:
	// 2 <nil>
}

// AdditionalInfo passes StartInstances' reserved AdditionalInfo
// parameter; it applies to Start only.
func ExampleAdditionalInfo() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, State: "stopped"})
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	res, err := ins.All().Start(ctx, ec2instances.AdditionalInfo("reserved"))
	fmt.Println(len(res.Succeeded), err)
	_, err = ins.All().Stop(ctx, ec2instances.AdditionalInfo("reserved"))
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// 2 <nil>
	// true
}

// The collection waiters wait for every instance of a collection, up to
// 1000 per SDK waiter. Build the collection from the IDs an action
// returned: a state filter would stop matching them.
func ExampleCollection_WaitUntilStopped() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithTransitionDelay(100*time.Millisecond))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 5})
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	ctx := context.Background()

	res, _ := ins.Filter(ec2instances.InstanceStateName("running")).Stop(ctx)
	stopping := ins.Filter(ec2instances.InstanceIDs(res.Succeeded...))
	if err := stopping.WaitUntilStopped(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	stopped, _ := ins.Filter(ec2instances.InstanceStateName("stopped")).IDs(ctx)
	fmt.Println(len(stopped))
	// Output:
	// 5
}

// WaitUntilRunning fails with a *WaitError naming the instances that did
// not get there, for example because they were terminated.
func ExampleCollection_WaitUntilRunning() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 3, State: "stopped"})
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	ctx := context.Background()

	c := ins.Filter(ec2instances.InstanceIDs(ids...))
	if _, err := c.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.WaitUntilRunning(ctx, time.Minute))

	if _, err := ins.Instance(ids[0]).Terminate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	err := c.WaitUntilRunning(ctx, time.Minute)
	var we *ec2instances.WaitError
	if errors.As(err, &we) {
		fmt.Println(we.State, len(we.IDs), we.IDs[0] == ids[0])
	}
	// Output:
	// <nil>
	// running 1 true
}

// WaitUntilTerminated waits until every instance is terminated.
func ExampleCollection_WaitUntilTerminated() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithTransitionDelay(50*time.Millisecond))
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 4})
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	ctx := context.Background()

	c := ins.Filter(ec2instances.InstanceIDs(ids...))
	if _, err := c.Terminate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.WaitUntilTerminated(ctx, time.Minute))
	states := map[types.InstanceStateName]int{}
	for inst, err := range c.Iter(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		states[inst.State.Name]++
	}
	fmt.Println(states)
	// Output:
	// <nil>
	// map[terminated:4]
}

// WaitUntilExists waits until DescribeInstances knows new instances; EC2
// may not know a new ID for a moment after RunInstances.
func ExampleCollection_WaitUntilExists() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithEventualConsistency(100*time.Millisecond))
	defer srv.Close()
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	ctx := context.Background()

	insts, err := ins.Create(ctx, &ec2.RunInstancesInput{
		ImageId:  aws.String(ec2test.DefaultImageID),
		MinCount: aws.Int32(3),
		MaxCount: aws.Int32(3),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var ids []string
	for _, inst := range insts {
		ids = append(ids, inst.ID())
	}
	c := ins.Filter(ec2instances.InstanceIDs(ids...))
	fmt.Println(c.WaitUntilExists(ctx, time.Minute))
	found, err := c.IDs(ctx)
	fmt.Println(len(found), err)
	// Output:
	// <nil>
	// 3 <nil>
}

// Tag reads one tag of an instance's current data.
func ExampleInstance_Tag() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Tags: map[string]string{"Name": "web-1", "empty": ""}})
	ins := ec2instances.New(srv.Client())

	insts, _ := ins.All().List(context.Background())
	inst := insts[0]
	fmt.Println(inst.Tag("Name"))
	fmt.Println(inst.Tag("empty"))
	fmt.Println(inst.Tag("missing"))
	// Output:
	// web-1 true
	//  true
	//  false
}

// Reload refreshes an instance's data. For an instance that is gone it
// returns an error matching ErrNotFound and keeps the old data.
func ExampleInstance_Reload() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	inst := ins.Instance(id)
	fmt.Println(inst.Reload(ctx), inst.State.Name)

	srv.Remove(id) // as if its terminated retention had ended
	err := inst.Reload(ctx)
	fmt.Println(errors.Is(err, ec2instances.ErrNotFound), inst.State.Name)
	var nf *ec2instances.NotFoundError
	if errors.As(err, &nf) {
		fmt.Println(nf.IDs[0] == id)
	}
	// Output:
	// <nil> running
	// true running
	// true
}

// Start, Stop and Terminate act on one instance and store its new state.
func ExampleInstance_Stop() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithTransitionDelay(50*time.Millisecond))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	ctx := context.Background()
	inst := ins.Instance(id)

	ch, err := inst.Stop(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ch.PreviousState.Name, "->", ch.CurrentState.Name, "=", inst.State.Name)
	if err := inst.WaitUntilStopped(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.State.Name)

	ch, err = inst.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ch.PreviousState.Name, "->", ch.CurrentState.Name)
	if err := inst.WaitUntilRunning(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.State.Name)

	ch, err = inst.Terminate(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ch.PreviousState.Name, "->", ch.CurrentState.Name)
	if err := inst.WaitUntilTerminated(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.State.Name)
	// Output:
	// running -> stopping = stopping
	// stopped
	// stopped -> pending
	// running
	// running -> shutting-down
	// terminated
}

// With DryRun a per-instance action only checks permission: a nil error
// means it would have been allowed.
func ExampleInstance_Terminate() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{DisableAPITermination: true})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()
	inst := ins.Instance(id)

	ch, err := inst.Terminate(ctx, ec2instances.DryRun())
	fmt.Println(ch == nil, err)

	_, err = inst.Terminate(ctx)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}
	// Output:
	// true <nil>
	// OperationNotPermitted
}

// Reboot asks EC2 to reboot one instance.
func ExampleInstance_Reboot() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())

	fmt.Println(ins.Instance(id).Reboot(context.Background()))
	// Output:
	// <nil>
}

// Monitor and Unmonitor switch detailed monitoring of one instance and
// store the new monitoring state.
func ExampleInstance_Monitor() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()
	inst := ins.Instance(id)

	m, err := inst.Monitor(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Monitoring.State, inst.Monitoring.State)

	m, err = inst.Unmonitor(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Monitoring.State, inst.Monitoring.State)
	// Output:
	// pending pending
	// disabling disabling
}

// CreateTags and DeleteTags change one instance's tags and its Tags
// field.
func ExampleInstance_CreateTags() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{Tags: map[string]string{"Name": "web-1"}})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()
	inst := ins.Instance(id)
	if err := inst.Reload(ctx); err != nil {
		fmt.Println(err)
		return
	}

	if err := inst.CreateTags(ctx, map[string]string{"owner": "web-team", "Name": "web-01"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.Tag("Name"))
	fmt.Println(inst.Tag("owner"))

	if err := inst.DeleteTags(ctx, []string{"owner"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.Tag("owner"))
	truth, _ := srv.Instance(id)
	fmt.Println(len(truth.Tags))
	// Output:
	// web-01 true
	// web-team true
	//  false
	// 1
}

// ModifyAttribute changes one attribute; DescribeAttribute reads one.
// Here: turning termination protection on and off.
func ExampleInstance_ModifyAttribute() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()
	inst := ins.Instance(id)

	protect := func(on bool) {
		err := inst.ModifyAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
			DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(on)},
		})
		if err != nil {
			fmt.Println(err)
		}
	}
	protect(true)
	out, err := inst.DescribeAttribute(ctx, types.InstanceAttributeNameDisableApiTermination)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToBool(out.DisableApiTermination.Value))

	_, err = inst.Terminate(ctx)
	fmt.Println(err != nil)

	protect(false)
	ch, err := inst.Terminate(ctx)
	fmt.Println(ch.CurrentState.Name, err)
	// Output:
	// true
	// true
	// shutting-down <nil>
}

// DescribeAttribute reads one attribute of an instance.
func ExampleInstance_DescribeAttribute() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{InstanceType: "t3.micro"})[0]
	ins := ec2instances.New(srv.Client())

	out, err := ins.Instance(id).DescribeAttribute(context.Background(), types.InstanceAttributeNameInstanceType)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToString(out.InstanceType.Value))
	// Output:
	// t3.micro
}

// ConsoleOutput returns the console text, decoded.
func ExampleInstance_ConsoleOutput() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())

	out, err := ins.Instance(id).ConsoleOutput(context.Background(), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	fmt.Println(len(lines), lines[len(lines)-1])
	// Output:
	// 3 [    1.000000] cloud-init: ready
}

// WaitUntilRunning waits for one instance and refreshes its data, unlike
// boto3's waiters.
func ExampleInstance_WaitUntilRunning() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithTransitionDelay(50*time.Millisecond))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{State: "pending"})[0]
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	ctx := context.Background()

	inst := ins.Instance(id)
	if err := inst.WaitUntilRunning(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.State.Name)
	// Output:
	// running
}

// EC2 is eventually consistent: right after Create, DescribeInstances may
// not know the new instances. WaitUntilExists waits until it does.
func ExampleInstance_WaitUntilExists() {
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithEventualConsistency(100*time.Millisecond))
	defer srv.Close()
	ins := ec2instances.New(srv.Client(), func(o *ec2instances.Options) {
		o.WaiterMinDelay, o.WaiterMaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	ctx := context.Background()

	insts, err := ins.Create(ctx, &ec2.RunInstancesInput{ImageId: aws.String(ec2test.DefaultImageID)})
	if err != nil {
		fmt.Println(err)
		return
	}
	inst := insts[0]
	err = inst.Reload(ctx)
	fmt.Println(errors.Is(err, ec2instances.ErrNotFound)) // not visible yet

	if err := inst.WaitUntilExists(ctx, time.Minute); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inst.State.Name)
	// Output:
	// true
	// running
}

// WaitUntilTerminated also succeeds for an instance EC2 has stopped
// listing, about an hour after it terminated (the SDK's waiter fails
// there).
func ExampleInstance_WaitUntilTerminated() {
	// Terminated instances vanish at once from this endpoint.
	srv := ec2test.NewServer(ec2test.WithSeed(1), ec2test.WithTerminatedRetention(0))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())
	ctx := context.Background()

	inst := ins.Instance(id)
	if _, err := inst.Terminate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	err := inst.WaitUntilTerminated(ctx, time.Minute)
	fmt.Println(err, inst.State.Name, *inst.State.Code)

	// The other waiters report a vanished instance as not found.
	err = inst.WaitUntilStopped(ctx, time.Minute)
	fmt.Println(errors.Is(err, ec2instances.ErrNotFound))
	// Output:
	// <nil> terminated 48
	// true
}

// NotFoundError names the IDs EC2 does not know; it matches ErrNotFound.
// Iterating a collection of IDs yields those that exist, then the error.
func ExampleNotFoundError() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	id := srv.Launch(ec2test.LaunchSpec{})[0]
	ins := ec2instances.New(srv.Client())

	insts, err := ins.Filter(ec2instances.InstanceIDs(id, "i-0123456789abcdef0")).List(context.Background())
	fmt.Println(len(insts), errors.Is(err, ec2instances.ErrNotFound))
	var nf *ec2instances.NotFoundError
	if errors.As(err, &nf) {
		fmt.Println(nf.IDs)
	}
	// Output:
	// 1 true
	// [i-0123456789abcdef0]
}

// ValidationError describes input refused before any request; it matches
// ErrInvalidInput.
func ExampleValidationError() {
	ins := ec2instances.New(ec2.New(ec2.Options{}))
	_, err := ins.All().CreateTags(context.Background(), map[string]string{"": "x"})
	var ve *ec2instances.ValidationError
	if errors.As(err, &ve) {
		fmt.Printf("%s: %s\n", ve.Field, ve.Reason)
	}
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	// Output:
	// tag key: must not be empty
	// true
}

// ErrInvalidInput matches every error about input found before sending:
// filters, page sizes, limits, tags, action options, a nil client.
func ExampleErrInvalidInput() {
	ins := ec2instances.New(ec2.New(ec2.Options{}))
	ctx := context.Background()
	for _, err := range []error{
		ins.Filter(ec2instances.Architecture("amd64")).Err(),
		ins.All().PageSize(1001).Err(),
		ins.All().Limit(-1).Err(),
		func() error { _, err := ins.All().Stop(ctx, ec2instances.Concurrency(-1)); return err }(),
		func() error { _, err := ins.All().Reboot(ctx, ec2instances.Force()); return err }(),
	} {
		fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))
	}
	// Output:
	// true
	// true
	// true
	// true
	// true
}

// Outcome values print as words.
func ExampleOutcome() {
	for _, o := range []ec2instances.Outcome{ec2instances.NotIncluded, ec2instances.Succeeded, ec2instances.Failed, ec2instances.Unknown} {
		fmt.Println(o)
	}
	// Output:
	// not included
	// succeeded
	// failed
	// unknown
}

// Command terminate_instances terminates instances by ID, the job of
// boto3's low-level
//
//	client.terminate_instances(InstanceIds=['i-1234567890abcdef0'], DryRun=True|False)
//
// First with the SDK call itself, which maps one to one; then with the
// package, which adds what the raw call lacks: a dry run reported as
// success, IDs beyond the API's 1000 per call, an unknown ID that fails
// alone instead of sinking the call, and an empty ID list that terminates
// nothing.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "terminate_instances", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	n := 8
	if env.Embedded() {
		n = 1200 // more than one call's worth
	}
	ids, err := env.Launch(ctx, demo.Spec{Count: n})
	if err != nil {
		return err
	}

	// The SDK call, as boto3's client makes it: one call, at most 1000
	// IDs, and one unknown ID fails it whole.
	out, err := env.Client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{
		InstanceIds: ids[:1],
	})
	if err != nil {
		return err
	}
	for _, ch := range out.TerminatingInstances {
		fmt.Fprintf(stdout, "SDK: %s: %s\n", aws.ToString(ch.InstanceId), demo.Change(&ch))
	}

	// The same for one instance with the package.
	ch, err := env.Ins.Instance(ids[1]).Terminate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Instance.Terminate: %s: %s\n", ids[1], demo.Change(ch))

	// InstanceIds=[...], DryRun=True: success means "would be allowed".
	byID := env.Ins.Filter(ec2instances.InstanceIDs(ids[2:]...))
	res, err := byID.Terminate(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: terminate would be allowed for %s (Result.DryRun = %t)\n", demo.Plural(len(res.Succeeded), "instance"), res.DryRun)

	// InstanceIds=[...], with one ID that does not exist. The IDs go in
	// calls of at most 1000; the unknown one is reported failed with a
	// *NotFoundError, and the others are terminated.
	withUnknown := env.Ins.Filter(ec2instances.InstanceIDs(append(slices.Clone(ids[2:]), "i-0123456789abcdef0")...))
	res, err = withUnknown.Terminate(ctx)
	fmt.Fprintf(stdout, "terminate: %d of %s terminated: %s\n", len(res.Succeeded), demo.Plural(res.Len(), "ID"), demo.Count(demo.Changes(res)))
	for _, id := range res.FailedIDs() {
		if !errors.Is(res.Failed[id], ec2instances.ErrNotFound) {
			return err // a failure this example does not expect
		}
		fmt.Fprintf(stdout, "terminate: %s failed: %v\n", id, res.Failed[id])
	}
	if len(res.Unknown) > 0 {
		return err
	}

	// Terminating again is accepted: EC2 says terminating is idempotent.
	again, err := env.Ins.Filter(ec2instances.InstanceIDs(ids[:3]...)).Terminate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "terminate again: %d succeeded\n", len(again.Succeeded))

	// InstanceIds=[]: nothing, where boto3's collection would have
	// terminated every instance.
	var none []string
	res, err = env.Ins.Filter(ec2instances.InstanceIDs(none...)).Terminate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "empty ID list: %s terminated\n", demo.Plural(res.Len(), "instance"))
	return nil
}

// Command terminate terminates every instance of a collection, like
// boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'tag:role', 'Values': ['batch']}]).terminate(DryRun=True|False)
//
// It checks permission with a dry run first, terminates, prints a line
// for every instance that failed, and waits for the others.
//
// One instance has termination protection. EC2 would then fail the whole
// call and leave every instance in that instance's Availability Zone
// running; the package isolates the protected instance and terminates the
// rest in every zone.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/smithy-go"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "terminate", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 5, Tags: map[string]string{"role": "batch"}},
		demo.Spec{Count: 1, Tags: map[string]string{"role": "batch"}, ProtectTermination: true},
		demo.Spec{Count: 2, Tags: map[string]string{"role": "web"}},
	); err != nil {
		return err
	}
	batch := env.Mine().Filter(ec2instances.Tag("role", "batch"))

	// terminate(DryRun=True)
	res, err := batch.Terminate(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: terminate would be allowed for %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// terminate()
	res, err = batch.Terminate(ctx)
	fmt.Fprintf(stdout, "terminate: %s: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(demo.Changes(res)))
	var be *ec2instances.BatchError
	switch {
	case errors.As(err, &be):
		fmt.Fprintf(stdout, "terminate: %d of %d failed, %d unknown\n", be.Failed, be.Total, be.Unknown)
		for _, id := range res.FailedIDs() {
			var apiErr smithy.APIError
			if errors.As(res.Failed[id], &apiErr) {
				fmt.Fprintf(stdout, "  failed: %s: %s: %s\n", id, apiErr.ErrorCode(), apiErr.ErrorMessage())
			} else {
				fmt.Fprintf(stdout, "  failed: %s: %v\n", id, res.Failed[id])
			}
		}
		for _, id := range res.Unknown {
			fmt.Fprintf(stdout, "  unknown: %s (check it again later)\n", id)
		}
	case err != nil:
		return err // for example bad input: nothing was sent
	}

	// Wait for the terminated ones.
	gone := env.Ins.Filter(ec2instances.InstanceIDs(res.Succeeded...))
	if err := gone.WaitUntilTerminated(ctx, 10*time.Minute); err != nil {
		return err
	}
	states, err := demo.States(ctx, env.Mine())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "after the waiter: %s\n", demo.Count(states))
	return nil
}

// Command stop stops every running instance of a collection, like boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'tag:env', 'Values': ['staging']}]).stop(
//	    Hibernate=True|False,
//	    DryRun=True|False,
//	    Force=True|False,
//	)
//
// and then waits until they are stopped. It checks permission with a dry
// run first. One instance has stop protection: it fails on its own, and
// the others still stop.
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
	env, err := demo.Start(ctx, "stop", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 3, Tags: map[string]string{"env": "staging", "role": "web"}},
		demo.Spec{Count: 1, Tags: map[string]string{"env": "staging", "role": "web"}, ProtectStop: true},
		demo.Spec{Count: 2, Tags: map[string]string{"env": "staging", "role": "cache"}},
	); err != nil {
		return err
	}
	staging := env.Mine().Filter(ec2instances.Tag("env", "staging"), ec2instances.InstanceStateName("running"))

	// stop(DryRun=True)
	res, err := staging.Stop(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: stop would be allowed for %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// stop(Hibernate=True) for the caches, which keep their memory if they
	// were launched with hibernation enabled (the others stop normally).
	res, err = staging.Filter(ec2instances.Tag("role", "cache")).Stop(ctx, ec2instances.Hibernate())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "stop(Hibernate): %s: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(demo.Changes(res)))
	stopping := res.Succeeded

	// stop(Force=True) for the rest.
	web := staging.Filter(ec2instances.Tag("role", "web"))
	res, err = web.Stop(ctx, ec2instances.Force())
	fmt.Fprintf(stdout, "stop(Force): %s: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(demo.Changes(res)))
	if err != nil {
		// Not every instance stopped: the Result says which failed and why.
		fmt.Fprintf(stdout, "stop(Force): %v\n", err)
		for _, id := range res.FailedIDs() {
			var apiErr smithy.APIError
			if errors.As(res.Failed[id], &apiErr) {
				fmt.Fprintf(stdout, "  failed: %s: %s\n", id, apiErr.ErrorCode())
			}
		}
	}

	// Wait for every instance that is stopping.
	stopping = append(stopping, res.Succeeded...)
	if err := env.Ins.Filter(ec2instances.InstanceIDs(stopping...)).WaitUntilStopped(ctx, 10*time.Minute); err != nil {
		return err
	}
	states, err := demo.States(ctx, env.Mine())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "after the waiter: %s\n", demo.Count(states))
	return nil
}

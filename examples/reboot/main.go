// Command reboot asks EC2 to reboot every instance of a collection, like
// boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'tag:role', 'Values': ['api']}]).reboot(DryRun=True|False)
//
// It checks permission with a dry run first. A reboot leaves no trace in
// the instance's state: EC2 queues it and the instance stays running.
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "reboot", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 5, Tags: map[string]string{"role": "api"}},
		demo.Spec{Count: 2, Tags: map[string]string{"role": "db"}},
	); err != nil {
		return err
	}
	api := env.Mine().Filter(ec2instances.Tag("role", "api"), ec2instances.InstanceStateName("running"))

	// reboot(DryRun=True)
	res, err := api.Reboot(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: reboot would be allowed for %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// reboot(). IDs go up to 1000 a call, Options.Concurrency calls at
	// once; the Concurrency option changes that for one action.
	res, err = api.Reboot(ctx, ec2instances.Concurrency(1))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reboot: requested for %s: %v\n", demo.Plural(len(res.Succeeded), "instance"), res.Succeeded)

	states, err := demo.States(ctx, api)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reboot: afterwards: %s\n", demo.Count(states))

	// One instance: Instance.Reboot.
	one, err := api.Limit(1).List(ctx)
	if err != nil {
		return err
	}
	if err := one[0].Reboot(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "instance %s: reboot requested\n", one[0].ID())
	return nil
}

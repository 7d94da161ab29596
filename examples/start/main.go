// Command start starts every stopped instance of a collection, like
// boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'instance-state-name', 'Values': ['stopped']}]).start(
//	    AdditionalInfo='string',
//	    DryRun=True|False,
//	)
//
// and then waits until they run. It checks permission with a dry run
// first.
package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "start", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 3, Tags: map[string]string{"role": "batch"}, Stopped: true},
		demo.Spec{Count: 2, Tags: map[string]string{"role": "web"}},
	); err != nil {
		return err
	}
	stopped := env.Mine().Filter(ec2instances.InstanceStateName("stopped"))

	// start(DryRun=True)
	res, err := stopped.Start(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: start would be allowed for %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// start(AdditionalInfo=...): EC2 reserves the parameter; it is passed
	// through as is.
	res, err = stopped.Start(ctx, ec2instances.AdditionalInfo("started by the example"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "start: %s\n", demo.Plural(len(res.Succeeded), "instance"))
	for _, id := range res.Succeeded {
		ch := res.Items[id]
		fmt.Fprintf(stdout, "  %s %s\n", id, demo.Change(&ch))
	}

	// The collection waiter waits for every instance it names. Build it
	// from the IDs: the "stopped" collection no longer matches them.
	started := env.Ins.Filter(ec2instances.InstanceIDs(res.Succeeded...))
	if err := started.WaitUntilRunning(ctx, 10*time.Minute); err != nil {
		return err
	}
	states, err := demo.States(ctx, started)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "waiter: %s\n", demo.Count(states))

	// Starting a running instance is accepted and changes nothing.
	inst := env.Ins.Instance(res.Succeeded[0])
	ch, err := inst.Start(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "instance %s: %s\n", inst.ID(), demo.Change(ch))
	return nil
}

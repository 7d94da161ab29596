// Command unmonitor turns detailed monitoring off for every instance of a
// collection, like boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'monitoring-state', 'Values': ['enabled']}]).unmonitor(DryRun=True|False)
//
// It checks permission with a dry run first.
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
	// An endpoint may lack UnmonitorInstances and the monitoring-state filter (moto does): say so plainly.
	defer func() { err = demo.ExplainUnimplemented(err) }()
	env, err := demo.Start(ctx, "unmonitor", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 3, Monitoring: true},
		demo.Spec{Count: 2},
	); err != nil {
		return err
	}
	monitored := env.Mine().Filter(ec2instances.MonitoringState("enabled"))

	// unmonitor(DryRun=True)
	res, err := monitored.Unmonitor(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: monitoring would be turned off for %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// unmonitor()
	res, err = monitored.Unmonitor(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "unmonitor: %s\n", demo.Plural(len(res.Succeeded), "instance"))
	for _, id := range res.Succeeded {
		m := res.Items[id]
		fmt.Fprintf(stdout, "  %s monitoring %s\n", id, demo.Monitoring(&m))
	}

	// One instance at a time: Instance.Unmonitor returns the new state
	// and stores it in the instance's Monitoring field.
	insts, err := env.Mine().Filter(ec2instances.MonitoringState("disabled")).Limit(1).List(ctx)
	if err != nil {
		return err
	}
	for _, inst := range insts {
		m, err := inst.Unmonitor(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "instance %s: monitoring %s (already off: EC2 accepts it)\n", inst.ID(), demo.Monitoring(m))
	}
	return nil
}

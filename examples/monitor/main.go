// Command monitor turns on detailed CloudWatch monitoring for every
// instance of a collection, like boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'tag:role', 'Values': ['web']}]).monitor(DryRun=True|False)
//
// It checks permission with a dry run first.
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	// An endpoint may lack MonitorInstances (moto does): say so plainly.
	defer func() { err = demo.ExplainUnimplemented(err) }()
	env, err := demo.Start(ctx, "monitor", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 4, Tags: map[string]string{"role": "web"}},
		demo.Spec{Count: 2, Tags: map[string]string{"role": "db"}},
	); err != nil {
		return err
	}
	web := env.Mine().Filter(ec2instances.Tag("role", "web"))

	// monitor(DryRun=True)
	res, err := web.Monitor(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: monitoring would be turned on for %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// monitor()
	res, err = web.Monitor(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "monitor: %s\n", demo.Plural(len(res.Succeeded), "instance"))
	for _, id := range res.Succeeded {
		m := res.Items[id]
		fmt.Fprintf(stdout, "  %s monitoring %s\n", id, demo.Monitoring(&m))
	}

	// The monitoring-state filter shows where each instance stands now.
	for _, state := range []types.MonitoringState{types.MonitoringStatePending, types.MonitoringStateEnabled, types.MonitoringStateDisabled} {
		ids, err := env.Mine().Filter(ec2instances.MonitoringState(string(state))).IDs(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "monitoring-state=%s: %s\n", state, demo.Plural(len(ids), "instance"))
	}
	return nil
}

// Command all lists every instance, like boto3's
//
//	for instance in ec2.instances.all():
//	    print(instance.id, instance.instance_type, instance.state['Name'])
//
// On the embedded endpoint it first creates a few instances to list. With
// -aws it only reads: it lists the account's instances in the Region.
package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "all", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if !env.Real {
		_, err := env.Launch(ctx,
			demo.Spec{Count: 4, InstanceType: "t3.micro", Tags: map[string]string{"Name": "web"}},
			demo.Spec{Count: 2, InstanceType: "r5.large", Tags: map[string]string{"Name": "db"}, Stopped: true},
		)
		if err != nil {
			return err
		}
	}
	ins := env.Ins

	// All is the collection of every instance. Building it sends nothing;
	// the loop lists the instances page by page as it goes.
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATE\tNAME")
	n := 0
	for inst, err := range ins.All().Iter(ctx) {
		if err != nil {
			return err
		}
		name, _ := inst.Tag("Name")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", inst.ID(), inst.InstanceType, demo.State(inst), name)
		n++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "all: %s\n", demo.Plural(n, "instance"))

	// IDs and List collect the whole collection at once.
	ids, err := ins.All().IDs(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "all: IDs returned %s\n", demo.Plural(len(ids), "ID"))
	return nil
}

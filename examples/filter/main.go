// Command filter selects instances the ways boto3's filter does:
//
//	ec2.instances.filter(
//	    InstanceIds=['i-...'],
//	    DryRun=True|False,
//	    Filters=[{'Name': 'instance-state-name', 'Values': ['running']}, ...],
//	    NextToken='...',
//	    MaxResults=123,
//	)
//
// Each parameter has its counterpart: Filters are typed Filter values (or
// Where for a name held in a string), InstanceIds is InstanceIDs, DryRun
// is Collection.DryRun, MaxResults is PageSize and NextToken is followed
// by Pages and Iter for you.
//
// With -aws it only reads, and lists the account's running instances.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "filter", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	ins := env.Ins
	scope := ins.All() // with -aws: every instance, read only
	if !env.Real {
		if _, err := env.Launch(ctx,
			demo.Spec{Count: 6, Tags: map[string]string{"role": "web", "env": "prod"}},
			demo.Spec{Count: 3, Tags: map[string]string{"role": "api", "env": "staging"}},
			demo.Spec{Count: 3, Tags: map[string]string{"role": "web", "env": "staging"}, Stopped: true},
		); err != nil {
			return err
		}
		scope = env.Mine()
	}

	// Filters=[{'Name': 'instance-state-name', 'Values': ['running']},
	//          {'Name': 'tag:role', 'Values': ['web', 'api']}]
	// Filters AND together; the values of one filter OR together.
	running := scope.Filter(
		ec2instances.InstanceStateName("running"),
		ec2instances.Tag("role", "web", "api"),
	)
	insts, err := running.List(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Filters: %s with role web or api\n", demo.Plural(len(insts), "running instance"))
	demo.Table(stdout, insts)

	// Chained filters add conditions; the collection they start from is
	// not changed.
	prod := running.Filter(ec2instances.Tag("env", "prod"))
	ids, err := prod.IDs(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Filters: %d of them also %s env=prod\n", len(ids), demo.Verb(len(ids), "has", "have"))

	// A filter name held in a string (from a flag, a config file): Where
	// checks it as the typed constructors do.
	byType, err := scope.Filter(ec2instances.Where("instance-type", "m1.*", "t3.*")).IDs(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Filters: Where(%q, ...) matched %s\n", "instance-type", demo.Plural(len(byType), "instance"))
	_, err = scope.Filter(ec2instances.Where("instance-state", "running")).IDs(ctx)
	fmt.Fprintf(stdout, "Filters: unknown name refused before sending: %v\n", err)

	// InstanceIds=['i-...', 'i-...']
	if len(ids) >= 2 {
		two, err := ins.Filter(ec2instances.InstanceIDs(ids[0], ids[1])).List(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "InstanceIds: %s:", demo.Plural(len(two), "instance"))
		for _, inst := range two {
			fmt.Fprintf(stdout, " %s %s", inst.ID(), demo.State(inst))
		}
		fmt.Fprintln(stdout)

		// An ID that does not exist: EC2 fails the DescribeInstances call;
		// the collection yields the instances that exist, then a
		// *NotFoundError. (The instance-id filter, by contrast, just
		// matches nothing.)
		found, err := ins.Filter(ec2instances.InstanceIDs(ids[0], "i-0123456789abcdef0")).List(ctx)
		var nf *ec2instances.NotFoundError
		if errors.As(err, &nf) {
			fmt.Fprintf(stdout, "InstanceIds: found %d, not found %v\n", len(found), nf.IDs)
		} else if err != nil {
			return err
		}
	}
	// InstanceIds=[] selects nothing here (boto3 selects everything).
	var none []string
	empty, err := ins.Filter(ec2instances.InstanceIDs(none...)).IDs(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "InstanceIds: an empty list selects %s\n", demo.Plural(len(empty), "instance"))

	// DryRun=True: only ask whether the caller may list them.
	if err := running.DryRun(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "DryRun: DescribeInstances would be allowed")

	// MaxResults=5, and the NextToken of each page, followed by Pages.
	// Leaving the loop early stops the requests.
	pages := 0
	for page, err := range scope.PageSize(5).Pages(ctx) {
		if err != nil {
			return err
		}
		pages++
		fmt.Fprintf(stdout, "MaxResults/NextToken: page %d has %s\n", pages, demo.Plural(len(page), "instance"))
		if len(page) > 5 {
			// moto, for one, ignores MaxResults when filters are given.
			fmt.Fprintf(stdout, "MaxResults/NextToken: the endpoint ignored MaxResults: page %d holds more than the 5 asked for\n", pages)
		}
		if pages == 4 {
			break
		}
	}
	return nil
}

// Command limit caps the number of instances a collection yields, like
// boto3's
//
//	for instance in ec2.instances.limit(count=3): ...
//
// The listing stops requesting pages as soon as it has enough. Limit
// bounds batch actions too: c.Limit(10).Stop(ctx) stops at most ten.
//
// With -aws it only reads.
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
	env, err := demo.Start(ctx, "limit", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	scope := env.Ins.All()
	if !env.Real {
		if _, err := env.Launch(ctx, demo.Spec{Count: 20, Tags: map[string]string{"role": "worker"}}); err != nil {
			return err
		}
		scope = env.Mine()
	}

	// limit(count=3)
	three, err := scope.Limit(3).List(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "limit(3): %s\n", demo.Plural(len(three), "instance"))
	demo.Table(stdout, three)

	// Limit combines with filters and page sizes in any order; a later
	// Limit replaces an earlier one.
	c := scope.Limit(100).Filter(ec2instances.InstanceStateName("running")).PageSize(5).Limit(7)
	n := 0
	for _, err := range c.Iter(ctx) {
		if err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(stdout, "limit(7) with page size 5: %s\n", demo.Plural(n, "instance"))

	// Limit(0) yields nothing and sends nothing; a negative limit is an
	// error before any request.
	none, err := scope.Limit(0).IDs(ctx)
	fmt.Fprintf(stdout, "limit(0): %s, error %v\n", demo.Plural(len(none), "instance"), err)
	_, err = scope.Limit(-1).IDs(ctx)
	fmt.Fprintf(stdout, "limit(-1): refused before sending: %t\n", errors.Is(err, ec2instances.ErrInvalidInput))
	return nil
}

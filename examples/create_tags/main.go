// Command create_tags tags every instance of a collection, like boto3's
//
//	ec2.instances.filter(Filters=[{'Name': 'tag:role', 'Values': ['web']}]).create_tags(
//	    DryRun=True|False,
//	    Tags=[{'Key': 'owner', 'Value': 'web-team'}, {'Key': 'cost-center', 'Value': '4242'}],
//	)
//
// It checks permission with a dry run first, then tags, then reads the
// tags back.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	env, err := demo.Start(ctx, "create_tags", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	if _, err := env.Launch(ctx,
		demo.Spec{Count: 3, Tags: map[string]string{"role": "web"}},
		demo.Spec{Count: 2, Tags: map[string]string{"role": "db"}},
	); err != nil {
		return err
	}

	// The instances this run launched with tag role=web.
	web := env.Mine().Filter(ec2instances.Tag("role", "web"))
	tags := map[string]string{"owner": "web-team", "cost-center": "4242"}

	// DryRun=True: EC2 only checks permission. Its DryRunOperation answer
	// comes back as success, with Result.DryRun set.
	res, err := web.CreateTags(ctx, tags, ec2instances.DryRun())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dry run: would tag %s (Result.DryRun = %t)\n", demo.Plural(len(res.Succeeded), "instance"), res.DryRun)

	// DryRun=False, the default.
	res, err = web.CreateTags(ctx, tags)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "create_tags: tagged %s\n", demo.Plural(len(res.Succeeded), "instance"))

	// Read the tags back: a collection lists afresh every time.
	insts, err := env.Mine().Filter(ec2instances.Tag("owner", "web-team")).List(ctx)
	if err != nil {
		return err
	}
	for _, inst := range insts {
		owner, _ := inst.Tag("owner")
		cc, _ := inst.Tag("cost-center")
		fmt.Fprintf(stdout, "  %s owner=%s cost-center=%s\n", inst.ID(), owner, cc)
	}

	// Tags EC2 would refuse are refused before any request: keys of 1 to
	// 127 characters not starting with aws:, values of at most 256
	// characters, at most 50 tags.
	_, err = web.CreateTags(ctx, map[string]string{"aws:owner": "x"})
	fmt.Fprintf(stdout, "create_tags: bad key refused before sending: %t (%v)\n", errors.Is(err, ec2instances.ErrInvalidInput), err)
	_, err = web.CreateTags(ctx, map[string]string{"note": strings.Repeat("x", 257)})
	fmt.Fprintf(stdout, "create_tags: long value refused before sending: %t\n", errors.Is(err, ec2instances.ErrInvalidInput))
	return nil
}

// Command page_size sets how many instances each DescribeInstances call
// returns, like boto3's
//
//	for page in ec2.instances.page_size(count=5).pages():
//	    for instance in page: ...
//
// PageSize sends MaxResults, which EC2 accepts from 5 to 1000. Without it
// the package asks for pages of 1000 (boto3 asks for everything in one
// call, which large accounts answer slowly or throttle).
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
	env, err := demo.Start(ctx, "page_size", args, stdout)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	scope := env.Ins.All()
	if !env.Real {
		if _, err := env.Launch(ctx, demo.Spec{Count: 12}); err != nil {
			return err
		}
		scope = env.Mine()
	}

	// page_size(count=5).pages()
	pages, total := 0, 0
	for page, err := range scope.PageSize(5).Pages(ctx) {
		if err != nil {
			return err
		}
		pages++
		total += len(page)
		fmt.Fprintf(stdout, "page %d: %s\n", pages, demo.Plural(len(page), "instance"))
		if len(page) > 5 {
			// moto, for one, ignores MaxResults when filters are given
			// (env.Mine() filters on the run's tag).
			fmt.Fprintf(stdout, "page %d: the endpoint ignored MaxResults: it holds more than the 5 asked for\n", pages)
		}
		if pages == 10 {
			break // leaving the loop stops the requests
		}
	}
	fmt.Fprintf(stdout, "page_size(5): %s in %s\n", demo.Plural(total, "instance"), demo.Plural(pages, "page"))

	// Iter lists page by page too; the page size only changes how many
	// requests that takes.
	n := 0
	for _, err := range scope.PageSize(1000).Iter(ctx) {
		if err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(stdout, "page_size(1000): %s\n", demo.Plural(n, "instance"))

	// Outside 5..1000 is an error before any request. (A collection of
	// InstanceIDs sends no MaxResults at all, since EC2 refuses it next
	// to InstanceIds; its IDs go 1000 per call instead.)
	_, err = scope.PageSize(3).IDs(ctx)
	fmt.Fprintf(stdout, "page_size(3): refused before sending: %t (%v)\n", errors.Is(err, ec2instances.ErrInvalidInput), err)
	return nil
}

// Package stopci shows how to test code built on ec2instances with the
// ec2test endpoint; stopci_test.go is the test the README shows.
package stopci

import (
	"context"

	"github.com/ec2go/ec2instances"
)

// stopCI stops every instance tagged env=ci: the code under test.
func stopCI(ctx context.Context, ins *ec2instances.Instances) error {
	_, err := ins.Filter(ec2instances.Tag("env", "ci")).Stop(ctx)
	return err
}

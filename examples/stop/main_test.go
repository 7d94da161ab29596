package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestStop(t *testing.T) {
	demotest.Run(t, run, nil,
		"dry run: stop would be allowed for 6 instances",
		"stop(Hibernate): 2 instances: stopping 2",
		"stop(Force): 3 instances: stopping 3",
		"stop(Force): ec2instances: StopInstances: 1 of 4 instances failed, 0 unknown",
		": OperationNotPermitted\n",
		"after the waiter: running 1, stopped 5",
	)
}

package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestTerminate(t *testing.T) {
	demotest.Run(t, run, nil,
		"dry run: terminate would be allowed for 6 instances",
		"terminate: 5 instances: shutting-down 5",
		"terminate: 1 of 6 failed, 0 unknown",
		": OperationNotPermitted: ",
		"after the waiter: running 3, terminated 5",
	)
}

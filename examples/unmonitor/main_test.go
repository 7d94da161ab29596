package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestUnmonitor(t *testing.T) {
	demotest.Run(t, run, nil,
		"dry run: monitoring would be turned off for 3 instances",
		"unmonitor: 3 instances",
		" monitoring disabling\n",
		"(already off: EC2 accepts it)",
	)
}

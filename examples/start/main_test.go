package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestStart(t *testing.T) {
	demotest.Run(t, run, nil,
		"dry run: start would be allowed for 3 instances",
		"start: 3 instances",
		" stopped (80) -> pending (0)\n",
		"waiter: running 3",
		": running (16) -> running (16)\n",
	)
}

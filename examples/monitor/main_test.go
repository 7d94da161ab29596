package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestMonitor(t *testing.T) {
	out := demotest.Run(t, run, nil,
		"dry run: monitoring would be turned on for 4 instances",
		"monitor: 4 instances",
		" monitoring pending\n",
		"monitoring-state=disabled: 2 instances",
	)
	// The 4 are pending or, after the transition delay, enabled.
	demotest.Check(t, out, "monitoring-state=")
}

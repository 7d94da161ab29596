package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestLimit(t *testing.T) {
	demotest.Run(t, run, nil,
		"limit(3): 3 instances",
		"role=worker",
		"limit(7) with page size 5: 7 instances",
		"limit(0): 0 instances, error <nil>",
		"limit(-1): refused before sending: true",
	)
}

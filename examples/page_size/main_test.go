package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestPageSize(t *testing.T) {
	demotest.Run(t, run, nil,
		"page 1: 5 instances",
		"page 2: 5 instances",
		"page 3: 2 instances",
		"page_size(5): 12 instances in 3 pages",
		"page_size(1000): 12 instances",
		"page_size(3): refused before sending: true",
	)
}

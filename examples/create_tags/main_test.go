package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestCreateTags(t *testing.T) {
	demotest.Run(t, run, nil,
		"dry run: would tag 3 instances (Result.DryRun = true)",
		"create_tags: tagged 3 instances",
		" owner=web-team cost-center=4242\n",
		"create_tags: bad key refused before sending: true",
		"create_tags: long value refused before sending: true",
	)
}

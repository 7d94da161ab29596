package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestFilter(t *testing.T) {
	demotest.Run(t, run, nil,
		"Filters: 9 running instances with role web or api",
		"Filters: 6 of them also have env=prod",
		`Filters: Where("instance-type", ...) matched 12 instances`,
		`Filters: unknown name refused before sending: ec2instances: filter name "instance-state": not a DescribeInstances filter; did you mean instance-state-name?`,
		"InstanceIds: 2 instances: i-",
		"InstanceIds: found 1, not found [i-0123456789abcdef0]",
		"InstanceIds: an empty list selects 0 instances",
		"DryRun: DescribeInstances would be allowed",
		"MaxResults/NextToken: page 1 has 5 instances",
		"MaxResults/NextToken: page 2 has 5 instances",
		"MaxResults/NextToken: page 3 has 2 instances",
	)
}

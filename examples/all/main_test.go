package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestAll(t *testing.T) {
	demotest.Run(t, run, nil,
		"all: embedded ec2test endpoint",
		"ID                   TYPE      STATE    NAME",
		"t3.micro  running  web",
		"r5.large  stopped  db",
		"all: 6 instances",
		"all: IDs returned 6 IDs",
	)
}

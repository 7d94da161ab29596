package main

import (
	"testing"

	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

func TestReboot(t *testing.T) {
	demotest.Run(t, run, nil,
		"dry run: reboot would be allowed for 5 instances",
		"reboot: requested for 5 instances: [i-",
		"reboot: afterwards: running 5",
		": reboot requested\n",
	)
}

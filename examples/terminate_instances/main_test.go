package main

import (
	"testing"

	"github.com/ec2go/ec2instances/ec2test"
	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

var lines = []string{
	" running (16) -> shutting-down (32)\n",
	"Instance.Terminate: i-",
	": running (16) -> shutting-down (32)\n",
	"terminate: i-0123456789abcdef0 failed: ",
	"terminate again: 3 succeeded",
	"empty ID list: 0 instances terminated",
}

func TestTerminateInstances(t *testing.T) {
	demotest.Run(t, run, nil, append(lines,
		"dry run: terminate would be allowed for 1198 instances (Result.DryRun = true)",
		"terminate: 1198 of 1199 IDs terminated: shutting-down 1198",
	)...)
}

func TestTerminateInstancesEndpoint(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	demotest.Run(t, run, []string{"-endpoint", srv.URL()}, append(lines,
		"dry run: terminate would be allowed for 6 instances (Result.DryRun = true)",
		"terminate: 6 of 7 IDs terminated: shutting-down 6",
	)...)
	if n := srv.Len(); n != 8 {
		t.Errorf("endpoint has %d instances, want the 8 launched", n)
	}
	for _, inst := range srv.Instances() {
		if inst.State.Name != "terminated" {
			t.Errorf("%s is %s", *inst.InstanceId, inst.State.Name)
		}
	}
}

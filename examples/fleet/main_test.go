package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

// fleetRun runs the program and returns stdout, stderr and its error.
func fleetRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, append([]string{"-demo", "200"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// check fails the test for every wanted fragment out lacks.
var check = demotest.Check

// With -demo 200: web 60+20, api 40+20 (stopped), batch 40+18, one
// batch-staging instance with termination protection and one batch-prod
// instance with stop protection.

func TestList(t *testing.T) {
	out, _, err := fleetRun(t, "-tag", "role=web", "-rows", "5")
	if err != nil {
		t.Fatal(err)
	}
	check(t, out,
		"fleet: created 200 demo instances",
		"selection: Collection(tag:role=web)",
		"ID                   TYPE      STATE    ZONE        LAUNCHED          TAGS\n",
		"m5.large  running  us-east-1",
		"... and 75 more (-rows to show more)",
		"selected: 80 instances; by state: running 80",
	)
	if strings.Contains(out, "dry run") {
		t.Error("list ran a dry run")
	}
}

func TestDryRunOnlyWithoutYes(t *testing.T) {
	out, stderr, err := fleetRun(t, "-tag", "role=batch", "-state", "running", "stop")
	if err != nil {
		t.Fatal(err)
	}
	check(t, out,
		"selected: 60 instances; by state: running 60",
		"dry run: stop would be allowed for 60 of 60 instances",
		"not acting: pass -yes to stop these 60 instances",
	)
	if stderr != "" {
		t.Errorf("stderr: %q", stderr)
	}
}

func TestStopWithProgressAndFailures(t *testing.T) {
	out, stderr, err := fleetRun(t, "-tag", "role=batch", "-state", "running", "stop", "-yes", "-force", "-progress", "always", "-concurrency", "2")
	if err == nil || err.Error() != "stop: 1 of 60 instances failed, 0 unknown" {
		t.Errorf("error %v", err)
	}
	check(t, out,
		"dry run: stop would be allowed for 60 of 60 instances",
		"stop: 59 succeeded, 1 failed, 0 unknown",
		"stop: state now: stopping 59",
		"failed:\n  i-",
		"  OperationNotPermitted  protected: its disableApiStop attribute is set\n",
	)
	check(t, stderr, "100%", "(60/60)")
}

func TestTerminateAcrossZones(t *testing.T) {
	out, _, err := fleetRun(t, "-tag", "env=staging", "terminate", "-yes")
	if err == nil {
		t.Error("no error for the protected instance")
	}
	check(t, out,
		"selected: 59 instances; by state: running 39, stopped 20",
		"terminate: 58 succeeded, 1 failed, 0 unknown",
		"terminate: state now: shutting-down 58",
		"  OperationNotPermitted  protected: its disableApiTermination attribute is set\n",
	)
}

func TestTagAndMissingIDs(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 3})
	out, _, err := fleetRun(t, "-endpoint", srv.URL(), "-ids", ids[0]+","+ids[1]+",i-0123456789abcdef0", "tag", "-set", "owner=me", "-yes")
	if err != nil {
		t.Fatal(err)
	}
	check(t, out,
		"fleet: endpoint "+srv.URL(),
		"not found: i-0123456789abcdef0",
		"selected: 2 instances",
		"tag: 2 succeeded, 0 failed, 0 unknown",
	)
	if strings.Contains(out, "created 200 demo instances") {
		t.Error("demo instances created on a foreign endpoint")
	}
	for i, id := range ids {
		inst, _ := srv.Instance(id)
		tagged := len(inst.Tags) == 1 && *inst.Tags[0].Key == "owner" && *inst.Tags[0].Value == "me"
		if tagged != (i < 2) {
			t.Errorf("%s tags %v", id, inst.Tags)
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"terminate"}, "pass -all"},
		{[]string{"-filter", "instance-state=running"}, "did you mean instance-state-name?"},
		{[]string{"-state", "Running"}, `value "Running"`},
		{[]string{"tag"}, "tag needs at least one -set"},
		{[]string{"explode"}, `unknown action "explode"`},
		{[]string{"stop", "start"}, "one action at most"},
		{[]string{"-tag", "role=web", "stop", "-hibernate", "-force", "-yes", "-progress", "sometimes"}, "-progress"},
	} {
		_, _, err := fleetRun(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}

func TestAllActions(t *testing.T) {
	for _, action := range []string{"monitor", "unmonitor", "reboot", "start"} {
		out, _, err := fleetRun(t, "-all", "-limit", "10", action, "-yes")
		if err != nil {
			t.Fatalf("%s: %v\n%s", action, err, out)
		}
		check(t, out, action+": 10 succeeded, 0 failed, 0 unknown")
	}
}

// A failure shared by several instances is reported per instance with
// EC2's code and a reason about that instance, not the whole message.
func TestFailureReasons(t *testing.T) {
	const id = "i-0b8b8fd92393e0f6e"
	apiErr := func(code, msg string) error {
		return fmt.Errorf("operation error EC2: TerminateInstances: %w", &smithy.GenericAPIError{Code: code, Message: msg})
	}
	for _, tc := range []struct {
		err          error
		code, reason string
	}{
		{apiErr("OperationNotPermitted", "The instances '"+id+", i-0c7d3271b6809d8f1, i-050bd8d24a4669cc0' may not be terminated. Modify their 'disableApiTermination' instance attribute and try again."),
			"OperationNotPermitted", "protected: its disableApiTermination attribute is set"},
		{apiErr("IncorrectInstanceState", "The instances '"+id+", i-0c7d3271b6809d8f1' are not in a state from which they can be started."),
			"IncorrectInstanceState", "not in a state from which it can be started"},
		{apiErr("UnsupportedOperation", "The instances '"+id+", i-0c7d3271b6809d8f1, i-050bd8d24a4669cc0' do not support hibernation."),
			"UnsupportedOperation", "The instances '" + id + " and 2 others' do not support hibernation."},
		{apiErr("Whatever", "Instances i-0c7d3271b6809d8f1, i-050bd8d24a4669cc0 are busy."),
			"Whatever", "Instances 2 instances are busy."},
		{&ec2instances.NotFoundError{IDs: []string{id}}, "NotFound", "the instance does not exist (any more)"},
		{context.Canceled, "error", "context canceled"},
		{errors.New(strings.Repeat("x", 300)), "error", strings.Repeat("x", 159) + "…"},
	} {
		code, reason := failure(id, tc.err)
		if code != tc.code || reason != tc.reason {
			t.Errorf("failure(%v)\n = %q, %q\nwant %q, %q", tc.err, code, reason, tc.code, tc.reason)
		}
	}
}

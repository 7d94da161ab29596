package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/ec2go/ec2instances/ec2test"
	"github.com/ec2go/ec2instances/examples/internal/demo"
	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

// Every step of the tour, with the counts that follow from -n 1200: web
// 480+80, api 240+120 (stopped), batch 278+2 (protected).
var tourLines = []string{
	"launch: 1200 instances: role=web 560, role=api 360, role=batch 280; 120 of them stopped, 2 with termination protection",
	"filter by state: 120 instances are stopped",
	"filter by state: a typo is caught before sending",
	"(errors.Is ErrInvalidInput: true)",
	"filter by tag: 480 instances have role=web and env=prod",
	"filter by IDs: asked for 4 IDs, got 3 instances",
	"*NotFoundError naming [i-0123456789abcdef0] (errors.Is ErrNotFound: true)",
	"filter by IDs: an empty ID list selects 0 instances",
	"limit: 5 instances",
	"page_size: DescribeInstances was asked for at most 100 instances a call",
	"pages: 12 pages, the largest of 100, 1200 instances in all",
	"create_tags: tagged 280 instances (failed 0, unknown 0)",
	"create_tags: 280 instances now match tag:owner=data-team",
	"monitor: detailed monitoring requested for 560 instances",
	"unmonitor: detailed monitoring turned off for 80 instances",
	"reboot: reboot requested for 240 instances",
	"stop: 80 instances; their state now: stopping 80",
	"state of the 80 instances: stopped 80",
	"start: 120 instances; their state now: pending 120",
	"waiter: WaitUntilRunning returned; state of the 120 instances: running 120",
	"dry run: DescribeInstances would be allowed",
	"dry run: terminate would be allowed for 280 instances (Result.DryRun = true); still running: 280",
	"terminate: 278 instances; their state now: shutting-down 278",
	"terminate: error: ec2instances: TerminateInstances: 2 of 280 instances failed",
	": OperationNotPermitted\n",
	"waiter: WaitUntilTerminated returned for the 278 terminated instances",
	"terminate: lifted termination protection from 2 instances and terminated them",
	"final: running 840, stopped 80, terminated 280",
	"done: every step ran",
}

// stepLines are the lines of every step whatever the number of instances.
var stepLines = []string{
	"\nall: ", "\nfilter by state: ", "\nfilter by tag: ", "\nfilter by IDs: ", "\nlimit: ",
	"\npage_size: ", "\npages: ", "\ncreate_tags: ", "\nmonitor: ", "\nunmonitor: ", "\nreboot: ",
	"\nstop: ", "\nwaiter: WaitUntilStopped", "\nstart: ", "\nwaiter: WaitUntilRunning",
	"\ndry run: terminate would be allowed", "\nterminate: ", "\nwaiter: WaitUntilTerminated",
	"\nfinal: ", "\ndone: every step ran",
}

func TestQuickstartEmbedded(t *testing.T) {
	demotest.Run(t, run, []string{"-n", "1200"}, append([]string{
		"ec2instances quickstart: embedded ec2test endpoint at http://127.0.0.1:",
		"all: 1200 instances; by state: running 1080, stopped 120; by zone: us-east-1a 400, us-east-1b 400, us-east-1c 400",
	}, tourLines...)...)
}

// With -endpoint the tour launches its instances with RunInstances and
// cleans them up at the end; a second ec2test server stands in for moto.
func TestQuickstartEndpoint(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	// An instance that is not the tour's: it must be listed by all() and
	// left alone by everything else.
	other := srv.Launch(ec2test.LaunchSpec{Tags: map[string]string{"role": "batch"}})[0]

	demotest.Run(t, run, []string{"-endpoint", srv.URL(), "-n", "60"}, append([]string{
		"ec2instances quickstart: endpoint " + srv.URL() + ", region us-east-1",
		"launch: launching 60 instances with RunInstances",
		"all: 61 instances; by state: running 55, stopped 6",
		"final: running 42, stopped 4, terminated 14",
		"cleanup: terminated the 46 instances this run launched and left",
	}, stepLines...)...)
	if inst, ok := srv.Instance(other); !ok || inst.State.Name != "running" {
		t.Errorf("the instance the tour did not launch was touched: %+v", inst.State)
	}
	for _, inst := range srv.Instances() {
		if inst.InstanceId != nil && *inst.InstanceId != other && inst.State.Name != "terminated" && inst.State.Name != "shutting-down" {
			t.Fatalf("cleanup left %s %s", *inst.InstanceId, inst.State.Name)
		}
	}
}

func TestQuickstartFlags(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"-n", "3"},
		{"-aws", "-endpoint", "http://127.0.0.1:1"},
		{"-no-such-flag"},
	} {
		var out bytes.Buffer
		if err := run(ctx, args, &out); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}

// On a real account without -yes the tour only reads. Tests never use
// -aws, so this runs the tour's read-only mode on the embedded endpoint.
func TestQuickstartReadOnly(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Open(ctx, demo.Flags{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(io.Discard)
	ids := env.Server.Launch(ec2test.LaunchSpec{Count: 30, Tags: map[string]string{"role": "web"}})
	env.Server.ResetRequests()

	var out bytes.Buffer
	q := &tour{out: &out, env: env, ins: env.Ins, n: 6, changes: false}
	if err := q.run(ctx); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	demotest.Check(t, out.String(),
		"launch: skipped: a real account needs -yes",
		"all: 30 instances; by state: running 30",
		"filter by tag: 0 instances have role=web and env=prod",
		"filter by IDs: asked for 4 IDs, got 3 instances",
		"pages: 1 page, the largest of 30, 30 instances in all",
		"create_tags: skipped", "monitor: skipped", "unmonitor: skipped", "reboot: skipped",
		"stop: skipped", "start: skipped", "dry run of terminate: skipped", "terminate: skipped",
		"dry run: DescribeInstances would be allowed",
		"final: running 30",
		"done: every step ran",
	)
	for _, action := range ec2test.Actions() {
		if action != "DescribeInstances" && env.Server.RequestCount(action) > 0 {
			t.Errorf("read-only tour sent %s", action)
		}
	}
	for _, id := range ids {
		if inst, _ := env.Server.Instance(id); inst.State.Name != "running" || len(inst.Tags) != 1 {
			t.Errorf("%s changed: %s %v", id, inst.State.Name, inst.Tags)
		}
	}
}

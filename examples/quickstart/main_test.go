package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2go/ec2instances/ec2test"
	"github.com/ec2go/ec2instances/examples/internal/demo"
	"github.com/ec2go/ec2instances/examples/internal/demotest"
)

// Every step of the tour, with the counts that follow from the default
// of 3000 instances: web 1200+200, api 600+300 (stopped), batch 695+5
// (protected).
var tourLines = []string{
	"ec2instances quickstart: embedded ec2test endpoint at http://127.0.0.1:",
	"launch: creating 3000 instances on the embedded endpoint...",
	"launch: 3000 instances: role=web 1400, role=api 900, role=batch 700; 300 of them stopped, 5 with termination protection",
	"all: 3000 instances; by state: running 2700, stopped 300; by zone: us-east-1a 1000, us-east-1b 1000, us-east-1c 1000",
	"filter by state: 300 instances are stopped",
	"filter by state: a typo is caught before sending",
	"(errors.Is ErrInvalidInput: true)",
	"filter by tag: 1200 instances have role=web and env=prod",
	"filter by IDs: asked for 4 IDs, got 3 instances",
	"*NotFoundError naming [i-0123456789abcdef0] (errors.Is ErrNotFound: true)",
	"filter by IDs: an empty ID list selects 0 instances",
	"limit: 5 instances",
	"page_size: DescribeInstances was asked for at most 250 instances a call",
	"pages: 12 pages, the largest of 250, 3000 instances in all",
	"create_tags: tagged 700 instances (failed 0, unknown 0)",
	"create_tags: 700 instances now match tag:owner=data-team",
	"monitor: detailed monitoring requested for 1400 instances",
	"unmonitor: detailed monitoring turned off for 200 instances",
	"reboot: reboot requested for 600 instances",
	"stop: 200 instances; state now: stopping 200",
	"state of the 200 instances: stopped 200",
	"start: 300 instances; state now: pending 300",
	"waiter: WaitUntilRunning returned; state of the 300 instances: running 300",
	"dry run: DescribeInstances would be allowed",
	"dry run: terminate would be allowed for 700 instances (Result.DryRun = true); still running: 700",
	"terminate: 695 instances; state now: shutting-down 695",
	"terminate: error: ",
	": OperationNotPermitted\n",
	"waiter: WaitUntilTerminated returned for the 695 terminated instances",
	"terminate: lifted termination protection from 5 instances and terminated them",
	"final: running 2100, stopped 200, terminated 700",
	"\ndone: every step ran\n",
}

// stepLines are the lines of every step whatever the number of instances.
var stepLines = []string{
	"\nall: ", "\nfilter by state: ", "\nfilter by tag: ", "\nfilter by IDs: ", "\nlimit: ",
	"\npage_size: ", "\npages: ", "\ncreate_tags: ", "\nmonitor: ", "\nunmonitor: ", "\nreboot: ",
	"\nstop: ", "\nwaiter: WaitUntilStopped", "\nstart: ", "\nwaiter: WaitUntilRunning",
	"\ndry run: terminate would be allowed", "\nterminate: ", "\nwaiter: WaitUntilTerminated",
	"\nfinal: ", "\ndone: every step ran",
}

// TestQuickstartDefault runs the quickstart as the README's
// `go run ./examples/quickstart` does: it builds the program with the go
// command and runs it with no flags (3000 instances on the embedded
// endpoint), then checks its exit status, that nothing went to stderr, and
// the key line of every step. It builds a separate binary, without the
// race detector even under go test -race (as make test runs it), where
// the tour takes about a minute instead of seconds; the other tests run
// the tour in process.
func TestQuickstartDefault(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the quickstart with:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "quickstart")
	build := exec.CommandContext(ctx, gocmd, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	start := time.Now()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("quickstart: %v\nstderr:\n%s\nstdout:\n%s", err, &stderr, &stdout)
	}
	t.Logf("the quickstart ran in %s", time.Since(start).Round(100*time.Millisecond))
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", &stderr)
	}
	out := stdout.String()
	demotest.Check(t, out, tourLines...)
	for _, bad := range []string{"FAILED", "skipped", "ignored MaxResults"} {
		if strings.Contains(out, bad) {
			t.Errorf("output has %q", bad)
		}
	}
}

// With the smallest -n every group of the tour still has an instance, so
// every step acts on something.
func TestQuickstartSmallest(t *testing.T) {
	demotest.Run(t, run, []string{"-n", "6"},
		"launch: 6 instances: role=web 2, role=api 2, role=batch 2; 1 of them stopped, 1 with termination protection",
		"create_tags: tagged 2 instances",
		"monitor: detailed monitoring requested for 2 instances;",
		"unmonitor: detailed monitoring turned off for 1 instance;",
		"reboot: reboot requested for 1 instance ",
		"stop: 1 instance; state now: stopping 1",
		"start: 1 instance; state now: pending 1",
		"dry run: terminate would be allowed for 2 instances",
		"terminate: 1 instance; state now: shutting-down 1",
		"waiter: WaitUntilTerminated returned for the 1 terminated instance\n",
		"terminate: lifted termination protection from 1 instance and terminated it",
		"final: running 3, stopped 1, terminated 2",
		"done: every step ran",
	)
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

// motoLike stands in front of an ec2test server and answers as moto does
// where moto differs: MonitorInstances and UnmonitorInstances with HTTP 500
// and an HTML page (moto raises NotImplementedError), and
// DescribeInstances with filters as if MaxResults had not been sent.
type motoLike struct {
	srv       *ec2test.Server
	mu        sync.Mutex
	unmonitor map[string]int // requests for the actions moto lacks
}

func (m *motoLike) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch action := r.PostForm.Get("Action"); action {
	case "MonitorInstances", "UnmonitorInstances":
		m.mu.Lock()
		m.unmonitor[action]++
		m.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n")
		return
	case "DescribeInstances":
		if r.PostForm.Get("Filter.1.Name") != "" {
			r.PostForm.Del("MaxResults")
		}
	}
	body := r.PostForm.Encode()
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Form, r.PostForm = nil, nil
	m.srv.ServeHTTP(w, r)
}

// Against an endpoint without MonitorInstances and UnmonitorInstances the
// tour says so and skips those two steps, after one request each, and it
// notices pages larger than the MaxResults it sent.
func TestQuickstartUnimplementedActions(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	moto := &motoLike{srv: srv, unmonitor: map[string]int{}}
	front := httptest.NewServer(moto)
	defer front.Close()

	out := demotest.Run(t, run, []string{"-endpoint", front.URL, "-n", "60"},
		"monitor: skipped: the endpoint does not implement MonitorInstances (tried on one instance, the answer was HTTP 500 with no EC2 error in the body)\n",
		"unmonitor: skipped: the endpoint does not implement UnmonitorInstances (tried on one instance, the answer was HTTP 500 with no EC2 error in the body)\n",
		"pages: 1 page, the largest of 60, 60 instances in all",
		"page_size: the endpoint ignored MaxResults: a page held 60 instances, more than the 5 asked for\n",
		"reboot: reboot requested for",
		"\ndone: every other step ran; skipped, since the endpoint does not implement them: monitor, unmonitor\n",
	)
	if strings.Contains(out, "FAILED") {
		t.Error("a step failed")
	}
	for _, action := range []string{"MonitorInstances", "UnmonitorInstances"} {
		if n := moto.unmonitor[action]; n != 1 {
			t.Errorf("%s: %d requests, want the one that finds it missing", action, n)
		}
	}
}

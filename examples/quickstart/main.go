// Command quickstart walks through boto3's ec2.instances collection in Go,
// one operation after another, printing what each step did and the state
// that results.
//
// With no flags it needs no AWS account: it starts the embedded ec2test
// endpoint in-process, launches a few thousand tagged instances across
// three Availability Zones and works on those.
//
//	go run ./examples/quickstart                        # embedded endpoint
//	go run ./examples/quickstart -endpoint http://127.0.0.1:5000   # moto, cmd/ec2test, ...
//	go run ./examples/quickstart -aws                   # real account: read-only steps
//	go run ./examples/quickstart -aws -yes -ami ami-... # real account: launches -n instances, acts on them, terminates them
//
// Every action is scoped to the instances the run launched (tagged
// ec2instances-example-run=<run ID>). With -aws and without -yes nothing is
// launched or changed: the read-only steps list the account's instances
// and the others are skipped.
//
// A step whose action the endpoint does not implement (moto has neither
// MonitorInstances nor UnmonitorInstances) is skipped with a line that
// says so, and a page larger than the MaxResults the page_size step sent
// (moto ignores it next to filters) is pointed out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() { demo.Main(run) }

// missingID is an instance ID that no endpoint has.
const missingID = "i-0123456789abcdef0"

func run(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var f demo.Flags
	f.Register(fs)
	n := fs.Int("n", 0, "number of instances to launch (default 3000 on the embedded endpoint, 60 with -endpoint, 6 with -aws -yes; "+
		"at least 6, one for each of the tour's six groups)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n == 0 {
		switch {
		case f.AWS:
			*n = 6
		case f.Endpoint != "":
			*n = 60
		default:
			*n = 3000
		}
	}
	if *n < 6 {
		return fmt.Errorf("-n %d: need at least 6 instances, one for each of the tour's six groups", *n)
	}

	env, err := demo.Open(ctx, f, nil)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := env.Close(stdout); err == nil {
			err = cerr
		}
	}()
	q := &tour{out: stdout, env: env, ins: env.Ins, n: *n, changes: env.CanChange() == nil}
	fmt.Fprintf(stdout, "ec2instances quickstart: %s\n", env.Where)
	return q.run(ctx)
}

// tour holds what the steps share.
type tour struct {
	out     io.Writer
	env     *demo.Env
	ins     *ec2instances.Instances
	n       int
	changes bool // false on a real account without -yes

	// fleet is the collection the tour works on: the instances it
	// launched, or, when it may not launch any, every instance (read
	// only).
	fleet ec2instances.Collection

	// unimplemented names the steps skipped because the endpoint lacks
	// their action.
	unimplemented []string
}

func (q *tour) printf(format string, a ...any) { fmt.Fprintf(q.out, format, a...) }

// step prints a heading with the boto3 call and its Go counterpart.
func (q *tour) step(boto3, golang string) {
	q.printf("\n== boto3: %s\n   Go:    %s\n", boto3, golang)
}

// skip reports a step that changes instances and may not run.
func (q *tour) skip(name string) {
	q.printf("%s: skipped: it changes instances, and a real account needs -yes for that\n", name)
}

func (q *tour) run(ctx context.Context) error {
	if err := q.launch(ctx); err != nil {
		return err
	}
	// A step that fails is reported and the tour goes on. A step whose
	// action the endpoint does not implement (moto has neither
	// MonitorInstances nor UnmonitorInstances) says so and is skipped.
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"all", q.all},
		{"filter by state", q.filterState},
		{"filter by tag", q.filterTag},
		{"filter by IDs", q.filterIDs},
		{"limit", q.limit},
		{"page_size", q.pageSize},
		{"create_tags", q.createTags},
		{"monitor", q.monitor},
		{"unmonitor", q.unmonitor},
		{"reboot", q.reboot},
		{"stop", q.stopAndWait},
		{"start", q.startAndWait},
		{"dry run", q.dryRun},
		{"terminate", q.terminate},
		{"final", q.final},
	}
	var failed []string
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			if ctx.Err() != nil {
				return err
			}
			q.printf("%s: FAILED: %v\n", s.name, err)
			failed = append(failed, s.name)
		}
	}
	skipped := ""
	if len(q.unimplemented) > 0 {
		skipped = fmt.Sprintf("; skipped, since the endpoint does not implement them: %s", strings.Join(q.unimplemented, ", "))
	}
	if len(failed) > 0 {
		q.printf("\ndone: %d of %d steps failed: %s%s\n", len(failed), len(steps), strings.Join(failed, ", "), skipped)
		return fmt.Errorf("%s failed: %s", demo.Plural(len(failed), "step"), strings.Join(failed, ", "))
	}
	if skipped != "" {
		q.printf("\ndone: every other step ran%s\n", skipped)
		return nil
	}
	q.printf("\ndone: every step ran\n")
	return nil
}

// launch starts the fleet: web, api and batch servers in prod and
// staging, some stopped, a few with termination protection.
func (q *tour) launch(ctx context.Context) error {
	q.step("ec2.create_instances(...)", "ins.Create(ctx, &ec2.RunInstancesInput{...})")
	if !q.changes {
		q.fleet = q.ins.All()
		q.printf("launch: skipped: a real account needs -yes; the read-only steps below look at every instance of the account\n")
		return nil
	}
	// Six groups of at least one instance each (n >= 6); at n = 6 the
	// batch group takes its one from web/prod.
	n := q.n
	protected := max(1, n/600)
	webStaging, apiStaging := max(1, n/15), max(1, n/10)
	webProd, apiProd := max(1, n*2/5), max(1, n/5)
	batch := n - webProd - webStaging - apiProd - apiStaging - protected
	for ; batch < 1 && webProd > 1; batch++ {
		webProd--
	}
	specs := []demo.Spec{
		{Count: webProd, InstanceType: "m5.large", Tags: map[string]string{"role": "web", "env": "prod"}},
		{Count: webStaging, InstanceType: "m5.large", Tags: map[string]string{"role": "web", "env": "staging"}},
		{Count: apiProd, InstanceType: "c5.xlarge", Tags: map[string]string{"role": "api", "env": "prod"}},
		{Count: apiStaging, InstanceType: "c5.xlarge", Tags: map[string]string{"role": "api", "env": "staging"}, Stopped: true},
		{Count: batch, InstanceType: "t3.medium", Tags: map[string]string{"role": "batch", "env": "prod"}},
		{Count: protected, InstanceType: "t3.medium", Tags: map[string]string{"role": "batch", "env": "prod"}, ProtectTermination: true},
	}
	if q.env.Embedded() {
		q.printf("launch: creating %s on the embedded endpoint...\n", demo.Plural(n, "instance"))
	} else {
		q.printf("launch: launching %s with RunInstances and waiting for them (this can take minutes)...\n", demo.Plural(n, "instance"))
	}
	ids, err := q.env.Launch(ctx, specs...)
	if err != nil {
		return err
	}
	q.fleet = q.env.Mine()
	q.printf("launch: %s: role=web %d, role=api %d, role=batch %d; %d of them stopped, %d with termination protection\n",
		demo.Plural(len(ids), "instance"), webProd+webStaging, apiProd+apiStaging, batch+protected, apiStaging, protected)
	q.printf("launch: every step below works on %s\n", q.fleet)
	return nil
}

func (q *tour) all(ctx context.Context) error {
	q.step("for i in ec2.instances.all(): ...", "for inst, err := range ins.All().Iter(ctx) { ... }")
	byState, byZone := map[string]int{}, map[string]int{}
	total := 0
	for inst, err := range q.ins.All().Iter(ctx) {
		if err != nil {
			return err
		}
		total++
		byState[demo.State(inst)]++
		byZone[demo.Zone(inst)]++
	}
	q.printf("all: %s; by state: %s; by zone: %s\n", demo.Plural(total, "instance"), demo.Count(byState), demo.Count(byZone))
	return nil
}

func (q *tour) filterState(ctx context.Context) error {
	q.step("ec2.instances.filter(Filters=[{'Name': 'instance-state-name', 'Values': ['stopped']}])",
		`fleet.Filter(ec2instances.InstanceStateName("stopped"))`)
	ids, err := q.fleet.Filter(ec2instances.InstanceStateName("stopped")).IDs(ctx)
	if err != nil {
		return err
	}
	q.printf("filter by state: %s %s stopped\n", demo.Plural(len(ids), "instance"), demo.Verb(len(ids), "is", "are"))

	// A value outside the documented set is refused before any request.
	_, err = q.fleet.Filter(ec2instances.InstanceStateName("Stopped")).IDs(ctx)
	q.printf("filter by state: a typo is caught before sending: %v (errors.Is ErrInvalidInput: %t)\n",
		err, errors.Is(err, ec2instances.ErrInvalidInput))
	return nil
}

func (q *tour) filterTag(ctx context.Context) error {
	q.step("ec2.instances.filter(Filters=[{'Name': 'tag:role', 'Values': ['web']}, {'Name': 'tag:env', 'Values': ['prod']}])",
		`fleet.Filter(ec2instances.Tag("role", "web"), ec2instances.Tag("env", "prod"))`)
	webProd := q.fleet.Filter(ec2instances.Tag("role", "web"), ec2instances.Tag("env", "prod"))
	ids, err := webProd.IDs(ctx)
	if err != nil {
		return err
	}
	q.printf("filter by tag: %s %s role=web and env=prod\n", demo.Plural(len(ids), "instance"), demo.Verb(len(ids), "has", "have"))
	return nil
}

func (q *tour) filterIDs(ctx context.Context) error {
	q.step("ec2.instances.filter(InstanceIds=['i-...', ...])", `ins.Filter(ec2instances.InstanceIDs(ids...))`)
	some, err := q.fleet.Limit(3).IDs(ctx)
	if err != nil {
		return err
	}
	ids := append(some, missingID)
	insts, err := q.ins.Filter(ec2instances.InstanceIDs(ids...)).List(ctx)
	q.printf("filter by IDs: asked for %s, got %s\n", demo.Plural(len(ids), "ID"), demo.Plural(len(insts), "instance"))
	var nf *ec2instances.NotFoundError
	if errors.As(err, &nf) {
		q.printf("filter by IDs: the rest end the listing with a *NotFoundError naming %v (errors.Is ErrNotFound: %t)\n",
			nf.IDs, errors.Is(err, ec2instances.ErrNotFound))
	} else if err != nil {
		return err
	}

	// An empty ID list selects nothing; boto3's filter(InstanceIds=[])
	// selects everything, and a terminate() after it ends everything.
	var none []string
	n, err := q.ins.Filter(ec2instances.InstanceIDs(none...)).IDs(ctx)
	if err != nil {
		return err
	}
	q.printf("filter by IDs: an empty ID list selects %s, not all of them\n", demo.Plural(len(n), "instance"))
	return nil
}

func (q *tour) limit(ctx context.Context) error {
	q.step("ec2.instances.limit(count=5)", "fleet.Limit(5).List(ctx)")
	insts, err := q.fleet.Limit(5).List(ctx)
	if err != nil {
		return err
	}
	q.printf("limit: %s (the listing stopped after the first page that had them)\n", demo.Plural(len(insts), "instance"))
	demo.Table(q.out, insts)
	return nil
}

func (q *tour) pageSize(ctx context.Context) error {
	size := min(250, max(ec2instances.MinPageSize, q.n/12))
	if !q.changes {
		size = 500 // a real account of unknown size: not too many requests
	}
	q.step(fmt.Sprintf("for page in ec2.instances.page_size(count=%d).pages(): ...", size),
		fmt.Sprintf("for page, err := range fleet.PageSize(%d).Pages(ctx) { ... }", size))
	count, pages, largest := 0, 0, 0
	for page, err := range q.fleet.PageSize(size).Pages(ctx) {
		if err != nil {
			return err
		}
		pages++
		count += len(page)
		largest = max(largest, len(page))
	}
	q.printf("page_size: DescribeInstances was asked for at most %d instances a call (MaxResults)\n", size)
	q.printf("pages: %s, the largest of %d, %s in all (without PageSize, pages hold up to %d)\n",
		demo.Plural(pages, "page"), largest, demo.Plural(count, "instance"), ec2instances.DefaultPageSize)
	if largest > size {
		// moto, for one, ignores MaxResults when the request has filters.
		q.printf("page_size: the endpoint ignored MaxResults: a page held %d instances, more than the %d asked for\n", largest, size)
	}
	return nil
}

func (q *tour) createTags(ctx context.Context) error {
	q.step("ec2.instances.filter(...).create_tags(Tags=[{'Key': 'owner', 'Value': 'data-team'}])",
		`batch.CreateTags(ctx, map[string]string{"owner": "data-team"})`)
	if !q.changes {
		q.skip("create_tags")
		return nil
	}
	batch := q.fleet.Filter(ec2instances.Tag("role", "batch"))
	res, err := batch.CreateTags(ctx, map[string]string{"owner": "data-team", "cost-center": "4242"})
	if err != nil {
		return err
	}
	q.printf("create_tags: tagged %s (failed %d, unknown %d)\n", demo.Plural(len(res.Succeeded), "instance"), len(res.Failed), len(res.Unknown))
	ids, err := q.fleet.Filter(ec2instances.Tag("owner", "data-team")).IDs(ctx)
	if err != nil {
		return err
	}
	q.printf("create_tags: %s now %s tag:owner=data-team\n", demo.Plural(len(ids), "instance"), demo.Verb(len(ids), "matches", "match"))
	return nil
}

func (q *tour) monitor(ctx context.Context) error {
	q.step("ec2.instances.filter(...).monitor()", "web.Monitor(ctx)")
	if !q.changes {
		q.skip("monitor")
		return nil
	}
	web := q.fleet.Filter(ec2instances.Tag("role", "web"), ec2instances.InstanceStateName("running"))
	if ok, err := q.implemented(ctx, "monitor", "MonitorInstances", web, func(ctx context.Context, id string, opt func(*ec2.Options)) error {
		_, err := q.env.Client.MonitorInstances(ctx, &ec2.MonitorInstancesInput{InstanceIds: []string{id}}, opt)
		return err
	}); !ok {
		return err
	}
	res, err := web.Monitor(ctx)
	if err != nil {
		return err
	}
	q.printf("monitor: detailed monitoring requested for %s; monitoring state: %s\n", demo.Plural(len(res.Succeeded), "instance"), monitoringStates(res))
	return nil
}

func (q *tour) unmonitor(ctx context.Context) error {
	q.step("ec2.instances.filter(...).unmonitor()", "webStaging.Unmonitor(ctx)")
	if !q.changes {
		q.skip("unmonitor")
		return nil
	}
	webStaging := q.fleet.Filter(ec2instances.Tag("role", "web"), ec2instances.Tag("env", "staging"))
	if ok, err := q.implemented(ctx, "unmonitor", "UnmonitorInstances", webStaging, func(ctx context.Context, id string, opt func(*ec2.Options)) error {
		_, err := q.env.Client.UnmonitorInstances(ctx, &ec2.UnmonitorInstancesInput{InstanceIds: []string{id}}, opt)
		return err
	}); !ok {
		return err
	}
	res, err := webStaging.Unmonitor(ctx)
	if err != nil {
		return err
	}
	q.printf("unmonitor: detailed monitoring turned off for %s; monitoring state: %s\n", demo.Plural(len(res.Succeeded), "instance"), monitoringStates(res))
	return nil
}

// implemented finds out, before a step's batch action, whether the
// endpoint implements the action at all. It sends the action for one
// instance of c first, straight through the SDK client and with the SDK's
// retries off; the batch action that follows acts on that instance again,
// which these actions allow. An endpoint that lacks the action answers
// as [demo.Unimplemented] tells. (A dry run would not do: moto answers
// every dry run with DryRunOperation, whether it has the action or not.)
// Without this check the step would go wrong in a misleading way: the
// batch engine retries a 5xx, then describes the instances to learn what
// the calls did, and to an Unmonitor, instances that were never monitored
// look done.
//
// It returns true when the step should go on, whatever else the first
// call answered: the batch action reports real failures better. Otherwise
// it has printed why the step is skipped, and err is what the step
// returns (nil, or the error of listing c).
func (q *tour) implemented(ctx context.Context, step, action string, c ec2instances.Collection,
	call func(ctx context.Context, id string, opt func(*ec2.Options)) error) (ok bool, err error) {
	one, err := c.Limit(1).IDs(ctx)
	if err != nil || len(one) == 0 {
		return err == nil, err // nothing to try it on: the step itself has nothing to do
	}
	cerr := call(ctx, one[0], func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
	if why, missing := demo.Unimplemented(cerr); missing {
		q.printf("%s: skipped: the endpoint does not implement %s (tried on one instance, the answer was %s)\n", step, action, why)
		q.unimplemented = append(q.unimplemented, step)
		return false, nil
	}
	return true, nil
}

func monitoringStates(res *ec2instances.Result[types.InstanceMonitoring]) string {
	counts := map[string]int{}
	for _, m := range res.Items {
		counts[demo.Monitoring(&m)]++
	}
	return demo.Count(counts)
}

func (q *tour) reboot(ctx context.Context) error {
	q.step("ec2.instances.filter(...).reboot()", "apiRunning.Reboot(ctx)")
	if !q.changes {
		q.skip("reboot")
		return nil
	}
	apiRunning := q.fleet.Filter(ec2instances.Tag("role", "api"), ec2instances.InstanceStateName("running"))
	res, err := apiRunning.Reboot(ctx)
	if err != nil {
		return err
	}
	q.printf("reboot: reboot requested for %s (EC2 reboots in place; the state stays running)\n", demo.Plural(len(res.Succeeded), "instance"))
	return nil
}

func (q *tour) stopAndWait(ctx context.Context) error {
	q.step("ec2.instances.filter(...).stop()  then  instance.wait_until_stopped()",
		"staging.Stop(ctx), then ins.Filter(ec2instances.InstanceIDs(res.Succeeded...)).WaitUntilStopped(ctx, maxWait)")
	if !q.changes {
		q.skip("stop")
		return nil
	}
	staging := q.fleet.Filter(ec2instances.Tag("env", "staging"), ec2instances.InstanceStateName("running"))
	res, err := staging.Stop(ctx)
	if err != nil {
		return err
	}
	q.printf("stop: %s; state now: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(demo.Changes(res)))

	stopped := q.ins.Filter(ec2instances.InstanceIDs(res.Succeeded...))
	start := time.Now()
	if err := stopped.WaitUntilStopped(ctx, 10*time.Minute); err != nil {
		return err
	}
	states, err := demo.States(ctx, stopped)
	if err != nil {
		return err
	}
	q.printf("waiter: WaitUntilStopped returned after %s; state of the %s: %s\n",
		time.Since(start).Round(100*time.Millisecond), demo.Plural(len(res.Succeeded), "instance"), demo.Count(states))
	return nil
}

func (q *tour) startAndWait(ctx context.Context) error {
	q.step("ec2.instances.filter(...).start()  then  instance.wait_until_running()",
		"stoppedAPI.Start(ctx), then ....WaitUntilRunning(ctx, maxWait)")
	if !q.changes {
		q.skip("start")
		return nil
	}
	stoppedAPI := q.fleet.Filter(ec2instances.Tag("role", "api"), ec2instances.InstanceStateName("stopped"))
	res, err := stoppedAPI.Start(ctx)
	if err != nil {
		return err
	}
	q.printf("start: %s; state now: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(demo.Changes(res)))

	started := q.ins.Filter(ec2instances.InstanceIDs(res.Succeeded...))
	if err := started.WaitUntilRunning(ctx, 10*time.Minute); err != nil {
		return err
	}
	states, err := demo.States(ctx, started)
	if err != nil {
		return err
	}
	q.printf("waiter: WaitUntilRunning returned; state of the %s: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(states))
	return nil
}

func (q *tour) dryRun(ctx context.Context) error {
	q.step("ec2.instances.filter(DryRun=True) / .terminate(DryRun=True)",
		"fleet.DryRun(ctx) / batch.Terminate(ctx, ec2instances.DryRun())")
	// Listing with DryRun only checks permission: nothing is listed.
	if err := q.fleet.DryRun(ctx); err != nil {
		return fmt.Errorf("DescribeInstances dry run: %w", err)
	}
	q.printf("dry run: DescribeInstances would be allowed\n")
	if !q.changes {
		q.skip("dry run of terminate")
		return nil
	}
	batch := q.fleet.Filter(ec2instances.Tag("role", "batch"))
	res, err := batch.Terminate(ctx, ec2instances.DryRun())
	if err != nil {
		return err
	}
	running, err := batch.Filter(ec2instances.InstanceStateName("running")).IDs(ctx)
	if err != nil {
		return err
	}
	q.printf("dry run: terminate would be allowed for %s (Result.DryRun = %t); still running: %d\n",
		demo.Plural(len(res.Succeeded), "instance"), res.DryRun, len(running))
	return nil
}

func (q *tour) terminate(ctx context.Context) error {
	q.step("ec2.instances.filter(...).terminate()", "batch.Terminate(ctx)")
	if !q.changes {
		q.skip("terminate")
		return nil
	}
	batch := q.fleet.Filter(ec2instances.Tag("role", "batch"))
	res, err := batch.Terminate(ctx, ec2instances.Concurrency(4))
	if res == nil {
		return err // bad input: nothing was sent
	}
	q.printf("terminate: %s; state now: %s\n", demo.Plural(len(res.Succeeded), "instance"), demo.Count(demo.Changes(res)))

	// Protected instances fail one by one; the others are terminated.
	var be *ec2instances.BatchError
	if errors.As(err, &be) {
		q.printf("terminate: error: *BatchError: %d of %d instances failed, %d unknown\n", be.Failed, be.Total, be.Unknown)
		for _, id := range res.FailedIDs() {
			var apiErr smithy.APIError
			if errors.As(res.Failed[id], &apiErr) {
				q.printf("terminate: failed: %s: %s\n", id, apiErr.ErrorCode())
			} else {
				q.printf("terminate: failed: %s: %v\n", id, res.Failed[id])
			}
		}
	} else if err != nil {
		return err
	}

	gone := q.ins.Filter(ec2instances.InstanceIDs(res.Succeeded...))
	if err := gone.WaitUntilTerminated(ctx, 10*time.Minute); err != nil {
		return err
	}
	q.printf("waiter: WaitUntilTerminated returned for the %s\n", demo.Plural(len(res.Succeeded), "terminated instance"))

	// To terminate the protected ones, lift the protection first.
	protected := res.FailedIDs()
	for _, id := range protected {
		err := q.ins.Instance(id).ModifyAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
			DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)},
		})
		if err != nil {
			return err
		}
	}
	if len(protected) > 0 {
		unprotected := q.ins.Filter(ec2instances.InstanceIDs(protected...))
		res2, err := unprotected.Terminate(ctx)
		if err != nil {
			return err
		}
		if err := unprotected.WaitUntilTerminated(ctx, 10*time.Minute); err != nil {
			return err
		}
		q.printf("terminate: lifted termination protection from %s and terminated %s: %s\n",
			demo.Plural(len(res2.Succeeded), "instance"), demo.Verb(len(res2.Succeeded), "it", "them"), demo.Count(demo.Changes(res2)))
	}
	return nil
}

func (q *tour) final(ctx context.Context) error {
	q.step("collections are lazy: each iteration lists afresh", "demo.States(ctx, fleet)")
	states, err := demo.States(ctx, q.fleet)
	if err != nil {
		return err
	}
	var parts []string
	for _, s := range []string{"pending", "running", "stopping", "stopped", "shutting-down", "terminated"} {
		if states[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, states[s]))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no instances"}
	}
	q.printf("final: %s\n", strings.Join(parts, ", "))
	return nil
}

// Command fleet selects EC2 instances by filters, shows them as a table,
// and acts on them: a dry run first, then, with -yes, the action itself
// with a progress bar, and a line for every instance that failed.
//
//	fleet [flags] [list|tag|monitor|unmonitor|reboot|start|stop|terminate]
//
// With no -endpoint or -aws it starts the embedded ec2test endpoint and
// creates -demo instances to play with (web, api and batch servers in
// prod and staging across three zones, a few with termination or stop
// protection), so every run starts from the same fleet:
//
//	go run . -tag role=batch -state running                  # list
//	go run . -tag role=batch -state running stop             # dry run only
//	go run . -tag role=batch -state running stop -yes        # stop, with a progress bar
//	go run . -tag env=staging terminate -yes                 # the protected ones fail, one line each
//	go run . -aws -tag owner=me -state stopped terminate     # a real account: dry run only without -yes
//
// The action is applied to the instances the table was made from, by ID,
// not to whatever matches the filters by the time it runs. An action
// needs at least one of -filter, -tag, -state and -ids, or -all.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/schollz/progressbar/v3"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/examples/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

// listFlag collects the values of a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	demo.Flags
	filters, tags, set listFlag
	state, ids         string
	all, yes           bool
	limit, rows        int
	concurrency        int
	force, hibernate   bool
	skipOSShutdown     bool
	progress           string
	demoN              int
	action             string
}

var actions = []string{"list", "tag", "monitor", "unmonitor", "reboot", "start", "stop", "terminate"}

func parse(args []string, stdout io.Writer) (*options, error) {
	var o options
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: fleet [flags] [%s]\n\n", strings.Join(actions, "|"))
		fs.PrintDefaults()
	}
	fs.StringVar(&o.Endpoint, "endpoint", "", "`URL` of an EC2-compatible endpoint (moto, go run ./cmd/ec2test, ...) instead of the embedded one")
	fs.BoolVar(&o.AWS, "aws", false, "use the AWS account of the default AWS configuration")
	fs.StringVar(&o.Region, "region", "", "`region` for -endpoint (default us-east-1) or -aws (default: the configured one)")
	fs.Var(&o.filters, "filter", "DescribeInstances filter `name=value[,value...]` (repeatable; values OR, filters AND)")
	fs.Var(&o.tags, "tag", "tag filter `key=value[,value...]` (repeatable)")
	fs.StringVar(&o.state, "state", "", "instance states, `state[,state...]` (pending, running, stopping, stopped, shutting-down, terminated)")
	fs.StringVar(&o.ids, "ids", "", "instance IDs, `id[,id...]`")
	fs.BoolVar(&o.all, "all", false, "select every instance (an action with no other selection needs it)")
	fs.IntVar(&o.limit, "limit", 0, "select at most `n` instances (0: no limit)")
	fs.IntVar(&o.rows, "rows", 20, "show at most `n` rows of the table")
	fs.Var(&o.set, "set", "with tag: the tag `key=value` to set (repeatable)")
	fs.BoolVar(&o.yes, "yes", false, "after the dry run, perform the action (without it, only the dry run)")
	fs.IntVar(&o.concurrency, "concurrency", 0, "action calls of up to 1000 IDs at once (0: the library's default)")
	fs.BoolVar(&o.force, "force", false, "with stop or terminate: force the shutdown")
	fs.BoolVar(&o.hibernate, "hibernate", false, "with stop: hibernate the instances enabled for it")
	fs.BoolVar(&o.skipOSShutdown, "skip-os-shutdown", false, "with stop or terminate: skip the graceful OS shutdown")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	fs.IntVar(&o.demoN, "demo", 5000, "instances to create on the embedded endpoint")
	// Flags may come before and after the action.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(rest) {
	case 0:
		o.action = "list"
	case 1:
		o.action = rest[0]
		if !slices.Contains(actions, o.action) {
			return nil, fmt.Errorf("unknown action %q; want one of %s", o.action, strings.Join(actions, ", "))
		}
	default:
		return nil, fmt.Errorf("one action at most, got %q", rest)
	}
	if o.action == "tag" && len(o.set) == 0 {
		return nil, errors.New("tag needs at least one -set key=value")
	}
	if o.action != "tag" && len(o.set) > 0 {
		return nil, errors.New("-set applies to the tag action only")
	}
	if !slices.Contains([]string{"auto", "always", "never"}, o.progress) {
		return nil, fmt.Errorf("-progress %q: want auto, always or never", o.progress)
	}
	return &o, nil
}

// selection builds the collection the flags describe. Bad filters are
// reported by the collection itself, before any request.
func (o *options) selection(ins *ec2instances.Instances) (ec2instances.Collection, bool, error) {
	var fs []ec2instances.Filter
	for _, f := range o.filters {
		name, vals, ok := strings.Cut(f, "=")
		if !ok {
			return ec2instances.Collection{}, false, fmt.Errorf("-filter %q: want name=value[,value...]", f)
		}
		fs = append(fs, ec2instances.Where(name, strings.Split(vals, ",")...))
	}
	for _, t := range o.tags {
		key, vals, ok := strings.Cut(t, "=")
		if !ok {
			return ec2instances.Collection{}, false, fmt.Errorf("-tag %q: want key=value[,value...]", t)
		}
		fs = append(fs, ec2instances.Tag(key, strings.Split(vals, ",")...))
	}
	if o.state != "" {
		fs = append(fs, ec2instances.InstanceStateName(strings.Split(o.state, ",")...))
	}
	if o.ids != "" {
		fs = append(fs, ec2instances.InstanceIDs(strings.Split(o.ids, ",")...))
	}
	c := ins.Filter(fs...)
	if o.limit > 0 {
		c = c.Limit(o.limit)
	}
	return c, len(fs) > 0, c.Err()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	env, err := demo.Open(ctx, o.Flags, nil)
	if err != nil {
		return err
	}
	defer env.Finish(stdout, &err)
	fmt.Fprintf(stdout, "fleet: %s\n", env.Where)
	if env.Embedded() {
		if err := seed(ctx, env, o.demoN); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "fleet: created %s (tags role=web|api|batch, env=prod|staging; a few protected)\n", demo.Plural(o.demoN, "demo instance"))
	}

	c, selective, err := o.selection(env.Ins)
	if err != nil {
		return err
	}
	if o.action != "list" && !selective && !o.all {
		return fmt.Errorf("%s with no selection would act on every instance; narrow it with -filter, -tag, -state or -ids, or pass -all", o.action)
	}

	// List and show the selection. IDs given with -ids that do not exist
	// end the listing with a *NotFoundError; the others are still shown.
	fmt.Fprintf(stdout, "selection: %s\n", c)
	insts, err := c.List(ctx)
	var nf *ec2instances.NotFoundError
	if errors.As(err, &nf) {
		fmt.Fprintf(stdout, "not found: %s\n", strings.Join(nf.IDs, " "))
	} else if err != nil {
		return err
	}
	table(stdout, insts, o.rows)
	fmt.Fprintf(stdout, "selected: %s; by state: %s\n", demo.Plural(len(insts), "instance"), countBy(insts, demo.State))
	if o.action == "list" {
		return nil
	}
	if len(insts) == 0 {
		fmt.Fprintf(stdout, "%s: nothing selected, nothing to do\n", o.action)
		return nil
	}

	// Act on exactly the instances shown.
	ids := make([]string, len(insts))
	for i, inst := range insts {
		ids[i] = inst.ID()
	}
	target := env.Ins.Filter(ec2instances.InstanceIDs(ids...))

	opts := o.actionOptions()
	dry, err := act(ctx, target, o, append(opts, ec2instances.DryRun()))
	if dry == nil {
		return err // bad input: nothing was sent
	}
	fmt.Fprintf(stdout, "dry run: %s would be allowed for %d of %s\n", o.action, len(dry.succeeded), demo.Plural(len(ids), "instance"))
	if n := len(dry.failed) + len(dry.unknown); n > 0 {
		report(stdout, dry)
		return fmt.Errorf("dry run: %s would fail; not acting", demo.Plural(n, "instance"))
	}
	if !o.yes {
		fmt.Fprintf(stdout, "not acting: pass -yes to %s %s\n", o.action, demo.Verb(len(ids), "this instance", fmt.Sprintf("these %d instances", len(ids))))
		return nil
	}

	var bar *progressbar.ProgressBar
	if o.showProgress(stderr) {
		bar = progressbar.NewOptions(len(ids),
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(o.action),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
		)
		opts = append(opts, ec2instances.OnProgress(func(p ec2instances.Progress) {
			_ = bar.Set(p.Succeeded + p.Failed + p.Unknown)
			if p.Done {
				_ = bar.Finish()
			}
		}))
	}
	res, err := act(ctx, target, o, opts)
	if res == nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d succeeded, %d failed, %d unknown\n", o.action, len(res.succeeded), len(res.failed), len(res.unknown))
	if len(res.states) > 0 {
		fmt.Fprintf(stdout, "%s: state now: %s\n", o.action, res.states)
	}
	report(stdout, res)
	if err != nil {
		return fmt.Errorf("%s: %d of %s failed, %d unknown", o.action, len(res.failed), demo.Plural(len(ids), "instance"), len(res.unknown))
	}
	return nil
}

func (o *options) actionOptions() []ec2instances.ActionOption {
	var opts []ec2instances.ActionOption
	if o.concurrency > 0 {
		opts = append(opts, ec2instances.Concurrency(o.concurrency))
	}
	if o.force {
		opts = append(opts, ec2instances.Force())
	}
	if o.hibernate {
		opts = append(opts, ec2instances.Hibernate())
	}
	if o.skipOSShutdown {
		opts = append(opts, ec2instances.SkipOSShutdown())
	}
	return opts
}

func (o *options) showProgress(stderr io.Writer) bool {
	switch o.progress {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := stderr.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// outcome is a Result without its type parameter.
type outcome struct {
	succeeded []string
	failed    map[string]error
	unknown   []string
	states    string // the state changes of start, stop and terminate
}

func from[T any](res *ec2instances.Result[T], err error, state func(T) string) (*outcome, error) {
	if res == nil {
		return nil, err
	}
	out := &outcome{succeeded: res.Succeeded, failed: res.Failed, unknown: res.Unknown}
	if state != nil {
		counts := map[string]int{}
		for _, item := range res.Items {
			counts[state(item)]++
		}
		out.states = demo.Count(counts)
	}
	return out, err
}

func act(ctx context.Context, c ec2instances.Collection, o *options, opts []ec2instances.ActionOption) (*outcome, error) {
	monitoring := func(m types.InstanceMonitoring) string { return demo.Monitoring(&m) }
	change := func(ch types.InstanceStateChange) string {
		if ch.CurrentState == nil {
			return "?"
		}
		return string(ch.CurrentState.Name)
	}
	switch o.action {
	case "tag":
		tags := map[string]string{}
		for _, kv := range o.set {
			k, v, _ := strings.Cut(kv, "=")
			tags[k] = v
		}
		res, err := c.CreateTags(ctx, tags, opts...)
		return from(res, err, nil)
	case "monitor":
		res, err := c.Monitor(ctx, opts...)
		return from(res, err, monitoring)
	case "unmonitor":
		res, err := c.Unmonitor(ctx, opts...)
		return from(res, err, monitoring)
	case "reboot":
		res, err := c.Reboot(ctx, opts...)
		return from(res, err, nil)
	case "start":
		res, err := c.Start(ctx, opts...)
		return from(res, err, change)
	case "stop":
		res, err := c.Stop(ctx, opts...)
		return from(res, err, change)
	case "terminate":
		res, err := c.Terminate(ctx, opts...)
		return from(res, err, change)
	}
	return nil, fmt.Errorf("unknown action %q", o.action)
}

// report prints a line for every instance that failed or whose outcome is
// unknown: its ID, EC2's error code when there is one, and the reason for
// that instance.
func report(w io.Writer, res *outcome) {
	if len(res.failed) > 0 {
		fmt.Fprintln(w, "failed:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, id := range slices.Sorted(maps.Keys(res.failed)) {
			code, reason := failure(id, res.failed[id])
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", id, code, reason)
		}
		tw.Flush()
	}
	if len(res.unknown) > 0 {
		fmt.Fprintf(w, "unknown (the call's outcome could not be learned; look again): %s\n", strings.Join(res.unknown, " "))
	}
}

// failure returns the error code and a short reason for one failed
// instance. Several instances often share one error, whose message names
// them all ("The instances 'i-1, i-2, ...' may not be terminated..."):
// the reason says what it means for this one.
func failure(id string, err error) (code, reason string) {
	var nf *ec2instances.NotFoundError
	if errors.As(err, &nf) {
		return "NotFound", "the instance does not exist (any more)"
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return "error", shorten(id, err.Error())
	}
	code, msg := apiErr.ErrorCode(), apiErr.ErrorMessage()
	switch code {
	case "OperationNotPermitted":
		if m := protectionAttr.FindStringSubmatch(msg); m != nil {
			return code, "protected: its " + m[1] + " attribute is set"
		}
	case "IncorrectInstanceState":
		if m := stateVerb.FindStringSubmatch(msg); m != nil {
			return code, "not in a state from which it can be " + m[1]
		}
	case "UnauthorizedOperation":
		return code, "not authorized for this instance (IAM)"
	}
	return code, shorten(id, msg)
}

var (
	protectionAttr = regexp.MustCompile(`'(disableApi\w+)'`)
	stateVerb      = regexp.MustCompile(`not in a state from which (?:it|they) can be (\w+)`)
	idList         = regexp.MustCompile(`i-[0-9a-f]{8,17}(?:\s*,\s*i-[0-9a-f]{8,17})+`)
)

// shorten makes a message about several instances one about id: a list
// of instance IDs becomes id and how many others it names, and the whole
// is cut to a line.
func shorten(id, msg string) string {
	msg = idList.ReplaceAllStringFunc(msg, func(list string) string {
		n := strings.Count(list, ",") + 1
		if strings.Contains(list, id) {
			return fmt.Sprintf("%s and %s", id, demo.Plural(n-1, "other"))
		}
		return demo.Plural(n, "instance")
	})
	const max = 160
	if r := []rune(msg); len(r) > max {
		msg = string(r[:max-1]) + "…"
	}
	return msg
}

func table(w io.Writer, insts []*ec2instances.Instance, rows int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATE\tZONE\tLAUNCHED\tTAGS")
	for i, inst := range insts {
		if i == rows {
			break
		}
		launched := ""
		if inst.LaunchTime != nil {
			launched = inst.LaunchTime.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", inst.ID(), inst.InstanceType, demo.State(inst),
			demo.Zone(inst), launched, demo.Tags(inst))
	}
	tw.Flush()
	if len(insts) > rows {
		fmt.Fprintf(w, "... and %d more (-rows to show more)\n", len(insts)-rows)
	}
}

func countBy(insts []*ec2instances.Instance, key func(*ec2instances.Instance) string) string {
	counts := map[string]int{}
	for _, inst := range insts {
		counts[key(inst)]++
	}
	return demo.Count(counts)
}

// seed creates the demo fleet on the embedded endpoint.
func seed(ctx context.Context, env *demo.Env, n int) error {
	if n < 10 {
		return fmt.Errorf("-demo %d: need at least 10", n)
	}
	protected := max(1, n/500)
	var specs []demo.Spec
	left := n - 2*protected
	for _, s := range []struct {
		role, env, itype string
		share            float64
		stopped          bool
	}{
		{"web", "prod", "m5.large", 0.30, false},
		{"web", "staging", "m5.large", 0.10, false},
		{"api", "prod", "c5.xlarge", 0.20, false},
		{"api", "staging", "c5.xlarge", 0.10, true},
		{"batch", "prod", "t3.medium", 0.20, false},
		{"batch", "staging", "t3.medium", 0.10, false},
	} {
		count := int(float64(n) * s.share)
		if s.role == "batch" && s.env == "staging" {
			count = left // the rest
		}
		left -= count
		specs = append(specs, demo.Spec{Count: count, InstanceType: s.itype, Stopped: s.stopped,
			Tags: map[string]string{"role": s.role, "env": s.env, "Name": s.role + "-" + s.env}})
	}
	specs = append(specs,
		demo.Spec{Count: protected, InstanceType: "t3.medium", ProtectTermination: true,
			Tags: map[string]string{"role": "batch", "env": "staging", "Name": "batch-staging"}},
		demo.Spec{Count: protected, InstanceType: "t3.medium", ProtectStop: true,
			Tags: map[string]string{"role": "batch", "env": "prod", "Name": "batch-prod"}},
	)
	_, err := env.Launch(ctx, specs...)
	return err
}

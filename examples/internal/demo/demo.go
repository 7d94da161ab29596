// Package demo is the set-up the example programs share, so that each of
// them can show its boto3 call in Go and little else: the flags that choose
// where requests go, the embedded ec2test endpoint, launching the instances
// an example works on, cleaning them up, and printing.
//
// By default an example starts an [ec2test.Server] in its own process and
// sends nothing beyond 127.0.0.1. With -endpoint URL it talks to another
// EC2-compatible endpoint (moto, `go run ./cmd/ec2test`, ...), and with -aws
// to the AWS account of the default configuration; there, nothing is
// launched or changed unless -yes is given too, and the one-call examples
// and the quickstart act only on instances the run launched itself (tagged
// RunTagKey=<run ID>); fleet acts on what its user selects.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

// RunTagKey is the tag key every instance an example launches carries;
// the value is the run's ID. Examples act only on instances with their
// own run's tag.
const RunTagKey = "ec2instances-example-run"

// ErrNeedYes is returned when a step would launch or change instances in a
// real AWS account and -yes was not given.
var ErrNeedYes = errors.New("this step launches or changes instances in your AWS account (and costs money); run again with -yes to allow it")

// Flags are the command-line flags of the examples: the one-call
// programs accept them all, the quickstart adds -n, and fleet uses only
// Endpoint, AWS and Region.
type Flags struct {
	Endpoint     string
	AWS          bool
	Yes          bool
	Region       string
	AMI          string
	InstanceType string
	Keep         bool
}

// Register adds the flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Endpoint, "endpoint", "", "`URL` of an EC2-compatible endpoint to use (moto, go run ./cmd/ec2test, ...) instead of the embedded one")
	fs.BoolVar(&f.AWS, "aws", false, "use the AWS account of the default AWS configuration (environment, ~/.aws) instead of the embedded endpoint")
	fs.BoolVar(&f.Yes, "yes", false, "with -aws: allow launching, changing and terminating instances (only those this run launched)")
	fs.StringVar(&f.Region, "region", "", "`region` to use with -endpoint or -aws (default: us-east-1 with -endpoint, the configured one with -aws)")
	fs.StringVar(&f.AMI, "ami", "", "`AMI` ID to launch with -endpoint or -aws (default with -endpoint: "+ec2test.DefaultImageID+"; required with -aws -yes)")
	fs.StringVar(&f.InstanceType, "type", "t3.micro", "instance `type` to launch with -endpoint or -aws")
	fs.BoolVar(&f.Keep, "keep", false, "with -endpoint or -aws: leave the instances this run launched instead of terminating them at the end")
}

// Env is where an example sends its requests.
type Env struct {
	// Ins is the manager the example uses.
	Ins *ec2instances.Instances
	// Client is the SDK client Ins uses.
	Client *ec2.Client
	// Server is the embedded endpoint, or nil with -endpoint or -aws.
	Server *ec2test.Server
	// Real is set with -aws.
	Real bool
	// RunID is the value of the RunTagKey tag on the instances this run
	// launches.
	RunID string
	// Where says where requests go, for the first line of output.
	Where string

	flags     Flags
	launched  bool
	protected []string
}

// Open prepares the endpoint the flags ask for. On the embedded endpoint
// the server options apply (after a default transition delay of 200ms,
// so that waiters have something to wait for); the manager options apply
// in every case.
func Open(ctx context.Context, f Flags, serverOpts []ec2test.Option, optFns ...func(*ec2instances.Options)) (*Env, error) {
	if f.AWS && f.Endpoint != "" {
		return nil, errors.New("-aws and -endpoint exclude each other")
	}
	if f.Yes && !f.AWS {
		// -yes only means something with -aws: ignore it.
		f.Yes = false
	}
	e := &Env{flags: f, RunID: newRunID(), Real: f.AWS}
	var client *ec2.Client
	var opts []func(*ec2instances.Options)
	switch {
	case f.AWS:
		var lo []func(*config.LoadOptions) error
		if f.Region != "" {
			lo = append(lo, config.WithRegion(f.Region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, lo...)
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration: %w", err)
		}
		if cfg.Region == "" {
			return nil, errors.New("-aws: no region configured; set AWS_REGION or pass -region")
		}
		client = ec2.NewFromConfig(cfg)
		e.Where = fmt.Sprintf("AWS account of the default configuration, region %s", cfg.Region)
	case f.Endpoint != "":
		region := f.Region
		if region == "" {
			region = "us-east-1"
		}
		client = ec2.NewFromConfig(aws.Config{
			Region:       region,
			Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
			BaseEndpoint: aws.String(f.Endpoint),
		})
		e.Where = fmt.Sprintf("endpoint %s, region %s", f.Endpoint, region)
		opts = append(opts, func(o *ec2instances.Options) {
			o.WaiterMinDelay, o.WaiterMaxDelay = time.Second, 5*time.Second
		})
	default:
		e.Server = ec2test.NewServer(append([]ec2test.Option{
			ec2test.WithTransitionDelay(200 * time.Millisecond),
		}, serverOpts...)...)
		client = e.Server.Client()
		e.Where = fmt.Sprintf("embedded ec2test endpoint at %s, region %s (no AWS account involved)", e.Server.URL(), e.Server.Region())
		opts = append(opts, func(o *ec2instances.Options) {
			o.WaiterMinDelay, o.WaiterMaxDelay = 100*time.Millisecond, time.Second
			o.MaxBackoff = 100 * time.Millisecond
		})
	}
	e.Client = client
	e.Ins = ec2instances.New(client, append(opts, optFns...)...)
	return e, nil
}

// Main runs an example's run function with a context that Ctrl-C
// cancels, and exits with status 1 after printing its error.
func Main(run func(ctx context.Context, args []string, stdout io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		os.Exit(1)
	}
}

// Start parses the common flags, opens the endpoint they choose with the
// given server options, and prints where requests go. Call Finish when
// done.
func Start(ctx context.Context, name string, args []string, stdout io.Writer, serverOpts ...ec2test.Option) (*Env, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	var f Flags
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	e, err := Open(ctx, f, serverOpts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "%s: %s\n", name, e.Where)
	return e, nil
}

// Finish is Close for a deferred call: it stores Close's error in *errp
// unless *errp already holds one.
func (e *Env) Finish(w io.Writer, errp *error) {
	if err := e.Close(w); err != nil && *errp == nil {
		*errp = err
	}
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Embedded reports whether requests go to the in-process ec2test server.
func (e *Env) Embedded() bool { return e.Server != nil }

// CanChange returns ErrNeedYes on a real account without -yes, and nil
// otherwise.
func (e *Env) CanChange() error {
	if e.Real && !e.flags.Yes {
		return ErrNeedYes
	}
	return nil
}

// Mine is the collection of the instances this run launched.
func (e *Env) Mine() ec2instances.Collection {
	return e.Ins.Filter(ec2instances.Tag(RunTagKey, e.RunID))
}

// Spec describes instances for Launch.
type Spec struct {
	Count        int
	InstanceType string            // default: -type (embedded: m1.small)
	Tags         map[string]string // RunTagKey is added
	Stopped      bool              // stop them after launch
	// Termination and stop protection (disableApiTermination and
	// disableApiStop).
	ProtectTermination, ProtectStop bool
	// Monitoring turns on detailed monitoring.
	Monitoring bool
}

// Launch starts the instances of the specs and returns their IDs, in the
// order of the specs. The embedded endpoint creates them directly (in
// their final state, spread over its Availability Zones); elsewhere they
// are launched with RunInstances, waited for, stopped and protected as
// the specs ask, which takes minutes on AWS.
func (e *Env) Launch(ctx context.Context, specs ...Spec) ([]string, error) {
	if err := e.CanChange(); err != nil {
		return nil, err
	}
	e.launched = true
	var all []string
	if e.Embedded() {
		for _, s := range specs {
			state := "running"
			if s.Stopped {
				state = "stopped"
			}
			all = append(all, e.Server.Launch(ec2test.LaunchSpec{
				Count:                 s.Count,
				InstanceType:          s.InstanceType,
				Tags:                  e.tags(s.Tags),
				State:                 state,
				DisableAPITermination: s.ProtectTermination,
				DisableAPIStop:        s.ProtectStop,
				Monitoring:            s.Monitoring,
			})...)
		}
		return all, nil
	}
	if e.Real && e.flags.AMI == "" {
		return nil, errors.New("-aws -yes: pass -ami with an AMI ID of your region to launch the example's instances")
	}
	ami := e.flags.AMI
	if ami == "" {
		ami = ec2test.DefaultImageID
	}
	var stop []string
	var protect []protection
	for _, s := range specs {
		itype := s.InstanceType
		if itype == "" || e.Real {
			itype = e.flags.InstanceType
		}
		var ids []string
		for left := s.Count; left > 0; {
			n := min(left, 500)
			insts, err := e.Ins.Create(ctx, &ec2.RunInstancesInput{
				ImageId:      aws.String(ami),
				InstanceType: types.InstanceType(itype),
				MinCount:     aws.Int32(int32(n)),
				MaxCount:     aws.Int32(int32(n)),
				Monitoring:   &types.RunInstancesMonitoringEnabled{Enabled: aws.Bool(s.Monitoring)},
				TagSpecifications: []types.TagSpecification{{
					ResourceType: types.ResourceTypeInstance,
					Tags:         sdkTags(e.tags(s.Tags)),
				}},
			})
			if err != nil {
				return all, fmt.Errorf("launching: %w", err)
			}
			for _, inst := range insts {
				ids = append(ids, inst.ID())
			}
			left -= n
		}
		all = append(all, ids...)
		if s.Stopped {
			stop = append(stop, ids...)
		}
		if s.ProtectTermination || s.ProtectStop {
			protect = append(protect, protection{ids, s.ProtectTermination, s.ProtectStop})
		}
	}
	launched := e.Ins.Filter(ec2instances.InstanceIDs(all...))
	if err := launched.WaitUntilRunning(ctx, 10*time.Minute); err != nil {
		return all, err
	}
	if len(stop) > 0 {
		c := e.Ins.Filter(ec2instances.InstanceIDs(stop...))
		if _, err := c.Stop(ctx); err != nil {
			return all, err
		}
		if err := c.WaitUntilStopped(ctx, 10*time.Minute); err != nil {
			return all, err
		}
	}
	for _, p := range protect {
		e.protected = append(e.protected, p.ids...)
		for _, id := range p.ids {
			if err := setProtection(ctx, e.Ins.Instance(id), p.term, p.stop); err != nil {
				return all, err
			}
		}
	}
	return all, nil
}

type protection struct {
	ids        []string
	term, stop bool
}

// setProtection sets termination and stop protection, one attribute per
// ModifyInstanceAttribute call as EC2 requires.
func setProtection(ctx context.Context, inst *ec2instances.Instance, term, stop bool) error {
	if err := inst.ModifyAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(term)},
	}); err != nil {
		return err
	}
	return inst.ModifyAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
		DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(stop)},
	})
}

func (e *Env) tags(t map[string]string) map[string]string {
	out := maps.Clone(t)
	if out == nil {
		out = map[string]string{}
	}
	out[RunTagKey] = e.RunID
	return out
}

func sdkTags(t map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(t))
	for _, k := range slices.Sorted(maps.Keys(t)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(t[k])})
	}
	return out
}

// Close cleans up. On the embedded endpoint it stops the server. Elsewhere,
// unless -keep was given, it terminates every instance this run launched
// (lifting their protection first), with a context of its own so that an
// interrupted run still cleans up, and reports what it did on w.
func (e *Env) Close(w io.Writer) error {
	if e.Embedded() {
		e.Server.Close()
		return nil
	}
	if !e.launched {
		return nil
	}
	mine := e.Mine().Filter(ec2instances.InstanceStateName("pending", "running", "stopping", "stopped"))
	if e.flags.Keep {
		fmt.Fprintf(w, "cleanup: -keep given; the instances tagged %s=%s are left as they are\n", RunTagKey, e.RunID)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	left, err := mine.IDs(ctx)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	if len(left) == 0 {
		fmt.Fprintf(w, "cleanup: none of the instances this run launched is left to terminate (tag %s=%s)\n", RunTagKey, e.RunID)
		return nil
	}
	for _, id := range e.protected {
		if slices.Contains(left, id) {
			if err := setProtection(ctx, e.Ins.Instance(id), false, false); err != nil {
				return fmt.Errorf("cleanup: %w", err)
			}
		}
	}
	// Act on the IDs just listed, without listing them again.
	res, err := e.Ins.Filter(ec2instances.InstanceIDs(left...)).Terminate(ctx)
	switch {
	case res == nil:
		fmt.Fprintf(w, "cleanup: none of the instances this run launched is left to terminate (tag %s=%s)\n", RunTagKey, e.RunID)
	default:
		fmt.Fprintf(w, "cleanup: terminated the %s this run launched and left (tag %s=%s)\n", Plural(len(res.Succeeded), "instance"), RunTagKey, e.RunID)
	}
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	return nil
}

// Unimplemented reports whether err says that the endpoint does not
// implement the action at all, and if so, what the answer was. That is:
//
//   - an EC2 error code for an unknown or unimplemented action
//     (InvalidAction, as EC2 and ec2test answer, or NotImplemented), or
//   - HTTP 501, or any 5xx whose body is not an EC2 error: moto answers an
//     action it lacks (MonitorInstances and UnmonitorInstances, for one)
//     with 500 and an HTML page.
//
// A 5xx that carries an EC2 error (InternalError, Unavailable, ...) is a
// failure of an action the endpoint has, not a missing one. Send the call
// that decides with the SDK's retries off (RetryMaxAttempts 1), or a
// missing action costs the retries' backoff first.
func Unimplemented(err error) (reason string, ok bool) {
	if err == nil {
		return "", false
	}
	var apiErr smithy.APIError
	isAPI := errors.As(err, &apiErr)
	if isAPI {
		switch code := apiErr.ErrorCode(); code {
		case "InvalidAction", "NotImplemented":
			return "EC2 error " + code, true
		}
	}
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) {
		return "", false
	}
	switch code := status.HTTPStatusCode(); {
	case code == http.StatusNotImplemented:
		return "HTTP 501 Not Implemented", true
	case code >= 500 && !isAPI:
		return fmt.Sprintf("HTTP %d with no EC2 error in the body", code), true
	}
	return "", false
}

// ExplainUnimplemented puts a sentence in front of an error that says
// the endpoint does not implement what was called (see Unimplemented),
// naming the operation; other errors it returns as they are.
func ExplainUnimplemented(err error) error {
	why, ok := Unimplemented(err)
	if !ok {
		return err
	}
	op := "an operation"
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.Operation()
	}
	return fmt.Errorf("the endpoint does not implement %s as this example calls it (%s): %w", op, why, err)
}

// Table prints instances as a table: ID, type, state, zone and tags (but
// not RunTagKey).
func Table(w io.Writer, insts []*ec2instances.Instance) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tTYPE\tSTATE\tZONE\tTAGS")
	for _, inst := range insts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", inst.ID(), inst.InstanceType, State(inst), Zone(inst), Tags(inst))
	}
	tw.Flush()
}

// State is the instance's state name.
func State(inst *ec2instances.Instance) string {
	if inst.State == nil {
		return "?"
	}
	return string(inst.State.Name)
}

// Zone is the instance's Availability Zone.
func Zone(inst *ec2instances.Instance) string {
	if inst.Placement == nil {
		return "?"
	}
	return aws.ToString(inst.Placement.AvailabilityZone)
}

// Tags formats the instance's tags as sorted key=value pairs, leaving out
// RunTagKey.
func Tags(inst *ec2instances.Instance) string {
	var kv []string
	for _, t := range inst.Tags {
		if k := aws.ToString(t.Key); k != RunTagKey {
			kv = append(kv, k+"="+aws.ToString(t.Value))
		}
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

// Count formats counts as "a 3, b 2", sorted by key.
func Count(counts map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// States counts the instances of c by state.
func States(ctx context.Context, c ec2instances.Collection) (map[string]int, error) {
	counts := map[string]int{}
	for inst, err := range c.Iter(ctx) {
		if err != nil {
			return counts, err
		}
		counts[State(inst)]++
	}
	return counts, nil
}

// Plural formats a count and its noun: "1 instance", "0 instances",
// "3 pages". The nouns of the examples all take an s.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Verb picks the form of a verb for a count: Verb(1, "is", "are") is
// "is", Verb(3, "is", "are") is "are".
func Verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Monitoring is the monitoring state of a Monitor or Unmonitor result
// (an item of Result.Items, or what Instance.Monitor returns), or "?" if
// there is none.
func Monitoring(m *types.InstanceMonitoring) string {
	if m == nil || m.Monitoring == nil {
		return "?"
	}
	return string(m.Monitoring.State)
}

// Change formats a state change (an item of Result.Items, or what
// Instance.Start returns) as "stopped (80) -> pending (0)", with "?" for
// what EC2 did not send.
func Change(ch *types.InstanceStateChange) string {
	if ch == nil {
		return "?"
	}
	return stateCode(ch.PreviousState) + " -> " + stateCode(ch.CurrentState)
}

func stateCode(st *types.InstanceState) string {
	if st == nil {
		return "?"
	}
	if st.Code == nil {
		return string(st.Name)
	}
	return fmt.Sprintf("%s (%d)", st.Name, *st.Code)
}

// Changes counts the state changes of a Start, Stop or Terminate result
// by their current state.
func Changes(res *ec2instances.Result[types.InstanceStateChange]) map[string]int {
	counts := map[string]int{}
	for _, ch := range res.Items {
		if ch.CurrentState != nil {
			counts[string(ch.CurrentState.Name)]++
		}
	}
	return counts
}

// Package conformance holds scenarios that check an EC2 endpoint against
// the documented behaviour of Amazon EC2's instance API. The scenarios are
// written once and run against any endpoint that speaks the EC2 Query
// protocol: the in-memory ec2test server always, moto when it is
// available, and in principle EC2 itself.
//
// Every scenario talks through the real aws-sdk-go-v2 *ec2.Client over
// HTTP. Scenarios tag the instances they launch with a tag unique to the
// run and scenario and filter on it, so they stay isolated on a shared
// endpoint. Where an endpoint is known to depart from EC2, its [Quirks]
// say so and the affected scenario is skipped with the reason.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/ec2go/ec2instances/ec2test"
)

// ImageID is the AMI the scenarios launch. It is one of the images moto
// loads by default, and has the shape ec2test accepts.
const ImageID = "ami-12c6146b"

// RunTagKey is the tag key that marks the instances of one scenario.
const RunTagKey = "ec2conformance-run"

// Endpoint is an EC2 endpoint under test.
type Endpoint struct {
	// Name labels the endpoint in skip messages ("moto", "ec2test").
	Name string
	// URL is the endpoint's base URL, for the scenarios that send raw
	// HTTP requests.
	URL string
	// Client talks to the endpoint.
	Client *ec2.Client
	// Zones are two or more Availability Zones of the endpoint's region.
	Zones []string
	// Quirks lists the endpoint's known departures from EC2.
	Quirks Quirks
	// WaitTimeout bounds the wait for a state transition (default 30s).
	WaitTimeout time.Duration
}

// Quirk is one known departure from EC2's documented behaviour. Its value
// is the explanation a skipped scenario gives.
type Quirk string

// The quirks the scenarios know about.
const (
	LaunchesMinCount             Quirk = "RunInstances launches MinCount instances instead of as many as possible up to MaxCount"
	IgnoresLaunchProtection      Quirk = "RunInstances ignores DisableApiTermination"
	PagesPerReservation          Quirk = "MaxResults counts reservations instead of instances"
	NoMaxResultsBounds           Quirk = "MaxResults outside 5..1000 is accepted"
	TokensBreakOnChange          Quirk = "a NextToken fails (500) once the instance it points at no longer matches the filters"
	InvalidTokenServerError      Quirk = "a malformed NextToken is a server error (500) instead of InvalidParameterValue"
	NoFilterWildcards            Quirk = "wildcards work only in tag filters"
	UnknownFilterServerError     Quirk = "an unknown filter name is a server error (500) instead of InvalidParameterValue"
	NoMonitoring                 Quirk = "MonitorInstances and UnmonitorInstances are not implemented (500)"
	NonAtomicProtectedTerminate  Quirk = "TerminateInstances terminates the instances named before a protected one in the same zone"
	IgnoresZoneRule              Quirk = "TerminateInstances ignores the per-Availability-Zone rule: with a protected instance, nothing in other zones is terminated"
	NoMalformedIDCheck           Quirk = "malformed instance IDs are reported as InvalidInstanceID.NotFound"
	DescribeNamesOneMissingID    Quirk = "DescribeInstances names only one of several missing instance IDs"
	NoStateChecks                Quirk = "StartInstances and StopInstances accept terminated instances"
	TerminateAnswersShuttingDown Quirk = "terminating a terminated instance answers shutting-down as its current state"
	ReasonInUTC                  Quirk = "StateTransitionReason ends in UTC) instead of GMT)"
	UnknownActionServerError     Quirk = "an unknown action is a server error (500, HTML) instead of 400 InvalidAction"
	DeleteAllTagsUnsupported     Quirk = "DeleteTags without Tag deletes nothing instead of every tag"
	DescribeAnswers100           Quirk = "without MaxResults, DescribeInstances answers 100 reservations and a NextToken instead of every instance"
	ModifyRunningInstanceType    Quirk = "ModifyInstanceAttribute changes the type of a running instance instead of failing with IncorrectInstanceState"
	NoDefaultSecurityGroup       Quirk = "an instance launched without security groups has none instead of the VPC's default group"
	ConsoleOutputIgnoresDryRun   Quirk = "GetConsoleOutput ignores DryRun and answers the output"
	// LimitedFilters is declared by setting Quirks.SupportedFilters.
	LimitedFilters Quirk = "the filter is not implemented (500)"
)

// quirkFailures describes how each quirk makes its checks fail: the
// first failure a scenario reports after it reaches the quirk's check
// must match, so VerifyQuirks confirms the quirk itself and not some
// other failure.
var quirkFailures = map[Quirk]*regexp.Regexp{
	LaunchesMinCount:             regexp.MustCompile(`^MinCount 2 MaxCount 3 launched 2 instances, want 3$`),
	IgnoresLaunchProtection:      regexp.MustCompile(`^disableApiTermination not set after launch$|want error OperationNotPermitted \(400\), got success`),
	PagesPerReservation:          regexp.MustCompile(`^7 instances of one reservation in pages of 5: got page sizes \[7\]`),
	NoMaxResultsBounds:           regexp.MustCompile(`^want error InvalidParameterValue \(400\), got success`),
	TokensBreakOnChange:          regexp.MustCompile(`^next page after the first page's instances stopped: .*StatusCode: 500`),
	InvalidTokenServerError:      regexp.MustCompile(`^want error InvalidParameterValue \(400\), got .*\(500\)`),
	NoFilterWildcards:            regexp.MustCompile(`^instance-type t3\.\*: got instances \[\], want`),
	UnknownFilterServerError:     regexp.MustCompile(`^want error InvalidParameterValue \(400\), got .*\(500\)`),
	NoMonitoring:                 regexp.MustCompile(`MonitorInstances, .*StatusCode: 500`),
	NonAtomicProtectedTerminate:  regexp.MustCompile(`is (shutting-down|terminated) after a terminate that failed for a protected instance in its zone$`),
	IgnoresZoneRule:              regexp.MustCompile(`in the other zone is running, want terminated$`),
	NoMalformedIDCheck:           regexp.MustCompile(`^want error InvalidInstanceID\.Malformed \(400\), got InvalidInstanceID\.NotFound \(400\)`),
	DescribeNamesOneMissingID:    regexp.MustCompile(`^message "The instance ID '[^']*' does not exist"$`),
	NoStateChecks:                regexp.MustCompile(`^want error IncorrectInstanceState \(400\), got success$`),
	TerminateAnswersShuttingDown: regexp.MustCompile(`state change .*, want terminated -> terminated$`),
	ReasonInUTC:                  regexp.MustCompile(`^state transition reason "User initiated \(.* UTC\)" does not end in GMT\)$`),
	UnknownActionServerError:     regexp.MustCompile(`^unknown action: status 500 `),
	DeleteAllTagsUnsupported:     regexp.MustCompile(`^tags after DeleteTags without Tag: map\[a:1 `),
	DescribeAnswers100:           regexp.MustCompile(`^a describe without MaxResults returned a NextToken after 100 reservations$`),
	ModifyRunningInstanceType:    regexp.MustCompile(`^want error IncorrectInstanceState \(400\), got success$`),
	NoDefaultSecurityGroup:       regexp.MustCompile(`^launched without security groups, the instance is in \[\], want the default group$`),
	ConsoleOutputIgnoresDryRun:   regexp.MustCompile(`^GetConsoleOutput with DryRun: got  \(0\), want DryRunOperation \(412\)`),
	// A filter the endpoint does not implement fails its describe.
	LimitedFilters: regexp.MustCompile(`^DescribeInstances: .*StatusCode: 500`),
}

// Quirks lists an endpoint's known departures from EC2. The zero value
// claims full conformance.
type Quirks struct {
	// Known are the endpoint's quirks.
	Known []Quirk
	// SupportedFilters, when not nil, lists the only DescribeInstances
	// filter names the endpoint implements ("tag:<key>" stands for tag
	// filters).
	SupportedFilters []string
}

// Has reports whether q is among the known quirks.
func (q Quirks) Has(x Quirk) bool {
	for _, k := range q.Known {
		if k == x {
			return true
		}
	}
	return false
}

// MotoQuirks are the departures from EC2 of moto 5.2.5, the version
// scripts/moto.sh installs. Each is confirmed by [VerifyQuirks].
func MotoQuirks() Quirks {
	return Quirks{
		Known: []Quirk{
			LaunchesMinCount, IgnoresLaunchProtection, PagesPerReservation, NoMaxResultsBounds,
			TokensBreakOnChange, InvalidTokenServerError, NoFilterWildcards, UnknownFilterServerError,
			NoMonitoring, NonAtomicProtectedTerminate, IgnoresZoneRule, NoMalformedIDCheck,
			DescribeNamesOneMissingID, NoStateChecks, TerminateAnswersShuttingDown, ReasonInUTC,
			UnknownActionServerError, DeleteAllTagsUnsupported, ModifyRunningInstanceType,
			DescribeAnswers100, NoDefaultSecurityGroup, ConsoleOutputIgnoresDryRun,
		},
		SupportedFilters: motoFilters,
	}
}

// motoFilters are the 22 of the 135 documented DescribeInstances filters
// that moto implements (tag:<key> included).
var motoFilters = []string{
	"architecture", "availability-zone", "dns-name", "image-id", "instance-id",
	"instance-state-name", "instance-type", "instance.group-id", "instance.group-name",
	"ip-address", "key-name", "network-interface.private-dns-name", "owner-id",
	"private-dns-name", "private-ip-address", "product-code", "source-dest-check",
	"state-reason-code", "subnet-id", "tag-key", "tag:<key>", "vpc-id",
}

// NewClient returns an EC2 client for an endpoint URL: region us-east-1,
// static fake credentials, the SDK's default retryer, and the HTTP client
// of [ec2test.NewHTTPClient], which avoids a race that makes the SDK retry
// calls the endpoint already processed.
func NewClient(url string, optFns ...func(*ec2.Options)) *ec2.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIACONFORMANCE", "conformance-secret", ""),
		BaseEndpoint: aws.String(url),
		HTTPClient:   ec2test.NewHTTPClient(),
	}
	return ec2.NewFromConfig(cfg, optFns...)
}

// testingT is the part of *testing.T the scenarios use. VerifyQuirks
// runs scenarios with a recorder in its place to see whether they fail.
type testingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	Skipf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// Run runs every scenario against the endpoint as subtests of t.
func Run(t *testing.T, ep Endpoint) {
	ep = ep.withDefaults(t)
	run := randomHex(6)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.fn(&harness{t: t, real: t, ep: ep, ctx: context.Background(), run: run + "-" + sc.name})
		})
	}
}

func (ep Endpoint) withDefaults(t *testing.T) Endpoint {
	if ep.Client == nil {
		t.Fatal("conformance: Endpoint.Client is nil")
	}
	if len(ep.Zones) < 2 {
		ep.Zones = []string{"us-east-1a", "us-east-1b"}
	}
	if ep.WaitTimeout == 0 {
		ep.WaitTimeout = 30 * time.Second
	}
	if ep.Name == "" {
		ep.Name = "endpoint"
	}
	return ep
}

// Scenarios returns the names of the scenarios Run runs, in order.
func Scenarios() []string {
	out := make([]string, len(scenarios))
	for i, sc := range scenarios {
		out[i] = sc.name
	}
	return out
}

// VerifyQuirks checks that the endpoint really has each quirk it declares:
// for every quirk, the scenarios that would skip because of it run with
// the quirk lifted, and each that reaches the quirk's check must then fail
// there, in the way the quirk describes: nothing may fail before the
// check, and the first failure after it must match the quirk's known
// failure. For SupportedFilters, every filter of the filter spread that
// is declared unsupported must fail as an unimplemented filter does. A
// declared quirk that no longer shows fails the test, so the skips stay
// accurate when the endpoint improves, and so does a scenario that fails
// for another reason.
func VerifyQuirks(t *testing.T, ep Endpoint) {
	ep = ep.withDefaults(t)
	run := randomHex(6)
	for _, q := range ep.Quirks.Known {
		t.Run(string(q), func(t *testing.T) {
			probe := ep
			probe.Quirks.Known = nil
			for _, k := range ep.Quirks.Known {
				if k != q {
					probe.Quirks.Known = append(probe.Quirks.Known, k)
				}
			}
			reached := 0
			for _, sc := range scenarios {
				if !slices.Contains(sc.quirks, q) {
					continue
				}
				rec := probeScenario(sc, probe, q, run)
				if msg := rec.mismatch(q); msg != "" {
					t.Errorf("%s: %s", sc.name, msg)
				} else if rec.reached {
					t.Logf("%s without the quirk fails as expected: %s", sc.name, rec.firstErrorAfterCheck())
				}
				if rec.reached {
					reached++
				}
			}
			if reached == 0 {
				t.Errorf("no scenario reached the check for this quirk")
			}
		})
	}
	if ep.Quirks.SupportedFilters != nil {
		t.Run(string(LimitedFilters), func(t *testing.T) {
			probe := ep
			probe.Quirks.SupportedFilters = nil
			sc := scenario{name: "FilterSpread", fn: filterSpread}
			rec := probeScenario(sc, probe, "", run)
			if rec.failed {
				t.Errorf("FilterSpread fails outside its filter checks: %s", rec.firstError())
			}
			h := &harness{ep: ep}
			checked := 0
			for name, sub := range rec.subs {
				if h.supportsFilter(name) {
					continue
				}
				checked++
				switch {
				case sub.skipped:
				case !sub.failed:
					t.Errorf("filter %s works: it should not be declared unsupported", name)
				case !quirkFailures[LimitedFilters].MatchString(sub.firstError()):
					t.Errorf("filter %s fails, but not as an unimplemented filter: %s", name, sub.firstError())
				}
			}
			if checked == 0 {
				t.Errorf("no unsupported filter was probed")
			}
		})
	}
}

// probeScenario runs a scenario with a recorder. Quirk q is marked
// reached when the scenario gets to the check that q would skip.
func probeScenario(sc scenario, ep Endpoint, q Quirk, run string) *recorder {
	rec := &recorder{subs: map[string]*recorder{}}
	h := &harness{t: rec, ep: ep, ctx: context.Background(), run: run + "-probe-" + sc.name, probeQuirk: q, rec: rec}
	rec.do(func() { sc.fn(h) })
	return rec
}

// recorder stands in for *testing.T in VerifyQuirks.
type recorder struct {
	failed, skipped, reached bool
	msgs                     []string
	reachedAt                int // len(msgs) when the check was reached
	cleanups                 []func()
	subs                     map[string]*recorder
}

// firstErrorAfterCheck returns the first failure reported after the
// probed quirk's check was reached.
func (r *recorder) firstErrorAfterCheck() string {
	if !r.reached || len(r.msgs) <= r.reachedAt {
		return ""
	}
	return r.msgs[r.reachedAt]
}

// mismatch says how a probe of quirk q departs from what the quirk
// predicts ("" when it does not): a failure before the check, no
// failure after it, or a failure of another kind.
func (r *recorder) mismatch(q Quirk) string {
	if !r.reached {
		if r.failed {
			return "fails before reaching the quirk's check: " + r.firstError()
		}
		return ""
	}
	if r.reachedAt > 0 {
		return "fails before reaching the quirk's check: " + r.msgs[0]
	}
	first := r.firstErrorAfterCheck()
	if first == "" {
		return "passes without the quirk: the endpoint no longer has it"
	}
	if re := quirkFailures[q]; re != nil && !re.MatchString(first) {
		return "fails without the quirk, but not as the quirk describes (" + re.String() + "): " + first
	}
	return ""
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprint(args...))
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	runtime.Goexit()
}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Cleanup(f func())    { r.cleanups = append(r.cleanups, f) }
func (r *recorder) firstError() string {
	if len(r.msgs) == 0 {
		return ""
	}
	return r.msgs[0]
}

// do runs f on its own goroutine (so Fatal can end it) and then the
// cleanups.
func (r *recorder) do(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

type scenario struct {
	name   string
	fn     func(h *harness)
	quirks []Quirk // the quirks whose check the scenario contains
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// harness carries one scenario's endpoint, context and run tag.
type harness struct {
	t    testingT
	real *testing.T // nil when probing
	ep   Endpoint
	ctx  context.Context
	run  string
	// probeQuirk and rec are set by VerifyQuirks.
	probeQuirk Quirk
	rec        *recorder
}

func (h *harness) c() *ec2.Client { return h.ep.Client }

// sub runs a sub-scenario: a subtest normally, a recorded run when
// probing.
func (h *harness) sub(name string, fn func(h *harness)) {
	if h.real != nil {
		h.real.Run(name, func(t *testing.T) {
			fn(&harness{t: t, real: t, ep: h.ep, ctx: h.ctx, run: h.run})
		})
		return
	}
	rec := &recorder{}
	h.rec.subs[name] = rec
	rec.do(func() { fn(&harness{t: rec, ep: h.ep, ctx: h.ctx, run: h.run, rec: rec}) })
}

// quirk skips the scenario when the endpoint has the quirk. When
// VerifyQuirks probes q, it records that the check was reached.
func (h *harness) quirk(q Quirk) {
	h.t.Helper()
	if h.probeQuirk != "" && q == h.probeQuirk {
		if !h.rec.reached {
			h.rec.reached = true
			h.rec.reachedAt = len(h.rec.msgs)
		}
		return
	}
	if h.ep.Quirks.Has(q) {
		h.t.Skipf("%s: %s", h.ep.Name, q)
	}
}

// runFilter restricts a describe to this scenario's instances.
func (h *harness) runFilter() types.Filter {
	return types.Filter{Name: aws.String("tag:" + RunTagKey), Values: []string{h.run}}
}

// launchOpts tunes a launch.
type launchOpts struct {
	min, max  int32
	zone      string
	typ       types.InstanceType
	key       string
	tags      map[string]string
	groups    []string // security group names
	protect   bool
	monitored bool
}

// launch starts instances tagged with the run tag and registers their
// cleanup.
func (h *harness) launch(o launchOpts) *ec2.RunInstancesOutput {
	h.t.Helper()
	if o.min == 0 {
		o.min = 1
	}
	if o.max == 0 {
		o.max = o.min
	}
	tags := []types.Tag{{Key: aws.String(RunTagKey), Value: aws.String(h.run)}}
	keys := make([]string, 0, len(o.tags))
	for k := range o.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(o.tags[k])})
	}
	in := &ec2.RunInstancesInput{
		ImageId:           aws.String(ImageID),
		MinCount:          aws.Int32(o.min),
		MaxCount:          aws.Int32(o.max),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: tags}},
	}
	if o.zone != "" {
		in.Placement = &types.Placement{AvailabilityZone: aws.String(o.zone)}
	}
	if o.typ != "" {
		in.InstanceType = o.typ
	}
	if o.key != "" {
		in.KeyName = aws.String(o.key)
	}
	if o.protect {
		in.DisableApiTermination = aws.Bool(true)
	}
	if len(o.groups) > 0 {
		in.SecurityGroups = o.groups
	}
	if o.monitored {
		in.Monitoring = &types.RunInstancesMonitoringEnabled{Enabled: aws.Bool(true)}
	}
	out, err := h.c().RunInstances(h.ctx, in)
	if err != nil {
		h.t.Fatalf("RunInstances: %v", err)
	}
	ids := instanceIDs(out.Instances)
	h.t.Cleanup(func() { h.cleanup(ids) })
	return out
}

// launchIDs launches and returns just the IDs.
func (h *harness) launchIDs(o launchOpts) []string {
	h.t.Helper()
	return instanceIDs(h.launch(o).Instances)
}

// cleanup lifts protection and terminates the scenario's instances.
func (h *harness) cleanup(ids []string) {
	ctx := context.Background()
	for _, id := range ids {
		_, _ = h.c().ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
		_, _ = h.c().ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	}
	if len(ids) > 0 {
		_, _ = h.c().TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	}
}

func instanceIDs(ins []types.Instance) []string {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = aws.ToString(in.InstanceId)
	}
	return ids
}

// describe returns the instances matching the filters plus the run
// filter, following every page.
func (h *harness) describe(filters ...types.Filter) []types.Instance {
	h.t.Helper()
	ins, err := h.describeErr(filters...)
	if err != nil {
		h.t.Fatalf("DescribeInstances: %v", err)
	}
	return ins
}

func (h *harness) describeErr(filters ...types.Filter) ([]types.Instance, error) {
	in := &ec2.DescribeInstancesInput{Filters: append([]types.Filter{h.runFilter()}, filters...)}
	var out []types.Instance
	for {
		page, err := h.c().DescribeInstances(h.ctx, in)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			out = append(out, r.Instances...)
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

// byID describes instances by ID (no run filter).
func (h *harness) byID(ids ...string) map[string]types.Instance {
	h.t.Helper()
	out, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatalf("DescribeInstances %v: %v", ids, err)
	}
	m := map[string]types.Instance{}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			m[aws.ToString(in.InstanceId)] = in
		}
	}
	return m
}

// state returns an instance's state name.
func (h *harness) state(id string) types.InstanceStateName {
	h.t.Helper()
	in, ok := h.byID(id)[id]
	if !ok {
		h.t.Fatalf("instance %s not described", id)
	}
	return in.State.Name
}

// waitState polls until every instance is in the state.
func (h *harness) waitState(want types.InstanceStateName, ids ...string) {
	h.t.Helper()
	deadline := time.Now().Add(h.ep.WaitTimeout)
	for {
		m := h.byID(ids...)
		var off []string
		for _, id := range ids {
			if m[id].State == nil || m[id].State.Name != want {
				got := "missing"
				if m[id].State != nil {
					got = string(m[id].State.Name)
				}
				off = append(off, id+"="+got)
			}
		}
		if len(off) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("instances did not reach %s: %v", want, off)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// apiError returns the EC2 error code, message and HTTP status of err.
func apiError(err error) (code, msg string, status int) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, msg, status
}

// wantError fails unless err is an EC2 error with the code and status.
// It returns the message.
func (h *harness) wantError(err error, code string, status int) string {
	h.t.Helper()
	if err == nil {
		h.t.Fatalf("want error %s (%d), got success", code, status)
	}
	c, msg, st := apiError(err)
	if c != code || (status != 0 && st != status) {
		h.t.Fatalf("want error %s (%d), got %s (%d): %v", code, status, c, st, err)
	}
	return msg
}

// rawPost sends a form to the endpoint without the SDK.
func (h *harness) rawPost(form string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, h.ep.URL, strings.NewReader(form))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIACONFORMANCE/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil || b.Len() > 1<<20 {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func (h *harness) supportsFilter(name string) bool {
	if h.ep.Quirks.SupportedFilters == nil {
		return true
	}
	if strings.HasPrefix(name, "tag:") {
		name = "tag:<key>"
	}
	for _, f := range h.ep.Quirks.SupportedFilters {
		if f == name {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a = append([]string(nil), a...)
	b = append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h *harness) wantIDs(got []types.Instance, want []string, what string) {
	h.t.Helper()
	if ids := instanceIDs(got); !sameSet(ids, want) {
		h.t.Fatalf("%s: got instances %v, want %v", what, ids, want)
	}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

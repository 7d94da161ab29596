package ec2test

import (
	"slices"
	"time"
)

// Option configures a [Server] when it is created.
type Option func(*config)

type config struct {
	seed        int64
	faults      Faults
	eventual    time.Duration
	transition  time.Duration
	retention   time.Duration
	deny        func(action string, instanceIDs []string) bool
	requestLog  bool
	hook        func(Request)
	azs         []string
	clock       func() time.Time
	accountID   string
	emptyPages  bool
	maxBodySize int64
	limit       int
}

func defaultConfig() config {
	return config{
		seed:        1,
		retention:   time.Hour,
		azs:         []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		clock:       time.Now,
		accountID:   "123456789012",
		maxBodySize: maxBodyBytes,
	}
}

// Faults describes the failures a server injects. The zero value injects
// nothing. Faults are decided per request with the server's seeded random
// source, in the order requests arrive, before the request is processed.
//
// Latency, ThrottleRate and ServerErrorRate act before the request is
// processed: a request that fails by one of them has no effect.
// ResponseLatency and DropResponseRate act after it was processed: the
// request takes effect, and only its answer is late or lost, as when a
// connection to EC2 breaks after EC2 acted. They let tests check how a
// program reconciles calls whose outcome it never learned.
type Faults struct {
	// Latency is slept before each affected request is processed. If the
	// client gives up during the sleep, the request has no effect.
	Latency time.Duration
	// ThrottleRate is the probability (0..1) that a request is answered
	// with 503 RequestLimitExceeded.
	ThrottleRate float64
	// ServerErrorRate is the probability (0..1) that a request is
	// answered with 500 InternalError.
	ServerErrorRate float64
	// ResponseLatency holds each affected answer back for this long after
	// the request was processed. If the client gives up during the wait,
	// the request keeps its effect and the answer is never sent.
	ResponseLatency time.Duration
	// DropResponseRate is the probability (0..1) that a request is
	// processed and its answer then dropped: the server closes the
	// connection without answering, so the client sees a transport error
	// (and the SDK's retryer may send the request again). When a
	// ResponseLatency applies too, the connection is closed after it.
	// Called directly rather than through a net/http server, ServeHTTP
	// drops an answer by panicking with http.ErrAbortHandler.
	DropResponseRate float64
	// Actions limits the faults to these action names (such as
	// "TerminateInstances"). Empty means every action.
	Actions []string
}

// appliesTo reports whether the faults affect an action.
func (f *Faults) appliesTo(action string) bool {
	return len(f.Actions) == 0 || slices.Contains(f.Actions, action)
}

func (f *Faults) active() bool {
	return f.Latency > 0 || f.ThrottleRate > 0 || f.ServerErrorRate > 0 ||
		f.ResponseLatency > 0 || f.DropResponseRate > 0
}

// WithSeed makes identifiers, request IDs and fault decisions
// reproducible: two servers with the same seed that receive the same
// requests in the same order give the same answers. The default seed is 1.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithLatency delays every request by d before it is processed. A request
// whose client gives up during the delay has no effect, as if it never
// arrived.
func WithLatency(d time.Duration) Option { return func(c *config) { c.faults.Latency = d } }

// WithThrottleRate answers the given fraction (0..1) of requests with
// 503 RequestLimitExceeded, EC2's throttling error.
func WithThrottleRate(p float64) Option { return func(c *config) { c.faults.ThrottleRate = p } }

// WithServerErrorRate answers the given fraction (0..1) of requests with
// 500 InternalError.
func WithServerErrorRate(p float64) Option { return func(c *config) { c.faults.ServerErrorRate = p } }

// WithResponseLatency holds every answer back for d after its request
// was processed. A request whose client gives up during the wait keeps
// its effect; only the answer is lost. Use [Faults.Actions] through
// [Server.SetFaults] to limit it to some actions.
func WithResponseLatency(d time.Duration) Option {
	return func(c *config) { c.faults.ResponseLatency = d }
}

// WithDropResponseRate processes the given fraction (0..1) of requests
// and then closes their connection without an answer: the request takes
// effect but the client sees a transport error.
func WithDropResponseRate(p float64) Option {
	return func(c *config) { c.faults.DropResponseRate = p }
}

// WithEventualConsistency hides newly launched instances for d: during
// that time DescribeInstances does not list them and actions naming them
// fail with InvalidInstanceID.NotFound, as EC2 does shortly after
// RunInstances. The RunInstances answer itself always contains them.
func WithEventualConsistency(d time.Duration) Option {
	return func(c *config) { c.eventual = d }
}

// WithTransitionDelay sets how long an instance stays in a transitional
// state (pending, stopping, shutting-down, and the monitoring states
// pending and disabling) before it reaches the next one. Zero, the
// default, makes transitions instant: the action's answer still shows the
// transitional state, and the next request sees the final one.
func WithTransitionDelay(d time.Duration) Option {
	return func(c *config) { c.transition = d }
}

// WithTerminatedRetention sets how long a terminated instance remains
// visible to DescribeInstances and actions. The default is one hour. A
// negative value keeps terminated instances forever.
func WithTerminatedRetention(d time.Duration) Option {
	return func(c *config) { c.retention = d }
}

// WithDeny installs an authorization hook: when deny returns true for an
// action and the instance IDs it names, the request fails with 403
// UnauthorizedOperation. The hook is consulted before DryRun is honoured,
// so a denied dry run also answers UnauthorizedOperation, as EC2 does.
// RunInstances passes no IDs. The hook may be called concurrently.
func WithDeny(deny func(action string, instanceIDs []string) bool) Option {
	return func(c *config) { c.deny = deny }
}

// WithRequestLog keeps every request in memory for [Server.Requests].
// It is off by default, since a long benchmark would otherwise grow
// without bound.
func WithRequestLog() Option { return func(c *config) { c.requestLog = true } }

// WithRequestHook calls hook for every request that names an action,
// before the request is processed (and before injected faults). Its
// Status and ErrorCode are not known yet and are zero. The hook may be
// called concurrently.
func WithRequestHook(hook func(Request)) Option { return func(c *config) { c.hook = hook } }

// WithAvailabilityZones sets the zones of the server's region (the region
// is the first zone's name without its final letter). A RunInstances call
// without a placement or subnet goes to the next zone in turn, all its
// instances together; Launch spreads its instances round-robin over the
// zones (see [LaunchSpec.Count]). The default is us-east-1a, us-east-1b
// and us-east-1c.
func WithAvailabilityZones(zones ...string) Option {
	return func(c *config) {
		if len(zones) > 0 {
			c.azs = append([]string(nil), zones...)
		}
	}
}

// WithClock replaces the server's clock, for tests of transition delays,
// eventual consistency and retention. Injected latency still sleeps in
// real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithAccountID sets the account that owns the server's instances
// (default 123456789012).
func WithAccountID(id string) Option { return func(c *config) { c.accountID = id } }

// WithEmptyPages makes paginated DescribeInstances behave like EC2 at its
// most awkward for clients: a page with MaxResults n looks at the next n
// instances and returns those that pass the filters, so pages can be empty
// yet carry a NextToken, and the last page can carry a NextToken that leads
// to an empty page. Correct clients keep paging until NextToken is absent.
// By default pages are filled with n matching instances.
func WithEmptyPages() Option { return func(c *config) { c.emptyPages = true } }

// WithMaxBodySize changes the largest request body accepted (default 10
// MiB). Larger requests are answered with an XML error.
func WithMaxBodySize(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBodySize = n
		}
	}
}

// WithInstanceLimit caps the instances that are not terminated, like an
// account's instance quota: RunInstances launches as many as fit (at
// least MinCount) or fails with InstanceLimitExceeded. Launch ignores the
// cap. The default is no cap beyond 10,000 instances per RunInstances call.
func WithInstanceLimit(n int) Option { return func(c *config) { c.limit = n } }

package ec2test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Server is an in-memory EC2 endpoint. It speaks the EC2 Query protocol
// over HTTP, so the real [*ec2.Client], boto3 and the AWS CLI can use it.
// It is safe for concurrent use; its methods may be called while it
// serves requests.
type Server struct {
	cfg config
	ts  *httptest.Server

	mu             sync.RWMutex
	list           []*instance // in launch order (seq ascending)
	byID           map[string]*instance
	nextSeq        uint64
	removed        int
	terminated     int // instances that are or will be terminated, for purging
	lastPurge      time.Time
	subnets        map[string]*subnet
	defaultSubnets map[string]*subnet // by zone
	defaultVPC     string
	defaultGroup   group
	rr             int // round-robin zone cursor
	nextPublic     uint32
	pools          [2]blockPool         // private address blocks
	blockOwner     map[uint32]*subnet   // by block start
	explicitIPs    map[uint32]*instance // addresses chosen by hand
	clientTokens   map[string]*tokenEntry
	idRNG          *rand.Rand
	idSalt         uint64
	tokenKey       uint64

	fmu      sync.Mutex
	faults   Faults
	faultRNG *rand.Rand

	rmu    sync.Mutex
	counts map[string]int
	total  int
	log    []Request

	reqSeq atomic.Uint64

	httpMu sync.Mutex
	http   *sdkHTTPClient

	// done is closed by Close, so requests waiting in injected latency
	// return at once.
	done      chan struct{}
	closeOnce sync.Once
	// reading holds the requests whose body is being read, so Close can
	// cut off clients that stall in the middle of a body.
	readMu  sync.Mutex
	reading map[*http.ResponseController]struct{}
	closing bool
}

// Request describes one request the server received.
type Request struct {
	// Action is the EC2 action named by the request.
	Action string
	// Params holds every form parameter of the request.
	Params url.Values
	// InstanceIDs are the instance IDs the request names (InstanceId.N,
	// InstanceId, or the instance IDs among CreateTags/DeleteTags
	// resources), in request order.
	InstanceIDs []string
	// Status is the HTTP status of the answer (0 in a request hook).
	Status int
	// ErrorCode is the EC2 error code of the answer, "" on success.
	ErrorCode string
	// Dropped reports that the request was processed but its answer
	// never reached the client: it was dropped by
	// [Faults.DropResponseRate], or the client gave up during
	// [Faults.ResponseLatency]. Status and ErrorCode are those of the
	// answer that was lost.
	Dropped bool
}

// NewServer starts a server on a random port of 127.0.0.1. Close it when
// done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.ts = httptest.NewUnstartedServer(s)
	s.start()
	return s
}

// NewServerListener starts a server on a listener the caller opened (for
// a fixed address). Close closes the listener.
func NewServerListener(l net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.ts = httptest.NewUnstartedServer(s)
	_ = s.ts.Listener.Close()
	s.ts.Listener = l
	s.start()
	return s
}

// Timeouts of the HTTP server, so a client that stalls cannot hold a
// connection forever. The body is bounded per request in ServeHTTP rather
// than with http.Server.ReadTimeout, which would also cancel requests
// that wait in a long injected latency.
const (
	readHeaderTimeout = 30 * time.Second
	bodyReadTimeout   = time.Minute
	idleTimeout       = 2 * time.Minute
	// closeGrace is how long Close lets requests in flight finish before
	// it closes their connections.
	closeGrace = 2 * time.Second
)

func (s *Server) start() {
	s.ts.Config.ReadHeaderTimeout = readHeaderTimeout
	s.ts.Config.IdleTimeout = idleTimeout
	s.ts.Start()
}

func newServer(opts []Option) *Server {
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	seed := uint64(c.seed)
	s := &Server{
		cfg:            c,
		byID:           map[string]*instance{},
		subnets:        map[string]*subnet{},
		defaultSubnets: map[string]*subnet{},
		clientTokens:   map[string]*tokenEntry{},
		pools:          newPools(),
		blockOwner:     map[uint32]*subnet{},
		explicitIPs:    map[uint32]*instance{},
		idRNG:          rand.New(rand.NewPCG(seed, 0x1d5)),
		faultRNG:       rand.New(rand.NewPCG(seed, 0xfa17)),
		idSalt:         mix(seed ^ 0x5a17),
		tokenKey:       mix(seed ^ 0x70e),
		faults:         c.faults,
		counts:         map[string]int{},
		done:           make(chan struct{}),
		reading:        map[*http.ResponseController]struct{}{},
		nextPublic:     3<<24 | 80<<16 | 1, // 3.80.0.1
	}
	s.defaultVPC = hexID("vpc-", mix(s.idSalt^0x7))
	s.defaultGroup = group{id: hexID("sg-", mix(s.idSalt^0x8)), name: "default"}
	for i, az := range c.azs {
		sn := &subnet{
			id:        hexID("subnet-", mix(s.idSalt^uint64(0x100+i))),
			vpcID:     s.defaultVPC,
			az:        az,
			isDefault: true,
			mapPublic: true,
		}
		s.subnets[sn.id] = sn
		s.defaultSubnets[az] = sn
	}
	return s
}

// URL returns the server's base URL, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server and closes the idle connections of the HTTP
// client that AWSConfig and Client use. It is bounded: requests waiting
// in injected latency end at once (a request still before its processing
// is answered 503 ServiceUnavailable and has no effect; an answer held
// back by ResponseLatency is sent), a client that stalls in the middle of
// its request body is cut off, and requests still running after a grace
// period of two seconds lose their connection. Close may be called more
// than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.readMu.Lock()
		s.closing = true
		for rc := range s.reading {
			_ = rc.SetReadDeadline(time.Now())
		}
		s.readMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		err := s.ts.Config.Shutdown(ctx)
		cancel()
		if err != nil {
			s.ts.CloseClientConnections()
		}
		s.ts.Close()
	})
	s.httpMu.Lock()
	if s.http != nil {
		s.http.transport.CloseIdleConnections()
	}
	s.httpMu.Unlock()
}

// Handler returns the server's HTTP handler, for serving it on another
// listener or mounting it in another server.
func (s *Server) Handler() http.Handler { return s }

// Region returns the region of the server's zones.
func (s *Server) Region() string { return regionOf(s.cfg.azs[0]) }

// AWSConfig returns a configuration for SDK clients of this server: its
// region, static fake credentials, the server's URL as BaseEndpoint and the
// server's HTTP client (see [Server.HTTPClient]). The retryer and
// everything else are the SDK's defaults.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.Region(),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEC2TESTEXAMPLE", "ec2test/secret/key", ""),
		BaseEndpoint: aws.String(s.URL()),
		HTTPClient:   s.HTTPClient(),
	}
}

// HTTPClient returns the HTTP client AWSConfig and Client use, made by
// [NewHTTPClient] for this server.
func (s *Server) HTTPClient() aws.HTTPClient {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.http == nil {
		s.http = NewHTTPClient().(*sdkHTTPClient)
	}
	return s.http
}

// NewHTTPClient returns an HTTP client for SDK clients of test servers. It
// has a transport of its own that keeps many idle connections (for
// concurrent tests), and it works around a race between the SDK and
// net/http: smithy-go closes a request's body as soon as the response
// headers arrive, while net/http may still be checking the body for extra
// bytes; smithy-go's body answers that check with io.EOF as an error, so
// the transport closes the connection while the response body is being
// read, and the call fails with "failed to decode response body ... use of
// closed network connection". The SDK's retryer retries that error, but
// the server has already processed the first attempt, which makes request
// counts and state-change answers flaky. This client hides the body's
// WriteTo method, so net/http reads it with Read, where EOF after Close is
// harmless. Use it as aws.Config.HTTPClient or ec2.Options.HTTPClient.
func NewHTTPClient() aws.HTTPClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	return &sdkHTTPClient{transport: tr, client: &http.Client{Transport: tr}}
}

// sdkHTTPClient is the client NewHTTPClient describes.
type sdkHTTPClient struct {
	transport *http.Transport
	client    *http.Client
}

// Do implements aws.HTTPClient.
func (c *sdkHTTPClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readOnlyBody{r.Body}
	}
	return c.client.Do(r)
}

// readOnlyBody exposes only Read and Close of a request body.
type readOnlyBody struct{ rc io.ReadCloser }

func (b readOnlyBody) Read(p []byte) (int, error) { return b.rc.Read(p) }
func (b readOnlyBody) Close() error               { return b.rc.Close() }

// Client returns an EC2 client for this server, built from [Server.AWSConfig]
// with optFns applied.
func (s *Server) Client(optFns ...func(*ec2.Options)) *ec2.Client {
	return ec2.NewFromConfig(s.AWSConfig(), optFns...)
}

// SetFaults replaces the injected faults. It is safe while serving; it
// takes effect for requests that arrive afterwards.
func (s *Server) SetFaults(f Faults) {
	f.Actions = append([]string(nil), f.Actions...)
	s.fmu.Lock()
	s.faults = f
	s.fmu.Unlock()
}

// CurrentFaults returns the faults in effect.
func (s *Server) CurrentFaults() Faults {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.faults
	f.Actions = append([]string(nil), f.Actions...)
	return f
}

// RequestCount returns how many requests named action since the server
// started or [Server.ResetRequests] was called, including requests that
// failed. An empty action counts every request.
func (s *Server) RequestCount(action string) int {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if action == "" {
		return s.total
	}
	return s.counts[action]
}

// Requests returns the requests received so far, in arrival order, with
// their outcome. It is empty unless the server was created
// [WithRequestLog].
func (s *Server) Requests() []Request {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests clears the request counters and the request log.
func (s *Server) ResetRequests() {
	s.rmu.Lock()
	s.counts = map[string]int{}
	s.total = 0
	s.log = nil
	s.rmu.Unlock()
}

func (s *Server) now() time.Time { return s.cfg.clock().UTC() }

func (s *Server) requestID() string {
	n := s.reqSeq.Add(1)
	a := mix(s.idSalt ^ n)
	b := mix(a)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff,
		uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// handlerFunc processes one action. It writes the complete answer into x
// or returns an error.
type handlerFunc func(s *Server, r *request, x *xw, reqID string) *apiError

var handlers map[string]handlerFunc

func init() {
	handlers = map[string]handlerFunc{
		"RunInstances":              (*Server).runInstances,
		"DescribeInstances":         (*Server).describeInstances,
		"DescribeInstanceStatus":    (*Server).describeInstanceStatus,
		"CreateTags":                (*Server).createTags,
		"DeleteTags":                (*Server).deleteTags,
		"MonitorInstances":          (*Server).monitorInstances,
		"UnmonitorInstances":        (*Server).unmonitorInstances,
		"RebootInstances":           (*Server).rebootInstances,
		"StartInstances":            (*Server).startInstances,
		"StopInstances":             (*Server).stopInstances,
		"TerminateInstances":        (*Server).terminateInstances,
		"ModifyInstanceAttribute":   (*Server).modifyInstanceAttribute,
		"DescribeInstanceAttribute": (*Server).describeInstanceAttribute,
		"GetConsoleOutput":          (*Server).getConsoleOutput,
	}
}

// Actions returns the names of the actions the server implements, sorted.
func Actions() []string {
	out := make([]string, 0, len(handlers))
	for k := range handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	reqID := s.requestID()
	body, err := s.readBody(w, hr)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, reqID, errf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
				"The request body is larger than the limit of %d bytes", s.cfg.maxBodySize))
			return
		}
		writeError(w, reqID, errf(http.StatusBadRequest, "IncompleteBody", "The request body could not be read: %v", err))
		return
	}
	req, perr := parseRequest(hr.Method, hr.Header.Get("Content-Type"), hr.URL.RawQuery, body)
	if req == nil {
		writeError(w, reqID, perr)
		return
	}
	var rec Request
	if s.cfg.hook != nil || s.cfg.requestLog {
		// Hooks and the log get their own copy, so nothing they do reaches
		// the request being processed.
		params := make(url.Values, len(req.params))
		for k, v := range req.params {
			params[k] = append([]string(nil), v...)
		}
		rec = Request{Action: req.action, Params: params, InstanceIDs: requestInstanceIDs(req)}
	}
	s.rmu.Lock()
	s.counts[req.action]++
	s.total++
	s.rmu.Unlock()
	if s.cfg.hook != nil {
		s.cfg.hook(rec)
	}
	var plan faultPlan
	if perr == nil {
		plan = s.planFaults(req.action)
		if plan.latency > 0 {
			switch s.wait(hr, plan.latency) {
			case waitGone:
				s.finish(rec, 499, "ClientClosedRequest", false)
				return
			case waitClosing:
				perr = errf(http.StatusServiceUnavailable, "ServiceUnavailable", "The server is shutting down.")
			}
		}
		if perr == nil {
			perr = plan.err
		}
	}
	processed := perr == nil
	x := newXW()
	defer x.free()
	if perr == nil {
		h, ok := handlers[req.action]
		if !ok {
			perr = errf(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", req.action)
		} else {
			perr = h(s, req, x, reqID)
		}
	}
	status, code := http.StatusOK, ""
	if perr != nil {
		status, code = perr.status, perr.code
	}
	if processed && plan.respLatency > 0 && s.wait(hr, plan.respLatency) == waitGone {
		s.finish(rec, status, code, true)
		return
	}
	if processed && plan.drop {
		s.finish(rec, status, code, true)
		// net/http closes the connection without writing anything.
		panic(http.ErrAbortHandler)
	}
	if perr != nil {
		writeError(w, reqID, perr)
		s.finish(rec, status, code, false)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/xml;charset=UTF-8")
	hd.Set("Content-Length", strconv.Itoa(x.size()))
	hd.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_ = x.writeTo(w)
	s.finish(rec, http.StatusOK, "", false)
}

// readBody reads the request body within the body size limit and
// bodyReadTimeout. While it reads, Close can interrupt it.
func (s *Server) readBody(w http.ResponseWriter, hr *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(bodyReadTimeout)) != nil {
		// Not served by net/http (a recorder, say): nothing to bound.
		return io.ReadAll(http.MaxBytesReader(w, hr.Body, s.cfg.maxBodySize))
	}
	s.readMu.Lock()
	if s.closing {
		_ = rc.SetReadDeadline(time.Now())
	}
	s.reading[rc] = struct{}{}
	s.readMu.Unlock()
	body, err := io.ReadAll(http.MaxBytesReader(w, hr.Body, s.cfg.maxBodySize))
	s.readMu.Lock()
	delete(s.reading, rc)
	s.readMu.Unlock()
	if err != nil {
		// The connection is not reused: make net/http's attempt to
		// discard the rest of the body fail at once.
		_ = rc.SetReadDeadline(time.Now())
		return nil, err
	}
	// Clear the deadline, or it would end the connection (and cancel the
	// request's context) while the request waits in a long latency.
	_ = rc.SetReadDeadline(time.Time{})
	return body, nil
}

func (s *Server) finish(rec Request, status int, code string, dropped bool) {
	if !s.cfg.requestLog {
		return
	}
	rec.Status = status
	rec.ErrorCode = code
	rec.Dropped = dropped
	s.rmu.Lock()
	s.log = append(s.log, rec)
	s.rmu.Unlock()
}

// faultPlan is what the injected faults do to one request.
type faultPlan struct {
	latency     time.Duration // before processing
	err         *apiError     // throttling or server error instead of processing
	respLatency time.Duration // after processing, before the answer
	drop        bool          // after processing, no answer
}

// planFaults decides the faults of a request. The random draws happen in
// request order, so a seed makes the decisions reproducible.
func (s *Server) planFaults(action string) faultPlan {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := &s.faults
	if !f.active() || !f.appliesTo(action) {
		return faultPlan{}
	}
	p := faultPlan{latency: f.Latency, respLatency: f.ResponseLatency}
	if f.ThrottleRate > 0 || f.ServerErrorRate > 0 {
		switch u := s.faultRNG.Float64(); {
		case u < f.ThrottleRate:
			p.err = errf(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
		case u < f.ThrottleRate+f.ServerErrorRate:
			p.err = errf(http.StatusInternalServerError, "InternalError", "An internal error has occurred")
		}
	}
	if f.DropResponseRate > 0 {
		p.drop = s.faultRNG.Float64() < f.DropResponseRate
	}
	return p
}

// waitResult says how a wait in injected latency ended.
type waitResult int

const (
	waitDone    waitResult = iota // the time passed
	waitGone                      // the client gave up
	waitClosing                   // the server is closing
)

// wait sleeps d, unless the client goes away or the server closes.
func (s *Server) wait(hr *http.Request, d time.Duration) waitResult {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return waitDone
	case <-hr.Context().Done():
		return waitGone
	case <-s.done:
		return waitClosing
	}
}

// requestInstanceIDs extracts the instance IDs a request names.
func requestInstanceIDs(r *request) []string {
	if ids := r.list("InstanceId"); len(ids) > 0 {
		return ids
	}
	if id := r.get("InstanceId"); id != "" {
		return []string{id}
	}
	var out []string
	for _, id := range r.list("ResourceId") {
		if len(id) > 2 && id[:2] == "i-" {
			out = append(out, id)
		}
	}
	return out
}

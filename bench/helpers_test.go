package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2go/ec2instances/ec2test"
)

// full reports whether the full sizes were asked for (scripts/bench.sh
// sets EC2I_BENCH_FULL=1). Without it every benchmark uses small sizes,
// so that the one-iteration smoke pass of make test takes seconds.
var full = os.Getenv("EC2I_BENCH_FULL") == "1"

// pick returns big in a full run and small otherwise.
func pick[T any](small, big T) T {
	if full {
		return big
	}
	return small
}

// round is the repetition number scripts/bench.sh passes in
// EC2I_BENCH_ROUND. Benchmarks that compare implementations run them in
// the reverse order on odd rounds, so neither side always runs first.
func round() int {
	r, _ := strconv.Atoi(os.Getenv("EC2I_BENCH_ROUND"))
	return r
}

// ordered returns xs, reversed on odd rounds.
func ordered[T any](xs []T) []T {
	if round()%2 == 0 {
		return xs
	}
	out := make([]T, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

// copyBodyClient works around a race between aws-sdk-go-v2 and net/http:
// smithy-go closes the request body as soon as http.Client.Do returns,
// while against a very fast local server the response can arrive before
// the transport's final read of that body; the transport then closes the
// connection under the response and the SDK retries ("use of closed
// network connection"), which adds requests and time at random. Handing
// the transport a private copy of the body removes the race. Every client
// of the suite uses it, for the library and for the hand-written SDK code
// alike, so the comparison stays fair.
type copyBodyClient struct{ next aws.HTTPClient }

func (c copyBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	return c.next.Do(req)
}

// newClient returns an SDK client for cfg with the race-free HTTP client.
// Outside full runs the retryer's backoff is capped at 10 ms, so that the
// smoke pass of the throttling benchmark does not wait for seconds; full
// runs keep the SDK's default retryer.
func newClient(cfg aws.Config) *ec2.Client {
	cfg.HTTPClient = copyBodyClient{next: awshttp.NewBuildableClient()}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if !full {
			o.Retryer = retry.AddWithMaxBackoffDelay(retry.NewStandard(), 10*time.Millisecond)
		}
	})
}

// serverClient returns a client for an ec2test server.
func serverClient(srv *ec2test.Server) *ec2.Client { return newClient(srv.AWSConfig()) }

// urlClient returns a client for another endpoint, such as the canned
// server.
func urlClient(url string) *ec2.Client {
	return newClient(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCHEXAMPLE", "bench/secret", ""),
		BaseEndpoint: aws.String(url),
	})
}

// ---------------------------------------------------------------------
// The canned-response endpoint.

const cannedPageSize = 1000

// cannedServer answers DescribeInstances with MaxResults 1000 from one
// pre-rendered page, so that the server's cost is next to nothing and a
// listing benchmark measures the client. The page is rendered once by
// ec2test (1,000 instances with tags, network interfaces, block devices:
// what ec2test shows for a default launch) and kept as a template; every
// answer copies it into a reused buffer, writes page-specific instance IDs
// over the template's and sets the nextToken, so N instances cost N/1000
// template copies and no rendering. It holds one template and a few
// buffers, never N instances, so it does not distort memory figures
// either.
type cannedServer struct {
	ts       *httptest.Server
	n        int // instances the listing holds
	pages    int
	tmpl     []byte
	idOffs   []int // offset of the 17 hex digits of each instanceId
	tokStart int   // the <nextToken>...</nextToken> element of tmpl
	tokEnd   int
	requests atomic.Int64
	free     chan *cannedSlot
}

type cannedSlot struct{ req, resp []byte }

// newCannedServer starts a canned endpoint that lists n instances (a
// multiple of 1000) in pages of 1000.
func newCannedServer(tb testing.TB, n int) *cannedServer {
	tb.Helper()
	if n <= 0 || n%cannedPageSize != 0 {
		tb.Fatalf("canned server: n=%d is not a positive multiple of %d", n, cannedPageSize)
	}
	tmpl := renderTemplatePage(tb)
	c := &cannedServer{n: n, pages: n / cannedPageSize, tmpl: tmpl, free: make(chan *cannedSlot, 4)}
	const open, shut = "<instanceId>", "</instanceId>"
	for i := 0; ; {
		j := bytes.Index(tmpl[i:], []byte(open))
		if j < 0 {
			break
		}
		off := i + j + len(open) + len("i-")
		if !bytes.HasPrefix(tmpl[off+17:], []byte(shut)) {
			tb.Fatalf("canned server: unexpected instance ID at %d: %q", off, tmpl[off-2:off+20])
		}
		c.idOffs = append(c.idOffs, off)
		i = off + 17
	}
	if len(c.idOffs) != cannedPageSize {
		tb.Fatalf("canned server: template page has %d instance IDs, want %d", len(c.idOffs), cannedPageSize)
	}
	c.tokStart = bytes.Index(tmpl, []byte("<nextToken>"))
	if c.tokStart < 0 {
		tb.Fatal("canned server: template page has no nextToken")
	}
	c.tokEnd = c.tokStart + bytes.Index(tmpl[c.tokStart:], []byte("</nextToken>")) + len("</nextToken>")
	for range cap(c.free) {
		c.free <- &cannedSlot{} // buffers are allocated on first use
	}
	c.ts = httptest.NewServer(c)
	tb.Cleanup(c.ts.Close)
	return c
}

// renderTemplatePage has ec2test render the first page of 1000 of a
// listing of 1001 instances (so that the page carries a nextToken),
// launched in reservations of 50 with a few tags each.
func renderTemplatePage(tb testing.TB) []byte {
	tb.Helper()
	srv := ec2test.NewServer(ec2test.WithSeed(7))
	defer srv.Close()
	for i := 0; i < cannedPageSize; i += 50 {
		srv.Launch(ec2test.LaunchSpec{Count: 50, InstanceType: "m5.large", KeyName: "ops",
			Tags: map[string]string{"Name": fmt.Sprintf("web-%03d", i/50), "team": "blue", "env": "prod"}})
	}
	srv.Launch(ec2test.LaunchSpec{Count: 1})
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("Action=DescribeInstances&Version=2016-11-15&MaxResults=1000"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("canned server: rendering the template page: status %d: %s", rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

const hexDigits = "0123456789abcdef"

// splitmix64 spreads sequence numbers over 64 bits for instance IDs.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (c *cannedServer) URL() string { return c.ts.URL }

// Requests returns the number of requests served so far.
func (c *cannedServer) Requests() int64 { return c.requests.Load() }

func (c *cannedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	slot := <-c.free
	defer func() { c.free <- slot }()
	if slot.req == nil {
		slot.req = make([]byte, 0, 4096)
	}
	body := slot.req[:0]
	for {
		if len(body) == cap(body) {
			body = append(body, 0)[:len(body)]
		}
		k, err := r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+k]
		if err == io.EOF {
			break
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	slot.req = body
	if !bytes.Contains(body, []byte("Action=DescribeInstances")) || !bytes.Contains(body, []byte("MaxResults=1000")) {
		cannedError(w, "InvalidParameterValue", "the canned server answers only DescribeInstances with MaxResults=1000")
		return
	}
	page := 0
	if i := bytes.Index(body, []byte("NextToken=page-")); i >= 0 {
		v := body[i+len("NextToken=page-"):]
		if j := bytes.IndexByte(v, '&'); j >= 0 {
			v = v[:j]
		}
		p, err := strconv.Atoi(string(v))
		if err != nil || p <= 0 || p >= c.pages {
			cannedError(w, "InvalidParameterValue", "bad NextToken")
			return
		}
		page = p
	}
	if slot.resp == nil {
		slot.resp = make([]byte, 0, len(c.tmpl))
	}
	resp := append(slot.resp[:0], c.tmpl...)
	slot.resp = resp
	for j, off := range c.idOffs {
		seq := uint64(page*cannedPageSize + j)
		resp[off] = hexDigits[seq&15]
		v := splitmix64(seq)
		for d := 16; d >= 1; d-- {
			resp[off+d] = hexDigits[v&15]
			v >>= 4
		}
	}
	var tok []byte
	if page+1 < c.pages {
		tok = fmt.Appendf(nil, "<nextToken>page-%06d</nextToken>", page+1)
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml;charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(c.tokStart+len(tok)+len(resp)-c.tokEnd))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp[:c.tokStart])
	_, _ = w.Write(tok)
	_, _ = w.Write(resp[c.tokEnd:])
}

func cannedError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
		`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>canned</RequestID></Response>`, code, msg)
}

// ---------------------------------------------------------------------
// Heap sampling.

// heapSampler polls runtime/metrics while a listing runs and keeps the
// largest values seen of
//
//   - /memory/classes/heap/objects:bytes, the heap's object bytes,
//     reachable or not yet swept: what the process holds at that moment;
//   - /gc/heap/live:bytes, the bytes the latest GC found reachable.
//
// runtime/metrics reads these without stopping the world, so polling
// every 250 µs costs little; the peak of the object bytes is reached just
// before a GC starts, and the heap grows gradually, so a sampled maximum
// misses at most the last 250 µs of allocation.
type heapSampler struct {
	stop    chan struct{}
	done    chan struct{}
	samples []metrics.Sample
	peak    [2]uint64
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		samples: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}},
	}
	s.read()
	go func() {
		defer close(s.done)
		t := time.NewTicker(250 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.read()
				return
			case <-t.C:
				s.read()
			}
		}
	}()
	return s
}

func (s *heapSampler) read() {
	metrics.Read(s.samples)
	for i := range s.samples {
		if v := s.samples[i].Value; v.Kind() == metrics.KindUint64 && v.Uint64() > s.peak[i] {
			s.peak[i] = v.Uint64()
		}
	}
}

// Stop ends the sampling and returns the peak object bytes and the peak
// live bytes.
func (s *heapSampler) Stop() (heap, live uint64) {
	close(s.stop)
	<-s.done
	return s.peak[0], s.peak[1]
}

// settledHeap runs the GC until the heap is stable and returns its object
// bytes: the baseline that a measurement subtracts.
func settledHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// perOp divides a total by b.N.
func perOp(b *testing.B, total int64) float64 { return float64(total) / float64(b.N) }

// bg is the context of the benchmarks.
var bg = context.Background()

package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

// The batch benchmarks' fleet: batchN instances tagged fleet=bench, to be
// terminated, next to batchN/10 tagged fleet=other, to be left alone,
// behind batchLatency of injected latency per request.
var (
	batchN       = pick(1100, 10_000)
	batchLatency = pick(2*time.Millisecond, 100*time.Millisecond)
	// slowLatency is the second latency of BenchmarkBatchTerminate, at
	// which waiting rather than XML decoding dominates.
	slowLatency = pick(10*time.Millisecond, time.Second)
)

// newFleet starts an ec2test server holding the batch fleet (launched 100
// per reservation) and returns it with a client for it.
func newFleet(seed int64, faults ec2test.Faults, opts ...ec2test.Option) (*ec2test.Server, *ec2.Client) {
	srv := ec2test.NewServer(append([]ec2test.Option{ec2test.WithSeed(seed)}, opts...)...)
	for i := 0; i < batchN; i += 100 {
		srv.Launch(ec2test.LaunchSpec{Count: min(100, batchN-i), Tags: map[string]string{"fleet": "bench"}})
		if i%1000 == 0 {
			srv.Launch(ec2test.LaunchSpec{Count: 100, Tags: map[string]string{"fleet": "other"}})
		}
	}
	srv.SetFaults(faults)
	return srv, serverClient(srv)
}

// checkFleet fails b unless every fleet=bench instance, and no other, was
// terminated.
func checkFleet(b *testing.B, srv *ec2test.Server) {
	b.Helper()
	gone, other := 0, 0
	for _, inst := range srv.Instances() {
		terminated := inst.State.Name == types.InstanceStateNameShuttingDown || inst.State.Name == types.InstanceStateNameTerminated
		bench := false
		for _, t := range inst.Tags {
			if aws.ToString(t.Key) == "fleet" && aws.ToString(t.Value) == "bench" {
				bench = true
			}
		}
		switch {
		case bench && terminated:
			gone++
		case !bench && terminated:
			other++
		}
	}
	if gone != batchN || other != 0 {
		b.Fatalf("terminated %d of %d fleet instances and %d others", gone, batchN, other)
	}
}

var fleetFilter = []types.Filter{{Name: aws.String("tag:fleet"), Values: []string{"bench"}}}

// boto3Terminate is boto3's batch action written in Go:
// ec2.instances.filter(Filters=...).page_size(ps).terminate() lists one
// page, sends one TerminateInstances for the IDs of that page, waits for
// it, and only then asks for the next page; like boto3 it stops at the
// first empty page. It returns the number of instances EC2 reported
// terminating.
func boto3Terminate(ctx context.Context, client *ec2.Client, pageSize int32) (int, error) {
	done := 0
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{Filters: fleetFilter, MaxResults: aws.Int32(pageSize)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return done, err
		}
		var ids []string
		for _, r := range out.Reservations {
			for _, inst := range r.Instances {
				ids = append(ids, aws.ToString(inst.InstanceId))
			}
		}
		if len(ids) == 0 {
			break
		}
		res, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
		if err != nil {
			return done, err
		}
		done += len(res.TerminatingInstances)
	}
	return done, nil
}

// floorTerminate is the hand-written lower bound the library is compared
// with: list every ID first, then send all TerminateInstances calls of
// 1000 IDs at once (at most 10 in flight, the library's default
// concurrency), so its wall time is the listing plus one action round
// trip. segmented=false lists one page of 1000 after another;
// segmented=true lists 16 slices of the ID space in parallel, one
// instance-id filter i-00* ... i-0f* each: the hex digit after "i-0",
// since every 17-character instance ID of EC2 (and of ec2test) starts
// with "i-0". It returns the number of instances EC2 reported
// terminating.
func floorTerminate(ctx context.Context, client *ec2.Client, segmented bool) (int, error) {
	var (
		mu   sync.Mutex
		ids  []string
		errs []error
		wg   sync.WaitGroup
	)
	listing := func(filters []types.Filter) {
		defer wg.Done()
		p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{Filters: filters, MaxResults: aws.Int32(1000)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			mu.Lock()
			if err != nil {
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			for _, r := range out.Reservations {
				for _, inst := range r.Instances {
					ids = append(ids, aws.ToString(inst.InstanceId))
				}
			}
			mu.Unlock()
		}
	}
	if segmented {
		for _, h := range "0123456789abcdef" {
			wg.Add(1)
			go listing(append(fleetFilter[:1:1], types.Filter{Name: aws.String("instance-id"), Values: []string{"i-0" + string(h) + "*"}}))
		}
	} else {
		wg.Add(1)
		listing(fleetFilter)
	}
	wg.Wait()
	if len(errs) > 0 {
		return 0, errs[0]
	}
	done := 0
	sem := make(chan struct{}, ec2instances.DefaultConcurrency)
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out, err := client.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: chunk})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			done += len(out.TerminatingInstances)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return done, errs[0]
	}
	return done, nil
}

// oursTerminate is the library: ins.Filter(Tag("fleet", "bench")).Terminate(ctx).
func oursTerminate(ctx context.Context, client *ec2.Client, optFns ...func(*ec2instances.Options)) (int, error) {
	res, err := ec2instances.New(client, optFns...).Filter(ec2instances.Tag("fleet", "bench")).Terminate(ctx)
	if res == nil {
		return 0, err
	}
	return len(res.Succeeded), err
}

type batchImpl struct {
	name string
	run  func(context.Context, *ec2.Client) (int, error)
}

func batchImpls() []batchImpl {
	return []batchImpl{
		{"boto3-ps1000", func(ctx context.Context, c *ec2.Client) (int, error) { return boto3Terminate(ctx, c, 1000) }},
		{"ours", func(ctx context.Context, c *ec2.Client) (int, error) { return oursTerminate(ctx, c) }},
		{"ours-seg1", func(ctx context.Context, c *ec2.Client) (int, error) {
			return oursTerminate(ctx, c, func(o *ec2instances.Options) { o.SequentialListing = true })
		}},
		{"floor-seg", func(ctx context.Context, c *ec2.Client) (int, error) { return floorTerminate(ctx, c, true) }},
		{"floor-seq", func(ctx context.Context, c *ec2.Client) (int, error) { return floorTerminate(ctx, c, false) }},
	}
}

// BenchmarkBatchTerminate measures the wall time of terminating a fleet
// (issue item 3).
//
// Setup, per op and outside the timer: a new ec2test server with 10,000
// instances tagged fleet=bench and 1,000 tagged fleet=other (1,100 and
// 200 outside a full run), lat=100ms of injected latency on every request
// (2 ms outside a full run), and a new client. lat=1s (10 ms outside a full
// run) repeats boto3-ps1000, ours and floor-seg with a latency at which
// waiting rather than decoding XML dominates. Timed: terminating the
// tag:fleet=bench instances. impl=ours is
// ins.Filter(Tag("fleet","bench")).Terminate(ctx) with default options
// (page size 1000, concurrency 10, 17 list segments, the listing done
// before the action calls); impl=ours-seg1 the same with
// Options.SequentialListing = true (one listing, page after page).
// impl=boto3-ps1000 is boto3Terminate, boto3's batch action in Go, with
// page_size 1000 (boto3 with no page size asks for every instance in one
// page and then sends 10,000 IDs in one TerminateInstances, which ec2test
// refuses, EC2 documenting at most 1000 IDs a call: see
// TestBoto3WithoutPageSizeIsRefused). impl=floor-seq and floor-seg are
// floorTerminate, the listing followed by one round of action calls.
// After each op the benchmark checks that exactly the fleet was
// terminated. Reported: ns/op; cpu-ms/op, the CPU time the process used
// (client and in-process server, on both cores), which shows what part of
// the wall time is work rather than waiting; and the requests per op:
// req/op (all), describe-req/op, terminate-req/op.
func BenchmarkBatchTerminate(b *testing.B) {
	for _, lat := range []time.Duration{batchLatency, slowLatency} {
		b.Run(fmt.Sprintf("lat=%v", lat), func(b *testing.B) { benchBatch(b, lat) })
	}
}

func benchBatch(b *testing.B, lat time.Duration) {
	impls := batchImpls()
	if lat == slowLatency {
		impls = slices.DeleteFunc(impls, func(i batchImpl) bool { return i.name == "ours-seg1" || i.name == "floor-seq" })
	}
	for _, impl := range ordered(impls) {
		b.Run("impl="+impl.name, func(b *testing.B) {
			var reqs, describes, terminates int64
			var cpu time.Duration
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				srv, client := newFleet(int64(round()*1000+i+1), ec2test.Faults{Latency: lat})
				ctx, cancel := context.WithTimeout(bg, 10*time.Minute)
				cpu0 := cpuTime()
				b.StartTimer()
				got, err := impl.run(ctx, client)
				b.StopTimer()
				cpu += cpuTime() - cpu0
				cancel()
				if err != nil || got != batchN {
					b.Fatalf("terminated %d of %d: %v", got, batchN, err)
				}
				checkFleet(b, srv)
				reqs += int64(srv.RequestCount(""))
				describes += int64(srv.RequestCount("DescribeInstances"))
				terminates += int64(srv.RequestCount("TerminateInstances"))
				srv.Close()
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(perOp(b, reqs), "req/op")
			b.ReportMetric(perOp(b, describes), "describe-req/op")
			b.ReportMetric(perOp(b, terminates), "terminate-req/op")
		})
	}
}

// BenchmarkThrottled measures a batch action under throttling (issue item
// 5).
//
// Setup, per op and outside the timer: the fleet of BenchmarkBatchTerminate
// (10,000 instances to terminate among 11,000 in a full run, 100 ms of
// latency per request) with ThrottleRate 0 or 0.3 on every action: with
// 0.3, 30% of requests (describes and terminates alike, decided by the
// server's seeded generator, a new seed per op) are answered with 503
// RequestLimitExceeded after the latency. Timed:
// ins.Filter(Tag("fleet","bench")).Terminate(ctx) with default options
// and the SDK's default retryer (3 attempts, exponential jitter backoff of
// up to 1 s, 2 s, ... for throttling), after which the library retries
// on its own with jittered backoff from 100 ms. (Outside a full run the
// SDK's backoff is capped at 10 ms, to keep the smoke pass short.)
// Reported: ns/op; cpu-ms/op as in BenchmarkBatchTerminate; req/op,
// describe-req/op and terminate-req/op, the
// requests that reached the server; throttled/op, those answered
// RequestLimitExceeded. Every op checks that exactly the fleet was
// terminated and that the Result has no failure.
func BenchmarkThrottled(b *testing.B) {
	for _, rate := range ordered([]float64{0, 0.3}) {
		b.Run(fmt.Sprintf("throttle=%g", rate), func(b *testing.B) {
			var reqs, describes, terminates, throttled int64
			var cpu time.Duration
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				srv, client := newFleet(int64(round()*1000+i+1), ec2test.Faults{Latency: batchLatency, ThrottleRate: rate}, ec2test.WithRequestLog())
				ctx, cancel := context.WithTimeout(bg, 10*time.Minute)
				cpu0 := cpuTime()
				b.StartTimer()
				got, err := oursTerminate(ctx, client)
				b.StopTimer()
				cpu += cpuTime() - cpu0
				cancel()
				if err != nil || got != batchN {
					b.Fatalf("terminated %d of %d: %v", got, batchN, err)
				}
				checkFleet(b, srv)
				reqs += int64(srv.RequestCount(""))
				describes += int64(srv.RequestCount("DescribeInstances"))
				terminates += int64(srv.RequestCount("TerminateInstances"))
				for _, r := range srv.Requests() {
					if r.ErrorCode == "RequestLimitExceeded" {
						throttled++
					}
				}
				srv.Close()
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(perOp(b, reqs), "req/op")
			b.ReportMetric(perOp(b, describes), "describe-req/op")
			b.ReportMetric(perOp(b, terminates), "terminate-req/op")
			b.ReportMetric(perOp(b, throttled), "throttled/op")
		})
	}
}

// TestBoto3WithoutPageSizeIsRefused backs the choice of page size for the
// boto3 pattern: boto3 sends no MaxResults unless page_size is set, so its
// one page holds every instance (on ec2test), and TerminateInstances
// refuses more than 1000 IDs (EC2 documents that limit).
func TestBoto3WithoutPageSizeIsRefused(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 1500, Tags: map[string]string{"fleet": "bench"}})
	client := serverClient(srv)
	out, err := client.DescribeInstances(bg, &ec2.DescribeInstancesInput{Filters: fleetFilter})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range out.Reservations {
		for _, inst := range r.Instances {
			ids = append(ids, aws.ToString(inst.InstanceId))
		}
	}
	if len(ids) != 1500 || out.NextToken != nil {
		t.Fatalf("one unpaginated page holds %d instances (NextToken %v), want all 1500", len(ids), out.NextToken)
	}
	if _, err := client.TerminateInstances(bg, &ec2.TerminateInstancesInput{InstanceIds: ids}); err == nil {
		t.Fatal("TerminateInstances with 1500 IDs succeeded, want it refused")
	}
	if n := srv.RequestCount("TerminateInstances"); n != 1 {
		t.Fatalf("%d TerminateInstances requests, want 1 (no retry of a client error)", n)
	}
}

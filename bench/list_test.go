package bench

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

// listSizes are the fleet sizes of the listing benchmarks.
func listSizes() []int { return pick([]int{1000}, []int{10_000, 100_000}) }

// listEndpoint is a DescribeInstances endpoint holding n instances.
type listEndpoint struct {
	client   *ec2.Client
	requests func() int64
}

func newListEndpoint(b *testing.B, src string, n int) listEndpoint {
	switch src {
	case "canned":
		c := newCannedServer(b, n)
		return listEndpoint{client: urlClient(c.URL()), requests: c.Requests}
	case "ec2test":
		srv := ec2test.NewServer(ec2test.WithSeed(1))
		b.Cleanup(srv.Close)
		for i := 0; i < n; i += 50 {
			srv.Launch(ec2test.LaunchSpec{Count: min(50, n-i), InstanceType: "m5.large", KeyName: "ops",
				Tags: map[string]string{"Name": fmt.Sprintf("web-%05d", i/50), "team": "blue", "env": "prod"}})
		}
		return listEndpoint{client: serverClient(srv), requests: func() int64 { return int64(srv.RequestCount("DescribeInstances")) }}
	}
	panic("unknown source " + src)
}

// listSDK is the hand-written SDK loop the library is measured against:
// ec2.NewDescribeInstancesPaginator with MaxResults 1000 (the library's
// default page size), reading every instance of every reservation of
// every page. It returns the number of instances seen.
func listSDK(client *ec2.Client) (int, error) {
	n := 0
	p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1000)})
	for p.HasMorePages() {
		out, err := p.NextPage(bg)
		if err != nil {
			return n, err
		}
		for _, r := range out.Reservations {
			for i := range r.Instances {
				if r.Instances[i].InstanceId != nil {
					n++
				}
			}
		}
	}
	return n, nil
}

// listIter is the same listing through the library: every instance of
// ins.All().Iter(ctx).
func listIter(ins *ec2instances.Instances) (int, error) {
	n := 0
	for inst, err := range ins.All().Iter(bg) {
		if err != nil {
			return n, err
		}
		if inst.InstanceId != nil {
			n++
		}
	}
	return n, nil
}

// BenchmarkList measures the overhead of Collection.Iter over the
// hand-written ec2.NewDescribeInstancesPaginator loop (issue item 1).
//
// Setup: n instances (10,000 and 100,000 in a full run, 1,000 otherwise)
// listed in pages of 1000 by both sides, through the same *ec2.Client (the
// SDK's default HTTP client wrapped by copyBodyClient, default retryer).
// Two endpoints: src=canned is cannedServer, which answers every page from
// one pre-rendered template, so nearly all the time and allocation is the
// client's; src=ec2test is an ec2test server holding the n instances
// (launched 50 per reservation, with three tags), whose rendering adds the
// same cost to both sides. impl=sdk is listSDK, impl=iter is
// ins.All().Iter(ctx). Both run in the same process as the server, so
// B/op and allocs/op include the server's (small for canned).
// Reported: ns/op, B/op, allocs/op for one whole listing; cpu-ms/op, the
// process's CPU time per listing (client, GC and in-process server); and
// req/op, the DescribeInstances requests per listing (n/1000 when no
// request was retried).
func BenchmarkList(b *testing.B) {
	for _, src := range []string{"canned", "ec2test"} {
		for _, n := range listSizes() {
			b.Run(fmt.Sprintf("src=%s/n=%d", src, n), func(b *testing.B) {
				ep := newListEndpoint(b, src, n)
				ins := ec2instances.New(ep.client)
				impls := []struct {
					name string
					run  func() (int, error)
				}{
					{"sdk", func() (int, error) { return listSDK(ep.client) }},
					{"iter", func() (int, error) { return listIter(ins) }},
				}
				for _, impl := range ordered(impls) {
					b.Run("impl="+impl.name, func(b *testing.B) {
						b.ReportAllocs()
						req0 := ep.requests()
						cpu0 := cpuTime()
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							got, err := impl.run()
							if err != nil || got != n {
								b.Fatalf("listed %d of %d instances: %v", got, n, err)
							}
						}
						b.StopTimer()
						b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
						b.ReportMetric(perOp(b, ep.requests()-req0), "req/op")
					})
				}
			})
		}
	}
}

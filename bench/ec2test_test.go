package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ec2go/ec2instances/ec2test"
)

// countingWriter is an http.ResponseWriter that keeps only the status and
// the body, in a buffer reused across requests, so that the benchmarks
// measure the server and not a recorder's growth.
type countingWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *countingWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *countingWriter) WriteHeader(code int)        { w.code = code }
func (w *countingWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

func (w *countingWriter) reset() {
	clear(w.h)
	w.code = http.StatusOK
	w.body.Reset()
}

// serveForm sends one form-encoded request to srv's handler in process.
func serveForm(srv *ec2test.Server, w *countingWriter, form url.Values) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	w.reset()
	srv.ServeHTTP(w, req)
}

// countInstances counts the instances in a DescribeInstances or
// RunInstances answer.
func countInstances(body []byte) int { return bytes.Count(body, []byte("<instanceId>i-")) }

// nextToken returns the nextToken of a DescribeInstances answer, or "".
func nextToken(body []byte) string {
	const open, shut = "<nextToken>", "</nextToken>"
	i := bytes.Index(body, []byte(open))
	if i < 0 {
		return ""
	}
	rest := body[i+len(open):]
	j := bytes.Index(rest, []byte(shut))
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// ec2testSizes are the fleet sizes of BenchmarkEC2Test.
func ec2testSizes(op string) []int {
	if op == "run" {
		return pick([]int{500, 1000}, []int{1000, 10_000})
	}
	return pick([]int{1000, 2000}, []int{10_000, 100_000})
}

// BenchmarkEC2Test measures ec2test itself, its handler called in
// process (no network, no SDK), to show that its costs grow linearly
// (issue item 4).
//
// op=describe-tag: a server holding n instances (10,000 and 100,000 in a
// full run), one in ten tagged team=blue and the others team=red, launched
// 10 per reservation; timed is the whole tag-filtered listing,
// DescribeInstances with Filter tag:team=blue and MaxResults 1000 followed
// page by page to the end (n/10 instances in n/10000 pages or one page),
// so the server scans all n instances once and renders n/10.
// op=run: RunInstances with MinCount = MaxCount = n (1,000 and 10,000) on
// a new server made outside the timer; timed is the request, creating and
// rendering the n instances. Reported: ns/op, B/op, allocs/op,
// ns/instance (ns/op over n, which stays flat when the cost is linear),
// and req/op. The response buffer is reused across ops, so its growth is
// spread over b.N; scripts/bench.sh therefore runs this benchmark with a
// fixed -benchtime (20x), the same number of ops at every size, rather
// than a duration, which would give the small sizes many more ops.
func BenchmarkEC2Test(b *testing.B) {
	for _, op := range []string{"describe-tag", "run"} {
		for _, n := range ec2testSizes(op) {
			b.Run(fmt.Sprintf("op=%s/n=%d", op, n), func(b *testing.B) {
				if op == "run" {
					benchRunInstances(b, n)
				} else {
					benchDescribeTag(b, n)
				}
			})
		}
	}
}

func benchDescribeTag(b *testing.B, n int) {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	for i := 0; i < n; i += 10 {
		srv.Launch(ec2test.LaunchSpec{Count: 9, Tags: map[string]string{"team": "red", "Name": "worker"}})
		srv.Launch(ec2test.LaunchSpec{Count: 1, Tags: map[string]string{"team": "blue", "Name": "worker"}})
	}
	w := &countingWriter{}
	reqs := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		form := url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"},
			"Filter.1.Name": {"tag:team"}, "Filter.1.Value.1": {"blue"}, "MaxResults": {"1000"}}
		found := 0
		for {
			serveForm(srv, w, form)
			reqs++
			if w.code != http.StatusOK {
				b.Fatalf("status %d: %s", w.code, w.body.String())
			}
			found += countInstances(w.body.Bytes())
			tok := nextToken(w.body.Bytes())
			if tok == "" {
				break
			}
			form.Set("NextToken", tok)
		}
		if found != n/10 {
			b.Fatalf("listed %d blue instances, want %d", found, n/10)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/instance")
	b.ReportMetric(float64(reqs)/float64(b.N), "req/op")
}

func benchRunInstances(b *testing.B, n int) {
	w := &countingWriter{}
	form := url.Values{"Action": {"RunInstances"}, "Version": {"2016-11-15"}, "ImageId": {ec2test.DefaultImageID},
		"InstanceType": {"m5.large"}, "MinCount": {fmt.Sprint(n)}, "MaxCount": {fmt.Sprint(n)},
		"TagSpecification.1.ResourceType": {"instance"}, "TagSpecification.1.Tag.1.Key": {"team"}, "TagSpecification.1.Tag.1.Value": {"blue"}}
	b.ReportAllocs()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		srv := ec2test.NewServer(ec2test.WithSeed(int64(i + 1)))
		b.StartTimer()
		serveForm(srv, w, form)
		b.StopTimer()
		if w.code != http.StatusOK {
			b.Fatalf("status %d: %s", w.code, w.body.String())
		}
		if got := countInstances(w.body.Bytes()); got != n || srv.Len() != n {
			b.Fatalf("RunInstances answered %d instances, server holds %d, want %d", got, srv.Len(), n)
		}
		srv.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/instance")
	b.ReportMetric(1, "req/op")
}

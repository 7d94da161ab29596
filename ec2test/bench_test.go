package ec2test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// discard is a ResponseWriter that only counts, so benchmarks measure
// the server rather than a recorder's buffer growth.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) WriteHeader(code int) { d.code = code }
func (d *discard) Write(b []byte) (int, error) {
	d.n += len(b)
	return len(b), nil
}

// serveDiscard sends a form to the handler and returns the status and
// the size of the answer.
func serveDiscard(s *Server, form url.Values) (int, int) {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	d := &discard{}
	s.ServeHTTP(d, req)
	return d.code, d.n
}

// serve sends a form to the server's handler in process and returns the
// recorded answer. Benchmarks use it to measure the server alone, without
// the network and the SDK's XML parsing.
func serve(tb testing.TB, s *Server, form url.Values) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// seedTagged launches n instances in batches of 1000, every step-th one
// tagged team=blue and the others team=red.
func seedTagged(s *Server, n, step int) {
	for i := 0; i < n; i += step {
		s.Launch(LaunchSpec{Count: step - 1, Tags: map[string]string{"team": "red", "Name": "worker"}})
		s.Launch(LaunchSpec{Count: 1, Tags: map[string]string{"team": "blue", "Name": "worker"}})
	}
}

func benchDescribeTagFilter(b *testing.B, n int) {
	s := NewServer()
	defer s.Close()
	seedTagged(s, n, n/1000)
	form := url.Values{"Action": {"DescribeInstances"}, "Version": {apiVersion},
		"Filter.1.Name": {"tag:team"}, "Filter.1.Value.1": {"blue"}, "MaxResults": {"1000"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code, n := serveDiscard(s, form)
		if code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
		b.SetBytes(int64(n))
	}
}

// BenchmarkDescribeTagFilter10k measures DescribeInstances server-side
// (handler called in process) with Filter tag:team=blue and MaxResults
// 1000 over 10,000 instances, of which every 10th (1,000) is blue: one
// full page of 1,000 instances out of 10,000.
func BenchmarkDescribeTagFilter10k(b *testing.B) { benchDescribeTagFilter(b, 10_000) }

// BenchmarkDescribeTagFilter100k is BenchmarkDescribeTagFilter10k over
// 100,000 instances of which every 100th (1,000) is blue: the page of
// 1,000 is found by scanning all 100,000.
func BenchmarkDescribeTagFilter100k(b *testing.B) { benchDescribeTagFilter(b, 100_000) }

// BenchmarkDescribeTagFilterSDK10k is BenchmarkDescribeTagFilter10k end
// to end: the real *ec2.Client over loopback HTTP, including the SDK's
// XML parsing, which dominates.
func BenchmarkDescribeTagFilterSDK10k(b *testing.B) {
	s := NewServer()
	defer s.Close()
	seedTagged(s, 10_000, 10)
	c := s.Client()
	in := &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}}, MaxResults: aws.Int32(1000)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := c.DescribeInstances(context.Background(), in)
		if err != nil || len(out.Reservations) != 1000 {
			b.Fatal(err, len(out.Reservations))
		}
	}
}

// BenchmarkDescribePage100k measures an unfiltered DescribeInstances page
// of 1,000 (MaxResults 1000, no token) over 100,000 instances launched in
// one reservation, server-side.
func BenchmarkDescribePage100k(b *testing.B) {
	s := NewServer()
	defer s.Close()
	s.Launch(LaunchSpec{Count: 100_000})
	form := url.Values{"Action": {"DescribeInstances"}, "Version": {apiVersion}, "MaxResults": {"1000"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code, _ := serveDiscard(s, form); code != http.StatusOK {
			b.Fatal(code)
		}
	}
}

// BenchmarkDescribeNoMatch100k measures a DescribeInstances whose filter
// (instance-type = x9.huge) matches none of 100,000 instances: a full
// scan with an empty answer, server-side.
func BenchmarkDescribeNoMatch100k(b *testing.B) {
	s := NewServer()
	defer s.Close()
	s.Launch(LaunchSpec{Count: 100_000})
	form := url.Values{"Action": {"DescribeInstances"}, "Version": {apiVersion},
		"Filter.1.Name": {"instance-type"}, "Filter.1.Value.1": {"x9.huge"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code, _ := serveDiscard(s, form); code != http.StatusOK {
			b.Fatal(code)
		}
	}
}

func benchRunInstances(b *testing.B, n int) {
	count := strconv.Itoa(n)
	form := url.Values{"Action": {"RunInstances"}, "Version": {apiVersion}, "ImageId": {DefaultImageID},
		"MinCount": {count}, "MaxCount": {count}, "TagSpecification.1.ResourceType": {"instance"},
		"TagSpecification.1.Tag.1.Key": {"team"}, "TagSpecification.1.Tag.1.Value": {"blue"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := NewServer()
		b.StartTimer()
		if code, size := serveDiscard(s, form); code != http.StatusOK {
			b.Fatal(code)
		} else {
			b.SetBytes(int64(size))
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkRunInstances1k measures one RunInstances request launching
// 1,000 instances (MinCount = MaxCount = 1000, with a tag specification)
// on an empty server, server-side, answer included.
func BenchmarkRunInstances1k(b *testing.B) { benchRunInstances(b, 1000) }

// BenchmarkRunInstances10k is BenchmarkRunInstances1k with 10,000
// instances: time and memory should grow ten times, not more.
func BenchmarkRunInstances10k(b *testing.B) { benchRunInstances(b, 10_000) }

// BenchmarkLaunch100k measures seeding 100,000 instances with one Launch
// call (no HTTP) on an empty server.
func BenchmarkLaunch100k(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s := NewServer()
		s.Launch(LaunchSpec{Count: 100_000, Tags: map[string]string{"team": "blue"}})
		s.Close()
	}
}

// BenchmarkTerminate1000of100k measures TerminateInstances of 1,000 IDs
// among 100,000 instances, server-side. Each iteration terminates fresh
// IDs; terminated instances stay (retention is one hour).
func BenchmarkTerminate1000of100k(b *testing.B) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 100_000})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		form := url.Values{"Action": {"TerminateInstances"}, "Version": {apiVersion}}
		for j := 0; j < 1000; j++ {
			form.Set("InstanceId."+strconv.Itoa(j+1), ids[(i*1000+j)%len(ids)])
		}
		if code, _ := serveDiscard(s, form); code != http.StatusOK {
			b.Fatal(code)
		}
	}
}

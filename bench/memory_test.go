package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2go/ec2instances"
)

// streamCase is one measurement of BenchmarkStreamMemory.
type streamCase struct {
	n    int
	impl string
}

func streamCases() []streamCase {
	return pick(
		[]streamCase{{1000, "iter"}, {1000, "sdk"}, {1000, "list"}},
		[]streamCase{{10_000, "iter"}, {100_000, "iter"}, {100_000, "sdk"}, {10_000, "list"}},
	)
}

const childEnv = "EC2I_BENCH_CHILD"

// BenchmarkStreamMemory measures the memory a listing needs (issue item
// 2): Collection.Iter should hold about two pages at a time however many
// instances it yields.
//
// Setup: every op runs one listing of n instances from cannedServer (n =
// 10,000 and 100,000 in a full run) in a fresh process, the test binary
// re-executed as TestStreamChild, so that no heap, GC pacing or RSS high
// water mark carries over from another case. The child first measures
// the live heap of one parsed DescribeInstances page of 1000 (page-MB),
// then settles the GC and takes the heap as its baseline (the canned
// server's 4 MB template and buffers are in it), then lists while
// heapSampler polls runtime/metrics every 250 µs. impl=iter ranges over
// ins.All().Iter(ctx) keeping nothing; impl=sdk is the hand-written
// paginator loop, for reference; impl=list is ins.All().List(ctx), which
// keeps every instance, to show what a listing bound by N looks like.
// Reported, per op: peak-heap-MB, the highest heap object bytes above the
// baseline (reachable or garbage not yet collected: what the process
// held); peak-live-MB, the highest live heap above the baseline found by a
// GC; peak-live-pages, peak-live-MB over page-MB; peak-RSS-MB, the child's
// VmHWM (whole process: Go runtime, test binary, server and listing);
// base-RSS-MB, its VmRSS just before the listing. ns/op is the child's
// whole run, process start included, and means little.
func BenchmarkStreamMemory(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range streamCases() {
		b.Run(fmt.Sprintf("n=%d/impl=%s", tc.n, tc.impl), func(b *testing.B) {
			sums := map[string]float64{}
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(exe, "-test.run=^TestStreamChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", childEnv, tc.impl, tc.n))
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
				m, err := parseChild(out)
				if err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
				if int(m["listed"]) != tc.n {
					b.Fatalf("child listed %v of %d instances", m["listed"], tc.n)
				}
				page := m["page"]
				sums["page-MB"] += page / (1 << 20)
				sums["peak-heap-MB"] += (m["heap"] - m["base"]) / (1 << 20)
				sums["peak-live-MB"] += (m["live"] - m["base"]) / (1 << 20)
				sums["peak-live-pages"] += (m["live"] - m["base"]) / page
				if m["rss-peak"] > 0 {
					sums["peak-RSS-MB"] += m["rss-peak"] / (1 << 20)
					sums["base-RSS-MB"] += m["rss-base"] / (1 << 20)
				}
			}
			for unit, v := range sums {
				b.ReportMetric(v/float64(b.N), unit)
			}
		})
	}
}

// parseChild reads the line TestStreamChild prints.
func parseChild(out []byte) (map[string]float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "EC2I-CHILD ")
		if !ok {
			continue
		}
		m := map[string]float64{}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("bad field %q", kv)
			}
			m[k] = f
		}
		return m, nil
	}
	return nil, fmt.Errorf("no EC2I-CHILD line")
}

// TestStreamChild is the child process of BenchmarkStreamMemory; it is
// skipped unless EC2I_BENCH_CHILD says what to list ("impl,n").
func TestStreamChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("run by BenchmarkStreamMemory in a child process")
	}
	impl, nstr, _ := strings.Cut(spec, ",")
	n, err := strconv.Atoi(nstr)
	if err != nil {
		t.Fatalf("bad %s=%q", childEnv, spec)
	}
	c := newCannedServer(t, n)
	client := urlClient(c.URL())
	ins := ec2instances.New(client)

	// The unit: the live heap of one parsed page of 1000.
	before := settledHeap()
	page, err := client.DescribeInstances(bg, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(cannedPageSize)})
	if err != nil {
		t.Fatal(err)
	}
	pageBytes := settledHeap() - before
	runtime.KeepAlive(page)

	base := settledHeap()
	rssBase := procStatus("VmRSS")
	s := startHeapSampler()
	var listed int
	var kept []*ec2instances.Instance
	switch impl {
	case "iter":
		listed, err = listIter(ins)
	case "sdk":
		listed, err = listSDK(client)
	case "list":
		kept, err = ins.All().List(bg)
		listed = len(kept)
	default:
		t.Fatalf("unknown impl %q", impl)
	}
	heap, live := s.Stop()
	runtime.KeepAlive(kept)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("EC2I-CHILD listed=%d page=%d base=%d heap=%d live=%d rss-base=%d rss-peak=%d\n",
		listed, pageBytes, base, heap, live, rssBase, procStatus("VmHWM"))
}

// procStatus returns a memory field of /proc/self/status in bytes, or 0
// where there is no such file.
func procStatus(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

package bench

import (
	"testing"

	"github.com/ec2go/ec2instances"
)

// TestCannedServer checks the canned endpoint the listing benchmarks rely
// on: pages of 1000 with distinct IDs, linked by NextToken, the same
// listing through the SDK paginator and through the library, and one
// request per page (no hidden retry).
func TestCannedServer(t *testing.T) {
	const n = 2000
	c := newCannedServer(t, n)
	client := urlClient(c.URL())
	got, err := listSDK(client)
	if err != nil || got != n {
		t.Fatalf("SDK loop listed %d of %d: %v", got, n, err)
	}
	seen := map[string]bool{}
	for inst, err := range ec2instances.New(client).All().Iter(bg) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[inst.ID()] {
			t.Fatalf("instance %s listed twice", inst.ID())
		}
		seen[inst.ID()] = true
		if v, _ := inst.Tag("team"); v != "blue" {
			t.Fatalf("instance %s has team=%q, want the template's blue", inst.ID(), v)
		}
	}
	if len(seen) != n {
		t.Fatalf("Iter listed %d of %d", len(seen), n)
	}
	if r := c.Requests(); r != 2*n/cannedPageSize {
		t.Fatalf("%d requests for two listings of %d pages", r, n/cannedPageSize)
	}
}

// TestHeapSampler checks that the sampler sees an allocation made while it
// runs.
func TestHeapSampler(t *testing.T) {
	base := settledHeap()
	s := startHeapSampler()
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	heap, _ := s.Stop()
	if heap < base+60<<20 {
		t.Fatalf("peak heap %d, want at least %d", heap, base+60<<20)
	}
	_ = buf[len(buf)-1]
}

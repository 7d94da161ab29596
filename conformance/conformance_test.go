package conformance

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ec2go/ec2instances/ec2test"
)

// TestEC2Test runs the scenarios against the in-memory server, with
// instant transitions and with a transition delay that makes every
// scenario wait for its states.
func TestEC2Test(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []ec2test.Option
	}{
		{"instant", nil},
		{"delayed", []ec2test.Option{ec2test.WithTransitionDelay(30 * time.Millisecond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ec2test.NewServer(tc.opts...)
			defer s.Close()
			Run(t, Endpoint{Name: "ec2test", URL: s.URL(), Client: s.Client(), Zones: []string{"us-east-1a", "us-east-1b"}})
		})
	}
}

// TestMoto runs the scenarios against moto when EC2INSTANCES_MOTO_ENDPOINT
// names it (scripts/moto.sh sets it). Without it the test is skipped,
// except in CI, where a missing moto is a failure.
func TestMoto(t *testing.T) {
	url := os.Getenv("EC2INSTANCES_MOTO_ENDPOINT")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("EC2INSTANCES_MOTO_ENDPOINT is not set: in CI the moto scenarios must run (use scripts/moto.sh)")
		}
		t.Skip("EC2INSTANCES_MOTO_ENDPOINT is not set; run through scripts/moto.sh to check against moto")
	}
	ep := Endpoint{Name: "moto", URL: url, Client: NewClient(url), Zones: []string{"us-east-1a", "us-east-1b"},
		Quirks: MotoQuirks(), WaitTimeout: 10 * time.Second}
	t.Run("Scenarios", func(t *testing.T) { Run(t, ep) })
	t.Run("VerifyQuirks", func(t *testing.T) { VerifyQuirks(t, ep) })
}

// TestQuirkFailuresComplete: every quirk a scenario checks has a known
// failure, so VerifyQuirks can tell it from other failures.
func TestQuirkFailuresComplete(t *testing.T) {
	for _, sc := range scenarios {
		for _, q := range sc.quirks {
			if quirkFailures[q] == nil {
				t.Errorf("scenario %s checks quirk %q, which has no entry in quirkFailures", sc.name, q)
			}
		}
	}
	for _, q := range MotoQuirks().Known {
		if quirkFailures[q] == nil {
			t.Errorf("moto quirk %q has no entry in quirkFailures", q)
		}
	}
}

// TestProbeMismatch checks how VerifyQuirks judges a probe: only the
// quirk's own failure, after its check, confirms the quirk.
func TestProbeMismatch(t *testing.T) {
	q := NoStateChecks
	probe := func(f func(h *harness)) *recorder {
		rec := &recorder{subs: map[string]*recorder{}}
		h := &harness{t: rec, ep: Endpoint{Name: "fake"}, probeQuirk: q, rec: rec}
		rec.do(func() { f(h) })
		return rec
	}
	cases := []struct {
		name string
		f    func(h *harness)
		want string // a part of the mismatch, "" for none
	}{
		{"as described", func(h *harness) {
			h.quirk(q)
			h.t.Errorf("want error IncorrectInstanceState (400), got success")
		}, ""},
		{"other failure", func(h *harness) {
			h.quirk(q)
			h.t.Fatalf("DescribeInstances: connection refused")
		}, "not as the quirk describes"},
		{"no failure", func(h *harness) { h.quirk(q) }, "passes without the quirk"},
		{"fails before the check", func(h *harness) {
			h.t.Errorf("launch failed")
			h.quirk(q)
			h.t.Errorf("want error IncorrectInstanceState (400), got success")
		}, "before reaching"},
		{"never reaches the check", func(h *harness) { h.t.Fatalf("launch failed") }, "before reaching"},
		{"skipped before the check", func(h *harness) { h.t.Skipf("other quirk") }, ""},
	}
	for _, tc := range cases {
		got := probe(tc.f).mismatch(q)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s: mismatch %q, want none", tc.name, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%s: mismatch %q, want one mentioning %q", tc.name, got, tc.want)
		}
	}
}

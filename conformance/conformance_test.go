package conformance

import (
	"os"
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

package stopci

import (
	"context"
	"testing"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

func TestStopCI(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	ci := srv.Launch(ec2test.LaunchSpec{Count: 3, Tags: map[string]string{"env": "ci"}})
	prod := srv.Launch(ec2test.LaunchSpec{Count: 2, Tags: map[string]string{"env": "prod"}})

	ins := ec2instances.New(srv.Client())
	if err := stopCI(context.Background(), ins); err != nil { // the code under test
		t.Fatal(err)
	}
	for _, id := range ci {
		if inst, _ := srv.Instance(id); inst.State.Name != "stopped" {
			t.Errorf("%s is %s, want stopped", id, inst.State.Name)
		}
	}
	for _, id := range prod {
		if inst, _ := srv.Instance(id); inst.State.Name != "running" {
			t.Errorf("%s is %s, want running", id, inst.State.Name)
		}
	}
}

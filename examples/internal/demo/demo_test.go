package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 instances"}, {1, "1 instance"}, {2, "2 instances"}, {3000, "3000 instances"}} {
		if got := Plural(tc.n, "instance"); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if Verb(1, "is", "are") != "is" || Verb(0, "is", "are") != "are" || Verb(2, "is", "are") != "are" {
		t.Error("Verb")
	}
}

func TestChangeAndMonitoring(t *testing.T) {
	code := func(c int32) *int32 { return &c }
	ch := &types.InstanceStateChange{
		PreviousState: &types.InstanceState{Name: "stopped", Code: code(80)},
		CurrentState:  &types.InstanceState{Name: "pending"},
	}
	if got := Change(ch); got != "stopped (80) -> pending" {
		t.Errorf("Change = %q", got)
	}
	if Change(nil) != "?" || Change(&types.InstanceStateChange{}) != "? -> ?" {
		t.Error("Change of missing states")
	}
	if Monitoring(nil) != "?" || Monitoring(&types.InstanceMonitoring{}) != "?" {
		t.Error("Monitoring of missing states")
	}
	m := &types.InstanceMonitoring{Monitoring: &types.Monitoring{State: types.MonitoringStatePending}}
	if Monitoring(m) != "pending" {
		t.Error("Monitoring")
	}
}

// httpErr is what the SDK returns for an answer with status code whose
// body holds err (nil: a body that is not an EC2 error).
func httpErr(op string, status int, apiErr error) error {
	inner := apiErr
	if inner == nil {
		inner = errors.New("error while fetching xml error response code: XML syntax error on line 2")
	}
	return &smithy.OperationError{ServiceID: "EC2", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      inner,
		},
	}}
}

func TestUnimplemented(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string // "" for not unimplemented
	}{
		{"moto's 500 page", httpErr("MonitorInstances", 500, nil), "HTTP 500 with no EC2 error in the body"},
		{"501", httpErr("MonitorInstances", 501, &smithy.GenericAPIError{Code: "NotImplemented"}), "EC2 error NotImplemented"},
		{"501 without a code", httpErr("MonitorInstances", 501, nil), "HTTP 501 Not Implemented"},
		{"InvalidAction", httpErr("MonitorInstances", 400, &smithy.GenericAPIError{Code: "InvalidAction"}), "EC2 error InvalidAction"},
		{"wrapped in a batch error", fmt.Errorf("batch: %w", errors.Join(context.Canceled, httpErr("UnmonitorInstances", 500, nil))), "HTTP 500 with no EC2 error in the body"},
		{"EC2's own 500", httpErr("MonitorInstances", 500, &smithy.GenericAPIError{Code: "InternalError"}), ""},
		{"throttled", httpErr("MonitorInstances", 503, &smithy.GenericAPIError{Code: "RequestLimitExceeded"}), ""},
		{"a client error", httpErr("MonitorInstances", 400, &smithy.GenericAPIError{Code: "UnauthorizedOperation"}), ""},
		{"DryRunOperation", httpErr("MonitorInstances", 412, &smithy.GenericAPIError{Code: "DryRunOperation"}), ""},
		{"no answer", context.DeadlineExceeded, ""},
		{"nil", nil, ""},
	} {
		why, ok := Unimplemented(tc.err)
		if ok != (tc.want != "") || why != tc.want {
			t.Errorf("%s: Unimplemented = %q, %t; want %q", tc.name, why, ok, tc.want)
		}
	}

	err := ExplainUnimplemented(httpErr("MonitorInstances", 500, nil))
	if !strings.HasPrefix(err.Error(), "the endpoint does not implement MonitorInstances as this example calls it (HTTP 500 with no EC2 error in the body): ") {
		t.Errorf("ExplainUnimplemented: %v", err)
	}
	if other := errors.New("other"); ExplainUnimplemented(other) != other {
		t.Error("ExplainUnimplemented changed an unrelated error")
	}
}

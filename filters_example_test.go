package ec2instances_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ec2go/ec2instances"
	"github.com/ec2go/ec2instances/ec2test"
)

// Where takes the filter name as a string, for names read from a flag or a
// configuration file. It checks the name and values exactly as the typed
// constructors do.
func ExampleWhere() {
	f := ec2instances.Where("instance-type", "t3.*", "m5.large")
	fmt.Println(f, f.Err())

	// Names are case-sensitive and must be documented filter names.
	bad := ec2instances.Where("instance-state", "running")
	fmt.Println(bad.Err())
	// Output:
	// instance-type=t3.*|m5.large <nil>
	// ec2instances: filter name "instance-state": not a DescribeInstances filter; did you mean instance-state-name?
}

// Tag builds the tag:<key> filter. An empty value matches a tag that is
// present but empty; wildcards work in values.
func ExampleTag() {
	fmt.Println(ec2instances.Tag("Environment", "prod", "staging-*"))
	fmt.Println(ec2instances.Tag("Name", ""))
	fmt.Println(ec2instances.Tag("", "x").Err())
	// Output:
	// tag:Environment=prod|staging-*
	// tag:Name=""
	// ec2instances: filter name "tag:": the tag key after tag: must not be empty
}

// InstanceIDs drops repeated IDs and checks their form. With no IDs it is
// still valid and selects no instances, never all of them.
func ExampleInstanceIDs() {
	f := ec2instances.InstanceIDs("i-0123456789abcdef0", "i-01234567", "i-0123456789abcdef0")
	fmt.Println(f, f.Values())

	var none []string // say, the result of a search that found nothing
	empty := ec2instances.InstanceIDs(none...)
	fmt.Println(empty, empty.Err())

	fmt.Println(ec2instances.InstanceIDs("i-XYZ").Err())
	// Output:
	// InstanceIDs(i-0123456789abcdef0,i-01234567) [i-0123456789abcdef0 i-01234567]
	// InstanceIDs() <nil>
	// ec2instances: InstanceIDs value "i-XYZ": must be i- followed by 8 or 17 lowercase hexadecimal digits
}

// InstanceStateName takes the documented state names, or wildcard
// patterns that match at least one of them.
func ExampleInstanceStateName() {
	fmt.Println(ec2instances.InstanceStateName("running", "stopp*"))
	fmt.Println(ec2instances.InstanceStateName("Running").Err())
	// Output:
	// instance-state-name=running|stopp*
	// ec2instances: filter instance-state-name value "Running": must be one of pending, running, shutting-down, terminated, stopping, stopped (case-sensitive)
}

// InstanceID is the instance-id filter: it accepts wildcards, and an ID
// that does not exist just matches nothing.
func ExampleInstanceID() {
	fmt.Println(ec2instances.InstanceID("i-0abc*"))
	// Output:
	// instance-id=i-0abc*
}

// LaunchTime takes ISO 8601 times; a wildcard selects a whole day or month.
func ExampleLaunchTime() {
	fmt.Println(ec2instances.LaunchTime("2021-09-29T*"))
	fmt.Println(ec2instances.LaunchTime("last tuesday").Err())
	// Output:
	// launch-time=2021-09-29T*
	// ec2instances: filter launch-time value "last tuesday": must be an ISO 8601 time such as 2021-09-29T11:04:43.305Z, or a wildcard pattern such as 2021-09-29T*
}

// A Filter that fails validation still builds; its error says what is
// wrong, matches ErrInvalidInput, and is a *ValidationError whose fields
// give the details. A collection using the Filter returns the same error
// before it sends any request.
func ExampleFilter_Err() {
	f := ec2instances.MetadataOptionsHTTPPutResponseHopLimit("1", "65")
	err := f.Err()
	fmt.Println(err)
	fmt.Println(errors.Is(err, ec2instances.ErrInvalidInput))

	var ve *ec2instances.ValidationError
	if errors.As(err, &ve) {
		fmt.Printf("field %q, value %q\n", ve.Field, ve.Value)
	}
	// Output:
	// ec2instances: filter metadata-options.http-put-response-hop-limit value "65": must be a decimal integer from 1 to 64
	// true
	// field "filter metadata-options.http-put-response-hop-limit value", value "65"
}

// Name and Values give the parts of a Filter; Values is a copy, and the
// constructors copy their arguments too.
func ExampleFilter_Values() {
	vals := []string{"vpc-0a1b2c3d", "vpc-4e5f6a7b"}
	f := ec2instances.VPCID(vals...)
	vals[0] = "changed"

	got := f.Values()
	got[1] = "changed too"

	fmt.Println(f.Name(), f.Values())
	// Output:
	// vpc-id [vpc-0a1b2c3d vpc-4e5f6a7b]
}

// String shows a Filter as name=value|value, quoting values that would be
// ambiguous.
func ExampleFilter_String() {
	fmt.Println(ec2instances.PlatformDetails("Linux/UNIX", "Red Hat*"))
	fmt.Println(ec2instances.EBSOptimized("true"))
	// Output:
	// platform-details=Linux/UNIX|"Red Hat*"
	// ebs-optimized=true
}

// FilterNames lists the documented filter names; each has a typed
// constructor, and Where accepts any of them.
func ExampleFilterNames() {
	names := ec2instances.FilterNames()
	fmt.Println(len(names), names[0], names[len(names)-1])
	// Output:
	// 135 affinity vpc-id
}

// The typed constructors cover every documented filter; these select
// Graviton instances of the t4g family in two zones. Validation knows
// the documented values: architecture takes arm64, not aarch64.
func ExampleArchitecture() {
	srv := ec2test.NewServer(ec2test.WithSeed(1))
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 3, Architecture: "arm64", InstanceType: "t4g.small", AvailabilityZone: "us-east-1a"})
	srv.Launch(ec2test.LaunchSpec{Architecture: "arm64", InstanceType: "t4g.small", AvailabilityZone: "us-east-1c"})
	srv.Launch(ec2test.LaunchSpec{Count: 2, InstanceType: "t3.small", AvailabilityZone: "us-east-1a"})
	ins := ec2instances.New(srv.Client())

	graviton := ins.Filter(
		ec2instances.Architecture("arm64"),
		ec2instances.InstanceType("t4g.*"),
		ec2instances.AvailabilityZone("us-east-1a", "us-east-1b"),
	)
	ids, err := graviton.IDs(context.Background())
	fmt.Println(len(ids), err)

	fmt.Println(ec2instances.Architecture("aarch64").Err())
	// Output:
	// 3 <nil>
	// ec2instances: filter architecture value "aarch64": must be one of i386, x86_64, arm64, x86_64_mac, arm64_mac (case-sensitive)
}

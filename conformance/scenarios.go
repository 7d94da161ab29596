package conformance

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// scenarios lists every scenario with the quirks it checks for.
var scenarios = []scenario{
	{"LaunchMinMaxCount", launchMinMaxCount, []Quirk{LaunchesMinCount}},
	{"LaunchAnswer", launchAnswer, nil},
	{"LaunchTagSpecifications", launchTagSpecifications, nil},
	{"LaunchPlacementTypeKey", launchPlacementTypeKey, nil},
	{"LaunchDisableApiTermination", launchDisableAPITermination, []Quirk{IgnoresLaunchProtection}},
	{"LaunchOneZonePerCall", launchOneZonePerCall, nil},
	{"LaunchDefaultSecurityGroup", launchDefaultSecurityGroup, []Quirk{NoDefaultSecurityGroup}},
	{"FilterAndOr", filterAndOr, nil},
	{"FilterCaseSensitive", filterCaseSensitive, nil},
	{"FilterTagWildcards", filterTagWildcards, nil},
	{"FilterWildcards", filterWildcards, []Quirk{NoFilterWildcards}},
	{"FilterTagKey", filterTagKey, nil},
	{"FilterSpread", filterSpread, []Quirk{LimitedFilters}},
	{"FilterUnknownName", filterUnknownName, []Quirk{UnknownFilterServerError}},
	{"PageMaxResultsBounds", pageMaxResultsBounds, []Quirk{NoMaxResultsBounds}},
	{"PageMaxResultsWithInstanceIds", pageMaxResultsWithInstanceIDs, nil},
	{"PageCountsInstances", pageCountsInstances, []Quirk{PagesPerReservation}},
	{"PageAcrossReservations", pageAcrossReservations, nil},
	{"PageTokenSurvivesStateChange", pageTokenSurvivesStateChange, []Quirk{TokensBreakOnChange}},
	{"PageInvalidToken", pageInvalidToken, []Quirk{InvalidTokenServerError}},
	{"DescribeWithoutMaxResults", describeWithoutMaxResults, nil},
	{"DescribeWithoutMaxResultsMany", describeWithoutMaxResultsMany, []Quirk{DescribeAnswers100}},
	{"TagCreateOverwrite", tagCreateOverwrite, nil},
	{"TagDelete", tagDelete, nil},
	{"TagDeleteAll", tagDeleteAll, []Quirk{DeleteAllTagsUnsupported}},
	{"StopStart", stopStart, nil},
	{"StopReason", stopReason, []Quirk{ReasonInUTC}},
	{"Reboot", reboot, []Quirk{NoMalformedIDCheck}},
	{"Terminate", terminate, nil},
	{"TerminateIdempotent", terminateIdempotent, []Quirk{TerminateAnswersShuttingDown}},
	{"StartTerminated", startTerminated, []Quirk{NoStateChecks}},
	{"StopTerminated", stopTerminated, []Quirk{NoStateChecks}},
	{"DryRun", dryRun, nil},
	{"MalformedID", malformedID, []Quirk{NoMalformedIDCheck}},
	{"NotFoundWholeCall", notFoundWholeCall, nil},
	{"NotFoundDescribeNamesAll", notFoundDescribeNamesAll, []Quirk{DescribeNamesOneMissingID}},
	{"TerminationProtection", terminationProtection, nil},
	{"TerminationProtectionPerZone", terminationProtectionPerZone, []Quirk{IgnoresZoneRule}},
	{"TerminationProtectionAtomic", terminationProtectionAtomic, []Quirk{NonAtomicProtectedTerminate}},
	{"StopProtection", stopProtection, nil},
	{"Monitoring", monitoring, []Quirk{NoMonitoring}},
	{"ModifyInstanceType", modifyInstanceType, nil},
	{"ModifyInstanceTypeRunning", modifyInstanceTypeRunning, []Quirk{ModifyRunningInstanceType}},
	{"DescribeInstanceStatus", describeInstanceStatus, nil},
	{"ConsoleOutput", consoleOutput, []Quirk{NoMalformedIDCheck, ConsoleOutputIgnoresDryRun}},
	{"UnknownAction", unknownAction, []Quirk{UnknownActionServerError}},
}

func launchMinMaxCount(h *harness) {
	h.quirk(LaunchesMinCount)
	out := h.launch(launchOpts{min: 2, max: 3})
	if len(out.Instances) != 3 {
		h.t.Fatalf("MinCount 2 MaxCount 3 launched %d instances, want 3", len(out.Instances))
	}
	for i, in := range out.Instances {
		if aws.ToInt32(in.AmiLaunchIndex) != int32(i) {
			h.t.Errorf("instance %d has AmiLaunchIndex %d", i, aws.ToInt32(in.AmiLaunchIndex))
		}
	}
	if got := h.describe(); len(got) != 3 {
		h.t.Fatalf("described %d instances, want 3", len(got))
	}
}

func launchAnswer(h *harness) {
	out := h.launch(launchOpts{min: 2})
	if !strings.HasPrefix(aws.ToString(out.ReservationId), "r-") || len(out.Instances) != 2 {
		h.t.Fatalf("reservation %q with %d instances", aws.ToString(out.ReservationId), len(out.Instances))
	}
	idRE := regexp.MustCompile(`^i-[0-9a-f]{8}([0-9a-f]{9})?$`)
	for _, in := range out.Instances {
		if !idRE.MatchString(aws.ToString(in.InstanceId)) {
			h.t.Errorf("instance ID %q has not the EC2 shape", aws.ToString(in.InstanceId))
		}
	}
	got := h.describe()
	h.wantIDs(got, instanceIDs(out.Instances), "described")
	for _, in := range got {
		if in.State.Name != types.InstanceStateNameRunning && in.State.Name != types.InstanceStateNamePending {
			h.t.Errorf("new instance is %s", in.State.Name)
		}
	}
	for _, in := range out.Instances {
		if in.State.Name != types.InstanceStateNamePending || aws.ToInt32(in.State.Code) != 0 {
			h.t.Errorf("RunInstances answer state %s/%d, want pending/0", in.State.Name, aws.ToInt32(in.State.Code))
		}
	}
}

func launchTagSpecifications(h *harness) {
	out := h.launch(launchOpts{tags: map[string]string{"Name": "web-1", "team": "blue", "empty": ""}})
	check := func(where string, tags []types.Tag) {
		m := map[string]string{}
		for _, t := range tags {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if m["Name"] != "web-1" || m["team"] != "blue" || m[RunTagKey] != h.run {
			h.t.Errorf("%s: tags %v", where, m)
		}
		if v, ok := m["empty"]; !ok || v != "" {
			h.t.Errorf("%s: tag with empty value missing: %v", where, m)
		}
	}
	check("RunInstances answer", out.Instances[0].Tags)
	got := h.describe()
	if len(got) != 1 {
		h.t.Fatalf("described %d instances", len(got))
	}
	check("DescribeInstances", got[0].Tags)
}

func launchPlacementTypeKey(h *harness) {
	id := h.launchIDs(launchOpts{zone: h.ep.Zones[1], typ: types.InstanceTypeT3Micro, key: "conformance-key"})[0]
	in := h.byID(id)[id]
	if aws.ToString(in.Placement.AvailabilityZone) != h.ep.Zones[1] {
		h.t.Errorf("zone %q, want %q", aws.ToString(in.Placement.AvailabilityZone), h.ep.Zones[1])
	}
	if in.InstanceType != types.InstanceTypeT3Micro {
		h.t.Errorf("type %q", in.InstanceType)
	}
	if aws.ToString(in.KeyName) != "conformance-key" {
		h.t.Errorf("key %q", aws.ToString(in.KeyName))
	}
	if aws.ToString(in.ImageId) != ImageID {
		h.t.Errorf("image %q", aws.ToString(in.ImageId))
	}
}

func launchDisableAPITermination(h *harness) {
	h.quirk(IgnoresLaunchProtection)
	id := h.launchIDs(launchOpts{protect: true})[0]
	attr, err := h.c().DescribeInstanceAttribute(h.ctx, &ec2.DescribeInstanceAttributeInput{
		InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameDisableApiTermination})
	if err != nil {
		h.t.Fatal(err)
	}
	if attr.DisableApiTermination == nil || !aws.ToBool(attr.DisableApiTermination.Value) {
		h.t.Fatalf("disableApiTermination not set after launch")
	}
	_, err = h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	h.wantError(err, "OperationNotPermitted", http.StatusBadRequest)
}

// launchOneZonePerCall checks that one RunInstances call puts all its
// instances in one zone and one subnet, with and without a placement.
func launchOneZonePerCall(h *harness) {
	for _, zone := range []string{"", h.ep.Zones[1]} {
		out := h.launch(launchOpts{min: 3, zone: zone})
		ids := instanceIDs(out.Instances)
		described := h.byID(ids...)
		if len(described) != len(ids) {
			h.t.Fatalf("described %d of %d instances", len(described), len(ids))
		}
		for what, ins := range map[string][]types.Instance{"RunInstances answer": out.Instances, "DescribeInstances": mapValues(described)} {
			az, sn := aws.ToString(ins[0].Placement.AvailabilityZone), aws.ToString(ins[0].SubnetId)
			if zone != "" && az != zone {
				h.t.Errorf("%s: zone %s, want the placement's %s", what, az, zone)
			}
			for _, in := range ins[1:] {
				if aws.ToString(in.Placement.AvailabilityZone) != az || aws.ToString(in.SubnetId) != sn {
					h.t.Errorf("%s: one call launched into %s/%s and %s/%s", what, az, sn,
						aws.ToString(in.Placement.AvailabilityZone), aws.ToString(in.SubnetId))
				}
			}
		}
	}
}

func mapValues(m map[string]types.Instance) []types.Instance {
	out := make([]types.Instance, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// launchDefaultSecurityGroup checks that an instance launched without
// security groups is in the VPC's default group.
func launchDefaultSecurityGroup(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	in := h.byID(id)[id]
	h.quirk(NoDefaultSecurityGroup)
	var names []string
	for _, g := range in.SecurityGroups {
		names = append(names, aws.ToString(g.GroupName))
	}
	if !contains(names, "default") {
		h.t.Errorf("launched without security groups, the instance is in %v, want the default group", names)
	}
}

func filterAndOr(h *harness) {
	a := h.launchIDs(launchOpts{typ: types.InstanceTypeT3Micro, tags: map[string]string{"team": "blue"}})
	b := h.launchIDs(launchOpts{typ: types.InstanceTypeT3Small, tags: map[string]string{"team": "blue"}})
	c := h.launchIDs(launchOpts{typ: types.InstanceTypeT3Micro, tags: map[string]string{"team": "red"}})
	h.launchIDs(launchOpts{typ: types.InstanceTypeM5Large, tags: map[string]string{"team": "red"}})
	h.wantIDs(h.describe(filter("instance-type", "t3.micro", "t3.small")), append(append(append([]string{}, a...), b...), c...), "OR of values")
	h.wantIDs(h.describe(filter("instance-type", "t3.micro"), filter("tag:team", "blue")), a, "AND of filters")
	h.wantIDs(h.describe(filter("instance-type", "t3.micro", "t3.small"), filter("tag:team", "blue")),
		append(append([]string{}, a...), b...), "AND of ORs")
	h.wantIDs(h.describe(filter("instance-type", "c5.24xlarge")), nil, "no match")
}

func filterCaseSensitive(h *harness) {
	blue := h.launchIDs(launchOpts{tags: map[string]string{"team": "Blue"}})
	h.wantIDs(h.describe(filter("tag:team", "Blue")), blue, "exact case")
	h.wantIDs(h.describe(filter("tag:team", "blue")), nil, "other case of a value")
	h.wantIDs(h.describe(filter("tag:Team", "Blue")), nil, "other case of a key")
}

func filterTagWildcards(h *harness) {
	w1 := h.launchIDs(launchOpts{tags: map[string]string{"Name": "web-1"}})
	w2 := h.launchIDs(launchOpts{tags: map[string]string{"Name": "web-22"}})
	h.launchIDs(launchOpts{tags: map[string]string{"Name": "db-1"}})
	lit := h.launchIDs(launchOpts{tags: map[string]string{"Name": "a*b"}})
	both := append(append([]string{}, w1...), w2...)
	h.wantIDs(h.describe(filter("tag:Name", "web-*")), both, "web-*")
	h.wantIDs(h.describe(filter("tag:Name", "web-?")), w1, "web-?")
	h.wantIDs(h.describe(filter("tag:Name", "*-22")), w2, "*-22")
	h.wantIDs(h.describe(filter("tag:Name", `a\*b`)), lit, `escaped a\*b`)
}

func filterWildcards(h *harness) {
	h.quirk(NoFilterWildcards)
	micro := h.launchIDs(launchOpts{typ: types.InstanceTypeT3Micro})
	h.launchIDs(launchOpts{typ: types.InstanceTypeM5Large})
	h.wantIDs(h.describe(filter("instance-type", "t3.*")), micro, "instance-type t3.*")
	h.wantIDs(h.describe(filter("instance-type", "t?.micro")), micro, "instance-type t?.micro")
	h.wantIDs(h.describe(filter("availability-zone", "*")), h.allIDs(), "availability-zone *")
}

// allIDs lists this scenario's instances.
func (h *harness) allIDs() []string { return instanceIDs(h.describe()) }

func filterTagKey(h *harness) {
	a := h.launchIDs(launchOpts{tags: map[string]string{"owner": "x"}})
	h.launchIDs(launchOpts{tags: map[string]string{"other": "y"}})
	h.wantIDs(h.describe(filter("tag-key", "owner")), a, "tag-key owner")
}

// filterSpread checks a spread of the documented filters, each with a
// value read from the instance itself, plus a value that must not match.
func filterSpread(h *harness) {
	// The default group is named, so endpoints that leave an instance
	// without groups by default (NoDefaultSecurityGroup) show one too.
	id := h.launchIDs(launchOpts{zone: h.ep.Zones[0], typ: types.InstanceTypeT3Micro, key: "spread-key", groups: []string{"default"}})[0]
	other := h.launchIDs(launchOpts{zone: h.ep.Zones[1], typ: types.InstanceTypeT3Small})[0]
	h.waitState(types.InstanceStateNameRunning, id, other)
	in := h.byID(id)[id]
	cases := []struct {
		name, value, miss string
	}{
		{"instance-id", id, other},
		{"instance-type", "t3.micro", "t3.small"},
		{"availability-zone", h.ep.Zones[0], h.ep.Zones[1]},
		{"key-name", "spread-key", "nokey"},
		{"image-id", ImageID, "ami-00000000"},
		{"instance-state-name", "running", "stopped"},
		{"instance-state-code", "16", "80"},
		{"architecture", string(in.Architecture), "arm64-none"},
		{"launch-index", "0", "7"},
		{"monitoring-state", "disabled", "enabled"},
		{"root-device-type", string(in.RootDeviceType), "instance-store-x"},
		{"tenancy", "default", "dedicated"},
		{"virtualization-type", string(in.VirtualizationType), "none"},
		{"reservation-id", "", "r-00000000"},
		{"private-ip-address", aws.ToString(in.PrivateIpAddress), "192.0.2.1"},
		{"private-dns-name", aws.ToString(in.PrivateDnsName), "nothing.internal"},
		{"subnet-id", aws.ToString(in.SubnetId), "subnet-00000000"},
		{"vpc-id", aws.ToString(in.VpcId), "vpc-00000000"},
		{"owner-id", "", "000000000000"},
		{"source-dest-check", "true", "false"},
		{"instance.group-id", "", "sg-00000000"},
		{"network-interface.private-dns-name", aws.ToString(in.PrivateDnsName), "nothing.internal"},
		{"block-device-mapping.device-name", "", "/dev/nothing"},
		{"network-interface.network-interface-id", "", "eni-00000000"},
		{"hypervisor", string(in.Hypervisor), "none"},
		{"metadata-options.http-endpoint", "", "nothing"},
		{"ebs-optimized", "false", "nothing"},
		{"tag-key", RunTagKey, "no-such-key"},
		{"tag:" + RunTagKey, h.run, "other-run"},
	}
	// Values only known from the description.
	for i := range cases {
		if cases[i].value != "" {
			continue
		}
		switch cases[i].name {
		case "reservation-id":
			out, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
			if err != nil {
				h.t.Fatal(err)
			}
			cases[i].value = aws.ToString(out.Reservations[0].ReservationId)
		case "owner-id":
			out, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
			if err != nil {
				h.t.Fatal(err)
			}
			cases[i].value = aws.ToString(out.Reservations[0].OwnerId)
		case "instance.group-id":
			if len(in.SecurityGroups) > 0 {
				cases[i].value = aws.ToString(in.SecurityGroups[0].GroupId)
			}
		case "block-device-mapping.device-name":
			if len(in.BlockDeviceMappings) > 0 {
				cases[i].value = aws.ToString(in.BlockDeviceMappings[0].DeviceName)
			}
		case "network-interface.network-interface-id":
			if len(in.NetworkInterfaces) > 0 {
				cases[i].value = aws.ToString(in.NetworkInterfaces[0].NetworkInterfaceId)
			}
		case "metadata-options.http-endpoint":
			if in.MetadataOptions != nil {
				cases[i].value = string(in.MetadataOptions.HttpEndpoint)
			}
		}
	}
	for _, tc := range cases {
		h.sub(tc.name, func(sub *harness) {
			if !sub.supportsFilter(tc.name) {
				sub.t.Skipf("%s: filter %s: %s", sub.ep.Name, tc.name, LimitedFilters)
			}
			if tc.value == "" {
				sub.t.Skipf("%s: the instance shows no value for %s", sub.ep.Name, tc.name)
			}
			if got := instanceIDs(sub.describe(filter(tc.name, tc.value))); !contains(got, id) {
				sub.t.Errorf("%s=%s: got %v, want %s among them", tc.name, tc.value, got, id)
			}
			if got := instanceIDs(sub.describe(filter(tc.name, tc.miss))); contains(got, id) {
				sub.t.Errorf("%s=%s: got %v, want %s not among them", tc.name, tc.miss, got, id)
			}
		})
	}
}

func filterUnknownName(h *harness) {
	h.quirk(UnknownFilterServerError)
	_, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
	msg := h.wantError(err, "InvalidParameterValue", http.StatusBadRequest)
	if !strings.Contains(msg, "no-such-filter") {
		h.t.Errorf("message %q does not name the filter", msg)
	}
}

func pageMaxResultsBounds(h *harness) {
	h.quirk(NoMaxResultsBounds)
	for _, n := range []int32{4, 1001, 0} {
		_, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(n), Filters: []types.Filter{h.runFilter()}})
		h.wantError(err, "InvalidParameterValue", http.StatusBadRequest)
	}
	for _, n := range []int32{5, 1000} {
		if _, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(n), Filters: []types.Filter{h.runFilter()}}); err != nil {
			h.t.Errorf("MaxResults %d: %v", n, err)
		}
	}
}

func pageMaxResultsWithInstanceIDs(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	_, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), InstanceIds: []string{id}})
	h.wantError(err, "InvalidParameterCombination", http.StatusBadRequest)
}

// pages describes with MaxResults and returns the instance count of each
// page.
func (h *harness) pages(max int32, filters ...types.Filter) ([]int, []string) {
	h.t.Helper()
	in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(max), Filters: append([]types.Filter{h.runFilter()}, filters...)}
	var sizes []int
	var ids []string
	for {
		out, err := h.c().DescribeInstances(h.ctx, in)
		if err != nil {
			h.t.Fatalf("DescribeInstances page %d: %v", len(sizes)+1, err)
		}
		n := 0
		for _, r := range out.Reservations {
			n += len(r.Instances)
			ids = append(ids, instanceIDs(r.Instances)...)
		}
		sizes = append(sizes, n)
		if aws.ToString(out.NextToken) == "" || len(sizes) > 50 {
			return sizes, ids
		}
		in.NextToken = out.NextToken
	}
}

func pageCountsInstances(h *harness) {
	h.quirk(PagesPerReservation)
	want := h.launchIDs(launchOpts{min: 7, max: 7})
	sizes, ids := h.pages(5)
	if len(sizes) != 2 || sizes[0] != 5 || sizes[1] != 2 {
		h.t.Fatalf("7 instances of one reservation in pages of 5: got page sizes %v, want [5 2]", sizes)
	}
	if !sameSet(ids, want) {
		h.t.Fatalf("paged %v, want %v", ids, want)
	}
}

func pageAcrossReservations(h *harness) {
	var want []string
	for i := 0; i < 7; i++ {
		want = append(want, h.launchIDs(launchOpts{})...)
	}
	sizes, ids := h.pages(5)
	if len(sizes) != 2 || sizes[0] != 5 || sizes[1] != 2 {
		h.t.Fatalf("7 single-instance reservations in pages of 5: got page sizes %v, want [5 2]", sizes)
	}
	if !sameSet(ids, want) || len(ids) != len(want) {
		h.t.Fatalf("paged %v, want %v", ids, want)
	}
}

// pageTokenSurvivesStateChange stops the instances of the first page of a
// running-state query; the token must still lead to the remaining
// instances, with no skip and no duplicate.
func pageTokenSurvivesStateChange(h *harness) {
	h.quirk(TokensBreakOnChange)
	var all []string
	for i := 0; i < 10; i++ {
		all = append(all, h.launchIDs(launchOpts{})...)
	}
	h.waitState(types.InstanceStateNameRunning, all...)
	in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), Filters: []types.Filter{h.runFilter(), filter("instance-state-name", "running")}}
	first, err := h.c().DescribeInstances(h.ctx, in)
	if err != nil {
		h.t.Fatal(err)
	}
	var page1 []string
	for _, r := range first.Reservations {
		page1 = append(page1, instanceIDs(r.Instances)...)
	}
	if len(page1) != 5 || first.NextToken == nil {
		h.t.Fatalf("first page has %d instances, token %v", len(page1), first.NextToken != nil)
	}
	if _, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: page1}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameStopped, page1...)
	in.NextToken = first.NextToken
	var rest []string
	for {
		out, err := h.c().DescribeInstances(h.ctx, in)
		if err != nil {
			h.t.Fatalf("next page after the first page's instances stopped: %v", err)
		}
		for _, r := range out.Reservations {
			rest = append(rest, instanceIDs(r.Instances)...)
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	var want []string
	for _, id := range all {
		if !contains(page1, id) {
			want = append(want, id)
		}
	}
	if !sameSet(rest, want) || len(rest) != len(want) {
		h.t.Fatalf("after the token: %v, want the other five %v", rest, want)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func pageInvalidToken(h *harness) {
	h.quirk(InvalidTokenServerError)
	_, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5),
		NextToken: aws.String("not-a-token"), Filters: []types.Filter{h.runFilter()}})
	h.wantError(err, "InvalidParameterValue", http.StatusBadRequest)
}

func describeWithoutMaxResults(h *harness) {
	want := h.launchIDs(launchOpts{min: 3})
	out, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{h.runFilter()}})
	if err != nil {
		h.t.Fatal(err)
	}
	if out.NextToken != nil {
		h.t.Errorf("a describe without MaxResults returned a NextToken")
	}
	var got []types.Instance
	for _, r := range out.Reservations {
		got = append(got, r.Instances...)
	}
	h.wantIDs(got, want, "all instances")
}

// describeWithoutMaxResultsMany launches 101 reservations: a describe
// without MaxResults must still return them all at once.
func describeWithoutMaxResultsMany(h *harness) {
	h.quirk(DescribeAnswers100)
	var want []string
	for i := 0; i < 101; i++ {
		want = append(want, h.launchIDs(launchOpts{})...)
	}
	out, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{h.runFilter()}})
	if err != nil {
		h.t.Fatal(err)
	}
	var got []types.Instance
	for _, r := range out.Reservations {
		got = append(got, r.Instances...)
	}
	if out.NextToken != nil {
		h.t.Errorf("a describe without MaxResults returned a NextToken after %d reservations", len(out.Reservations))
	}
	h.wantIDs(got, want, "all 101 reservations")
}

func tagMap(in types.Instance) map[string]string {
	m := map[string]string{}
	for _, t := range in.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func tagCreateOverwrite(h *harness) {
	ids := h.launchIDs(launchOpts{min: 2, tags: map[string]string{"team": "red"}})
	_, err := h.c().CreateTags(h.ctx, &ec2.CreateTagsInput{Resources: ids, Tags: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("blue")}, {Key: aws.String("env"), Value: aws.String("prod")}}})
	if err != nil {
		h.t.Fatal(err)
	}
	for id, in := range h.byID(ids...) {
		m := tagMap(in)
		if m["team"] != "blue" || m["env"] != "prod" || m[RunTagKey] != h.run {
			h.t.Errorf("%s: tags %v", id, m)
		}
	}
	h.wantIDs(h.describe(filter("tag:team", "blue")), ids, "retagged")
}

func tagDelete(h *harness) {
	id := h.launchIDs(launchOpts{tags: map[string]string{"a": "1", "b": "2", "c": "3"}})[0]
	_, err := h.c().DeleteTags(h.ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{
		{Key: aws.String("a")},                         // any value
		{Key: aws.String("b"), Value: aws.String("9")}, // value differs: kept
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	m := tagMap(h.byID(id)[id])
	if _, ok := m["a"]; ok {
		h.t.Errorf("tag a was not deleted: %v", m)
	}
	if m["b"] != "2" || m["c"] != "3" {
		h.t.Errorf("tags b and c should remain: %v", m)
	}
}

func tagDeleteAll(h *harness) {
	h.quirk(DeleteAllTagsUnsupported)
	id := h.launchIDs(launchOpts{tags: map[string]string{"a": "1"}})[0]
	if _, err := h.c().DeleteTags(h.ctx, &ec2.DeleteTagsInput{Resources: []string{id}}); err != nil {
		h.t.Fatal(err)
	}
	if m := tagMap(h.byID(id)[id]); len(m) != 0 {
		h.t.Errorf("tags after DeleteTags without Tag: %v", m)
	}
}

func wantChange(h *harness, ch types.InstanceStateChange, prev, cur types.InstanceStateName) {
	h.t.Helper()
	if ch.PreviousState == nil || ch.CurrentState == nil || ch.PreviousState.Name != prev || ch.CurrentState.Name != cur {
		h.t.Errorf("%s: state change %v -> %v, want %s -> %s", aws.ToString(ch.InstanceId), ch.PreviousState, ch.CurrentState, prev, cur)
	}
	codes := map[types.InstanceStateName]int32{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
	for _, s := range []*types.InstanceState{ch.PreviousState, ch.CurrentState} {
		if s != nil && aws.ToInt32(s.Code)&0xff != codes[s.Name] {
			h.t.Errorf("state %s has code %d", s.Name, aws.ToInt32(s.Code))
		}
	}
}

func stopStart(h *harness) {
	ids := h.launchIDs(launchOpts{min: 2})
	h.waitState(types.InstanceStateNameRunning, ids...)
	stop, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(stop.StoppingInstances) != 2 {
		h.t.Fatalf("%d state changes", len(stop.StoppingInstances))
	}
	for _, ch := range stop.StoppingInstances {
		wantChange(h, ch, types.InstanceStateNameRunning, types.InstanceStateNameStopping)
	}
	h.waitState(types.InstanceStateNameStopped, ids...)
	start, err := h.c().StartInstances(h.ctx, &ec2.StartInstancesInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, ch := range start.StartingInstances {
		wantChange(h, ch, types.InstanceStateNameStopped, types.InstanceStateNamePending)
	}
	h.waitState(types.InstanceStateNameRunning, ids...)
}

var reasonRE = regexp.MustCompile(`^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (GMT|UTC)\)$`)

func stopReason(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	h.waitState(types.InstanceStateNameRunning, id)
	if _, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameStopped, id)
	in := h.byID(id)[id]
	if in.StateReason == nil || aws.ToString(in.StateReason.Code) != "Client.UserInitiatedShutdown" ||
		aws.ToString(in.StateReason.Message) != "Client.UserInitiatedShutdown: User initiated shutdown" {
		h.t.Errorf("state reason %+v", in.StateReason)
	}
	reason := aws.ToString(in.StateTransitionReason)
	if !reasonRE.MatchString(reason) {
		h.t.Fatalf("state transition reason %q", reason)
	}
	h.quirk(ReasonInUTC)
	if !strings.HasSuffix(reason, " GMT)") {
		h.t.Errorf("state transition reason %q does not end in GMT)", reason)
	}
}

func reboot(h *harness) {
	ids := h.launchIDs(launchOpts{min: 2})
	h.waitState(types.InstanceStateNameRunning, ids...)
	_, err := h.c().RebootInstances(h.ctx, &ec2.RebootInstancesInput{InstanceIds: ids, DryRun: aws.Bool(true)})
	h.wantError(err, "DryRunOperation", http.StatusPreconditionFailed)
	if _, err := h.c().RebootInstances(h.ctx, &ec2.RebootInstancesInput{InstanceIds: ids}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameRunning, ids...)
	missing := missingIDs()
	_, err = h.c().RebootInstances(h.ctx, &ec2.RebootInstancesInput{InstanceIds: append([]string{ids[0]}, missing[0])})
	msg := h.wantError(err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
	if !strings.Contains(msg, missing[0]) || strings.Contains(msg, ids[0]) {
		h.t.Errorf("message %q should name %s only", msg, missing[0])
	}
	h.quirk(NoMalformedIDCheck)
	_, err = h.c().RebootInstances(h.ctx, &ec2.RebootInstancesInput{InstanceIds: []string{ids[0], "i-xyz"}})
	msg = h.wantError(err, "InvalidInstanceID.Malformed", http.StatusBadRequest)
	if !strings.Contains(msg, "i-xyz") {
		h.t.Errorf("message %q does not name the malformed ID", msg)
	}
}

func terminate(h *harness) {
	ids := h.launchIDs(launchOpts{min: 2})
	h.waitState(types.InstanceStateNameRunning, ids...)
	out, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, ch := range out.TerminatingInstances {
		wantChange(h, ch, types.InstanceStateNameRunning, types.InstanceStateNameShuttingDown)
	}
	h.waitState(types.InstanceStateNameTerminated, ids...)
	for id, in := range h.byID(ids...) {
		if aws.ToInt32(in.State.Code)&0xff != 48 {
			h.t.Errorf("%s: terminated with code %d", id, aws.ToInt32(in.State.Code))
		}
	}
}

func terminateIdempotent(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	if _, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameTerminated, id)
	out, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		h.t.Fatalf("terminating a terminated instance again: %v", err)
	}
	h.quirk(TerminateAnswersShuttingDown)
	wantChange(h, out.TerminatingInstances[0], types.InstanceStateNameTerminated, types.InstanceStateNameTerminated)
}

func (h *harness) terminated() string {
	h.t.Helper()
	id := h.launchIDs(launchOpts{})[0]
	if _, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameTerminated, id)
	return id
}

func startTerminated(h *harness) {
	h.quirk(NoStateChecks)
	id := h.terminated()
	_, err := h.c().StartInstances(h.ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}})
	msg := h.wantError(err, "IncorrectInstanceState", http.StatusBadRequest)
	if !strings.Contains(msg, id) {
		h.t.Errorf("message %q does not name %s", msg, id)
	}
}

func stopTerminated(h *harness) {
	h.quirk(NoStateChecks)
	id := h.terminated()
	_, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	h.wantError(err, "IncorrectInstanceState", http.StatusBadRequest)
}

// dryRun sends every changing action with DryRun: each must answer
// DryRunOperation (412) and change nothing.
func dryRun(h *harness) {
	id := h.launchIDs(launchOpts{tags: map[string]string{"keep": "me"}})[0]
	h.waitState(types.InstanceStateNameRunning, id)
	ids := []string{id}
	dry := aws.Bool(true)
	calls := map[string]func() error{
		"StopInstances": func() error {
			_, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: ids, DryRun: dry})
			return err
		},
		"TerminateInstances": func() error {
			_, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: ids, DryRun: dry})
			return err
		},
		"RebootInstances": func() error {
			_, err := h.c().RebootInstances(h.ctx, &ec2.RebootInstancesInput{InstanceIds: ids, DryRun: dry})
			return err
		},
		"CreateTags": func() error {
			_, err := h.c().CreateTags(h.ctx, &ec2.CreateTagsInput{Resources: ids, DryRun: dry,
				Tags: []types.Tag{{Key: aws.String("dry"), Value: aws.String("run")}}})
			return err
		},
		"DescribeInstances": func() error {
			_, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{InstanceIds: ids, DryRun: dry})
			return err
		},
		"RunInstances": func() error {
			_, err := h.c().RunInstances(h.ctx, &ec2.RunInstancesInput{ImageId: aws.String(ImageID),
				MinCount: aws.Int32(1), MaxCount: aws.Int32(1), DryRun: dry,
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance,
					Tags: []types.Tag{{Key: aws.String(RunTagKey), Value: aws.String(h.run)}}}}})
			return err
		},
		"StartInstances": func() error {
			_, err := h.c().StartInstances(h.ctx, &ec2.StartInstancesInput{InstanceIds: ids, DryRun: dry})
			return err
		},
		"DeleteTags": func() error {
			_, err := h.c().DeleteTags(h.ctx, &ec2.DeleteTagsInput{Resources: ids, DryRun: dry,
				Tags: []types.Tag{{Key: aws.String("keep")}}})
			return err
		},
		"MonitorInstances": func() error {
			_, err := h.c().MonitorInstances(h.ctx, &ec2.MonitorInstancesInput{InstanceIds: ids, DryRun: dry})
			return err
		},
		"ModifyInstanceAttribute": func() error {
			_, err := h.c().ModifyInstanceAttribute(h.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), DryRun: dry,
				DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		if code, _, status := apiError(err); code != "DryRunOperation" || status != http.StatusPreconditionFailed {
			h.t.Errorf("%s with DryRun: got %s (%d), want DryRunOperation (412): %v", name, code, status, err)
		}
	}
	in := h.byID(id)[id]
	if in.State.Name != types.InstanceStateNameRunning {
		h.t.Errorf("a dry run changed the state to %s", in.State.Name)
	}
	if m := tagMap(in); m["dry"] != "" || m["keep"] != "me" {
		h.t.Errorf("a dry run changed the tags: %v", m)
	}
	if in.Monitoring != nil && in.Monitoring.State != types.MonitoringStateDisabled {
		h.t.Errorf("a dry run changed monitoring to %s", in.Monitoring.State)
	}
	attr, err := h.c().DescribeInstanceAttribute(h.ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id),
		Attribute: types.InstanceAttributeNameDisableApiStop})
	if err != nil {
		h.t.Fatal(err)
	}
	if attr.DisableApiStop != nil && aws.ToBool(attr.DisableApiStop.Value) {
		h.t.Errorf("a dry run turned on stop protection")
	}
	if got := h.describe(); len(got) != 1 {
		h.t.Errorf("a dry run launched instances: %d described", len(got))
	}
}

func malformedID(h *harness) {
	h.quirk(NoMalformedIDCheck)
	id := h.launchIDs(launchOpts{})[0]
	_, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id, "i-xyz"}})
	msg := h.wantError(err, "InvalidInstanceID.Malformed", http.StatusBadRequest)
	if !strings.Contains(msg, "i-xyz") {
		h.t.Errorf("message %q does not name the malformed ID", msg)
	}
	if st := h.state(id); st == types.InstanceStateNameShuttingDown || st == types.InstanceStateNameTerminated {
		h.t.Errorf("the valid instance was terminated despite the failed call")
	}
	_, err = h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"instance-1"}})
	h.wantError(err, "InvalidInstanceID.Malformed", http.StatusBadRequest)
}

// missingIDs returns two well-formed IDs no endpoint has.
func missingIDs() []string { return []string{"i-0123456789abcdef0", "i-0fedcba9876543210"} }

func notFoundWholeCall(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	h.waitState(types.InstanceStateNameRunning, id)
	missing := missingIDs()
	_, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: append([]string{id}, missing...)})
	msg := h.wantError(err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
	for _, m := range missing {
		if !strings.Contains(msg, m) {
			h.t.Errorf("message %q does not name %s", msg, m)
		}
	}
	if strings.Contains(msg, id) {
		h.t.Errorf("message %q names the existing instance", msg)
	}
	if st := h.state(id); st != types.InstanceStateNameRunning {
		h.t.Errorf("the existing instance is %s after the failed call; nothing should change", st)
	}
	_, err = h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{missing[0], id}})
	h.wantError(err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
	if st := h.state(id); st != types.InstanceStateNameRunning {
		h.t.Errorf("the existing instance is %s after the failed terminate", st)
	}
	one := missing[:1]
	_, err = h.c().StartInstances(h.ctx, &ec2.StartInstancesInput{InstanceIds: one})
	msg = h.wantError(err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
	if msg != "The instance ID '"+one[0]+"' does not exist" {
		h.t.Errorf("message %q", msg)
	}
}

func notFoundDescribeNamesAll(h *harness) {
	h.quirk(DescribeNamesOneMissingID)
	id := h.launchIDs(launchOpts{})[0]
	missing := missingIDs()
	_, err := h.c().DescribeInstances(h.ctx, &ec2.DescribeInstancesInput{InstanceIds: append([]string{id}, missing...)})
	msg := h.wantError(err, "InvalidInstanceID.NotFound", http.StatusBadRequest)
	if msg != "The instance IDs '"+missing[0]+", "+missing[1]+"' do not exist" {
		h.t.Errorf("message %q", msg)
	}
}

func (h *harness) protect(id string, on bool) {
	h.t.Helper()
	_, err := h.c().ModifyInstanceAttribute(h.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(on)}})
	if err != nil {
		h.t.Fatal(err)
	}
}

func terminationProtection(h *harness) {
	ids := h.launchIDs(launchOpts{min: 1})
	id := ids[0]
	h.protect(id, true)
	_, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	msg := h.wantError(err, "OperationNotPermitted", http.StatusBadRequest)
	want := "The instance '" + id + "' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again."
	if msg != want {
		h.t.Errorf("message %q, want %q", msg, want)
	}
	if st := h.state(id); st != types.InstanceStateNameRunning && st != types.InstanceStateNamePending {
		h.t.Errorf("protected instance is %s", st)
	}
	h.protect(id, false)
	if _, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		h.t.Fatalf("terminate after lifting protection: %v", err)
	}
}

// terminationProtectionPerZone checks the documented example: A and B
// unprotected in one zone, C protected and D unprotected in another. A
// and B are terminated, C and D are not, and the call fails.
func terminationProtectionPerZone(h *harness) {
	h.quirk(IgnoresZoneRule)
	ab := h.launchIDs(launchOpts{min: 2, zone: h.ep.Zones[0]})
	cd := h.launchIDs(launchOpts{min: 2, zone: h.ep.Zones[1]})
	h.waitState(types.InstanceStateNameRunning, append(append([]string{}, ab...), cd...)...)
	c, d := cd[0], cd[1]
	h.protect(c, true)
	// Name the protected instance first, so an endpoint that stops at it
	// terminates nothing and one that ignores protection is caught too.
	_, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{c, ab[0], d, ab[1]}})
	msg := h.wantError(err, "OperationNotPermitted", http.StatusBadRequest)
	if !strings.Contains(msg, c) || strings.Contains(msg, d) {
		h.t.Errorf("message %q should name %s only", msg, c)
	}
	for _, id := range ab {
		if st := h.state(id); st != types.InstanceStateNameShuttingDown && st != types.InstanceStateNameTerminated {
			h.t.Errorf("%s in the other zone is %s, want terminated", id, st)
		}
	}
	for _, id := range cd {
		if st := h.state(id); st != types.InstanceStateNameRunning {
			h.t.Errorf("%s in the protected instance's zone is %s, want running", id, st)
		}
	}
}

// terminationProtectionAtomic names an unprotected instance before a
// protected one in the same zone: the call fails and neither instance is
// terminated.
func terminationProtectionAtomic(h *harness) {
	h.quirk(NonAtomicProtectedTerminate)
	ids := h.launchIDs(launchOpts{min: 2, zone: h.ep.Zones[0]})
	h.waitState(types.InstanceStateNameRunning, ids...)
	h.protect(ids[1], true)
	_, err := h.c().TerminateInstances(h.ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	h.wantError(err, "OperationNotPermitted", http.StatusBadRequest)
	for _, id := range ids {
		if st := h.state(id); st != types.InstanceStateNameRunning {
			h.t.Errorf("%s is %s after a terminate that failed for a protected instance in its zone", id, st)
		}
	}
}

func stopProtection(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	h.waitState(types.InstanceStateNameRunning, id)
	_, err := h.c().ModifyInstanceAttribute(h.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}})
	msg := h.wantError(err, "OperationNotPermitted", http.StatusBadRequest)
	if !strings.Contains(msg, id) || !strings.Contains(msg, "disableApiStop") {
		h.t.Errorf("message %q", msg)
	}
	if st := h.state(id); st != types.InstanceStateNameRunning {
		h.t.Errorf("stop-protected instance is %s", st)
	}
}

func monitoring(h *harness) {
	h.quirk(NoMonitoring)
	ids := h.launchIDs(launchOpts{min: 2})
	mon, err := h.c().MonitorInstances(h.ctx, &ec2.MonitorInstancesInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range mon.InstanceMonitorings {
		if m.Monitoring == nil || m.Monitoring.State != types.MonitoringStatePending {
			h.t.Errorf("MonitorInstances answered %v, want pending", m.Monitoring)
		}
	}
	h.waitMonitoring(types.MonitoringStateEnabled, ids)
	un, err := h.c().UnmonitorInstances(h.ctx, &ec2.UnmonitorInstancesInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range un.InstanceMonitorings {
		if m.Monitoring == nil || m.Monitoring.State != types.MonitoringStateDisabling {
			h.t.Errorf("UnmonitorInstances answered %v, want disabling", m.Monitoring)
		}
	}
	h.waitMonitoring(types.MonitoringStateDisabled, ids)
}

func (h *harness) waitMonitoring(want types.MonitoringState, ids []string) {
	h.t.Helper()
	deadline := time.Now().Add(h.ep.WaitTimeout)
	for {
		ok := true
		for _, in := range h.byID(ids...) {
			ok = ok && in.Monitoring != nil && in.Monitoring.State == want
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("monitoring did not become %s", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func modifyInstanceType(h *harness) {
	id := h.launchIDs(launchOpts{typ: types.InstanceTypeT3Micro})[0]
	h.waitState(types.InstanceStateNameRunning, id)
	if _, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameStopped, id)
	_, err := h.c().ModifyInstanceAttribute(h.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		InstanceType: &types.AttributeValue{Value: aws.String("t3.large")}})
	if err != nil {
		h.t.Fatal(err)
	}
	attr, err := h.c().DescribeInstanceAttribute(h.ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id),
		Attribute: types.InstanceAttributeNameInstanceType})
	if err != nil {
		h.t.Fatal(err)
	}
	if attr.InstanceType == nil || aws.ToString(attr.InstanceType.Value) != "t3.large" {
		h.t.Errorf("instanceType attribute %v", attr.InstanceType)
	}
	if in := h.byID(id)[id]; in.InstanceType != "t3.large" {
		h.t.Errorf("described type %s", in.InstanceType)
	}
}

func modifyInstanceTypeRunning(h *harness) {
	h.quirk(ModifyRunningInstanceType)
	id := h.launchIDs(launchOpts{typ: types.InstanceTypeT3Micro})[0]
	h.waitState(types.InstanceStateNameRunning, id)
	_, err := h.c().ModifyInstanceAttribute(h.ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		InstanceType: &types.AttributeValue{Value: aws.String("t3.large")}})
	h.wantError(err, "IncorrectInstanceState", http.StatusBadRequest)
}

func describeInstanceStatus(h *harness) {
	ids := h.launchIDs(launchOpts{min: 2})
	h.waitState(types.InstanceStateNameRunning, ids...)
	if _, err := h.c().StopInstances(h.ctx, &ec2.StopInstancesInput{InstanceIds: ids[1:]}); err != nil {
		h.t.Fatal(err)
	}
	h.waitState(types.InstanceStateNameStopped, ids[1])
	out, err := h.c().DescribeInstanceStatus(h.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: ids})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(out.InstanceStatuses) != 1 || aws.ToString(out.InstanceStatuses[0].InstanceId) != ids[0] {
		h.t.Fatalf("without IncludeAllInstances want only the running instance, got %d statuses", len(out.InstanceStatuses))
	}
	if st := out.InstanceStatuses[0].InstanceState; st == nil || st.Name != types.InstanceStateNameRunning {
		h.t.Errorf("state %v", st)
	}
	all, err := h.c().DescribeInstanceStatus(h.ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: ids, IncludeAllInstances: aws.Bool(true)})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(all.InstanceStatuses) != 2 {
		h.t.Fatalf("with IncludeAllInstances want 2 statuses, got %d", len(all.InstanceStatuses))
	}
}

func consoleOutput(h *harness) {
	id := h.launchIDs(launchOpts{})[0]
	out, err := h.c().GetConsoleOutput(h.ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
	if err != nil {
		h.t.Fatal(err)
	}
	if aws.ToString(out.InstanceId) != id {
		h.t.Errorf("console output of %q", aws.ToString(out.InstanceId))
	}
	if _, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output)); err != nil {
		h.t.Errorf("output is not base64: %v", err)
	}
	missing := missingIDs()[0]
	_, err = h.c().GetConsoleOutput(h.ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(missing)})
	if msg := h.wantError(err, "InvalidInstanceID.NotFound", http.StatusBadRequest); !strings.Contains(msg, missing) {
		h.t.Errorf("message %q does not name %s", msg, missing)
	}
	h.quirk(ConsoleOutputIgnoresDryRun)
	_, err = h.c().GetConsoleOutput(h.ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id), DryRun: aws.Bool(true)})
	if code, _, status := apiError(err); code != "DryRunOperation" || status != http.StatusPreconditionFailed {
		h.t.Errorf("GetConsoleOutput with DryRun: got %s (%d), want DryRunOperation (412): %v", code, status, err)
	}
	h.quirk(NoMalformedIDCheck)
	_, err = h.c().GetConsoleOutput(h.ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String("i-xyz")})
	h.wantError(err, "InvalidInstanceID.Malformed", http.StatusBadRequest)
}

func unknownAction(h *harness) {
	h.quirk(UnknownActionServerError)
	status, body := h.rawPost("Action=DescribeUnicorns&Version=2016-11-15")
	if status != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		h.t.Fatalf("unknown action: status %d body %.300s", status, body)
	}
	if !strings.Contains(body, "The action DescribeUnicorns is not valid for this web service.") {
		h.t.Errorf("message: %.300s", body)
	}
}

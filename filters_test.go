package ec2instances

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// typedConstructors lists every generated constructor with the filter name
// it must produce. TestTypedConstructorsCoverFilterNames keeps it complete.
var typedConstructors = []struct {
	name string
	fn   func(values ...string) Filter
}{
	{"affinity", Affinity},
	{"architecture", Architecture},
	{"availability-zone", AvailabilityZone},
	{"block-device-mapping.attach-time", BlockDeviceMappingAttachTime},
	{"block-device-mapping.delete-on-termination", BlockDeviceMappingDeleteOnTermination},
	{"block-device-mapping.device-name", BlockDeviceMappingDeviceName},
	{"block-device-mapping.status", BlockDeviceMappingStatus},
	{"block-device-mapping.volume-id", BlockDeviceMappingVolumeID},
	{"boot-mode", BootMode},
	{"capacity-reservation-id", CapacityReservationID},
	{"capacity-reservation-specification.capacity-reservation-preference", CapacityReservationSpecificationCapacityReservationPreference},
	{"capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id", CapacityReservationSpecificationCapacityReservationTargetCapacityReservationID},
	{"capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn", CapacityReservationSpecificationCapacityReservationTargetCapacityReservationResourceGroupARN},
	{"client-token", ClientToken},
	{"current-instance-boot-mode", CurrentInstanceBootMode},
	{"dns-name", DNSName},
	{"ebs-optimized", EBSOptimized},
	{"ena-support", ENASupport},
	{"enclave-options.enabled", EnclaveOptionsEnabled},
	{"hibernation-options.configured", HibernationOptionsConfigured},
	{"host-id", HostID},
	{"hypervisor", Hypervisor},
	{"iam-instance-profile.arn", IAMInstanceProfileARN},
	{"iam-instance-profile.id", IAMInstanceProfileID},
	{"image-id", ImageID},
	{"instance-id", InstanceID},
	{"instance-lifecycle", InstanceLifecycle},
	{"instance-state-code", InstanceStateCode},
	{"instance-state-name", InstanceStateName},
	{"instance-type", InstanceType},
	{"instance.group-id", InstanceGroupID},
	{"instance.group-name", InstanceGroupName},
	{"ip-address", IPAddress},
	{"ipv6-address", IPv6Address},
	{"kernel-id", KernelID},
	{"key-name", KeyName},
	{"launch-index", LaunchIndex},
	{"launch-time", LaunchTime},
	{"maintenance-options.auto-recovery", MaintenanceOptionsAutoRecovery},
	{"metadata-options.http-endpoint", MetadataOptionsHTTPEndpoint},
	{"metadata-options.http-protocol-ipv4", MetadataOptionsHTTPProtocolIPv4},
	{"metadata-options.http-protocol-ipv6", MetadataOptionsHTTPProtocolIPv6},
	{"metadata-options.http-put-response-hop-limit", MetadataOptionsHTTPPutResponseHopLimit},
	{"metadata-options.http-tokens", MetadataOptionsHTTPTokens},
	{"metadata-options.instance-metadata-tags", MetadataOptionsInstanceMetadataTags},
	{"metadata-options.state", MetadataOptionsState},
	{"monitoring-state", MonitoringState},
	{"network-interface.addresses.association.allocation-id", NetworkInterfaceAddressesAssociationAllocationID},
	{"network-interface.addresses.association.association-id", NetworkInterfaceAddressesAssociationAssociationID},
	{"network-interface.addresses.association.carrier-ip", NetworkInterfaceAddressesAssociationCarrierIP},
	{"network-interface.addresses.association.customer-owned-ip", NetworkInterfaceAddressesAssociationCustomerOwnedIP},
	{"network-interface.addresses.association.ip-owner-id", NetworkInterfaceAddressesAssociationIPOwnerID},
	{"network-interface.addresses.association.public-dns-name", NetworkInterfaceAddressesAssociationPublicDNSName},
	{"network-interface.addresses.association.public-ip", NetworkInterfaceAddressesAssociationPublicIP},
	{"network-interface.addresses.primary", NetworkInterfaceAddressesPrimary},
	{"network-interface.addresses.private-dns-name", NetworkInterfaceAddressesPrivateDNSName},
	{"network-interface.addresses.private-ip-address", NetworkInterfaceAddressesPrivateIPAddress},
	{"network-interface.association.allocation-id", NetworkInterfaceAssociationAllocationID},
	{"network-interface.association.association-id", NetworkInterfaceAssociationAssociationID},
	{"network-interface.association.carrier-ip", NetworkInterfaceAssociationCarrierIP},
	{"network-interface.association.customer-owned-ip", NetworkInterfaceAssociationCustomerOwnedIP},
	{"network-interface.association.ip-owner-id", NetworkInterfaceAssociationIPOwnerID},
	{"network-interface.association.public-dns-name", NetworkInterfaceAssociationPublicDNSName},
	{"network-interface.association.public-ip", NetworkInterfaceAssociationPublicIP},
	{"network-interface.attachment.attach-time", NetworkInterfaceAttachmentAttachTime},
	{"network-interface.attachment.attachment-id", NetworkInterfaceAttachmentAttachmentID},
	{"network-interface.attachment.delete-on-termination", NetworkInterfaceAttachmentDeleteOnTermination},
	{"network-interface.attachment.device-index", NetworkInterfaceAttachmentDeviceIndex},
	{"network-interface.attachment.instance-id", NetworkInterfaceAttachmentInstanceID},
	{"network-interface.attachment.instance-owner-id", NetworkInterfaceAttachmentInstanceOwnerID},
	{"network-interface.attachment.network-card-index", NetworkInterfaceAttachmentNetworkCardIndex},
	{"network-interface.attachment.status", NetworkInterfaceAttachmentStatus},
	{"network-interface.availability-zone", NetworkInterfaceAvailabilityZone},
	{"network-interface.deny-all-igw-traffic", NetworkInterfaceDenyAllIGWTraffic},
	{"network-interface.description", NetworkInterfaceDescription},
	{"network-interface.group-id", NetworkInterfaceGroupID},
	{"network-interface.group-name", NetworkInterfaceGroupName},
	{"network-interface.ipv4-prefixes.ipv4-prefix", NetworkInterfaceIPv4PrefixesIPv4Prefix},
	{"network-interface.ipv6-address", NetworkInterfaceIPv6Address},
	{"network-interface.ipv6-addresses.ipv6-address", NetworkInterfaceIPv6AddressesIPv6Address},
	{"network-interface.ipv6-addresses.is-primary-ipv6", NetworkInterfaceIPv6AddressesIsPrimaryIPv6},
	{"network-interface.ipv6-native", NetworkInterfaceIPv6Native},
	{"network-interface.ipv6-prefixes.ipv6-prefix", NetworkInterfaceIPv6PrefixesIPv6Prefix},
	{"network-interface.mac-address", NetworkInterfaceMACAddress},
	{"network-interface.network-interface-id", NetworkInterfaceNetworkInterfaceID},
	{"network-interface.operator.managed", NetworkInterfaceOperatorManaged},
	{"network-interface.operator.principal", NetworkInterfaceOperatorPrincipal},
	{"network-interface.outpost-arn", NetworkInterfaceOutpostARN},
	{"network-interface.owner-id", NetworkInterfaceOwnerID},
	{"network-interface.private-dns-name", NetworkInterfacePrivateDNSName},
	{"network-interface.private-ip-address", NetworkInterfacePrivateIPAddress},
	{"network-interface.public-dns-name", NetworkInterfacePublicDNSName},
	{"network-interface.requester-id", NetworkInterfaceRequesterID},
	{"network-interface.requester-managed", NetworkInterfaceRequesterManaged},
	{"network-interface.status", NetworkInterfaceStatus},
	{"network-interface.source-dest-check", NetworkInterfaceSourceDestCheck},
	{"network-interface.subnet-id", NetworkInterfaceSubnetID},
	{"network-interface.tag-key", NetworkInterfaceTagKey},
	{"network-interface.tag-value", NetworkInterfaceTagValue},
	{"network-interface.vpc-id", NetworkInterfaceVPCID},
	{"network-performance-options.bandwidth-weighting", NetworkPerformanceOptionsBandwidthWeighting},
	{"operator.managed", OperatorManaged},
	{"operator.principal", OperatorPrincipal},
	{"outpost-arn", OutpostARN},
	{"owner-id", OwnerID},
	{"placement-group-name", PlacementGroupName},
	{"placement-partition-number", PlacementPartitionNumber},
	{"platform", Platform},
	{"platform-details", PlatformDetails},
	{"private-dns-name", PrivateDNSName},
	{"private-dns-name-options.enable-resource-name-dns-a-record", PrivateDNSNameOptionsEnableResourceNameDNSARecord},
	{"private-dns-name-options.enable-resource-name-dns-aaaa-record", PrivateDNSNameOptionsEnableResourceNameDNSAAAARecord},
	{"private-dns-name-options.hostname-type", PrivateDNSNameOptionsHostnameType},
	{"private-ip-address", PrivateIPAddress},
	{"product-code", ProductCode},
	{"product-code.type", ProductCodeType},
	{"ramdisk-id", RamdiskID},
	{"reason", Reason},
	{"requester-id", RequesterID},
	{"reservation-id", ReservationID},
	{"root-device-name", RootDeviceName},
	{"root-device-type", RootDeviceType},
	{"source-dest-check", SourceDestCheck},
	{"spot-instance-request-id", SpotInstanceRequestID},
	{"state-reason-code", StateReasonCode},
	{"state-reason-message", StateReasonMessage},
	{"subnet-id", SubnetID},
	{"tag-key", TagKey},
	{"tenancy", Tenancy},
	{"tpm-support", TPMSupport},
	{"usage-operation", UsageOperation},
	{"usage-operation-update-time", UsageOperationUpdateTime},
	{"virtualization-type", VirtualizationType},
	{"vpc-id", VPCID},
}

// sampleValue returns a value the named filter accepts.
func sampleValue(t *testing.T, name string) string {
	t.Helper()
	spec, ok := filterSpecs[name]
	if !ok {
		t.Fatalf("no spec for %s", name)
	}
	switch spec.kind {
	case filterKindEnum:
		return spec.enum[len(spec.enum)-1]
	case filterKindBool:
		return "false"
	case filterKindInt:
		return strconv.FormatInt(spec.min, 10)
	case filterKindTime:
		return "2022-09-15T17:15:20.000Z"
	}
	return "some value"
}

func TestFilterNames(t *testing.T) {
	names := FilterNames()
	if len(names) != 135 {
		t.Fatalf("FilterNames() has %d names, want 135", len(names))
	}
	if names[0] != "affinity" || names[len(names)-1] != "vpc-id" {
		t.Errorf("FilterNames() runs from %s to %s, want affinity to vpc-id", names[0], names[len(names)-1])
	}
	if !slices.Contains(names, "tag:<key>") {
		t.Error("FilterNames() lacks tag:<key>")
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("FilterNames() repeats %s", n)
		}
		seen[n] = true
		if f := Where(n, "*"); f.Err() != nil {
			t.Errorf("Where(%q, \"*\"): %v", n, f.Err())
		}
	}
	names[0] = "changed"
	if FilterNames()[0] != "affinity" {
		t.Error("changing the result of FilterNames changed the next result")
	}
	if len(filterSpecs) != 134 {
		t.Errorf("filterSpecs has %d entries, want 134 (every name but tag:<key>)", len(filterSpecs))
	}
}

func TestTypedConstructorsCoverFilterNames(t *testing.T) {
	var got []string
	for _, c := range typedConstructors {
		got = append(got, c.name)
	}
	var want []string
	for _, n := range FilterNames() {
		if n != "tag:<key>" {
			want = append(want, n)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("typedConstructors lists %d names, FilterNames %d; keep them in step", len(got), len(want))
	}
}

func TestTypedConstructorsProduceTheirNames(t *testing.T) {
	for _, c := range typedConstructors {
		v := sampleValue(t, c.name)
		f := c.fn(v)
		if f.Name() != c.name {
			t.Errorf("constructor for %s gives name %q", c.name, f.Name())
		}
		if err := f.Err(); err != nil {
			t.Errorf("%s(%q): %v", c.name, v, err)
		}
		if got := f.Values(); !slices.Equal(got, []string{v}) {
			t.Errorf("%s(%q).Values() = %q", c.name, v, got)
		}
		if f.ids {
			t.Errorf("%s: ids set", c.name)
		}
		if w := Where(c.name, v); !reflect.DeepEqual(w, f) {
			t.Errorf("Where(%q, %q) = %#v, constructor gives %#v", c.name, v, w, f)
		}
		// The same rules apply: no values is an error naming the filter.
		want := "ec2instances: filter " + c.name + ": at least one value is required"
		if err := c.fn().Err(); err == nil || err.Error() != want {
			t.Errorf("%s(): err = %v, want %s", c.name, err, want)
		}
	}
}

func TestTypedConstructorsAcceptEveryDocumentedValue(t *testing.T) {
	for _, c := range typedConstructors {
		spec := filterSpecs[c.name]
		var vals []string
		switch spec.kind {
		case filterKindEnum:
			vals = spec.enum
		case filterKindBool:
			vals = filterBoolValues
		case filterKindInt:
			if spec.max >= 0 {
				for n := spec.min; n <= spec.max; n++ {
					vals = append(vals, strconv.FormatInt(n, 10))
				}
			} else {
				vals = []string{"0", "1", "7", "10", "123"}
			}
		default:
			continue
		}
		if err := c.fn(vals...).Err(); err != nil {
			t.Errorf("%s(%q): %v", c.name, vals, err)
		}
		if err := c.fn("*").Err(); err != nil {
			t.Errorf("%s(\"*\"): %v", c.name, err)
		}
	}
}

const stateNames = "pending, running, shutting-down, terminated, stopping, stopped"

func TestValidationErrors(t *testing.T) {
	// EC2 takes filter values of at most 255 characters (one less than a
	// tag value may hold), counted in characters, not bytes.
	if err := Tag("Name", strings.Repeat("x", 255)).Err(); err != nil {
		t.Fatalf("a 255-character value must be accepted: %v", err)
	}
	if err := Tag("Name", strings.Repeat("é", 255)).Err(); err != nil {
		t.Fatalf("255 two-byte characters must be accepted: %v", err)
	}
	long := strings.Repeat("x", 256)
	many := make([]string, 201)
	for i := range many {
		many[i] = "vpc-" + strconv.Itoa(i)
	}
	const (
		idWant   = "must be i- followed by 8 or 17 lowercase hexadecimal digits"
		timeWant = "must be an ISO 8601 time such as 2021-09-29T11:04:43.305Z, or a wildcard pattern such as 2021-09-29T*"
	)
	for _, tc := range []struct {
		desc         string
		f            Filter
		field, value string // the ValidationError's fields
		want         string // the whole message
	}{
		// Names.
		{"unknown name with a near one", Where("instance-state", "running"), "filter name", "instance-state",
			`ec2instances: filter name "instance-state": not a DescribeInstances filter; did you mean instance-state-name?`},
		{"names are case-sensitive", Where("Instance-State-Name", "running"), "filter name", "Instance-State-Name",
			`ec2instances: filter name "Instance-State-Name": not a DescribeInstances filter (filter names are case-sensitive); did you mean instance-state-name?`},
		{"SDK field spelling", Where("VpcId", "vpc-1"), "filter name", "VpcId",
			`ec2instances: filter name "VpcId": not a DescribeInstances filter; did you mean vpc-id?`},
		{"typo", Where("instance-tpye", "t3.micro"), "filter name", "instance-tpye",
			`ec2instances: filter name "instance-tpye": not a DescribeInstances filter; did you mean instance-type?`},
		{"prefix of a name", Where("usage-op", "x"), "filter name", "usage-op",
			`ec2instances: filter name "usage-op": not a DescribeInstances filter; did you mean usage-operation?`},
		{"tag with capital T", Where("Tag:Owner", "me"), "filter name", "Tag:Owner",
			`ec2instances: filter name "Tag:Owner": not a DescribeInstances filter; did you mean tag:Owner?`},
		{"unknown name, nothing near", Where("colour", "red"), "filter name", "colour",
			`ec2instances: filter name "colour": not a DescribeInstances filter`},
		{"empty name", Where("", "x"), "filter name", "",
			`ec2instances: filter name: must not be empty`},
		{"empty tag key", Tag("", "x"), "filter name", "tag:",
			`ec2instances: filter name "tag:": the tag key after tag: must not be empty`},
		{"empty tag key through Where", Where("tag:", "x"), "filter name", "tag:",
			`ec2instances: filter name "tag:": the tag key after tag: must not be empty`},
		{"unknown name is reported before missing values", Where("instance-state"), "filter name", "instance-state",
			`ec2instances: filter name "instance-state": not a DescribeInstances filter; did you mean instance-state-name?`},

		// Value counts and lengths.
		{"no values", VPCID(), "filter vpc-id", "",
			`ec2instances: filter vpc-id: at least one value is required`},
		{"no values from an empty slice", Where("vpc-id", []string{}...), "filter vpc-id", "",
			`ec2instances: filter vpc-id: at least one value is required`},
		{"tag without values", Tag("Name"), "filter tag:Name", "",
			`ec2instances: filter tag:Name: at least one value is required`},
		{"too many values", VPCID(many...), "filter vpc-id", "",
			`ec2instances: filter vpc-id: 201 values given; EC2 accepts at most 200 filter values in one request`},
		{"value of 256 characters", Tag("Name", long), "filter tag:Name value", long,
			`ec2instances: filter tag:Name value "` + long + `": is 256 characters long; EC2 accepts at most 255`},
		{"long value checked before the enumeration", InstanceStateName("running", "r"+long), "filter instance-state-name value", "r" + long,
			`ec2instances: filter instance-state-name value "r` + long + `": is 257 characters long; EC2 accepts at most 255`},

		// Enumerations.
		{"outside the enumeration", InstanceStateName("Running"), "filter instance-state-name value", "Running",
			`ec2instances: filter instance-state-name value "Running": must be one of ` + stateNames + ` (case-sensitive)`},
		{"second value bad", InstanceStateName("running", "stoped"), "filter instance-state-name value", "stoped",
			`ec2instances: filter instance-state-name value "stoped": must be one of ` + stateNames + ` (case-sensitive)`},
		{"pattern matching no member", InstanceStateName("Run*"), "filter instance-state-name value", "Run*",
			`ec2instances: filter instance-state-name value "Run*": the pattern matches no accepted value; must be one of ` + stateNames + ` (case-sensitive)`},
		{"escaped wildcard is literal", InstanceStateName(`run\*`), "filter instance-state-name value", `run\*`,
			`ec2instances: filter instance-state-name value "run\\*": must be one of ` + stateNames + ` (case-sensitive)`},
		{"empty enumeration value", InstanceStateName(""), "filter instance-state-name value", "",
			`ec2instances: filter instance-state-name value: the empty string is not allowed; must be one of ` + stateNames + ` (case-sensitive)`},
		{"enumeration through Where", Where("tenancy", "shared"), "filter tenancy value", "shared",
			`ec2instances: filter tenancy value "shared": must be one of dedicated, default, host (case-sensitive)`},
		{"state code", InstanceStateCode("17"), "filter instance-state-code value", "17",
			`ec2instances: filter instance-state-code value "17": must be one of 0, 16, 32, 48, 64, 80 (case-sensitive)`},
		{"platform is lower case", Platform("Windows"), "filter platform value", "Windows",
			`ec2instances: filter platform value "Windows": must be one of windows (case-sensitive)`},
		{"architecture", Architecture("amd64"), "filter architecture value", "amd64",
			`ec2instances: filter architecture value "amd64": must be one of i386, x86_64, arm64, x86_64_mac, arm64_mac (case-sensitive)`},
		{"network interface status", NetworkInterfaceStatus("in use"), "filter network-interface.status value", "in use",
			`ec2instances: filter network-interface.status value "in use": must be one of available, in-use, associated, attaching, detaching (case-sensitive)`},

		// Booleans.
		{"boolean yes", EBSOptimized("yes"), "filter ebs-optimized value", "yes",
			`ec2instances: filter ebs-optimized value "yes": must be true or false (case-sensitive)`},
		{"boolean True", Where("source-dest-check", "True"), "filter source-dest-check value", "True",
			`ec2instances: filter source-dest-check value "True": must be true or false (case-sensitive)`},
		{"boolean pattern", ENASupport("T*"), "filter ena-support value", "T*",
			`ec2instances: filter ena-support value "T*": the pattern matches no accepted value; must be true or false (case-sensitive)`},

		// Integers.
		{"integer above range", MetadataOptionsHTTPPutResponseHopLimit("65"), "filter metadata-options.http-put-response-hop-limit value", "65",
			`ec2instances: filter metadata-options.http-put-response-hop-limit value "65": must be a decimal integer from 1 to 64`},
		{"integer below range", MetadataOptionsHTTPPutResponseHopLimit("0"), "filter metadata-options.http-put-response-hop-limit value", "0",
			`ec2instances: filter metadata-options.http-put-response-hop-limit value "0": must be a decimal integer from 1 to 64`},
		{"integer pattern out of range", MetadataOptionsHTTPPutResponseHopLimit("65*"), "filter metadata-options.http-put-response-hop-limit value", "65*",
			`ec2instances: filter metadata-options.http-put-response-hop-limit value "65*": the pattern matches no accepted value; must be a decimal integer from 1 to 64`},
		{"not an integer", LaunchIndex("first"), "filter launch-index value", "first",
			`ec2instances: filter launch-index value "first": must be a non-negative decimal integer`},
		{"negative integer", NetworkInterfaceAttachmentDeviceIndex("-1"), "filter network-interface.attachment.device-index value", "-1",
			`ec2instances: filter network-interface.attachment.device-index value "-1": must be a non-negative decimal integer`},
		{"signed integer", PlacementPartitionNumber("+1"), "filter placement-partition-number value", "+1",
			`ec2instances: filter placement-partition-number value "+1": must be a non-negative decimal integer`},
		{"integer pattern with a letter", LaunchIndex("1x*"), "filter launch-index value", "1x*",
			`ec2instances: filter launch-index value "1x*": must be a non-negative decimal integer`},
		{"empty integer", LaunchIndex(""), "filter launch-index value", "",
			`ec2instances: filter launch-index value: the empty string is not allowed; must be a non-negative decimal integer`},

		// Times.
		{"time in words", LaunchTime("yesterday"), "filter launch-time value", "yesterday",
			`ec2instances: filter launch-time value "yesterday": ` + timeWant},
		{"time with slashes", LaunchTime("2021/09/29"), "filter launch-time value", "2021/09/29",
			`ec2instances: filter launch-time value "2021/09/29": ` + timeWant},
		{"time day first", BlockDeviceMappingAttachTime("29-09-2021*"), "filter block-device-mapping.attach-time value", "29-09-2021*",
			`ec2instances: filter block-device-mapping.attach-time value "29-09-2021*": ` + timeWant},
		{"time month 13", NetworkInterfaceAttachmentAttachTime("2021-13-01T00:00:00Z"), "filter network-interface.attachment.attach-time value", "2021-13-01T00:00:00Z",
			`ec2instances: filter network-interface.attachment.attach-time value "2021-13-01T00:00:00Z": ` + timeWant},
		{"time year only", UsageOperationUpdateTime("2021"), "filter usage-operation-update-time value", "2021",
			`ec2instances: filter usage-operation-update-time value "2021": ` + timeWant},
		{"time with a space", LaunchTime("2021-09-29 11:04:43"), "filter launch-time value", "2021-09-29 11:04:43",
			`ec2instances: filter launch-time value "2021-09-29 11:04:43": ` + timeWant},
		{"empty time", LaunchTime(""), "filter launch-time value", "",
			`ec2instances: filter launch-time value: the empty string is not allowed; ` + timeWant},

		// Instance IDs.
		{"short instance ID", InstanceIDs("i-0123456789abcdef0", "i-123"), "InstanceIDs value", "i-123",
			`ec2instances: InstanceIDs value "i-123": ` + idWant},
		{"upper-case instance ID", InstanceIDs("i-0123456789ABCDEF0"), "InstanceIDs value", "i-0123456789ABCDEF0",
			`ec2instances: InstanceIDs value "i-0123456789ABCDEF0": ` + idWant},
		{"wildcard instance ID", InstanceIDs("i-*"), "InstanceIDs value", "i-*",
			`ec2instances: InstanceIDs value "i-*": ` + idWant},
		{"not an instance", InstanceIDs("vol-0123456789abcdef0"), "InstanceIDs value", "vol-0123456789abcdef0",
			`ec2instances: InstanceIDs value "vol-0123456789abcdef0": ` + idWant},
		{"empty instance ID", InstanceIDs(""), "InstanceIDs value", "",
			`ec2instances: InstanceIDs value: the empty string is not allowed; ` + idWant},

		// The zero Filter.
		{"zero Filter", Filter{}, "filter", "",
			`ec2instances: filter: empty Filter; build one with Where, Tag, InstanceIDs or a typed constructor`},
	} {
		err := tc.f.Err()
		if err == nil {
			t.Errorf("%s: no error", tc.desc)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.desc, err, tc.want)
		}
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error does not match ErrInvalidInput", tc.desc)
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: error is %T, not *ValidationError", tc.desc, err)
			continue
		}
		if ve.Field != tc.field || ve.Value != tc.value {
			t.Errorf("%s: Field, Value = %q, %q; want %q, %q", tc.desc, ve.Field, ve.Value, tc.field, tc.value)
		}
	}
}

func TestValidValues(t *testing.T) {
	for _, f := range []Filter{
		// Enumerations, exact and with wildcards.
		InstanceStateName("running", "stopped"),
		InstanceStateName("run*"),
		InstanceStateName("*"),
		InstanceStateName("?unning"),
		InstanceStateName("stop???"),
		InstanceStateName("*ing"),
		InstanceStateName(`r\unning`), // an escaped ordinary letter is that letter
		InstanceStateCode("16", "8?"),
		PlatformDetails("Red Hat*", "Linux/UNIX"),
		UsageOperation("RunInstances:0*"),
		TPMSupport("v2.0"),
		Where("network-performance-options.bandwidth-weighting", "vpc-1"),
		// Booleans.
		EBSOptimized("true", "false"),
		SourceDestCheck("t*"),
		NetworkInterfaceIPv6Native("?alse"),
		// Integers.
		MetadataOptionsHTTPPutResponseHopLimit("1", "64", "6*", "?"),
		LaunchIndex("0", "007", "12345678901234567890", "1*", "*"),
		NetworkInterfaceAttachmentNetworkCardIndex("?"),
		// Times.
		LaunchTime("2021-09-29T11:04:43.305Z"),
		LaunchTime("2021-09-29T*", "2021-09-*", "*", "2021*", "*T11:*"),
		LaunchTime("2021-09-29", "2021-09-29T11:04:43Z", "2021-09-29T11:04:43+00:00", "2021-09-29T11:04:43,5Z"),
		// Free text, including the empty string and any characters.
		Tag("Name", ""),
		Tag("Name", "web-*", "db-??", `literal \*`),
		Tag("aws:cloudformation:stack-name", "x"),
		Tag("with space", "héllo wörld"),
		Where("tag:<key>", "x"),
		VPCID("vpc-0123456789abcdef0"),
		InstanceID("i-*", ""),
		Reason(strings.Repeat("é", 255)),
		VPCID(make([]string, 200)...),
	} {
		if err := f.Err(); err != nil {
			t.Errorf("%v: %v", f, err)
		}
	}
}

func TestSuggestFilterName(t *testing.T) {
	for name, want := range map[string]string{
		"instance-state":   "instance-state-name",
		"state":            "instance-state-name",
		"InstanceType":     "instance-type",
		"instance_type":    "instance-type",
		"PrivateIpAddress": "private-ip-address",
		"PublicIpAddress":  "ip-address",
		"ImageId":          "image-id",
		"SubnetId":         "subnet-id",
		"vpcid":            "vpc-id",
		"availabilty-zone": "availability-zone",
		"launch-tim":       "launch-time",
		"group-id":         "instance.group-id",
		"key":              "key-name",
		"tag":              "tag-key",
		"x":                "",
		"":                 "",
		"quux-frobnicator": "",
	} {
		if got := suggestFilterName(name); got != want {
			t.Errorf("suggestFilterName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestFilterPatternMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"running", "running", true},
		{"running", "runnin", false},
		{"run*", "running", true},
		{"run*", "run", true},
		{"*", "", true},
		{"?", "", true}, // ? may match nothing
		{"?", "a", true},
		{"?", "ab", false},
		{"r?nning", "running", true},
		{"r?nning", "rnning", true},
		{"*ing", "stopping", true},
		{"*ing", "stopped", false},
		{"s*p*d", "stopped", true},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{`a\?`, "a?", true},
		{`a\?`, "a", false},
		{`\\`, `\`, true},
		{`a\`, `a\`, true}, // a trailing backslash is literal
		{"é?", "éé", true},
		{"**", "x", true},
	} {
		if got := parseFilterPattern(tc.pattern).match(tc.s); got != tc.want {
			t.Errorf("pattern %q match %q = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestConstructorsCopyValues(t *testing.T) {
	vals := []string{"running", "stopped"}
	for _, f := range []Filter{InstanceStateName(vals...), Where("instance-state-name", vals...)} {
		vals[0] = "pending"
		if got := f.Values(); !slices.Equal(got, []string{"running", "stopped"}) {
			t.Errorf("after changing the caller's slice, Values() = %q", got)
		}
		vals[0] = "running"
		got := f.Values()
		got[1] = "changed"
		if again := f.Values(); again[1] != "stopped" {
			t.Errorf("changing the result of Values changed the Filter: %q", again)
		}
	}

	tags := []string{"a", "b"}
	tf := Tag("Owner", tags...)
	tags[0] = "z"
	if got := tf.Values(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Tag kept the caller's slice: %q", got)
	}

	ids := []string{"i-0123456789abcdef0", "i-01234567"}
	idf := InstanceIDs(ids...)
	ids[0] = "i-fedcba98"
	if got := idf.Values(); !slices.Equal(got, []string{"i-0123456789abcdef0", "i-01234567"}) {
		t.Errorf("InstanceIDs kept the caller's slice: %q", got)
	}
	got := idf.Values()
	got[0] = "x"
	if idf.Values()[0] != "i-0123456789abcdef0" {
		t.Error("changing the result of Values changed the InstanceIDs Filter")
	}

	// An invalid Filter keeps a copy too.
	bad := []string{"Running"}
	bf := InstanceStateName(bad...)
	bad[0] = "running"
	if bf.Err() == nil || bf.Values()[0] != "Running" {
		t.Errorf("invalid Filter: Values() = %q, Err() = %v", bf.Values(), bf.Err())
	}
}

func TestInstanceIDs(t *testing.T) {
	const a, b, c = "i-0123456789abcdef0", "i-01234567", "i-89abcdef"
	f := InstanceIDs(a, b, a, c, b)
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	if got := f.Values(); !slices.Equal(got, []string{a, b, c}) {
		t.Errorf("Values() = %q, want repeats dropped in first order", got)
	}
	if f.Name() != "" || !f.ids {
		t.Errorf("Name() = %q, ids = %v", f.Name(), f.ids)
	}

	for _, empty := range []Filter{InstanceIDs(), InstanceIDs([]string{}...), InstanceIDs(nil...)} {
		if err := empty.Err(); err != nil {
			t.Errorf("InstanceIDs() with no IDs: %v", err)
		}
		if !empty.ids || len(empty.values) != 0 || empty.Name() != "" {
			t.Errorf("InstanceIDs() with no IDs = %#v, want ids set and no values", empty)
		}
		if s := empty.String(); s != "InstanceIDs()" {
			t.Errorf("String() = %q", s)
		}
	}

	// The first bad ID is reported; the values are still all kept.
	bad := InstanceIDs(a, "i-x", "i-y")
	var ve *ValidationError
	if !errors.As(bad.Err(), &ve) || ve.Value != "i-x" {
		t.Errorf("Err() = %v, want the first bad ID", bad.Err())
	}
	if got := bad.Values(); !slices.Equal(got, []string{a, "i-x", "i-y"}) {
		t.Errorf("Values() = %q", got)
	}
}

func TestFilterString(t *testing.T) {
	for _, tc := range []struct {
		f    Filter
		want string
	}{
		{InstanceStateName("running", "stopped"), "instance-state-name=running|stopped"},
		{Tag("Name", "web-*"), "tag:Name=web-*"},
		{Tag("Name", ""), `tag:Name=""`},
		{Tag("Name", "a|b", "two words", `q"uote`, "tab\t"), `tag:Name="a|b"|"two words"|"q\"uote"|"tab\t"`},
		{PlatformDetails("Linux/UNIX"), "platform-details=Linux/UNIX"},
		{InstanceIDs("i-0123456789abcdef0", "i-01234567"), "InstanceIDs(i-0123456789abcdef0,i-01234567)"},
		{InstanceIDs("bad,id"), `InstanceIDs("bad,id")`},
		{InstanceIDs(), "InstanceIDs()"},
		{VPCID(), "vpc-id="},
		{InstanceStateName("Running"), "instance-state-name=Running"},
		{Tag("x", "\xff"), `tag:x="\xff"`},
		{Filter{}, "Filter{}"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
		}
	}
}

func TestFilterAccessors(t *testing.T) {
	f := Tag("Owner", "TeamA", "TeamB")
	if f.Name() != "tag:Owner" {
		t.Errorf("Name() = %q", f.Name())
	}
	if got := f.Values(); !slices.Equal(got, []string{"TeamA", "TeamB"}) {
		t.Errorf("Values() = %q", got)
	}
	if f.Err() != nil {
		t.Errorf("Err() = %v", f.Err())
	}
	if !reflect.DeepEqual(f, Where("tag:Owner", "TeamA", "TeamB")) {
		t.Error("Tag and Where with tag: differ")
	}
	if (Filter{}).Values() != nil {
		t.Error("zero Filter has values")
	}
}

// FuzzWhere checks the invariants of Where, and of Tag and the typed
// constructors that share its validation, on any name and values. Its seed
// corpus is in testdata/fuzz/FuzzWhere; run it with
//
//	go test -run '^$' -fuzz FuzzWhere .
func FuzzWhere(f *testing.F) {
	f.Add("instance-state-name", "running", "Run*")
	ctors := map[string]func(...string) Filter{}
	for _, c := range typedConstructors {
		ctors[c.name] = c.fn
	}
	f.Fuzz(func(t *testing.T, name, v1, v2 string) {
		for _, vals := range [][]string{nil, {v1}, {v1, v2}} {
			in := slices.Clone(vals)
			w := Where(name, vals...)
			checkWhereInvariants(t, name, in, w)

			if key, ok := strings.CutPrefix(name, "tag:"); ok {
				if tg := Tag(key, vals...); !reflect.DeepEqual(tg, w) {
					t.Fatalf("Tag(%q, %q) = %#v, Where gives %#v", key, vals, tg, w)
				}
			}
			if fn, ok := ctors[name]; ok {
				if c := fn(vals...); !reflect.DeepEqual(c, w) {
					t.Fatalf("constructor of %s(%q) = %#v, Where gives %#v", name, vals, c, w)
				}
			}
			if !slices.Equal(vals, in) {
				t.Fatalf("Where changed its argument: %q became %q", in, vals)
			}
		}
	})
}

func checkWhereInvariants(t *testing.T, name string, in []string, w Filter) {
	t.Helper()
	if w.Name() != name || w.ids {
		t.Fatalf("Where(%q, ...).Name() = %q, ids = %v", name, w.Name(), w.ids)
	}
	if got := w.Values(); !slices.Equal(got, in) {
		t.Fatalf("Where(%q, %q).Values() = %q", name, in, got)
	}
	_ = w.String()
	err := w.Err()
	if err == nil {
		// A valid filter: a documented name, some values, each allowed.
		spec, known := filterSpecs[name]
		if !known && (!strings.HasPrefix(name, "tag:") || name == "tag:") {
			t.Fatalf("Where(%q, %q) is valid but the name is not documented", name, in)
		}
		if len(in) == 0 || len(in) > maxFilterValues {
			t.Fatalf("Where(%q, %q) is valid with %d values", name, in, len(in))
		}
		for _, v := range in {
			if n := utf8.RuneCountInString(v); n > maxFilterValueLen {
				t.Fatalf("Where(%q, ...) accepted a value of %d characters", name, n)
			}
			if !known || strings.ContainsAny(v, `*?\`) {
				continue
			}
			switch spec.kind {
			case filterKindEnum:
				if !slices.Contains(spec.enum, v) {
					t.Fatalf("%s accepted %q, not in %q", name, v, spec.enum)
				}
			case filterKindBool:
				if v != "true" && v != "false" {
					t.Fatalf("%s accepted %q", name, v)
				}
			case filterKindInt:
				n, perr := strconv.ParseInt(v, 10, 64)
				if v == "" || strings.Trim(v, "0123456789") != "" ||
					(perr != nil && spec.max >= 0) ||
					(perr == nil && (n < spec.min || (spec.max >= 0 && n > spec.max))) {
					t.Fatalf("%s accepted %q", name, v)
				}
			case filterKindTime:
				if len(v) < 10 || v[4] != '-' || v[7] != '-' {
					t.Fatalf("%s accepted %q", name, v)
				}
			}
		}
		// Round trip: the filter rebuilt from its parts is the same.
		if again := Where(w.Name(), w.Values()...); !reflect.DeepEqual(again, w) {
			t.Fatalf("rebuilding %v gave %#v", w, again)
		}
		return
	}
	// An invalid filter: a ValidationError that names the filter and, for
	// a bad value, the value.
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("Where(%q, %q): %v does not match ErrInvalidInput", name, in, err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Where(%q, %q): error is %T", name, in, err)
	}
	msg := err.Error()
	if !strings.Contains(msg, name) && !strings.Contains(msg, strconv.Quote(name)) {
		t.Fatalf("Where(%q, %q): error %q does not name the filter", name, in, msg)
	}
	if strings.HasSuffix(ve.Field, " value") {
		if !slices.Contains(in, ve.Value) {
			t.Fatalf("Where(%q, %q): error names value %q, which was not given", name, in, ve.Value)
		}
		if ve.Value != "" && !strings.Contains(msg, strconv.Quote(ve.Value)) {
			t.Fatalf("Where(%q, %q): error %q does not show the value", name, in, msg)
		}
	}
}

// FuzzInstanceIDs checks InstanceIDs on any IDs. Its seed corpus is in
// testdata/fuzz/FuzzInstanceIDs.
func FuzzInstanceIDs(f *testing.F) {
	f.Add("i-0123456789abcdef0", "i-01234567")
	f.Fuzz(func(t *testing.T, a, b string) {
		in := []string{a, b, a}
		got := InstanceIDs(in...)
		if got.Name() != "" || !got.ids {
			t.Fatalf("InstanceIDs(%q): Name() = %q, ids = %v", in, got.Name(), got.ids)
		}
		want := []string{a}
		if b != a {
			want = append(want, b)
		}
		if vals := got.Values(); !slices.Equal(vals, want) {
			t.Fatalf("InstanceIDs(%q).Values() = %q, want %q", in, vals, want)
		}
		_ = got.String()
		err := got.Err()
		valid := isInstanceID(a) && isInstanceID(b)
		if valid != (err == nil) {
			t.Fatalf("InstanceIDs(%q).Err() = %v", in, err)
		}
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("InstanceIDs(%q): error %v is not a ValidationError", in, err)
			}
			first := a
			if isInstanceID(a) {
				first = b
			}
			if ve.Value != first {
				t.Fatalf("InstanceIDs(%q): error names %q, want %q", in, ve.Value, first)
			}
			return
		}
		for _, id := range want {
			if !strings.HasPrefix(id, "i-") || (len(id) != 10 && len(id) != 19) || strings.Trim(id[2:], "0123456789abcdef") != "" {
				t.Fatalf("InstanceIDs accepted %q", id)
			}
		}
	})
}

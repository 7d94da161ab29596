package ec2test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/require"
)

// TestFilterNamesDocumented checks that the server implements exactly the
// 135 documented filter names (testdata holds the list), plus tag-value,
// which EC2 accepts too.
func TestFilterNamesDocumented(t *testing.T) {
	b, err := os.ReadFile("testdata/ec2-instance-filters.txt")
	require.NoError(t, err)
	want := strings.Fields(string(b))
	require.Len(t, want, 135)
	want = append(want, "tag-value")
	slices.Sort(want)
	require.Equal(t, want, FilterNames())
}

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"web-*", "web-1", true},
		{"web-*", "web-", true},
		{"web-*", "db-1", false},
		{"web-?", "web-1", true},
		{"web-?", "web-12", false},
		{"*", "", true},
		{"?", "", false},
		{"*a*b*", "xxaxxbxx", true},
		{"*a*b", "xxaxxbxxb", true},
		{"*a*b", "xxaxxbxxc", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`a\?`, "a?", true},
		{`a\\`, `a\`, true},
		{"Web-*", "web-1", false},
		{"é?", "éü", true},
		{"日*語", "日本語", true},
	}
	for _, c := range cases {
		m := newMatcher([]string{c.pattern})
		require.Equal(t, c.want, m.match(c.s), "%q ~ %q", c.pattern, c.s)
	}
	m := newMatcher([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j*"})
	require.True(t, m.match("i"))
	require.True(t, m.match("jx"))
	require.False(t, m.match("k"))
}

// filterValues gives, for each filter, the values an instance shows for
// it, read from the SDK's view of the instance (and its reservation).
// Filters on fields EC2 does not show in DescribeInstances get the values
// the server documents for them.
var filterValues = map[string]func(in types.Instance, r types.Reservation) []string{
	"affinity":          func(in types.Instance, _ types.Reservation) []string { return opt(in.Placement.Affinity) },
	"architecture":      func(in types.Instance, _ types.Reservation) []string { return []string{string(in.Architecture)} },
	"availability-zone": func(in types.Instance, _ types.Reservation) []string { return opt(in.Placement.AvailabilityZone) },
	"block-device-mapping.attach-time": func(in types.Instance, _ types.Reservation) []string {
		return mapBD(in, func(b types.InstanceBlockDeviceMapping) string { return ts(b.Ebs.AttachTime) })
	},
	"block-device-mapping.delete-on-termination": func(in types.Instance, _ types.Reservation) []string {
		return mapBD(in, func(b types.InstanceBlockDeviceMapping) string { return strconv.FormatBool(*b.Ebs.DeleteOnTermination) })
	},
	"block-device-mapping.device-name": func(in types.Instance, _ types.Reservation) []string {
		return mapBD(in, func(b types.InstanceBlockDeviceMapping) string { return *b.DeviceName })
	},
	"block-device-mapping.status": func(in types.Instance, _ types.Reservation) []string {
		return mapBD(in, func(b types.InstanceBlockDeviceMapping) string { return string(b.Ebs.Status) })
	},
	"block-device-mapping.volume-id": func(in types.Instance, _ types.Reservation) []string {
		return mapBD(in, func(b types.InstanceBlockDeviceMapping) string { return *b.Ebs.VolumeId })
	},
	"boot-mode":               func(in types.Instance, _ types.Reservation) []string { return optS(string(in.BootMode)) },
	"capacity-reservation-id": func(in types.Instance, _ types.Reservation) []string { return opt(in.CapacityReservationId) },
	"capacity-reservation-specification.capacity-reservation-preference": func(in types.Instance, _ types.Reservation) []string {
		return optS(string(in.CapacityReservationSpecification.CapacityReservationPreference))
	},
	"capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id": func(in types.Instance, _ types.Reservation) []string {
		if t := in.CapacityReservationSpecification.CapacityReservationTarget; t != nil {
			return opt(t.CapacityReservationId)
		}
		return nil
	},
	"capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn": func(in types.Instance, _ types.Reservation) []string {
		if t := in.CapacityReservationSpecification.CapacityReservationTarget; t != nil {
			return opt(t.CapacityReservationResourceGroupArn)
		}
		return nil
	},
	"client-token":                   func(in types.Instance, _ types.Reservation) []string { return opt(in.ClientToken) },
	"current-instance-boot-mode":     func(in types.Instance, _ types.Reservation) []string { return optS(string(in.CurrentInstanceBootMode)) },
	"dns-name":                       func(in types.Instance, _ types.Reservation) []string { return opt(in.PublicDnsName) },
	"ebs-optimized":                  func(in types.Instance, _ types.Reservation) []string { return b(in.EbsOptimized) },
	"ena-support":                    func(in types.Instance, _ types.Reservation) []string { return b(in.EnaSupport) },
	"enclave-options.enabled":        func(in types.Instance, _ types.Reservation) []string { return b(in.EnclaveOptions.Enabled) },
	"hibernation-options.configured": func(in types.Instance, _ types.Reservation) []string { return b(in.HibernationOptions.Configured) },
	"host-id":                        func(in types.Instance, _ types.Reservation) []string { return opt(in.Placement.HostId) },
	"hypervisor":                     func(in types.Instance, _ types.Reservation) []string { return []string{string(in.Hypervisor)} },
	"iam-instance-profile.arn": func(in types.Instance, _ types.Reservation) []string {
		if in.IamInstanceProfile == nil {
			return nil
		}
		return opt(in.IamInstanceProfile.Arn)
	},
	"iam-instance-profile.id": func(in types.Instance, _ types.Reservation) []string {
		if in.IamInstanceProfile == nil {
			return nil
		}
		return opt(in.IamInstanceProfile.Id)
	},
	"image-id":            func(in types.Instance, _ types.Reservation) []string { return opt(in.ImageId) },
	"instance-id":         func(in types.Instance, _ types.Reservation) []string { return opt(in.InstanceId) },
	"instance-lifecycle":  func(in types.Instance, _ types.Reservation) []string { return optS(string(in.InstanceLifecycle)) },
	"instance-state-code": func(in types.Instance, _ types.Reservation) []string { return i32(in.State.Code) },
	"instance-state-name": func(in types.Instance, _ types.Reservation) []string { return []string{string(in.State.Name)} },
	"instance-type":       func(in types.Instance, _ types.Reservation) []string { return []string{string(in.InstanceType)} },
	"instance.group-id": func(in types.Instance, _ types.Reservation) []string {
		return mapSlice(in.SecurityGroups, func(g types.GroupIdentifier) string { return *g.GroupId })
	},
	"instance.group-name": func(in types.Instance, _ types.Reservation) []string {
		return mapSlice(in.SecurityGroups, func(g types.GroupIdentifier) string { return *g.GroupName })
	},
	"ip-address": func(in types.Instance, _ types.Reservation) []string { return opt(in.PublicIpAddress) },
	"ipv6-address": func(in types.Instance, _ types.Reservation) []string {
		return nicIPv6(in, func(a types.InstanceIpv6Address) string { return *a.Ipv6Address })
	},
	"kernel-id":    func(in types.Instance, _ types.Reservation) []string { return opt(in.KernelId) },
	"key-name":     func(in types.Instance, _ types.Reservation) []string { return opt(in.KeyName) },
	"launch-index": func(in types.Instance, _ types.Reservation) []string { return i32(in.AmiLaunchIndex) },
	"launch-time":  func(in types.Instance, _ types.Reservation) []string { return []string{ts(in.LaunchTime)} },
	"maintenance-options.auto-recovery": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.MaintenanceOptions.AutoRecovery)}
	},
	"metadata-options.http-endpoint": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.MetadataOptions.HttpEndpoint)}
	},
	"metadata-options.http-protocol-ipv4": func(types.Instance, types.Reservation) []string { return []string{"enabled"} },
	"metadata-options.http-protocol-ipv6": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.MetadataOptions.HttpProtocolIpv6)}
	},
	"metadata-options.http-put-response-hop-limit": func(in types.Instance, _ types.Reservation) []string {
		return i32(in.MetadataOptions.HttpPutResponseHopLimit)
	},
	"metadata-options.http-tokens": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.MetadataOptions.HttpTokens)}
	},
	"metadata-options.instance-metadata-tags": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.MetadataOptions.InstanceMetadataTags)}
	},
	"metadata-options.state": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.MetadataOptions.State)}
	},
	"monitoring-state": func(in types.Instance, _ types.Reservation) []string { return []string{string(in.Monitoring.State)} },
	// The allocation and association IDs of an Elastic IP address are not
	// shown by DescribeInstances: hiddenFilterValues has them.
	"network-interface.addresses.association.allocation-id":  none,
	"network-interface.addresses.association.association-id": none,
	"network-interface.addresses.association.carrier-ip": func(in types.Instance, _ types.Reservation) []string {
		return nicAddrAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.CarrierIp })
	},
	"network-interface.addresses.association.customer-owned-ip": func(in types.Instance, _ types.Reservation) []string {
		return nicAddrAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.CustomerOwnedIp })
	},
	"network-interface.addresses.association.ip-owner-id": func(in types.Instance, _ types.Reservation) []string {
		return nicAddrAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.IpOwnerId })
	},
	"network-interface.addresses.association.public-dns-name": func(in types.Instance, _ types.Reservation) []string {
		return nicAddrAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.PublicDnsName })
	},
	"network-interface.addresses.association.public-ip": func(in types.Instance, _ types.Reservation) []string {
		return nicAddrAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.PublicIp })
	},
	"network-interface.addresses.primary": func(in types.Instance, _ types.Reservation) []string {
		return nicPrivAddrs(in, func(a types.InstancePrivateIpAddress) string { return strconv.FormatBool(*a.Primary) })
	},
	"network-interface.addresses.private-dns-name": func(in types.Instance, _ types.Reservation) []string {
		return nicPrivAddrs(in, func(a types.InstancePrivateIpAddress) string { return *a.PrivateDnsName })
	},
	"network-interface.addresses.private-ip-address": func(in types.Instance, _ types.Reservation) []string {
		return nicPrivAddrs(in, func(a types.InstancePrivateIpAddress) string { return *a.PrivateIpAddress })
	},
	"network-interface.association.allocation-id":  none,
	"network-interface.association.association-id": none,
	"network-interface.association.carrier-ip": func(in types.Instance, _ types.Reservation) []string {
		return nicAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.CarrierIp })
	},
	"network-interface.association.customer-owned-ip": func(in types.Instance, _ types.Reservation) []string {
		return nicAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.CustomerOwnedIp })
	},
	"network-interface.association.ip-owner-id": func(in types.Instance, _ types.Reservation) []string {
		return nicAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.IpOwnerId })
	},
	"network-interface.association.public-dns-name": func(in types.Instance, _ types.Reservation) []string {
		return nicAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.PublicDnsName })
	},
	"network-interface.association.public-ip": func(in types.Instance, _ types.Reservation) []string {
		return nicAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.PublicIp })
	},
	"network-interface.attachment.attach-time": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return ts(n.Attachment.AttachTime) })
	},
	"network-interface.attachment.attachment-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.Attachment.AttachmentId })
	},
	"network-interface.attachment.delete-on-termination": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string {
			return strconv.FormatBool(*n.Attachment.DeleteOnTermination)
		})
	},
	"network-interface.attachment.device-index": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return strconv.Itoa(int(*n.Attachment.DeviceIndex)) })
	},
	"network-interface.attachment.instance-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(types.InstanceNetworkInterface) string { return *in.InstanceId })
	},
	"network-interface.attachment.instance-owner-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.OwnerId })
	},
	"network-interface.attachment.network-card-index": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string {
			return strconv.Itoa(int(*n.Attachment.NetworkCardIndex))
		})
	},
	"network-interface.attachment.status": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return string(n.Attachment.Status) })
	},
	"network-interface.availability-zone": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(types.InstanceNetworkInterface) string { return *in.Placement.AvailabilityZone })
	},
	"network-interface.deny-all-igw-traffic": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(types.InstanceNetworkInterface) string { return "false" })
	},
	"network-interface.description": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.Description })
	},
	"network-interface.group-id": func(in types.Instance, _ types.Reservation) []string {
		var out []string
		for _, n := range in.NetworkInterfaces {
			out = append(out, mapSlice(n.Groups, func(g types.GroupIdentifier) string { return *g.GroupId })...)
		}
		return out
	},
	"network-interface.group-name": func(in types.Instance, _ types.Reservation) []string {
		var out []string
		for _, n := range in.NetworkInterfaces {
			out = append(out, mapSlice(n.Groups, func(g types.GroupIdentifier) string { return *g.GroupName })...)
		}
		return out
	},
	"network-interface.ipv4-prefixes.ipv4-prefix": func(in types.Instance, _ types.Reservation) []string {
		var out []string
		for _, n := range in.NetworkInterfaces {
			out = append(out, mapSlice(n.Ipv4Prefixes, func(p types.InstanceIpv4Prefix) string { return *p.Ipv4Prefix })...)
		}
		return out
	},
	"network-interface.ipv6-address": func(in types.Instance, _ types.Reservation) []string {
		return nicIPv6(in, func(a types.InstanceIpv6Address) string { return *a.Ipv6Address })
	},
	"network-interface.ipv6-addresses.ipv6-address": func(in types.Instance, _ types.Reservation) []string {
		return nicIPv6(in, func(a types.InstanceIpv6Address) string { return *a.Ipv6Address })
	},
	"network-interface.ipv6-addresses.is-primary-ipv6": func(in types.Instance, _ types.Reservation) []string {
		return nicIPv6(in, func(a types.InstanceIpv6Address) string { return strconv.FormatBool(*a.IsPrimaryIpv6) })
	},
	"network-interface.ipv6-native": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(types.InstanceNetworkInterface) string { return "false" })
	},
	"network-interface.ipv6-prefixes.ipv6-prefix": func(in types.Instance, _ types.Reservation) []string {
		var out []string
		for _, n := range in.NetworkInterfaces {
			out = append(out, mapSlice(n.Ipv6Prefixes, func(p types.InstanceIpv6Prefix) string { return *p.Ipv6Prefix })...)
		}
		return out
	},
	"network-interface.mac-address": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.MacAddress })
	},
	"network-interface.network-interface-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.NetworkInterfaceId })
	},
	"network-interface.operator.managed": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return strconv.FormatBool(*n.Operator.Managed) })
	},
	"network-interface.operator.principal": func(in types.Instance, _ types.Reservation) []string {
		var out []string
		for _, n := range in.NetworkInterfaces {
			out = append(out, opt(n.Operator.Principal)...)
		}
		return out
	},
	// An interface is on the Outpost of its instance.
	"network-interface.outpost-arn": func(in types.Instance, _ types.Reservation) []string {
		if in.OutpostArn == nil {
			return nil
		}
		return nic(in, func(types.InstanceNetworkInterface) string { return *in.OutpostArn })
	},
	"network-interface.owner-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.OwnerId })
	},
	"network-interface.private-dns-name": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.PrivateDnsName })
	},
	"network-interface.private-ip-address": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.PrivateIpAddress })
	},
	"network-interface.public-dns-name": func(in types.Instance, _ types.Reservation) []string {
		return nicAssoc(in, func(a *types.InstanceNetworkInterfaceAssociation) *string { return a.PublicDnsName })
	},
	// The interfaces of instances launched by a service share the
	// requester of their reservation.
	"network-interface.requester-id": func(in types.Instance, r types.Reservation) []string {
		if r.RequesterId == nil {
			return nil
		}
		return nic(in, func(types.InstanceNetworkInterface) string { return *r.RequesterId })
	},
	"network-interface.requester-managed": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(types.InstanceNetworkInterface) string { return "false" })
	},
	"network-interface.status": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return string(n.Status) })
	},
	"network-interface.source-dest-check": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return strconv.FormatBool(*n.SourceDestCheck) })
	},
	"network-interface.subnet-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.SubnetId })
	},
	// Interface tags are not shown: hiddenFilterValues has them.
	"network-interface.tag-key":   none,
	"network-interface.tag-value": none,
	"network-interface.vpc-id": func(in types.Instance, _ types.Reservation) []string {
		return nic(in, func(n types.InstanceNetworkInterface) string { return *n.VpcId })
	},
	"network-performance-options.bandwidth-weighting": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.NetworkPerformanceOptions.BandwidthWeighting)}
	},
	"operator.managed":     func(in types.Instance, _ types.Reservation) []string { return b(in.Operator.Managed) },
	"operator.principal":   func(in types.Instance, _ types.Reservation) []string { return opt(in.Operator.Principal) },
	"outpost-arn":          func(in types.Instance, _ types.Reservation) []string { return opt(in.OutpostArn) },
	"owner-id":             func(_ types.Instance, r types.Reservation) []string { return opt(r.OwnerId) },
	"placement-group-name": func(in types.Instance, _ types.Reservation) []string { return opt(in.Placement.GroupName) },
	"placement-partition-number": func(in types.Instance, _ types.Reservation) []string {
		return i32(in.Placement.PartitionNumber)
	},
	"platform":         func(in types.Instance, _ types.Reservation) []string { return optS(string(in.Platform)) },
	"platform-details": func(in types.Instance, _ types.Reservation) []string { return opt(in.PlatformDetails) },
	"private-dns-name": func(in types.Instance, _ types.Reservation) []string { return opt(in.PrivateDnsName) },
	"private-dns-name-options.enable-resource-name-dns-a-record": func(in types.Instance, _ types.Reservation) []string {
		return b(in.PrivateDnsNameOptions.EnableResourceNameDnsARecord)
	},
	"private-dns-name-options.enable-resource-name-dns-aaaa-record": func(in types.Instance, _ types.Reservation) []string {
		return b(in.PrivateDnsNameOptions.EnableResourceNameDnsAAAARecord)
	},
	"private-dns-name-options.hostname-type": func(in types.Instance, _ types.Reservation) []string {
		return []string{string(in.PrivateDnsNameOptions.HostnameType)}
	},
	"private-ip-address": func(in types.Instance, _ types.Reservation) []string { return opt(in.PrivateIpAddress) },
	"product-code": func(in types.Instance, _ types.Reservation) []string {
		return mapSlice(in.ProductCodes, func(p types.ProductCode) string { return *p.ProductCodeId })
	},
	"product-code.type": func(in types.Instance, _ types.Reservation) []string {
		return mapSlice(in.ProductCodes, func(p types.ProductCode) string { return string(p.ProductCodeType) })
	},
	"ramdisk-id":       func(in types.Instance, _ types.Reservation) []string { return opt(in.RamdiskId) },
	"reason":           func(in types.Instance, _ types.Reservation) []string { return opt(in.StateTransitionReason) },
	"requester-id":     func(_ types.Instance, r types.Reservation) []string { return opt(r.RequesterId) },
	"reservation-id":   func(_ types.Instance, r types.Reservation) []string { return opt(r.ReservationId) },
	"root-device-name": func(in types.Instance, _ types.Reservation) []string { return opt(in.RootDeviceName) },
	"root-device-type": func(in types.Instance, _ types.Reservation) []string { return []string{string(in.RootDeviceType)} },
	"source-dest-check": func(in types.Instance, _ types.Reservation) []string {
		return b(in.SourceDestCheck)
	},
	"spot-instance-request-id": func(in types.Instance, _ types.Reservation) []string { return opt(in.SpotInstanceRequestId) },
	"state-reason-code": func(in types.Instance, _ types.Reservation) []string {
		if in.StateReason == nil {
			return nil
		}
		return opt(in.StateReason.Code)
	},
	"state-reason-message": func(in types.Instance, _ types.Reservation) []string {
		if in.StateReason == nil {
			return nil
		}
		return opt(in.StateReason.Message)
	},
	"subnet-id": func(in types.Instance, _ types.Reservation) []string { return opt(in.SubnetId) },
	"tag-key": func(in types.Instance, _ types.Reservation) []string {
		return mapSlice(in.Tags, func(t types.Tag) string { return *t.Key })
	},
	"tag-value": func(in types.Instance, _ types.Reservation) []string {
		return mapSlice(in.Tags, func(t types.Tag) string { return *t.Value })
	},
	"tenancy":     func(in types.Instance, _ types.Reservation) []string { return []string{string(in.Placement.Tenancy)} },
	"tpm-support": func(in types.Instance, _ types.Reservation) []string { return opt(in.TpmSupport) },
	"usage-operation": func(in types.Instance, _ types.Reservation) []string {
		return opt(in.UsageOperation)
	},
	"usage-operation-update-time": func(in types.Instance, _ types.Reservation) []string {
		return []string{ts(in.UsageOperationUpdateTime)}
	},
	"virtualization-type": func(in types.Instance, _ types.Reservation) []string { return []string{string(in.VirtualizationType)} },
	"vpc-id":              func(in types.Instance, _ types.Reservation) []string { return opt(in.VpcId) },
}

func none(types.Instance, types.Reservation) []string { return nil }

func opt(p *string) []string {
	if p == nil || *p == "" {
		return nil
	}
	return []string{*p}
}

func optS(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func b(p *bool) []string {
	if p == nil {
		return nil
	}
	return []string{strconv.FormatBool(*p)}
}

func i32(p *int32) []string {
	if p == nil {
		return nil
	}
	return []string{strconv.Itoa(int(*p))}
}

func ts(t *time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func mapSlice[T any](xs []T, f func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func mapBD(in types.Instance, f func(types.InstanceBlockDeviceMapping) string) []string {
	return mapSlice(in.BlockDeviceMappings, f)
}

func nic(in types.Instance, f func(types.InstanceNetworkInterface) string) []string {
	return mapSlice(in.NetworkInterfaces, f)
}

func nicPrivAddrs(in types.Instance, f func(types.InstancePrivateIpAddress) string) []string {
	var out []string
	for _, n := range in.NetworkInterfaces {
		out = append(out, mapSlice(n.PrivateIpAddresses, f)...)
	}
	return out
}

func nicAddrAssoc(in types.Instance, f func(*types.InstanceNetworkInterfaceAssociation) *string) []string {
	var out []string
	for _, n := range in.NetworkInterfaces {
		for _, a := range n.PrivateIpAddresses {
			if a.Association != nil {
				out = append(out, opt(f(a.Association))...)
			}
		}
	}
	return out
}

func nicAssoc(in types.Instance, f func(*types.InstanceNetworkInterfaceAssociation) *string) []string {
	var out []string
	for _, n := range in.NetworkInterfaces {
		if n.Association != nil {
			out = append(out, opt(f(n.Association))...)
		}
	}
	return out
}

func nicIPv6(in types.Instance, f func(types.InstanceIpv6Address) string) []string {
	var out []string
	for _, n := range in.NetworkInterfaces {
		out = append(out, mapSlice(n.Ipv6Addresses, f)...)
	}
	return out
}

// describeIDs runs DescribeInstances with filters and returns the IDs.
func describeIDs(t *testing.T, c *ec2.Client, fs ...types.Filter) []string {
	t.Helper()
	out, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: fs})
	require.NoError(t, err)
	var ids []string
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			ids = append(ids, *in.InstanceId)
		}
	}
	return ids
}

// hiddenFilterValues gives the values of filters on fields that
// DescribeInstances does not show (as in EC2), read from the server.
var hiddenFilterValues = map[string]func(s *Server, in types.Instance) []string{
	"network-interface.addresses.association.allocation-id":  eipID((*Server).eipAllocationID),
	"network-interface.addresses.association.association-id": eipID((*Server).eipAssociationID),
	"network-interface.association.allocation-id":            eipID((*Server).eipAllocationID),
	"network-interface.association.association-id":           eipID((*Server).eipAssociationID),
	"network-interface.tag-key": func(s *Server, in types.Instance) []string {
		return mapSlice(eniTags(s, in), func(t tag) string { return t.key })
	},
	"network-interface.tag-value": func(s *Server, in types.Instance) []string {
		return mapSlice(eniTags(s, in), func(t tag) string { return t.value })
	},
}

func eniTags(s *Server, in types.Instance) []tag {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byID[*in.InstanceId].cfg.eniTags
}

func eipID(id func(*Server, *instance) string) func(s *Server, in types.Instance) []string {
	return func(s *Server, in types.Instance) []string {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return optS(id(s, s.byID[*in.InstanceId]))
	}
}

// TestEveryFilter checks each of the 135 filters over HTTP on rich
// instances: one from RunInstances with every parameter the server models
// (in an Outpost subnet with customer-owned addresses), one from Launch
// with the attributes RunInstances cannot set (image attributes, an
// Elastic IP address, a requester), one with a carrier address, an
// explicit prefix and a capacity reservation group, and a stopped Windows
// instance. For
// each of them, every value the SDK shows for the filter's field finds
// the instance, a value it does not have does not, and * finds it exactly
// when it has a value. Every filter must find at least one of them: no
// filter is left that can never match.
func TestEveryFilter(t *testing.T) {
	s := NewServer()
	defer s.Close()
	addRichSubnet(s)
	c := s.Client()
	ctx := context.Background()
	in := richInput()
	in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
	run, err := c.RunInstances(ctx, in)
	require.NoError(t, err)
	rich := *run.Instances[0].InstanceId
	image := s.Launch(LaunchSpec{AvailabilityZone: "us-east-1a", ElasticIP: true, BootMode: "uefi-preferred", TPMSupport: "v2.0",
		ProductCodes: []ProductCode{{ID: "pc-0123456789abcdef0", Type: "devpay"}}, RequesterID: "940372691376",
		OperatorPrincipal: "autoscaling.amazonaws.com", IPv4PrefixCount: 1, IPv6PrefixCount: 2})[0]
	run, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1c")},
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0),
			AssociateCarrierIpAddress: aws.Bool(true), AssociatePublicIpAddress: aws.Bool(false),
			Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String("10.77.0.16/28")}}}},
		CapacityReservationSpecification: &types.CapacityReservationSpecification{CapacityReservationTarget: &types.CapacityReservationTarget{
			CapacityReservationResourceGroupArn: aws.String("arn:aws:resource-groups:us-east-1:123456789012:group/crg")}},
	})
	require.NoError(t, err)
	carrier := *run.Instances[0].InstanceId
	plain := s.Launch(LaunchSpec{Tags: map[string]string{"Name": "plain"}})[0]
	stopped := s.Launch(LaunchSpec{State: "stopped", Platform: "windows"})[0]

	type subject struct {
		id   string
		inst types.Instance
		res  types.Reservation
	}
	var subjects []subject
	for _, id := range []string{rich, image, carrier, stopped} {
		d, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		require.NoError(t, err)
		subjects = append(subjects, subject{id, d.Reservations[0].Instances[0], d.Reservations[0]})
	}

	for _, name := range FilterNames() {
		if name == "tag:<key>" {
			continue
		}
		get, ok := filterValues[name]
		require.True(t, ok, "no test mapping for filter %s", name)
		t.Run(name, func(t *testing.T) {
			miss := describeIDs(t, c, types.Filter{Name: aws.String(name), Values: []string{"no-such-value-xyz"}})
			all := describeIDs(t, c, types.Filter{Name: aws.String(name), Values: []string{"*"}})
			positive := 0
			for _, sub := range subjects {
				values := get(sub.inst, sub.res)
				if h, ok := hiddenFilterValues[name]; ok {
					values = h(s, sub.inst)
				}
				for _, v := range values {
					ids := describeIDs(t, c, types.Filter{Name: aws.String(name), Values: []string{v}})
					require.Contains(t, ids, sub.id, "%s=%q", name, v)
					positive++
				}
				require.NotContains(t, miss, sub.id)
				if len(values) == 0 {
					require.NotContains(t, all, sub.id, "%s has no value, so * must not match", name)
				} else {
					require.Contains(t, all, sub.id, "%s=*", name)
				}
			}
			require.Positive(t, positive, "no instance has a value for %s: the filter is never tested positively", name)
		})
	}
	// The plain and stopped instances differ from the rich ones.
	require.ElementsMatch(t, []string{stopped}, describeIDs(t, c, types.Filter{Name: aws.String("instance-state-name"), Values: []string{"stopped"}}))
	require.ElementsMatch(t, []string{plain}, describeIDs(t, c, types.Filter{Name: aws.String("tag:Name"), Values: []string{"plain"}}))
	require.ElementsMatch(t, []string{rich}, describeIDs(t, c, types.Filter{Name: aws.String("tag:Name"), Values: []string{"web <&> \"1\""}}))
	require.ElementsMatch(t, []string{rich}, describeIDs(t, c, types.Filter{Name: aws.String("tag:env"), Values: []string{""}}))
	require.ElementsMatch(t, []string{stopped}, describeIDs(t, c, types.Filter{Name: aws.String("state-reason-code"), Values: []string{"Client.UserInitiatedShutdown"}}))
	require.ElementsMatch(t, []string{stopped}, describeIDs(t, c, types.Filter{Name: aws.String("reason"), Values: []string{"User initiated (*GMT)"}}))
	require.ElementsMatch(t, []string{plain, stopped, carrier}, describeIDs(t, c, types.Filter{Name: aws.String("operator.managed"), Values: []string{"false"}}))
	require.ElementsMatch(t, []string{image}, describeIDs(t, c, types.Filter{Name: aws.String("boot-mode"), Values: []string{"uefi-preferred"}}))
	require.ElementsMatch(t, []string{image}, describeIDs(t, c, types.Filter{Name: aws.String("current-instance-boot-mode"), Values: []string{"uefi"}}))
	require.ElementsMatch(t, []string{image}, describeIDs(t, c, types.Filter{Name: aws.String("network-interface.association.ip-owner-id"), Values: []string{"123456789012"}}))
	require.ElementsMatch(t, []string{carrier}, describeIDs(t, c, types.Filter{Name: aws.String("network-interface.ipv4-prefixes.ipv4-prefix"), Values: []string{"10.77.0.16/28"}}))
	require.ElementsMatch(t, []string{carrier}, describeIDs(t, c, types.Filter{Name: aws.String("network-interface.association.carrier-ip"), Values: []string{"155.146.*"}}))
	require.ElementsMatch(t, []string{rich}, describeIDs(t, c, types.Filter{Name: aws.String("network-interface.association.customer-owned-ip"), Values: []string{"100.*"}}))

	// An Elastic IP address stays through a stop; an automatic public
	// address does not.
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{image}})
	require.NoError(t, err)
	got, _ := s.Instance(image)
	require.NotNil(t, got.PublicIpAddress)
	require.Contains(t, describeIDs(t, c, types.Filter{Name: aws.String("network-interface.association.allocation-id"), Values: []string{"eipalloc-*"}}), image)
}

// TestDescribeInstanceStatusOperator checks the operator filters of
// DescribeInstanceStatus.
func TestDescribeInstanceStatusOperator(t *testing.T) {
	s := NewServer()
	defer s.Close()
	managed := s.Launch(LaunchSpec{OperatorPrincipal: "eks.amazonaws.com"})[0]
	s.Launch(LaunchSpec{Count: 2})
	c := s.Client()
	for _, f := range []types.Filter{
		{Name: aws.String("operator.principal"), Values: []string{"eks.amazonaws.com"}},
		{Name: aws.String("operator.managed"), Values: []string{"true"}},
	} {
		out, err := c.DescribeInstanceStatus(context.Background(), &ec2.DescribeInstanceStatusInput{Filters: []types.Filter{f}})
		require.NoError(t, err)
		require.Len(t, out.InstanceStatuses, 1, *f.Name)
		require.Equal(t, managed, *out.InstanceStatuses[0].InstanceId)
		require.Equal(t, "eks.amazonaws.com", *out.InstanceStatuses[0].Operator.Principal)
	}
}

// TestElasticIPFilterIDs: the allocation-id and association-id filters
// each find an instance by its own ID of the Elastic IP address, and
// each derives only that ID (one string per evaluation).
func TestElasticIPFilterIDs(t *testing.T) {
	s := NewServer()
	defer s.Close()
	id := s.Launch(LaunchSpec{ElasticIP: true})[0]
	s.Launch(LaunchSpec{})
	s.mu.RLock()
	v := &fview{s: s, in: s.byID[id], now: s.now()}
	alloc, assoc := assocAllocationID(v), assocAssociationID(v)
	for _, get := range []func(*fview) string{assocAllocationID, assocAssociationID} {
		require.Equal(t, 1.0, testing.AllocsPerRun(10, func() { get(v) }))
	}
	s.mu.RUnlock()
	require.True(t, strings.HasPrefix(alloc, "eipalloc-"), alloc)
	require.True(t, strings.HasPrefix(assoc, "eipassoc-"), assoc)
	find := func(name, value string) []string {
		d, err := s.Client(noRetry).DescribeInstances(ctx, &ec2.DescribeInstancesInput{
			Filters: []types.Filter{{Name: aws.String(name), Values: []string{value}}}})
		require.NoError(t, err)
		var ids []string
		for _, r := range d.Reservations {
			for _, in := range r.Instances {
				ids = append(ids, *in.InstanceId)
			}
		}
		return ids
	}
	for _, prefix := range []string{"network-interface.association.", "network-interface.addresses.association."} {
		require.Equal(t, []string{id}, find(prefix+"allocation-id", alloc))
		require.Equal(t, []string{id}, find(prefix+"association-id", assoc))
		require.Empty(t, find(prefix+"allocation-id", assoc))
		require.Empty(t, find(prefix+"association-id", alloc))
	}
}

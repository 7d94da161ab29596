package ec2test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/require"
)

// TestRunInstancesOneZonePerCall checks that one RunInstances call puts
// all its instances in one subnet and zone, that calls without a
// placement take the zones in turn, and the per-zone rule of
// TerminateInstances with one call per zone: a protected instance keeps
// the instances of its zone (its call) running and the others are
// terminated.
func TestRunInstancesOneZonePerCall(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	var calls [][]string
	zones := map[string]bool{}
	for i := 0; i < 3; i++ {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(3), MaxCount: aws.Int32(3)})
		require.NoError(t, err)
		az, sn := *out.Instances[0].Placement.AvailabilityZone, *out.Instances[0].SubnetId
		var ids []string
		for _, in := range out.Instances {
			require.Equal(t, az, *in.Placement.AvailabilityZone, "one call, one zone")
			require.Equal(t, sn, *in.SubnetId, "one call, one subnet")
			ids = append(ids, *in.InstanceId)
		}
		zones[az] = true
		calls = append(calls, ids)
	}
	require.Len(t, zones, 3, "calls without placement take the zones in turn")

	var all []string
	for _, ids := range calls {
		all = append(all, ids...)
	}
	s.SetProtection(calls[1][2], true, false)
	_, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: all})
	msg := requireCode(t, err, "OperationNotPermitted", 400)
	require.Contains(t, msg, calls[1][2])
	for i, ids := range calls {
		for _, id := range ids {
			want := types.InstanceStateNameTerminated
			if i == 1 {
				want = types.InstanceStateNameRunning
			}
			require.Equal(t, want, state(t, s, id), "call %d, %s", i, id)
		}
	}
}

// TestLaunchSpreadPerZoneRule applies the per-zone rule to instances that
// Launch spread over the zones.
func TestLaunchSpreadPerZoneRule(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 9})
	zone := func(id string) string {
		in, _ := s.Instance(id)
		return *in.Placement.AvailabilityZone
	}
	protected := ids[4]
	s.SetProtection(protected, true, false)
	_, err := s.Client(noRetry).TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	requireCode(t, err, "OperationNotPermitted", 400)
	for _, id := range ids {
		if zone(id) == zone(protected) {
			require.Equal(t, types.InstanceStateNameRunning, state(t, s, id))
		} else {
			require.Equal(t, types.InstanceStateNameTerminated, state(t, s, id))
		}
	}
}

func TestSubnets(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	const sn = "subnet-0aaaaaaaaaaaaaaaa"
	run := func(f func(*ec2.RunInstancesInput)) (*ec2.RunInstancesOutput, error) {
		in := &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(2), MaxCount: aws.Int32(2)}
		f(in)
		return c.RunInstances(ctx, in)
	}
	_, err := run(func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String(sn) })
	msg := requireCode(t, err, "InvalidSubnetID.NotFound", 400)
	require.Equal(t, "The subnet ID '"+sn+"' does not exist", msg)
	_, err = run(func(in *ec2.RunInstancesInput) {
		in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: aws.String(sn)}}
	})
	requireCode(t, err, "InvalidSubnetID.NotFound", 400)
	_, err = run(func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String("subnet-xyz") })
	requireCode(t, err, "InvalidSubnetID.Malformed", 400)
	require.Equal(t, 0, s.Len())

	s.AddSubnet(Subnet{ID: sn, VPCID: "vpc-0bbbbbbbbbbbbbbbb", AvailabilityZone: "us-east-1c"})
	out, err := run(func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String(sn) })
	require.NoError(t, err)
	for _, in := range out.Instances {
		require.Equal(t, sn, *in.SubnetId)
		require.Equal(t, "vpc-0bbbbbbbbbbbbbbbb", *in.VpcId)
		require.Equal(t, "us-east-1c", *in.Placement.AvailabilityZone)
		require.Nil(t, in.PublicIpAddress, "the subnet maps no public addresses")
	}
	_, err = run(func(in *ec2.RunInstancesInput) {
		in.SubnetId = aws.String(sn)
		in.Placement = &types.Placement{AvailabilityZone: aws.String("us-east-1a")}
	})
	requireCode(t, err, "InvalidParameterCombination", 400)
	// A default subnet is known from the start.
	def, _ := s.Instance(s.Launch(LaunchSpec{AvailabilityZone: "us-east-1b"})[0])
	_, err = run(func(in *ec2.RunInstancesInput) { in.SubnetId = def.SubnetId })
	require.NoError(t, err)
	// Launch still creates subnets it does not know.
	id := s.Launch(LaunchSpec{SubnetID: "subnet-0cccccccccccccccc"})[0]
	in, _ := s.Instance(id)
	require.Equal(t, "subnet-0cccccccccccccccc", *in.SubnetId)

	require.Panics(t, func() { s.AddSubnet(Subnet{ID: sn}) }, "known subnet")
	require.Panics(t, func() { s.AddSubnet(Subnet{ID: "subnet-1"}) }, "malformed ID")
	require.Panics(t, func() { s.AddSubnet(Subnet{ID: "subnet-0dddddddddddddddd", AvailabilityZone: "mars-1a"}) })
}

func TestClientTokenMismatch(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	in := &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(2), MaxCount: aws.Int32(2),
		ClientToken: aws.String("tok-1"), InstanceType: types.InstanceTypeT3Micro}
	a, err := c.RunInstances(ctx, in)
	require.NoError(t, err)
	// The same request again is a replay of the first launch.
	b, err := c.RunInstances(ctx, in)
	require.NoError(t, err)
	require.Equal(t, *a.ReservationId, *b.ReservationId)
	// The token with other parameters is refused.
	in.InstanceType = types.InstanceTypeT3Large
	_, err = c.RunInstances(ctx, in)
	msg := requireCode(t, err, "IdempotentParameterMismatch", 400)
	require.Contains(t, msg, "inconsistent")
	in.InstanceType = types.InstanceTypeT3Micro
	in.MaxCount = aws.Int32(3)
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "IdempotentParameterMismatch", 400)
	require.Equal(t, 2, s.Len())
	// A dry run of the same request is not a different request.
	in.MaxCount = aws.Int32(2)
	in.DryRun = aws.Bool(true)
	_, err = c.RunInstances(ctx, in)
	requireCode(t, err, "DryRunOperation", 412)
}

// allAddresses returns every private address of the visible instances:
// those of their interfaces and those their IPv4 prefixes cover.
func allAddresses(t *testing.T, s *Server) []netip.Addr {
	t.Helper()
	var out []netip.Addr
	for _, in := range s.Instances() {
		for _, n := range in.NetworkInterfaces {
			for _, a := range n.PrivateIpAddresses {
				out = append(out, netip.MustParseAddr(*a.PrivateIpAddress))
			}
			for _, p := range n.Ipv4Prefixes {
				pf := netip.MustParsePrefix(*p.Ipv4Prefix)
				require.Equal(t, pf.Masked(), pf)
				for a, i := pf.Addr(), 0; i < 16; a, i = a.Next(), i+1 {
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// addrPlus returns the address n after a.
func addrPlus(a netip.Addr, n int) netip.Addr {
	for ; n > 0; n-- {
		a = a.Next()
	}
	return a
}

// runWithPrefix launches one instance in zone az whose primary interface
// has the chosen IPv4 prefix and, unless ip is empty, the chosen address.
func runWithPrefix(c *ec2.Client, az, prefix, ip string) (*ec2.RunInstancesOutput, error) {
	nic := types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0),
		Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String(prefix)}}}
	if ip != "" {
		nic.PrivateIpAddress = aws.String(ip)
	}
	return c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		Placement: &types.Placement{AvailabilityZone: aws.String(az)}, NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{nic}})
}

// TestPrivateAddressesUnique launches into more zones and subnets than
// fit the old fixed address layout (4 zones, 16 subnets) and checks that
// no two interfaces or prefixes share an address, and that an address or
// an IPv4 prefix chosen by hand is refused while in use and skipped by
// the allocator.
func TestPrivateAddressesUnique(t *testing.T) {
	zones := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d", "eu-west-1e", "eu-west-1f"}
	s := NewServer(WithAvailabilityZones(zones...))
	defer s.Close()
	c := s.Client(noRetry)
	first := s.Launch(LaunchSpec{AvailabilityZone: "eu-west-1a"})[0]
	in, _ := s.Instance(first)
	base := netip.MustParseAddr(*in.PrivateIpAddress)
	// Choose by hand an address and a prefix the allocator would hand
	// out soon.
	ahead := addrPlus(base, 10)
	s.Launch(LaunchSpec{AvailabilityZone: "eu-west-1a", PrivateIPAddress: ahead.String()})
	prefix := netip.PrefixFrom(addrPlus(base, 40), 28).Masked()
	_, err := runWithPrefix(c, "eu-west-1a", prefix.String(), "")
	require.NoError(t, err)
	// A chosen prefix is refused when another instance has it, when it
	// covers an address in use or one handed out, and when the same launch
	// chooses an address inside it.
	for _, clash := range []struct{ prefix, ip string }{
		{prefix.String(), ""},
		{netip.PrefixFrom(ahead, 28).Masked().String(), ""},
		{netip.PrefixFrom(base, 28).Masked().String(), ""},
		{"192.168.9.0/28", "192.168.9.5"},
	} {
		_, err := runWithPrefix(c, "eu-west-1a", clash.prefix, clash.ip)
		requireCode(t, err, "InvalidIPAddress.InUse", 400)
	}
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		PrivateIpAddress: aws.String(addrPlus(prefix.Addr(), 3).String())})
	requireCode(t, err, "InvalidIPAddress.InUse", 400)
	_, err = runWithPrefix(c, "eu-west-1a", "192.168.9.0/28", "192.168.9.16")
	require.NoError(t, err, "a failed launch reserves nothing")
	s.Launch(LaunchSpec{Count: 600, IPv4PrefixCount: 1})
	for i := 0; i < 20; i++ {
		s.Launch(LaunchSpec{Count: 5, SubnetID: "subnet-0" + strings.Repeat("0", 14) + strconv.FormatInt(int64(16+i), 16)})
		s.Launch(LaunchSpec{Count: 3, VPCID: "vpc-0" + strings.Repeat("0", 14) + strconv.FormatInt(int64(16+i), 16)})
	}
	for _, az := range zones {
		_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(4), MaxCount: aws.Int32(4),
			Placement: &types.Placement{AvailabilityZone: aws.String(az)},
			NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{
				{DeviceIndex: aws.Int32(0), Ipv4PrefixCount: aws.Int32(2)}, {DeviceIndex: aws.Int32(1)}, {DeviceIndex: aws.Int32(2), Ipv4PrefixCount: aws.Int32(1)}}})
		require.NoError(t, err)
	}
	addrs := allAddresses(t, s)
	seen := map[netip.Addr]bool{}
	for _, a := range addrs {
		require.False(t, seen[a], "address %s handed out twice", a)
		seen[a] = true
	}
	require.Greater(t, len(addrs), 600*17)

	// An address in use is refused; a free one is accepted.
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		PrivateIpAddress: aws.String(base.Next().String())})
	requireCode(t, err, "InvalidIPAddress.InUse", 400)
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		PrivateIpAddress: aws.String(ahead.String())})
	requireCode(t, err, "InvalidIPAddress.InUse", 400)
	out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		PrivateIpAddress: aws.String("192.168.7.7")})
	require.NoError(t, err)
	require.Equal(t, "192.168.7.7", *out.Instances[0].PrivateIpAddress)
	// Once its instance is terminated, the address may be taken again.
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*out.Instances[0].InstanceId}})
	require.NoError(t, err)
	_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		PrivateIpAddress: aws.String("192.168.7.7")})
	require.NoError(t, err)
}

// TestChosenAddressesReleased: the addresses and prefixes an instance
// chose are held while it lives, count against the free addresses, and
// are given back when the instance is purged.
func TestChosenAddressesReleased(t *testing.T) {
	clk := newClock()
	s := NewServer(WithClock(clk.Now), WithTerminatedRetention(time.Minute))
	defer s.Close()
	c := s.Client(noRetry)
	out, err := runWithPrefix(c, "us-east-1a", "192.168.4.32/28", "192.168.4.7")
	require.NoError(t, err)
	s.mu.RLock()
	require.Len(t, s.explicitIPs, 1+16)
	s.mu.RUnlock()
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{*out.Instances[0].InstanceId}})
	require.NoError(t, err)
	clk.Advance(time.Minute)
	s.Launch(LaunchSpec{}) // purges
	s.mu.RLock()
	require.Empty(t, s.explicitIPs)
	s.mu.RUnlock()
}

// TestPublicAddressRules checks which launches give a public address:
// default subnets and subnets that map one do, unless the launch says
// otherwise; an Elastic IP address always does; a carrier address takes
// the place of the public address, also once the instance is restarted.
func TestPublicAddressRules(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddSubnet(Subnet{ID: "subnet-0000000000000000a"})
	s.AddSubnet(Subnet{ID: "subnet-0000000000000000b", MapPublicIPOnLaunch: true})
	c := s.Client(noRetry)
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), AssociateCarrierIpAddress: aws.Bool(true)}}})
	require.NoError(t, err)
	runCarrier := *run.Instances[0].InstanceId
	cases := []struct {
		name    string
		id      string
		public  bool
		carrier bool
	}{
		{"default subnet", s.Launch(LaunchSpec{})[0], true, false},
		{"default subnet, no", s.Launch(LaunchSpec{AssociatePublicIP: aws.Bool(false)})[0], false, false},
		{"added subnet", s.Launch(LaunchSpec{SubnetID: "subnet-0000000000000000a"})[0], false, false},
		{"added subnet, yes", s.Launch(LaunchSpec{SubnetID: "subnet-0000000000000000a", AssociatePublicIP: aws.Bool(true)})[0], true, false},
		{"mapping subnet", s.Launch(LaunchSpec{SubnetID: "subnet-0000000000000000b"})[0], true, false},
		{"elastic, no", s.Launch(LaunchSpec{SubnetID: "subnet-0000000000000000a", ElasticIP: true, AssociatePublicIP: aws.Bool(false)})[0], true, false},
		{"carrier", s.Launch(LaunchSpec{CarrierIP: true})[0], false, true},
		{"carrier, mapping subnet", s.Launch(LaunchSpec{CarrierIP: true, SubnetID: "subnet-0000000000000000b"})[0], false, true},
		{"carrier, RunInstances", runCarrier, false, true},
	}
	check := func(t *testing.T, id string, public, carrier bool) {
		t.Helper()
		in, ok := s.Instance(id)
		require.True(t, ok)
		require.Equal(t, types.InstanceStateNameRunning, in.State.Name)
		require.Equal(t, public, in.PublicIpAddress != nil, "public address %v", aws.ToString(in.PublicIpAddress))
		var carrierIP *string
		if a := in.NetworkInterfaces[0].Association; a != nil {
			carrierIP = a.CarrierIp
		}
		require.Equal(t, carrier, carrierIP != nil)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.id, tc.public, tc.carrier)
			_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{tc.id}})
			require.NoError(t, err)
			_, err = c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{tc.id}})
			require.NoError(t, err)
			check(t, tc.id, tc.public, tc.carrier)
		})
	}
	require.Panics(t, func() { s.Launch(LaunchSpec{CarrierIP: true, AssociatePublicIP: aws.Bool(true)}) })
	require.Panics(t, func() { s.Launch(LaunchSpec{CarrierIP: true, ElasticIP: true}) })
}

// TestInstanceProfileID: an instance profile's ID follows its ARN, the
// same from Launch and RunInstances, and differs between ARNs of the
// same length.
func TestInstanceProfileID(t *testing.T) {
	s := NewServer()
	defer s.Close()
	const arnA, arnB = "arn:aws:iam::123456789012:instance-profile/a", "arn:aws:iam::123456789012:instance-profile/b"
	profileID := func(id string) string {
		in, ok := s.Instance(id)
		require.True(t, ok)
		return *in.IamInstanceProfile.Id
	}
	a := profileID(s.Launch(LaunchSpec{IAMInstanceProfileARN: arnA})[0])
	b := profileID(s.Launch(LaunchSpec{IAMInstanceProfileARN: arnB})[0])
	require.NotEqual(t, a, b)
	out, err := s.Client(noRetry).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("a")}})
	require.NoError(t, err)
	require.Equal(t, a, profileID(*out.Instances[0].InstanceId))
}

// TestPrefixes checks delegated prefixes from RunInstances: counts,
// explicit prefixes, and their validation.
func TestPrefixes(t *testing.T) {
	s := NewServer()
	defer s.Close()
	c := s.Client(noRetry)
	run := func(count int32, nics ...types.InstanceNetworkInterfaceSpecification) (*ec2.RunInstancesOutput, error) {
		return c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(count), MaxCount: aws.Int32(count),
			NetworkInterfaces: nics})
	}
	out, err := run(1, types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0),
		Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String("10.1.2.32/28")}},
		Ipv6Prefixes: []types.Ipv6PrefixSpecificationRequest{{Ipv6Prefix: aws.String("2600:1f18:1:2:3::/80")}}})
	require.NoError(t, err)
	n := out.Instances[0].NetworkInterfaces[0]
	require.Equal(t, "10.1.2.32/28", *n.Ipv4Prefixes[0].Ipv4Prefix)
	require.Equal(t, "2600:1f18:1:2:3::/80", *n.Ipv6Prefixes[0].Ipv6Prefix)
	out, err = run(2, types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0), Ipv6PrefixCount: aws.Int32(3)})
	require.NoError(t, err)
	require.Len(t, out.Instances[1].NetworkInterfaces[0].Ipv6Prefixes, 3)
	require.NotEqual(t, *out.Instances[0].NetworkInterfaces[0].Ipv6Prefixes[0].Ipv6Prefix, *out.Instances[1].NetworkInterfaces[0].Ipv6Prefixes[0].Ipv6Prefix)
	for _, bad := range []types.InstanceNetworkInterfaceSpecification{
		{DeviceIndex: aws.Int32(0), Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String("10.1.2.33/28")}}}, // not masked
		{DeviceIndex: aws.Int32(0), Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String("10.1.2.0/24")}}},
		{DeviceIndex: aws.Int32(0), Ipv6Prefixes: []types.Ipv6PrefixSpecificationRequest{{Ipv6Prefix: aws.String("10.1.2.32/28")}}},
		{DeviceIndex: aws.Int32(0), Ipv4PrefixCount: aws.Int32(51)},
	} {
		_, err = run(1, bad)
		requireCode(t, err, "InvalidParameterValue", 400)
	}
	_, err = run(1, types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0), Ipv4PrefixCount: aws.Int32(1),
		Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String("10.1.2.48/28")}}})
	requireCode(t, err, "InvalidParameterCombination", 400)
	_, err = run(2, types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0),
		Ipv4Prefixes: []types.Ipv4PrefixSpecificationRequest{{Ipv4Prefix: aws.String("10.1.2.48/28")}}})
	requireCode(t, err, "InvalidParameterCombination", 400)
	_, err = run(1, types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0),
		AssociatePublicIpAddress: aws.Bool(true), AssociateCarrierIpAddress: aws.Bool(true)})
	requireCode(t, err, "InvalidParameterCombination", 400)
}

// TestOversizedListsRejected checks that lists longer than EC2 allows are
// rejected from their member count, before any member is parsed.
func TestOversizedListsRejected(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 3})
	post := func(form url.Values) (int, string) {
		rec := serve(t, s, form)
		return rec.Code, rec.Body.String()
	}
	base := func(action string) url.Values { return url.Values{"Action": {action}, "Version": {apiVersion}} }

	run := base("RunInstances")
	run.Set("ImageId", DefaultImageID)
	run.Set("MinCount", "1")
	run.Set("MaxCount", "1")
	many := func(form url.Values, n int, key func(i int) string) url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for i := 1; i <= n; i++ {
			f.Set(key(i), "1")
		}
		return f
	}
	cases := []struct {
		name string
		form url.Values
		code string
	}{
		{"network interfaces", many(run, 5000, func(i int) string { return "NetworkInterface." + strconv.Itoa(i) + ".DeviceIndex" }), "InvalidParameterValue"},
		{"block devices", many(run, 5000, func(i int) string { return "BlockDeviceMapping." + strconv.Itoa(i) + ".DeviceName" }), "InvalidParameterValue"},
		{"tag specifications", many(run, 5000, func(i int) string { return "TagSpecification." + strconv.Itoa(i) + ".ResourceType" }), "InvalidParameterValue"},
		{"tags of a specification", many(run, 5000, func(i int) string { return "TagSpecification.1.Tag." + strconv.Itoa(i) + ".Key" }), "TagLimitExceeded"},
		{"security groups", many(run, 17, func(i int) string { return "SecurityGroupId." + strconv.Itoa(i) }), "SecurityGroupsPerInterfaceLimitExceeded"},
		{"filters", many(base("DescribeInstances"), 5000, func(i int) string { return "Filter." + strconv.Itoa(i) + ".Name" }), "FilterLimitExceeded"},
	}
	tags := base("CreateTags")
	tags.Set("ResourceId.1", ids[0])
	cases = append(cases, struct {
		name string
		form url.Values
		code string
	}{"create tags", many(tags, 5000, func(i int) string { return "Tag." + strconv.Itoa(i) + ".Key" }), "TagLimitExceeded"})
	for _, tc := range cases {
		status, body := post(tc.form)
		require.Equal(t, http.StatusBadRequest, status, tc.name)
		require.Contains(t, body, "<Code>"+tc.code+"</Code>", tc.name)
	}
	require.Equal(t, 3, s.Len())

	// Deleting many keys costs a map lookup per tag of each instance.
	s.SetTags(ids[1], map[string]string{"k7": "v", "keep": "v", "k4999": "x"})
	del := base("DeleteTags")
	del.Set("ResourceId.1", ids[1])
	for i := 1; i <= 5000; i++ {
		del.Set("Tag."+strconv.Itoa(i)+".Key", "k"+strconv.Itoa(i))
	}
	del.Set("Tag.4999.Value", "y") // only k4999=y
	status, body := post(del)
	require.Equal(t, http.StatusOK, status, body)
	in, _ := s.Instance(ids[1])
	require.Equal(t, map[string]string{"keep": "v", "k4999": "x"}, tagsOf(in))

	// CreateTags merges, the last value of a repeated key winning.
	ct := base("CreateTags")
	ct.Set("ResourceId.1", ids[2])
	ct.Set("Tag.1.Key", "a")
	ct.Set("Tag.1.Value", "1")
	ct.Set("Tag.2.Key", "a")
	ct.Set("Tag.2.Value", "2")
	status, body = post(ct)
	require.Equal(t, http.StatusOK, status, body)
	in, _ = s.Instance(ids[2])
	require.Equal(t, map[string]string{"a": "2"}, tagsOf(in))
}

func TestMembers(t *testing.T) {
	r := &request{params: url.Values{"N.1.A": {"a"}, "N.3.B.1": {"b"}, "N.2.A": {"c"}, "N.x.A": {"bad"}, "N.01.A": {"lead"}, "N.4": {"flat"}}}
	ms, ok := r.members("N", 10)
	require.True(t, ok)
	require.Len(t, ms, 3)
	require.Equal(t, []int{1, 2, 3}, []int{ms[0].n, ms[1].n, ms[2].n})
	require.Equal(t, "b", ms[2].r.list("B")[0])
	_, ok = r.members("N", 2)
	require.False(t, ok)
}

// TestAddressesExhausted: when a subnet's addresses run out, RunInstances
// fails before it launches anything.
func TestAddressesExhausted(t *testing.T) {
	s := NewServer()
	defer s.Close()
	// Leave one block (65,531 usable addresses) for the whole server.
	s.mu.Lock()
	s.pools[0].next = s.pools[0].end
	s.pools[1].next = s.pools[1].end - blockSize
	s.mu.Unlock()
	// Each instance takes an address and 50 /28 prefixes: 801 addresses,
	// up to 816 with the alignment.
	s.Launch(LaunchSpec{Count: 40, AvailabilityZone: "us-east-1a", IPv4PrefixCount: 50})
	s.Launch(LaunchSpec{Count: 40, AvailabilityZone: "us-east-1a", IPv4PrefixCount: 50})
	c := s.Client(noRetry)
	run := func(prefixes int32) error {
		_, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(DefaultImageID), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			Placement:         &types.Placement{AvailabilityZone: aws.String("us-east-1a")},
			NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), Ipv4PrefixCount: aws.Int32(prefixes)}}})
		return err
	}
	requireCode(t, run(50), "InsufficientFreeAddressesInSubnet", 400)
	require.Equal(t, 80, s.Len(), "nothing launched")
	require.NoError(t, run(0), "a single address is still free")
	seen := map[netip.Addr]bool{}
	for _, a := range allAddresses(t, s) {
		require.False(t, seen[a])
		seen[a] = true
	}
	require.Len(t, seen, 80*801+1)
}

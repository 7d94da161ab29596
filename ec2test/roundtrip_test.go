package ec2test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/require"
)

// richSubnet is the subnet of richInput: on an Outpost, with
// customer-owned addresses. addRichSubnet makes it known to a server.
const richSubnet = "subnet-0123456789abcdef0"

func addRichSubnet(s *Server) {
	s.AddSubnet(Subnet{ID: richSubnet, AvailabilityZone: "us-east-1b",
		OutpostARN:            "arn:aws:outposts:us-east-1:123456789012:outpost/op-0123456789abcdef0",
		CustomerOwnedIPv4Pool: "ipv4pool-coip-0123456789abcdef0"})
}

// richInput is a RunInstancesInput with as many instance fields set as
// the server models. Its subnet must be added with addRichSubnet.
func richInput() *ec2.RunInstancesInput {
	return &ec2.RunInstancesInput{
		ImageId:      aws.String("ami-0abcdef1234567890"),
		MinCount:     aws.Int32(2),
		MaxCount:     aws.Int32(2),
		InstanceType: types.InstanceTypeT3Micro,
		KeyName:      aws.String("deploy-key"),
		KernelId:     aws.String("aki-12345678"),
		RamdiskId:    aws.String("ari-12345678"),
		Placement: &types.Placement{
			AvailabilityZone: aws.String("us-east-1b"),
			GroupName:        aws.String("pg-1"),
			PartitionNumber:  aws.Int32(3),
			Tenancy:          types.TenancyDedicated,
			HostId:           aws.String("h-0123456789abcdef0"),
			Affinity:         aws.String("host"),
		},
		Monitoring:            &types.RunInstancesMonitoringEnabled{Enabled: aws.Bool(true)},
		DisableApiTermination: aws.Bool(true),
		DisableApiStop:        aws.Bool(true),
		EbsOptimized:          aws.Bool(true),
		UserData:              aws.String("ZWNobyBoaQ=="),
		IamInstanceProfile:    &types.IamInstanceProfileSpecification{Name: aws.String("web")},
		MetadataOptions: &types.InstanceMetadataOptionsRequest{
			HttpEndpoint:            types.InstanceMetadataEndpointStateEnabled,
			HttpTokens:              types.HttpTokensStateOptional,
			HttpPutResponseHopLimit: aws.Int32(5),
			HttpProtocolIpv6:        types.InstanceMetadataProtocolStateEnabled,
			InstanceMetadataTags:    types.InstanceMetadataTagsStateEnabled,
		},
		HibernationOptions: &types.HibernationOptionsRequest{Configured: aws.Bool(true)},
		EnclaveOptions:     &types.EnclaveOptionsRequest{Enabled: aws.Bool(true)},
		CpuOptions:         &types.CpuOptionsRequest{CoreCount: aws.Int32(2), ThreadsPerCore: aws.Int32(1)},
		CapacityReservationSpecification: &types.CapacityReservationSpecification{
			CapacityReservationTarget: &types.CapacityReservationTarget{
				CapacityReservationId: aws.String("cr-0123456789abcdef0"),
			},
		},
		MaintenanceOptions: &types.InstanceMaintenanceOptionsRequest{AutoRecovery: types.InstanceAutoRecoveryStateDisabled},
		PrivateDnsNameOptions: &types.PrivateDnsNameOptionsRequest{
			HostnameType:                    types.HostnameTypeResourceName,
			EnableResourceNameDnsARecord:    aws.Bool(true),
			EnableResourceNameDnsAAAARecord: aws.Bool(false),
		},
		NetworkPerformanceOptions: &types.InstanceNetworkPerformanceOptionsRequest{BandwidthWeighting: types.InstanceBandwidthWeightingVpc1},
		InstanceMarketOptions:     &types.InstanceMarketOptionsRequest{MarketType: types.MarketTypeSpot},
		Operator:                  &types.OperatorRequest{Principal: aws.String("eks.amazonaws.com")},
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{
			{DeviceIndex: aws.Int32(0), SubnetId: aws.String(richSubnet), Groups: []string{"sg-0123456789abcdef0"},
				AssociatePublicIpAddress: aws.Bool(true), Description: aws.String("primary"), Ipv6AddressCount: aws.Int32(2),
				Ipv4PrefixCount: aws.Int32(2)},
			{DeviceIndex: aws.Int32(1), Description: aws.String("second"), DeleteOnTermination: aws.Bool(false), NetworkCardIndex: aws.Int32(0),
				Ipv6PrefixCount: aws.Int32(1)},
		},
		BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(20), DeleteOnTermination: aws.Bool(true)}},
			{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(100), DeleteOnTermination: aws.Bool(false)}},
		},
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web <&> \"1\"")}, {Key: aws.String("env"), Value: aws.String("")}}},
			{ResourceType: types.ResourceTypeNetworkInterface, Tags: []types.Tag{{Key: aws.String("eni"), Value: aws.String("yes")}}},
		},
	}
}

// TestRoundTrip launches instances with many fields set and checks that
// what the SDK parses from the server's XML is exactly the server's own
// view of the instances, in the RunInstances answer and in
// DescribeInstances, for running, stopped and terminated instances.
func TestRoundTrip(t *testing.T) {
	s := NewServer(WithTerminatedRetention(-1))
	defer s.Close()
	addRichSubnet(s)
	c := s.Client()
	ctx := context.Background()
	run, err := c.RunInstances(ctx, richInput())
	require.NoError(t, err)
	require.Len(t, run.Instances, 2)
	for _, got := range run.Instances {
		require.Equal(t, types.InstanceStateNamePending, got.State.Name)
		require.NotNil(t, got.SpotInstanceRequestId)
	}
	ids := []string{*run.Instances[0].InstanceId, *run.Instances[1].InstanceId}
	check := func(stage string) {
		t.Helper()
		d, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		require.NoError(t, err, stage)
		require.Len(t, d.Reservations, 1, stage)
		require.Equal(t, *run.ReservationId, *d.Reservations[0].ReservationId)
		for _, got := range d.Reservations[0].Instances {
			want, ok := s.Instance(*got.InstanceId)
			require.True(t, ok)
			require.Equal(t, want, got, stage)
		}
	}
	check("running")
	// Also make the stopped and terminated shapes round-trip.
	_, err = c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(ids[0]),
		DisableApiStop: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	require.NoError(t, err)
	_, err = c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids[:1]})
	require.NoError(t, err)
	s.SetProtection(ids[1], false, false)
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[1:]})
	require.NoError(t, err)
	check("stopped/terminated")

	// Every field the server sets must be present after the round trip;
	// spot-check the ones that come from the request.
	got, _ := s.Instance(ids[0])
	require.Equal(t, "deploy-key", *got.KeyName)
	require.Equal(t, "us-east-1b", *got.Placement.AvailabilityZone)
	require.Equal(t, int32(3), *got.Placement.PartitionNumber)
	require.Equal(t, richSubnet, *got.SubnetId)
	require.Equal(t, "arn:aws:outposts:us-east-1:123456789012:outpost/op-0123456789abcdef0", *got.OutpostArn)
	require.Equal(t, "eks.amazonaws.com", *got.Operator.Principal)
	require.True(t, *got.Operator.Managed)
	require.Len(t, got.NetworkInterfaces, 2)
	require.Len(t, got.NetworkInterfaces[0].Ipv4Prefixes, 2)
	require.Len(t, got.NetworkInterfaces[1].Ipv6Prefixes, 1)
	require.Equal(t, "eks.amazonaws.com", *got.NetworkInterfaces[1].Operator.Principal)
	require.Len(t, got.NetworkInterfaces[0].Ipv6Addresses, 2)
	require.Len(t, got.BlockDeviceMappings, 2)
	require.Equal(t, types.HttpTokensStateOptional, got.MetadataOptions.HttpTokens)
	require.Equal(t, "cr-0123456789abcdef0", *got.CapacityReservationSpecification.CapacityReservationTarget.CapacityReservationId)
	require.Equal(t, types.InstanceLifecycleTypeSpot, got.InstanceLifecycle)
	require.Equal(t, ids[0]+".ec2.internal", *got.PrivateDnsName)
}

// TestRoundTripLaunch does the same for instances seeded with Launch.
func TestRoundTripLaunch(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 3, KeyName: "k", Tags: map[string]string{"b": "2", "a": "1"}, Monitoring: true,
		SecurityGroupIDs: []string{"sg-0123456789abcdef0"}, Platform: "windows", IAMInstanceProfileARN: "arn:aws:iam::123456789012:instance-profile/x",
		InstanceLifecycle: "spot", PlacementGroup: "pg", Tenancy: "dedicated", EBSOptimized: true, ClientToken: "tok"})
	ids = append(ids, s.Launch(LaunchSpec{State: "stopped", VPCID: "vpc-0123456789abcdef0", AvailabilityZone: "us-east-1c"})...)
	explicit := s.Launch(LaunchSpec{SubnetID: "subnet-0123456789abcdef1", PrivateIPAddress: "10.9.8.7", AssociatePublicIP: aws.Bool(true)})[0]
	ids = append(ids, explicit)
	image := s.Launch(LaunchSpec{Count: 2, AvailabilityZone: "us-east-1a", ElasticIP: true, BootMode: "uefi", TPMSupport: "v2.0",
		ProductCodes: []ProductCode{{ID: "pc-market"}, {ID: "pc-devpay", Type: "devpay"}}, RequesterID: "940372691376",
		OperatorPrincipal: "eks.amazonaws.com", IPv4PrefixCount: 2, IPv6PrefixCount: 1})
	carrier := s.Launch(LaunchSpec{CarrierIP: true, AvailabilityZone: "us-east-1c", State: "stopped"})
	ids = append(append(ids, image...), carrier...)
	d, err := s.Client().DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	n := 0
	for _, r := range d.Reservations {
		for _, got := range r.Instances {
			want, ok := s.Instance(*got.InstanceId)
			require.True(t, ok)
			require.Equal(t, want, got)
			n++
		}
	}
	require.Equal(t, len(ids), n)
	last, _ := s.Instance(explicit)
	require.Equal(t, "10.9.8.7", *last.PrivateIpAddress)
	require.NotNil(t, last.PublicIpAddress)
	stopped, _ := s.Instance(ids[3])
	require.Equal(t, "vpc-0123456789abcdef0", *stopped.VpcId)
	require.Equal(t, "us-east-1c", *stopped.Placement.AvailabilityZone)
	require.Nil(t, stopped.PublicIpAddress)
	require.Equal(t, "Client.UserInitiatedShutdown", *stopped.StateReason.Code)

	img, _ := s.Instance(image[1])
	require.Equal(t, types.BootModeValuesUefi, img.BootMode)
	require.Equal(t, types.InstanceBootModeValuesUefi, img.CurrentInstanceBootMode)
	require.Equal(t, "v2.0", *img.TpmSupport)
	require.Len(t, img.ProductCodes, 2)
	require.Equal(t, types.ProductCodeValuesDevpay, img.ProductCodes[1].ProductCodeType)
	require.Equal(t, "123456789012", *img.NetworkInterfaces[0].Association.IpOwnerId, "an Elastic IP address belongs to the account")
	require.Equal(t, []string{"/28", "/28"}, []string{(*img.NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix)[len(*img.NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix)-3:],
		(*img.NetworkInterfaces[0].Ipv4Prefixes[1].Ipv4Prefix)[len(*img.NetworkInterfaces[0].Ipv4Prefixes[1].Ipv4Prefix)-3:]})
	for _, r := range d.Reservations {
		if *r.Instances[0].InstanceId == image[0] {
			require.Equal(t, "940372691376", *r.RequesterId)
		}
	}
	car, _ := s.Instance(carrier[0])
	require.Nil(t, car.PublicIpAddress)
	require.NotNil(t, car.NetworkInterfaces[0].Association.CarrierIp)
}

package ec2test

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// arena holds the pointed-to values of one snapshot, so building a
// types.Instance costs a handful of allocations instead of a hundred.
// Values are copied in (strings share their immutable bytes), so nothing a
// caller does with a snapshot reaches the server's records.
type arena struct {
	strs  []string
	bools []bool
	ints  []int32
}

func newArena(nstr int) *arena {
	return &arena{strs: make([]string, 0, nstr), bools: make([]bool, 0, 16), ints: make([]int32, 0, 16)}
}

func (a *arena) s(v string) *string {
	if len(a.strs) == cap(a.strs) {
		return aws.String(v)
	}
	a.strs = append(a.strs, v)
	return &a.strs[len(a.strs)-1]
}

func (a *arena) b(v bool) *bool {
	if len(a.bools) == cap(a.bools) {
		return aws.Bool(v)
	}
	a.bools = append(a.bools, v)
	return &a.bools[len(a.bools)-1]
}

func (a *arena) i(v int32) *int32 {
	if len(a.ints) == cap(a.ints) {
		return aws.Int32(v)
	}
	a.ints = append(a.ints, v)
	return &a.ints[len(a.ints)-1]
}

// fixed holds the structs every snapshot points to, allocated together.
type fixed struct {
	lt         time.Time
	state      types.InstanceState
	placement  types.Placement
	monitoring types.Monitoring
	enclave    types.EnclaveOptions
	hib        types.HibernationOptions
	maint      types.InstanceMaintenanceOptions
	npo        types.InstanceNetworkPerformanceOptions
	op         types.OperatorResponse
	cpu        types.CpuOptions
	crs        types.CapacityReservationSpecificationResponse
	md         types.InstanceMetadataOptionsResponse
	pdns       types.PrivateDnsNameOptionsResponse
	sr         types.StateReason
	iam        types.IamInstanceProfile
	crt        types.CapacityReservationTargetResponse
	assoc      types.InstanceNetworkInterfaceAssociation
}

// nicFixed holds the structs of one network interface.
type nicFixed struct {
	att types.InstanceNetworkInterfaceAttachment
	op  types.OperatorResponse
	pa  [1]types.InstancePrivateIpAddress
}

// snapshot returns the instance as DescribeInstances shows it at now. The
// same value is written as XML (writeInstance) and returned by
// Server.Instance, so the two cannot disagree. It needs a read lock.
func (s *Server) snapshot(in *instance, now time.Time) types.Instance {
	c := in.cfg
	st := in.state(now)
	nstr := 48 + 2*len(in.tags) + 2*len(c.groups) + 2*len(c.blockDevices) + 12*len(c.nics)
	for _, n := range c.nics {
		nstr += n.ipv6Count + n.ipv4PrefixCount + len(n.ipv4Prefixes) + n.ipv6PrefixCount + len(n.ipv6Prefixes)
	}
	a := newArena(nstr)
	f := &fixed{lt: in.launchTime}
	lt := &f.lt
	f.state = types.InstanceState{Code: a.i(st.code()), Name: stateNames[st]}
	f.enclave.Enabled = a.b(c.enclave)
	f.hib.Configured = a.b(c.hibernation)
	f.maint.AutoRecovery = types.InstanceAutoRecoveryState(c.autoRecovery)
	f.monitoring.State = monNames[in.monitoring(now)]
	f.npo.BandwidthWeighting = types.InstanceBandwidthWeighting(c.bandwidthWeighting)
	f.op.Managed = a.b(c.managed())
	if c.managed() {
		f.op.Principal = a.s(c.operatorPrincipal)
	}
	f.cpu = types.CpuOptions{CoreCount: a.i(c.cpuCores), ThreadsPerCore: a.i(c.cpuThreads)}
	f.crs.CapacityReservationPreference = types.CapacityReservationPreference(c.crPreference)
	f.md = types.InstanceMetadataOptionsResponse{
		HttpEndpoint:            types.InstanceMetadataEndpointState(c.mdHTTPEndpoint),
		HttpProtocolIpv6:        types.InstanceMetadataProtocolState(c.mdHTTPProtocolIPv6),
		HttpPutResponseHopLimit: a.i(c.mdHopLimit),
		HttpTokens:              types.HttpTokensState(c.mdHTTPTokens),
		InstanceMetadataTags:    types.InstanceMetadataTagsState(c.mdTags),
		State:                   types.InstanceMetadataOptionsStateApplied,
	}
	f.placement = types.Placement{
		AvailabilityZone: a.s(in.az),
		GroupName:        a.s(c.placementGroup),
		Tenancy:          types.Tenancy(c.tenancy),
	}
	f.pdns = types.PrivateDnsNameOptionsResponse{
		EnableResourceNameDnsAAAARecord: a.b(c.dnsAAAA),
		EnableResourceNameDnsARecord:    a.b(c.dnsA),
		HostnameType:                    types.HostnameType(c.hostnameType),
	}
	out := types.Instance{
		AmiLaunchIndex:                   a.i(in.launchIndex),
		Architecture:                     types.ArchitectureValues(c.architecture),
		ClientToken:                      a.s(c.clientToken),
		CurrentInstanceBootMode:          types.InstanceBootModeValues(c.currentBootMode),
		EbsOptimized:                     a.b(c.ebsOptimized),
		EnaSupport:                       a.b(c.enaSupport),
		EnclaveOptions:                   &f.enclave,
		HibernationOptions:               &f.hib,
		Hypervisor:                       types.HypervisorType(c.hypervisor),
		ImageId:                          a.s(c.imageID),
		InstanceId:                       a.s(in.id),
		InstanceType:                     types.InstanceType(c.instanceType),
		LaunchTime:                       lt,
		MaintenanceOptions:               &f.maint,
		Monitoring:                       &f.monitoring,
		NetworkPerformanceOptions:        &f.npo,
		Operator:                         &f.op,
		PlatformDetails:                  a.s(c.platformDetails),
		PrivateDnsName:                   a.s(""),
		PublicDnsName:                    a.s(""),
		RootDeviceName:                   a.s(c.rootDeviceName),
		RootDeviceType:                   types.DeviceType(c.rootDeviceType),
		SourceDestCheck:                  a.b(c.sourceDestCheck),
		State:                            &f.state,
		StateTransitionReason:            a.s(in.transitionReason(now)),
		UsageOperation:                   a.s(c.usageOp),
		UsageOperationUpdateTime:         lt,
		VirtualizationType:               types.VirtualizationType(c.virtualizationType),
		CpuOptions:                       &f.cpu,
		CapacityReservationSpecification: &f.crs,
		MetadataOptions:                  &f.md,
		Placement:                        &f.placement,
		PrivateDnsNameOptions:            &f.pdns,
	}
	if c.keyName != "" {
		out.KeyName = a.s(c.keyName)
	}
	if c.kernelID != "" {
		out.KernelId = a.s(c.kernelID)
	}
	if c.ramdiskID != "" {
		out.RamdiskId = a.s(c.ramdiskID)
	}
	if c.platform != "" {
		out.Platform = types.PlatformValues(c.platform)
	}
	if c.bootMode != "" {
		out.BootMode = types.BootModeValues(c.bootMode)
	}
	if c.tpmSupport != "" {
		out.TpmSupport = a.s(c.tpmSupport)
	}
	if c.lifecycle != "" {
		out.InstanceLifecycle = types.InstanceLifecycleType(c.lifecycle)
		if c.lifecycle == "spot" {
			out.SpotInstanceRequestId = a.s(s.spotRequestID(in))
		}
	}
	if c.capacityReservationID != "" {
		out.CapacityReservationId = a.s(c.capacityReservationID)
	}
	if c.crTargetID != "" || c.crTargetARN != "" {
		if c.crTargetID != "" {
			f.crt.CapacityReservationId = a.s(c.crTargetID)
		}
		if c.crTargetARN != "" {
			f.crt.CapacityReservationResourceGroupArn = a.s(c.crTargetARN)
		}
		f.crs.CapacityReservationTarget = &f.crt
	}
	if c.iamARN != "" {
		f.iam = types.IamInstanceProfile{Arn: a.s(c.iamARN), Id: a.s(c.iamID)}
		out.IamInstanceProfile = &f.iam
	}
	if c.partition != 0 {
		f.placement.PartitionNumber = a.i(c.partition)
	}
	if c.hostID != "" {
		f.placement.HostId = a.s(c.hostID)
	}
	if c.affinity != "" {
		f.placement.Affinity = a.s(c.affinity)
	}
	if c.outpostARN != "" {
		out.OutpostArn = a.s(c.outpostARN)
	}
	for _, pc := range c.productCodes {
		out.ProductCodes = append(out.ProductCodes, types.ProductCode{ProductCodeId: a.s(pc.id), ProductCodeType: types.ProductCodeValues(pc.typ)})
	}
	if code, msg := in.stateReason(now); code != "" {
		f.sr = types.StateReason{Code: a.s(code), Message: a.s(msg)}
		out.StateReason = &f.sr
	}
	if len(in.tags) > 0 {
		out.Tags = make([]types.Tag, len(in.tags))
		for i, t := range in.tags {
			out.Tags[i] = types.Tag{Key: a.s(t.key), Value: a.s(t.value)}
		}
	}
	out.SecurityGroups = make([]types.GroupIdentifier, len(c.groups))
	for i, g := range c.groups {
		out.SecurityGroups[i] = types.GroupIdentifier{GroupId: a.s(g.id), GroupName: a.s(g.name)}
	}
	if st == stTerminated {
		// A terminated instance has lost its interfaces, addresses and
		// volumes. EC2 still writes an empty blockDeviceMapping, which the
		// SDK reads as an empty list.
		out.BlockDeviceMappings = []types.InstanceBlockDeviceMapping{}
		return out
	}
	out.SubnetId = a.s(in.sub.id)
	out.VpcId = a.s(in.sub.vpcID)
	out.PrivateIpAddress = a.s(ipString(in.privateIP))
	out.PrivateDnsName = a.s(s.privateDNSName(in, in.privateIP))
	if in.publicIP != 0 {
		out.PublicIpAddress = a.s(ipString(in.publicIP))
		out.PublicDnsName = a.s(publicDNSName(in.az, in.publicIP))
	}
	if hasAssociation(in) {
		f.assoc = types.InstanceNetworkInterfaceAssociation{
			IpOwnerId:     a.s(ipOwner(in)),
			PublicDnsName: out.PublicDnsName,
			PublicIp:      out.PublicIpAddress,
		}
		if ip := carrierIP(in); ip != 0 {
			f.assoc.CarrierIp = a.s(ipString(ip))
		}
		if ip := customerOwnedIP(in); ip != 0 {
			f.assoc.CustomerOwnedIp = a.s(ipString(ip))
		}
	}
	bds := make([]types.EbsInstanceBlockDevice, len(c.blockDevices))
	out.BlockDeviceMappings = make([]types.InstanceBlockDeviceMapping, len(c.blockDevices))
	for i, bd := range c.blockDevices {
		bds[i] = types.EbsInstanceBlockDevice{
			AttachTime:          lt,
			DeleteOnTermination: a.b(bd.deleteOnTermination),
			Status:              types.AttachmentStatusAttached,
			VolumeId:            a.s(s.volumeID(in, i)),
		}
		out.BlockDeviceMappings[i] = types.InstanceBlockDeviceMapping{DeviceName: a.s(bd.deviceName), Ebs: &bds[i]}
	}
	nf := make([]nicFixed, len(c.nics))
	out.NetworkInterfaces = make([]types.InstanceNetworkInterface, len(c.nics))
	for k, n := range c.nics {
		addr := in.privateIP + uint32(k)
		dns := a.s(s.privateDNSName(in, addr))
		ip := a.s(ipString(addr))
		nf[k].att = types.InstanceNetworkInterfaceAttachment{
			AttachTime:          lt,
			AttachmentId:        a.s(s.attachmentID(in, k)),
			DeleteOnTermination: a.b(n.deleteOnTermination),
			DeviceIndex:         a.i(n.deviceIndex),
			NetworkCardIndex:    a.i(n.networkCardIndex),
			Status:              types.AttachmentStatusAttached,
		}
		nf[k].op = *out.Operator
		nf[k].pa[0] = types.InstancePrivateIpAddress{Primary: a.b(true), PrivateDnsName: dns, PrivateIpAddress: ip}
		ni := types.InstanceNetworkInterface{
			Attachment:         &nf[k].att,
			Description:        a.s(n.description),
			Groups:             out.SecurityGroups,
			InterfaceType:      a.s("interface"),
			MacAddress:         a.s(s.macAddress(in, k)),
			NetworkInterfaceId: a.s(s.eniID(in, k)),
			OwnerId:            a.s(c.ownerID),
			PrivateDnsName:     dns,
			PrivateIpAddress:   ip,
			SourceDestCheck:    out.SourceDestCheck,
			Status:             types.NetworkInterfaceStatusInUse,
			SubnetId:           out.SubnetId,
			VpcId:              out.VpcId,
			Operator:           &nf[k].op,
			PrivateIpAddresses: nf[k].pa[:],
		}
		if k == 0 && hasAssociation(in) {
			ni.Association = &f.assoc
			nf[k].pa[0].Association = &f.assoc
		}
		if ps := s.ipv4Prefixes(in, k); len(ps) > 0 {
			ni.Ipv4Prefixes = make([]types.InstanceIpv4Prefix, len(ps))
			for j, p := range ps {
				ni.Ipv4Prefixes[j].Ipv4Prefix = a.s(p)
			}
		}
		if ps := s.ipv6Prefixes(in, k); len(ps) > 0 {
			ni.Ipv6Prefixes = make([]types.InstanceIpv6Prefix, len(ps))
			for j, p := range ps {
				ni.Ipv6Prefixes[j].Ipv6Prefix = a.s(p)
			}
		}
		if n.ipv6Count > 0 {
			ni.Ipv6Addresses = make([]types.InstanceIpv6Address, n.ipv6Count)
			for j := range ni.Ipv6Addresses {
				ni.Ipv6Addresses[j] = types.InstanceIpv6Address{Ipv6Address: a.s(s.ipv6Address(in, k, j)), IsPrimaryIpv6: a.b(false)}
			}
		}
		out.NetworkInterfaces[k] = ni
	}
	if len(out.NetworkInterfaces) > 0 && len(out.NetworkInterfaces[0].Ipv6Addresses) > 0 {
		out.Ipv6Address = out.NetworkInterfaces[0].Ipv6Addresses[0].Ipv6Address
	}
	return out
}

// writeInstance writes the child elements of an instance item. Every
// field snapshot sets is written here; the round-trip test checks that the
// SDK reads back exactly what snapshot produced.
func writeInstance(x *xw, in *types.Instance) {
	x.str("instanceId", in.InstanceId)
	x.str("imageId", in.ImageId)
	if in.State != nil {
		x.open("instanceState")
		x.int32p("code", in.State.Code)
		x.enum("name", string(in.State.Name))
		x.close("instanceState")
	}
	x.str("privateDnsName", in.PrivateDnsName)
	x.str("dnsName", in.PublicDnsName)
	x.str("reason", in.StateTransitionReason)
	x.str("keyName", in.KeyName)
	x.int32p("amiLaunchIndex", in.AmiLaunchIndex)
	if len(in.ProductCodes) > 0 {
		x.open("productCodes")
		for _, pc := range in.ProductCodes {
			x.open("item")
			x.str("productCode", pc.ProductCodeId)
			x.enum("type", string(pc.ProductCodeType))
			x.close("item")
		}
		x.close("productCodes")
	}
	x.enum("instanceType", string(in.InstanceType))
	x.timep("launchTime", in.LaunchTime)
	if p := in.Placement; p != nil {
		x.open("placement")
		x.str("availabilityZone", p.AvailabilityZone)
		x.str("availabilityZoneId", p.AvailabilityZoneId)
		x.str("groupName", p.GroupName)
		x.str("groupId", p.GroupId)
		x.int32p("partitionNumber", p.PartitionNumber)
		x.str("hostId", p.HostId)
		x.str("affinity", p.Affinity)
		x.str("spreadDomain", p.SpreadDomain)
		x.str("hostResourceGroupArn", p.HostResourceGroupArn)
		x.enum("tenancy", string(p.Tenancy))
		x.close("placement")
	}
	x.str("kernelId", in.KernelId)
	x.str("ramdiskId", in.RamdiskId)
	x.enum("platform", string(in.Platform))
	if in.Monitoring != nil {
		x.open("monitoring")
		x.enum("state", string(in.Monitoring.State))
		x.close("monitoring")
	}
	x.str("subnetId", in.SubnetId)
	x.str("vpcId", in.VpcId)
	x.str("privateIpAddress", in.PrivateIpAddress)
	x.str("ipAddress", in.PublicIpAddress)
	x.boolp("sourceDestCheck", in.SourceDestCheck)
	writeGroups(x, "groupSet", in.SecurityGroups)
	if sr := in.StateReason; sr != nil {
		x.open("stateReason")
		x.str("code", sr.Code)
		x.str("message", sr.Message)
		x.close("stateReason")
	}
	x.enum("architecture", string(in.Architecture))
	x.enum("rootDeviceType", string(in.RootDeviceType))
	x.str("rootDeviceName", in.RootDeviceName)
	writeBlockDevices(x, in.BlockDeviceMappings)
	x.enum("instanceLifecycle", string(in.InstanceLifecycle))
	x.str("spotInstanceRequestId", in.SpotInstanceRequestId)
	x.enum("virtualizationType", string(in.VirtualizationType))
	x.str("clientToken", in.ClientToken)
	if len(in.Tags) > 0 {
		writeTags(x, in.Tags)
	}
	x.enum("hypervisor", string(in.Hypervisor))
	if len(in.NetworkInterfaces) > 0 {
		x.open("networkInterfaceSet")
		for i := range in.NetworkInterfaces {
			x.open("item")
			writeNIC(x, &in.NetworkInterfaces[i])
			x.close("item")
		}
		x.close("networkInterfaceSet")
	}
	if p := in.IamInstanceProfile; p != nil {
		x.open("iamInstanceProfile")
		x.str("arn", p.Arn)
		x.str("id", p.Id)
		x.close("iamInstanceProfile")
	}
	x.boolp("ebsOptimized", in.EbsOptimized)
	x.boolp("enaSupport", in.EnaSupport)
	x.str("sriovNetSupport", in.SriovNetSupport)
	if co := in.CpuOptions; co != nil {
		x.open("cpuOptions")
		x.int32p("coreCount", co.CoreCount)
		x.int32p("threadsPerCore", co.ThreadsPerCore)
		x.close("cpuOptions")
	}
	x.str("capacityReservationId", in.CapacityReservationId)
	if cr := in.CapacityReservationSpecification; cr != nil {
		x.open("capacityReservationSpecification")
		x.enum("capacityReservationPreference", string(cr.CapacityReservationPreference))
		if t := cr.CapacityReservationTarget; t != nil {
			x.open("capacityReservationTarget")
			x.str("capacityReservationId", t.CapacityReservationId)
			x.str("capacityReservationResourceGroupArn", t.CapacityReservationResourceGroupArn)
			x.close("capacityReservationTarget")
		}
		x.close("capacityReservationSpecification")
	}
	if h := in.HibernationOptions; h != nil {
		x.open("hibernationOptions")
		x.boolp("configured", h.Configured)
		x.close("hibernationOptions")
	}
	if m := in.MetadataOptions; m != nil {
		x.open("metadataOptions")
		x.enum("state", string(m.State))
		x.enum("httpTokens", string(m.HttpTokens))
		x.int32p("httpPutResponseHopLimit", m.HttpPutResponseHopLimit)
		x.enum("httpEndpoint", string(m.HttpEndpoint))
		x.enum("httpProtocolIpv6", string(m.HttpProtocolIpv6))
		x.enum("instanceMetadataTags", string(m.InstanceMetadataTags))
		x.close("metadataOptions")
	}
	if e := in.EnclaveOptions; e != nil {
		x.open("enclaveOptions")
		x.boolp("enabled", e.Enabled)
		x.close("enclaveOptions")
	}
	x.enum("bootMode", string(in.BootMode))
	x.str("platformDetails", in.PlatformDetails)
	x.str("usageOperation", in.UsageOperation)
	x.timep("usageOperationUpdateTime", in.UsageOperationUpdateTime)
	if p := in.PrivateDnsNameOptions; p != nil {
		x.open("privateDnsNameOptions")
		x.enum("hostnameType", string(p.HostnameType))
		x.boolp("enableResourceNameDnsARecord", p.EnableResourceNameDnsARecord)
		x.boolp("enableResourceNameDnsAAAARecord", p.EnableResourceNameDnsAAAARecord)
		x.close("privateDnsNameOptions")
	}
	x.str("ipv6Address", in.Ipv6Address)
	x.str("tpmSupport", in.TpmSupport)
	if m := in.MaintenanceOptions; m != nil {
		x.open("maintenanceOptions")
		x.enum("autoRecovery", string(m.AutoRecovery))
		x.enum("rebootMigration", string(m.RebootMigration))
		x.close("maintenanceOptions")
	}
	x.enum("currentInstanceBootMode", string(in.CurrentInstanceBootMode))
	if n := in.NetworkPerformanceOptions; n != nil {
		x.open("networkPerformanceOptions")
		x.enum("bandwidthWeighting", string(n.BandwidthWeighting))
		x.close("networkPerformanceOptions")
	}
	writeOperator(x, in.Operator)
	x.str("outpostArn", in.OutpostArn)
}

func writeOperator(x *xw, o *types.OperatorResponse) {
	if o == nil {
		return
	}
	x.open("operator")
	x.boolp("managed", o.Managed)
	x.str("principal", o.Principal)
	x.boolp("hiddenByDefault", o.HiddenByDefault)
	x.close("operator")
}

func writeGroups(x *xw, name string, gs []types.GroupIdentifier) {
	if len(gs) == 0 {
		x.raw("<" + name + "/>")
		return
	}
	x.open(name)
	for _, g := range gs {
		x.open("item")
		x.str("groupId", g.GroupId)
		x.str("groupName", g.GroupName)
		x.close("item")
	}
	x.close(name)
}

func writeTags(x *xw, tags []types.Tag) {
	x.open("tagSet")
	for _, t := range tags {
		x.open("item")
		x.str("key", t.Key)
		x.str("value", t.Value)
		x.close("item")
	}
	x.close("tagSet")
}

func writeBlockDevices(x *xw, bds []types.InstanceBlockDeviceMapping) {
	if len(bds) == 0 {
		x.raw("<blockDeviceMapping/>")
		return
	}
	x.open("blockDeviceMapping")
	for _, bd := range bds {
		x.open("item")
		x.str("deviceName", bd.DeviceName)
		if e := bd.Ebs; e != nil {
			x.open("ebs")
			x.str("volumeId", e.VolumeId)
			x.enum("status", string(e.Status))
			x.timep("attachTime", e.AttachTime)
			x.boolp("deleteOnTermination", e.DeleteOnTermination)
			x.close("ebs")
		}
		x.close("item")
	}
	x.close("blockDeviceMapping")
}

func writeAssociation(x *xw, a *types.InstanceNetworkInterfaceAssociation) {
	if a == nil {
		return
	}
	x.open("association")
	x.str("publicIp", a.PublicIp)
	x.str("publicDnsName", a.PublicDnsName)
	x.str("ipOwnerId", a.IpOwnerId)
	x.str("carrierIp", a.CarrierIp)
	x.str("customerOwnedIp", a.CustomerOwnedIp)
	x.close("association")
}

func writeNIC(x *xw, n *types.InstanceNetworkInterface) {
	x.str("networkInterfaceId", n.NetworkInterfaceId)
	x.str("subnetId", n.SubnetId)
	x.str("vpcId", n.VpcId)
	x.str("description", n.Description)
	x.str("ownerId", n.OwnerId)
	x.enum("status", string(n.Status))
	x.str("macAddress", n.MacAddress)
	x.str("privateIpAddress", n.PrivateIpAddress)
	x.str("privateDnsName", n.PrivateDnsName)
	x.boolp("sourceDestCheck", n.SourceDestCheck)
	writeGroups(x, "groupSet", n.Groups)
	if a := n.Attachment; a != nil {
		x.open("attachment")
		x.str("attachmentId", a.AttachmentId)
		x.int32p("deviceIndex", a.DeviceIndex)
		x.enum("status", string(a.Status))
		x.timep("attachTime", a.AttachTime)
		x.boolp("deleteOnTermination", a.DeleteOnTermination)
		x.int32p("networkCardIndex", a.NetworkCardIndex)
		x.close("attachment")
	}
	writeAssociation(x, n.Association)
	if len(n.PrivateIpAddresses) > 0 {
		x.open("privateIpAddressesSet")
		for i := range n.PrivateIpAddresses {
			p := &n.PrivateIpAddresses[i]
			x.open("item")
			x.str("privateIpAddress", p.PrivateIpAddress)
			x.str("privateDnsName", p.PrivateDnsName)
			x.boolp("primary", p.Primary)
			writeAssociation(x, p.Association)
			x.close("item")
		}
		x.close("privateIpAddressesSet")
	}
	if len(n.Ipv6Addresses) > 0 {
		x.open("ipv6AddressesSet")
		for _, a := range n.Ipv6Addresses {
			x.open("item")
			x.str("ipv6Address", a.Ipv6Address)
			x.boolp("isPrimaryIpv6", a.IsPrimaryIpv6)
			x.close("item")
		}
		x.close("ipv6AddressesSet")
	}
	if len(n.Ipv4Prefixes) > 0 {
		x.open("ipv4PrefixSet")
		for _, p := range n.Ipv4Prefixes {
			x.open("item")
			x.str("ipv4Prefix", p.Ipv4Prefix)
			x.close("item")
		}
		x.close("ipv4PrefixSet")
	}
	if len(n.Ipv6Prefixes) > 0 {
		x.open("ipv6PrefixSet")
		for _, p := range n.Ipv6Prefixes {
			x.open("item")
			x.str("ipv6Prefix", p.Ipv6Prefix)
			x.close("item")
		}
		x.close("ipv6PrefixSet")
	}
	x.str("interfaceType", n.InterfaceType)
	writeOperator(x, n.Operator)
}

// writeStateChanges writes an instancesSet of state changes.
func writeStateChanges(x *xw, changes []types.InstanceStateChange) {
	x.open("instancesSet")
	for _, c := range changes {
		x.open("item")
		x.str("instanceId", c.InstanceId)
		writeState(x, "currentState", c.CurrentState)
		writeState(x, "previousState", c.PreviousState)
		x.close("item")
	}
	x.close("instancesSet")
}

func writeState(x *xw, name string, s *types.InstanceState) {
	if s == nil {
		return
	}
	x.open(name)
	x.int32p("code", s.Code)
	x.enum("name", string(s.Name))
	x.close(name)
}

func stateOf(st instState) *types.InstanceState {
	return &types.InstanceState{Code: aws.Int32(st.code()), Name: stateNames[st]}
}

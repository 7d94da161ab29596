package ec2test

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// DefaultImageID is the image Launch uses when LaunchSpec.ImageID is
// empty. It is one of the AMIs moto knows by default, so scenarios that
// launch it work against moto too.
const DefaultImageID = "ami-12c6146b"

// maxLaunchCount bounds the instances one RunInstances call may launch,
// like an account's instance limit. Launch has no such bound.
const maxLaunchCount = 10000

// maxTags is EC2's limit on tags per resource.
const maxTags = 50

// Limits on the size of one instance, so no request can make the server
// build enormous answers.
const (
	maxNICs                = 16
	maxBlockDevices        = 64
	maxIPv6PerNIC          = 32
	maxPrefixesPerNIC      = 50
	maxPrefixesPerInstance = 64
)

func checkIPv6Count(n int) *apiError {
	if n < 0 || n > maxIPv6PerNIC {
		return badParam("Value (%d) for parameter ipv6AddressCount is invalid. Expected a value between 0 and %d.", n, maxIPv6PerNIC)
	}
	return nil
}

// LaunchSpec describes instances to create with [Server.Launch], without
// HTTP. Zero fields take EC2's defaults.
type LaunchSpec struct {
	// Count is the number of instances (default 1). With a zone or a
	// subnet they form one reservation. With neither, they are spread
	// round-robin over the server's zones, and the instances of each
	// zone form a reservation of their own, as if one RunInstances call
	// had been made per zone (one call never spans zones).
	Count int
	// ImageID defaults to DefaultImageID.
	ImageID string
	// InstanceType defaults to "m1.small", EC2's default.
	InstanceType string
	// AvailabilityZone places every instance in one zone.
	AvailabilityZone string
	// SubnetID places the instances in a subnet: one added with
	// [Server.AddSubnet], a default subnet, or an unknown one, which is
	// created in VPCID (or the default VPC) and in AvailabilityZone (or
	// the next zone in turn).
	SubnetID string
	// VPCID places the instances in a VPC; with no SubnetID, in a subnet
	// of that VPC per zone.
	VPCID string
	// KeyName is the key pair name.
	KeyName string
	// Tags are the instances' tags.
	Tags map[string]string
	// State is the initial state: "running" (the default), "stopped",
	// "pending" (reaching running after the transition delay) or
	// "terminated".
	State string
	// DisableAPITermination and DisableAPIStop turn on termination and
	// stop protection.
	DisableAPITermination, DisableAPIStop bool
	// Monitoring enables detailed monitoring.
	Monitoring bool
	// SecurityGroupIDs default to the default VPC security group.
	SecurityGroupIDs []string
	// PrivateIPAddress sets the primary private address (Count must be 1).
	PrivateIPAddress string
	// AssociatePublicIP gives the instances a public address or not; nil
	// follows the subnet: default subnets and subnets added with
	// [Subnet.MapPublicIPOnLaunch] give one, others do not. ElasticIP
	// gives a public address whatever this says; CarrierIP gives none
	// (it excludes AssociatePublicIP true).
	AssociatePublicIP *bool
	// ElasticIP associates an Elastic IP address with the primary network
	// interface of each instance: the instance has a public address that
	// it keeps while stopped, owned by the account, with an allocation
	// and an association ID (the *.association.allocation-id and
	// *.association.association-id filters).
	ElasticIP bool
	// CarrierIP associates a carrier address with the primary network
	// interface of each instance, as in a Wavelength Zone
	// (NetworkInterface.AssociateCarrierIpAddress of RunInstances),
	// instead of the public address the subnet would give. It excludes
	// ElasticIP and AssociatePublicIP true.
	CarrierIP bool
	// IPv4PrefixCount and IPv6PrefixCount delegate that many /28 IPv4 and
	// /80 IPv6 prefixes to the primary network interface of each
	// instance (NetworkInterface.Ipv4PrefixCount and Ipv6PrefixCount of
	// RunInstances).
	IPv4PrefixCount, IPv6PrefixCount int
	// Architecture defaults to "x86_64".
	Architecture string
	// Platform is "windows" or empty (Linux/UNIX).
	Platform string
	// BootMode is the image's boot mode: "legacy-bios", "uefi",
	// "uefi-preferred" or empty (none shown). The instance's current
	// boot mode follows it (uefi for both UEFI modes).
	BootMode string
	// TPMSupport is the image's NitroTPM support, such as "v2.0".
	TPMSupport string
	// ProductCodes are the image's product codes.
	ProductCodes []ProductCode
	// RequesterID marks the instances as launched on the account's
	// behalf by a service (such as Auto Scaling): it is the requester of
	// their reservation and of their network interfaces.
	RequesterID string
	// OperatorPrincipal makes the instances managed by a service: their
	// operator (and that of their network interfaces) shows managed true
	// and this principal, such as "eks.amazonaws.com"
	// (Operator.Principal of RunInstances).
	OperatorPrincipal string
	// IAMInstanceProfileARN attaches an instance profile.
	IAMInstanceProfileARN string
	// PlacementGroup and Tenancy set the placement.
	PlacementGroup, Tenancy string
	// InstanceLifecycle is "spot", "scheduled", "capacity-block" or empty
	// (on-demand).
	InstanceLifecycle string
	// EBSOptimized sets the EBS-optimized flag.
	EBSOptimized bool
	// ClientToken sets the idempotency token shown by the instances.
	ClientToken string
	// LaunchTime defaults to the server clock's current time.
	LaunchTime time.Time
}

// ProductCode is a product code of an image, which its instances show.
type ProductCode struct {
	// ID is the product code.
	ID string
	// Type is "marketplace" (the default) or "devpay".
	Type string
}

// Subnet describes a subnet for [Server.AddSubnet].
type Subnet struct {
	// ID is the subnet ID: "subnet-" and 8 or 17 hexadecimal digits.
	ID string
	// VPCID defaults to the server's default VPC.
	VPCID string
	// AvailabilityZone is one of the server's zones; the default is the
	// first.
	AvailabilityZone string
	// MapPublicIPOnLaunch gives the subnet's instances a public address
	// unless their launch says otherwise.
	MapPublicIPOnLaunch bool
	// OutpostARN puts the subnet on an AWS Outpost: its instances and
	// their network interfaces show the ARN.
	OutpostARN string
	// CustomerOwnedIPv4Pool maps a customer-owned address from this pool
	// to the primary network interface of each instance launched in the
	// subnet (MapCustomerOwnedIpOnLaunch on an Outpost).
	CustomerOwnedIPv4Pool string
}

// launchRequest is a launch, parsed from RunInstances or built from a
// LaunchSpec.
type launchRequest struct {
	count       int
	minCount    int
	cfg         launchConfig
	az          string
	subnetID    string
	vpcID       string
	privateIP   uint32
	publicIP    *bool
	tags        []tag
	initial     instState
	protTerm    bool
	protStop    bool
	monitoring  bool
	launchTime  time.Time
	requesterID string
	viaAPI      bool
}

// applyDefaults fills what EC2 fills when a launch leaves it out.
func (s *Server) applyDefaults(c *launchConfig) {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.instanceType, "m1.small")
	def(&c.architecture, string(types.ArchitectureValuesX8664))
	def(&c.hypervisor, string(types.HypervisorTypeXen))
	def(&c.virtualizationType, string(types.VirtualizationTypeHvm))
	if c.platform == "windows" {
		def(&c.platformDetails, "Windows")
		def(&c.usageOp, "RunInstances:0002")
		def(&c.rootDeviceName, "/dev/sda1")
	}
	def(&c.platformDetails, "Linux/UNIX")
	def(&c.usageOp, "RunInstances")
	def(&c.rootDeviceName, "/dev/xvda")
	def(&c.rootDeviceType, string(types.DeviceTypeEbs))
	switch c.bootMode {
	case string(types.BootModeValuesUefi), string(types.BootModeValuesUefiPreferred):
		def(&c.currentBootMode, string(types.InstanceBootModeValuesUefi))
	}
	def(&c.currentBootMode, string(types.InstanceBootModeValuesLegacyBios))
	def(&c.shutdownBehavior, "stop")
	def(&c.sriovNetSupport, "simple")
	def(&c.tenancy, string(types.TenancyDefault))
	def(&c.crPreference, string(types.CapacityReservationPreferenceOpen))
	def(&c.mdHTTPEndpoint, "enabled")
	def(&c.mdHTTPTokens, "required")
	def(&c.mdHTTPProtocolIPv6, "disabled")
	def(&c.mdTags, "disabled")
	def(&c.autoRecovery, "default")
	def(&c.hostnameType, string(types.HostnameTypeIpName))
	def(&c.bandwidthWeighting, "default")
	def(&c.ownerID, s.cfg.accountID)
	if c.mdHopLimit == 0 {
		c.mdHopLimit = 2
	}
	if c.cpuCores == 0 {
		c.cpuCores = 1
	}
	if c.cpuThreads == 0 {
		c.cpuThreads = 2
	}
	if len(c.groups) == 0 {
		c.groups = []group{s.defaultGroup}
	}
	if len(c.blockDevices) == 0 {
		c.blockDevices = []blockDevice{{deviceName: c.rootDeviceName, deleteOnTermination: true}}
	}
	if len(c.nics) == 0 {
		c.nics = []nicSpec{primaryNIC()}
	}
}

// primaryNIC is the primary network interface a launch gets when it
// describes none.
func primaryNIC() nicSpec { return nicSpec{deviceIndex: 0, deleteOnTermination: true} }

// instanceProfileID derives the ID of the instance profile with this ARN.
func (s *Server) instanceProfileID(arn string) string {
	return "AIPA" + strings.ToUpper(hexID("", mix(s.idSalt^hashString(arn)))[1:])
}

// Launch creates instances directly, without HTTP and without faults, and
// returns their IDs in launch order, which is the order DescribeInstances
// lists them in: reservation after reservation, so zone after zone when
// the instances are spread over the zones (see [LaunchSpec.Count]). It
// is fast enough to seed 100,000 instances. Like instances from
// RunInstances, they stay hidden for the WithEventualConsistency delay.
// It panics on a spec EC2 would reject (an unknown state or zone, a
// malformed address), since that is a mistake in the test.
func (s *Server) Launch(spec LaunchSpec) []string {
	lr := launchRequest{count: spec.Count, az: spec.AvailabilityZone, subnetID: spec.SubnetID, vpcID: spec.VPCID,
		publicIP: spec.AssociatePublicIP, protTerm: spec.DisableAPITermination, protStop: spec.DisableAPIStop,
		monitoring: spec.Monitoring, launchTime: spec.LaunchTime, requesterID: spec.RequesterID}
	if lr.count <= 0 {
		lr.count = 1
	}
	c := &lr.cfg
	c.imageID = spec.ImageID
	if c.imageID == "" {
		c.imageID = DefaultImageID
	}
	c.instanceType = spec.InstanceType
	c.keyName = spec.KeyName
	c.architecture = spec.Architecture
	c.platform = spec.Platform
	c.placementGroup = spec.PlacementGroup
	c.tenancy = spec.Tenancy
	c.lifecycle = spec.InstanceLifecycle
	c.ebsOptimized = spec.EBSOptimized
	c.enaSupport = true
	c.sourceDestCheck = true
	c.clientToken = spec.ClientToken
	c.tpmSupport = spec.TPMSupport
	c.operatorPrincipal = spec.OperatorPrincipal
	c.elasticIP = spec.ElasticIP
	c.carrierIP = spec.CarrierIP
	if spec.CarrierIP && (spec.ElasticIP || (spec.AssociatePublicIP != nil && *spec.AssociatePublicIP)) {
		panic("ec2test: LaunchSpec.CarrierIP excludes ElasticIP and AssociatePublicIP true")
	}
	switch spec.BootMode {
	case "", string(types.BootModeValuesLegacyBios), string(types.BootModeValuesUefi), string(types.BootModeValuesUefiPreferred):
		c.bootMode = spec.BootMode
	default:
		panic(fmt.Sprintf("ec2test: LaunchSpec.BootMode %q: want legacy-bios, uefi or uefi-preferred", spec.BootMode))
	}
	for _, pc := range spec.ProductCodes {
		typ := pc.Type
		if typ == "" {
			typ = string(types.ProductCodeValuesMarketplace)
		}
		if pc.ID == "" || (typ != string(types.ProductCodeValuesMarketplace) && typ != string(types.ProductCodeValuesDevpay)) {
			panic(fmt.Sprintf("ec2test: LaunchSpec.ProductCodes: %+v needs an ID and the type marketplace or devpay", pc))
		}
		c.productCodes = append(c.productCodes, productCode{id: pc.ID, typ: typ})
	}
	if spec.IPv4PrefixCount < 0 || spec.IPv6PrefixCount < 0 || spec.IPv4PrefixCount > maxPrefixesPerNIC || spec.IPv6PrefixCount > maxPrefixesPerNIC {
		panic(fmt.Sprintf("ec2test: LaunchSpec prefix counts must be between 0 and %d", maxPrefixesPerNIC))
	}
	if spec.IPv4PrefixCount > 0 || spec.IPv6PrefixCount > 0 {
		nic := primaryNIC()
		nic.ipv4PrefixCount, nic.ipv6PrefixCount = spec.IPv4PrefixCount, spec.IPv6PrefixCount
		c.nics = []nicSpec{nic}
	}
	if spec.IAMInstanceProfileARN != "" {
		c.iamARN = spec.IAMInstanceProfileARN
		c.iamID = s.instanceProfileID(c.iamARN)
	}
	for _, id := range spec.SecurityGroupIDs {
		c.groups = append(c.groups, s.groupByID(id))
	}
	if spec.PrivateIPAddress != "" {
		a, err := parseIPv4(spec.PrivateIPAddress)
		if err != nil || lr.count != 1 {
			panic("ec2test: LaunchSpec.PrivateIPAddress needs a valid IPv4 address and Count 1")
		}
		lr.privateIP = a
	}
	keys := make([]string, 0, len(spec.Tags))
	for k := range spec.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lr.tags = append(lr.tags, tag{key: k, value: spec.Tags[k]})
	}
	switch spec.State {
	case "", "running":
		lr.initial = stRunning
	case "stopped":
		lr.initial = stStopped
	case "pending":
		lr.initial = stPending
	case "terminated":
		lr.initial = stTerminated
	default:
		panic(fmt.Sprintf("ec2test: LaunchSpec.State %q: want running, stopped, pending or terminated", spec.State))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	parts := []launchRequest{lr}
	if nz := len(s.cfg.azs); lr.az == "" && lr.subnetID == "" && lr.count > 1 && nz > 1 {
		// Instance i goes to zone rr+i, as when each instance was placed
		// in turn; the instances of a zone form one launch.
		parts = parts[:0]
		for z := 0; z < nz && z < lr.count; z++ {
			part := lr
			part.az = s.cfg.azs[(s.rr+z)%nz]
			part.count = (lr.count - z + nz - 1) / nz
			parts = append(parts, part)
		}
		s.rr += lr.count
	}
	ids := make([]string, 0, lr.count)
	for i := range parts {
		ins, err := s.launchLocked(&parts[i], now)
		if err != nil {
			panic("ec2test: Launch: " + err.Error())
		}
		for _, in := range ins {
			ids = append(ids, in.id)
		}
	}
	return ids
}

// AddSubnet makes a subnet known to the server, so RunInstances accepts
// its ID (an unknown subnet ID fails with InvalidSubnetID.NotFound, as in
// EC2) and Launch places instances in it with its settings. The server's
// default subnets, one per zone, exist from the start. AddSubnet panics
// on a malformed ID, an unknown zone or a subnet ID that is already
// known, since that is a mistake in the test.
func (s *Server) AddSubnet(sn Subnet) {
	if !validPrefixedID(sn.ID, "subnet-") {
		panic(fmt.Sprintf("ec2test: AddSubnet: %q is not a subnet ID", sn.ID))
	}
	az := sn.AvailabilityZone
	if az == "" {
		az = s.cfg.azs[0]
	}
	if !s.knownZone(az) {
		panic(fmt.Sprintf("ec2test: AddSubnet: unknown zone %q", az))
	}
	vpc := sn.VPCID
	if vpc == "" {
		vpc = s.defaultVPC
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subnets[sn.ID]; ok {
		panic(fmt.Sprintf("ec2test: AddSubnet: subnet %s exists", sn.ID))
	}
	s.subnets[sn.ID] = &subnet{id: sn.ID, vpcID: vpc, az: az, mapPublic: sn.MapPublicIPOnLaunch,
		outpostARN: sn.OutpostARN, coipPool: sn.CustomerOwnedIPv4Pool}
}

func parseIPv4(s string) (uint32, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("%q is not an IPv4 address", s)
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), nil
}

// groupByID returns a security group reference; the default group keeps
// its name, other groups are named after their ID.
func (s *Server) groupByID(id string) group {
	if id == s.defaultGroup.id {
		return s.defaultGroup
	}
	return group{id: id, name: id}
}

func (s *Server) knownZone(az string) bool { return slices.Contains(s.cfg.azs, az) }

// subnetFor returns the subnet of a launch. Launch creates an unknown
// subnet on first sight; RunInstances fails with
// InvalidSubnetID.NotFound. Without a subnet, the launch goes to the
// requested zone, or to the next zone in turn. It needs the write lock.
func (s *Server) subnetFor(lr *launchRequest) (*subnet, *apiError) {
	if lr.subnetID != "" {
		if sn, ok := s.subnets[lr.subnetID]; ok {
			if lr.az != "" && lr.az != sn.az {
				return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
					"The subnet '%s' is in %s, not in the requested Availability Zone %s", sn.id, sn.az, lr.az)
			}
			return sn, nil
		}
		if lr.viaAPI {
			return nil, errf(http.StatusBadRequest, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", lr.subnetID)
		}
		az := lr.az
		if az == "" {
			az = s.nextZone()
		}
		vpc := lr.vpcID
		if vpc == "" {
			vpc = s.defaultVPC
		}
		sn := &subnet{id: lr.subnetID, vpcID: vpc, az: az}
		s.subnets[sn.id] = sn
		return sn, nil
	}
	az := lr.az
	if az == "" {
		az = s.nextZone()
	}
	if lr.vpcID == "" || lr.vpcID == s.defaultVPC {
		return s.defaultSubnets[az], nil
	}
	id := hexID("subnet-", mix(s.idSalt^mix(uint64(len(lr.vpcID))^hashString(lr.vpcID+"/"+az))))
	if sn, ok := s.subnets[id]; ok {
		return sn, nil
	}
	sn := &subnet{id: id, vpcID: lr.vpcID, az: az}
	s.subnets[id] = sn
	return sn, nil
}

func (s *Server) nextZone() string {
	z := s.cfg.azs[s.rr%len(s.cfg.azs)]
	s.rr++
	return z
}

func hashString(v string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(v); i++ {
		h ^= uint64(v[i])
		h *= 1099511628211
	}
	return h
}

func (s *Server) newID(prefix string) string {
	for {
		id := hexID(prefix, s.idRNG.Uint64())
		if _, dup := s.byID[id]; !dup {
			return id
		}
	}
}

// launchLocked creates the instances of lr, all in one subnet and one
// reservation, as one RunInstances call does. It needs the write lock.
func (s *Server) launchLocked(lr *launchRequest, now time.Time) ([]*instance, *apiError) {
	s.purgeLocked(now)
	if lr.az != "" && !s.knownZone(lr.az) {
		return nil, badParam("Invalid availability zone: [%s]", lr.az)
	}
	s.applyDefaults(&lr.cfg)
	sn, err := s.subnetFor(lr)
	if err != nil {
		return nil, err
	}
	cfg := new(launchConfig)
	*cfg = lr.cfg
	if sn.outpostARN != "" {
		cfg.outpostARN = sn.outpostARN
	}
	// A carrier address takes the place of the public address the subnet
	// would give; a launch may not ask for both.
	wantPublic := sn.mapPublic && !cfg.carrierIP
	if lr.publicIP != nil {
		wantPublic = *lr.publicIP
	}
	cfg.publicIP = wantPublic || cfg.elasticIP
	// Addresses: interface k of an instance has privateIP+k; its
	// allocated IPv4 prefixes are /28 blocks after them.
	nAddr := uint32(len(cfg.nics))
	nPrefix := uint32(0)
	for _, n := range cfg.nics {
		if len(n.ipv4Prefixes) == 0 {
			nPrefix += uint32(n.ipv4PrefixCount)
		}
	}
	perInstance := uint32(0)
	if nPrefix > 0 {
		perInstance = 16*nPrefix + 15 // with room to align the prefixes
	}
	if lr.privateIP == 0 {
		perInstance += nAddr
	}
	// One allocation for the launch keeps its instances adjacent in
	// memory, which makes full scans of 100,000 instances cache friendly.
	slab := make([]instance, lr.count)
	// Only a launch of one instance chooses addresses (parseRunInstances
	// and Launch check it); they are reserved for it before it is built,
	// and the reservation counts in addressesFit.
	chosen := explicitRanges(lr.privateIP, cfg.nics)
	if err := s.reserveExplicit(&slab[0], chosen, now); err != nil {
		return nil, err
	}
	if !s.addressesFit(sn, lr.count, perInstance) {
		s.releaseExplicit(&slab[0], chosen)
		return nil, errf(http.StatusBadRequest, "InsufficientFreeAddressesInSubnet",
			"There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", sn.id)
	}
	res := &reservation{id: s.newID("r-"), ownerID: cfg.ownerID, requesterID: lr.requesterID}
	lt := lr.launchTime
	if lt.IsZero() {
		lt = now.Truncate(time.Second)
	}
	lt = lt.UTC()
	tags := lr.tags // shared by the launch; replaced per instance on change
	out := make([]*instance, 0, lr.count)
	var delay = s.cfg.transition
	for i := 0; i < lr.count; i++ {
		in := &slab[i]
		*in = instance{
			seq:         s.nextSeq,
			id:          s.newID("i-"),
			res:         res,
			cfg:         cfg,
			sub:         sn,
			az:          sn.az,
			launchIndex: int32(i),
			launchTime:  lt,
			visibleAt:   stampAfter(now, s.cfg.eventual),
			tags:        tags,
			protTerm:    lr.protTerm,
			protStop:    lr.protStop,
		}
		s.nextSeq++
		if lr.privateIP != 0 {
			in.privateIP = lr.privateIP
		} else {
			in.privateIP = s.allocAddrs(sn, nAddr, 1)
		}
		if nPrefix > 0 {
			in.prefixBase = s.allocAddrs(sn, 16*nPrefix, 16)
		}
		switch lr.initial {
		case stRunning:
			if lr.viaAPI {
				in.st, in.target, in.due = stPending, stRunning, stampAfter(now, delay)
			} else {
				in.st, in.everRan = stRunning, true
			}
		case stPending:
			in.st, in.target, in.due = stPending, stRunning, stampAfter(now, delay)
		case stStopped:
			in.st, in.everRan, in.userCause, in.userAt = stStopped, true, true, lt
		case stTerminated:
			in.st, in.everRan, in.userCause, in.userAt, in.termAt = stTerminated, true, true, lt, now.UnixNano()
			s.terminated++
		}
		if (wantPublic && (in.st == stPending || in.st == stRunning)) || (cfg.elasticIP && in.st != stTerminated) {
			in.publicIP = s.allocPublic()
		}
		if lr.monitoring {
			if lr.viaAPI {
				in.mon, in.monTarget, in.monDue = monPending, monEnabled, stampAfter(now, delay)
			} else {
				in.mon = monEnabled
			}
		}
		s.list = append(s.list, in)
		s.byID[in.id] = in
		out = append(out, in)
	}
	return out, nil
}

func (s *Server) allocPublic() uint32 {
	a := s.nextPublic
	s.nextPublic++
	if s.nextPublic&0xff == 0 || s.nextPublic&0xff == 0xff {
		s.nextPublic += 2
	}
	return a
}

// liveLocked counts the instances that are not terminated. It needs a
// lock.
func (s *Server) liveLocked(now time.Time) int {
	n := 0
	for _, in := range s.list {
		if s.visible(in, now) || now.UnixNano() < in.visibleAt {
			if st := in.state(now); st != stTerminated && st != stShuttingDown {
				n++
			}
		}
	}
	return n
}

// purgeLocked drops instances that were removed or whose terminated
// retention ran out, at most once per retention period. It needs the
// write lock.
func (s *Server) purgeLocked(now time.Time) {
	ret := s.cfg.retention
	expired := s.terminated > 0 && ret >= 0 && now.Sub(s.lastPurge) >= max(ret, 50*time.Millisecond)
	if !expired && s.removed <= len(s.list)/2 {
		return
	}
	if expired {
		s.lastPurge = now
	}
	keep := s.list[:0]
	s.terminated = 0
	for _, in := range s.list {
		if !in.removed && ret >= 0 {
			if t, ok := in.terminatedAt(now.UnixNano()); ok && now.UnixNano()-t >= int64(ret) {
				in.removed = true
				delete(s.byID, in.id)
			}
		}
		if in.removed {
			if len(s.explicitIPs) > 0 {
				// Whether or not in chose its private address, it holds
				// only the addresses it chose.
				s.releaseExplicit(in, explicitRanges(in.privateIP, in.cfg.nics))
			}
			continue
		}
		if in.state(now) == stTerminated || (in.st == stShuttingDown) {
			s.terminated++
		}
		keep = append(keep, in)
	}
	clear(s.list[len(keep):])
	s.list = keep
	s.removed = 0
	for tok, e := range s.clientTokens {
		if e.ins[0].removed {
			delete(s.clientTokens, tok)
		}
	}
}

package ec2test

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
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
	maxNICs         = 16
	maxBlockDevices = 64
	maxIPv6PerNIC   = 32
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
	// Count is the number of instances (default 1). They form one
	// reservation.
	Count int
	// ImageID defaults to DefaultImageID.
	ImageID string
	// InstanceType defaults to "m1.small", EC2's default.
	InstanceType string
	// AvailabilityZone places every instance in one zone. When it and
	// SubnetID are empty, instances go round-robin across the zones.
	AvailabilityZone string
	// SubnetID places the instances in a subnet. An unknown subnet is
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
	// follows the subnet (default subnets give one, others do not).
	AssociatePublicIP *bool
	// Architecture defaults to "x86_64".
	Architecture string
	// Platform is "windows" or empty (Linux/UNIX).
	Platform string
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

// launchRequest is a launch, parsed from RunInstances or built from a
// LaunchSpec.
type launchRequest struct {
	count      int
	minCount   int
	cfg        launchConfig
	az         string
	subnetID   string
	vpcID      string
	privateIP  uint32
	publicIP   *bool
	tags       []tag
	initial    instState
	protTerm   bool
	protStop   bool
	monitoring bool
	launchTime time.Time
	viaAPI     bool
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
		c.nics = []nicSpec{{deviceIndex: 0, deleteOnTermination: true}}
	}
}

// Launch creates instances directly, without HTTP and without faults, and
// returns their IDs in launch order. It is fast enough to seed 100,000
// instances. Like instances from RunInstances, they stay hidden for the
// WithEventualConsistency delay. It panics on a spec EC2 would reject (an
// unknown state or zone, a malformed address), since that is a mistake in
// the test.
func (s *Server) Launch(spec LaunchSpec) []string {
	lr := launchRequest{count: spec.Count, az: spec.AvailabilityZone, subnetID: spec.SubnetID, vpcID: spec.VPCID,
		publicIP: spec.AssociatePublicIP, protTerm: spec.DisableAPITermination, protStop: spec.DisableAPIStop,
		monitoring: spec.Monitoring, launchTime: spec.LaunchTime}
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
	if spec.IAMInstanceProfileARN != "" {
		c.iamARN = spec.IAMInstanceProfileARN
		c.iamID = "AIPA" + strings.ToUpper(hexID("", mix(s.idSalt^uint64(len(spec.IAMInstanceProfileARN))))[1:])
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
	ins, err := s.launchLocked(&lr, s.now())
	if err != nil {
		panic("ec2test: Launch: " + err.Error())
	}
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.id
	}
	return ids
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

func (s *Server) knownZone(az string) bool {
	for _, z := range s.cfg.azs {
		if z == az {
			return true
		}
	}
	return false
}

// subnetFor returns the subnet for an instance of lr, creating the
// subnet on first sight. It needs the write lock.
func (s *Server) subnetFor(lr *launchRequest) (*subnet, *apiError) {
	if lr.subnetID != "" {
		if sn, ok := s.subnets[lr.subnetID]; ok {
			if lr.az != "" && lr.az != sn.az {
				return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
					"The subnet '%s' is in %s, not in the requested Availability Zone %s", sn.id, sn.az, lr.az)
			}
			return sn, nil
		}
		az := lr.az
		if az == "" {
			az = s.nextZone()
		}
		vpc := lr.vpcID
		if vpc == "" {
			vpc = s.defaultVPC
		}
		sn := &subnet{id: lr.subnetID, vpcID: vpc, az: az, base: s.subnetBase(len(s.subnets))}
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
	sn := &subnet{id: id, vpcID: lr.vpcID, az: az, base: s.subnetBase(len(s.subnets))}
	s.subnets[id] = sn
	return sn, nil
}

// subnetBase gives the n-th subnet a /12 of 10.0.0.0/8, so even 100,000
// instances in one subnet get distinct addresses.
func (s *Server) subnetBase(n int) uint32 {
	return 10<<24 | uint32(n%16)<<20 | 4
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

// launchLocked creates the instances of lr. It needs the write lock.
func (s *Server) launchLocked(lr *launchRequest, now time.Time) ([]*instance, *apiError) {
	s.purgeLocked(now)
	if lr.az != "" && !s.knownZone(lr.az) {
		return nil, badParam("Invalid availability zone: [%s]", lr.az)
	}
	s.applyDefaults(&lr.cfg)
	cfg := new(launchConfig)
	*cfg = lr.cfg
	res := &reservation{id: s.newID("r-"), ownerID: cfg.ownerID}
	lt := lr.launchTime
	if lt.IsZero() {
		lt = now.Truncate(time.Second)
	}
	lt = lt.UTC()
	tags := lr.tags // shared by the launch; replaced per instance on change
	out := make([]*instance, 0, lr.count)
	// One allocation for the launch keeps its instances adjacent in
	// memory, which makes full scans of 100,000 instances cache friendly.
	slab := make([]instance, lr.count)
	var delay = s.cfg.transition
	for i := 0; i < lr.count; i++ {
		sn, err := s.subnetFor(lr)
		if err != nil {
			return nil, err
		}
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
			in.privateIP = sn.base + sn.next
			sn.next += uint32(len(cfg.nics))
		}
		wantPublic := sn.isDefault
		if lr.publicIP != nil {
			wantPublic = *lr.publicIP
		}
		cfg.publicIP = wantPublic
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
		if wantPublic && (in.st == stPending || in.st == stRunning) {
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
	for tok, ins := range s.clientTokens {
		if ins[0].removed {
			delete(s.clientTokens, tok)
		}
	}
}

// --- RunInstances ---

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)

func (s *Server) runInstances(r *request, x *xw, reqID string) *apiError {
	lr, err := s.parseRunInstances(r)
	if err != nil {
		return err
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return err
	}
	if err := s.authorize("RunInstances", nil, dry); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	var ins []*instance
	if tok := lr.cfg.clientToken; tok != "" {
		ins = s.clientTokens[tok]
	}
	if ins == nil && s.cfg.limit > 0 {
		room := s.cfg.limit - s.liveLocked(now)
		if room < lr.minCount {
			s.mu.Unlock()
			return errf(http.StatusBadRequest, "InstanceLimitExceeded",
				"Your quota allows for %d more running instance(s). You requested at least %d.", max(room, 0), lr.minCount)
		}
		lr.count = min(lr.count, room)
	}
	if ins == nil {
		ins, err = s.launchLocked(lr, now)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		if tok := lr.cfg.clientToken; tok != "" {
			s.clientTokens[tok] = ins
		}
	}
	// The answer shows the instances as launched: at an instant before
	// their first transition is due.
	items := s.renderItems(ins, now.Add(-1))
	res := ins[0].res
	s.mu.Unlock()
	defer items.free()

	x.b = slices.Grow(x.b, items.totalLen()+1024)
	x.header("RunInstances", reqID)
	x.elem("reservationId", res.id)
	x.elem("ownerId", res.ownerID)
	x.raw("<groupSet/>")
	x.open("instancesSet")
	for i := range ins {
		x.b = append(x.b, items.item(i)...)
	}
	x.close("instancesSet")
	x.footer("RunInstances")
	return nil
}

// parseRunInstances validates a RunInstances request.
func (s *Server) parseRunInstances(r *request) (*launchRequest, *apiError) {
	minC, okMin, err := r.intParam("MinCount")
	if err != nil {
		return nil, err
	}
	maxC, okMax, err := r.intParam("MaxCount")
	if err != nil {
		return nil, err
	}
	if !okMin {
		return nil, missingParam("MinCount")
	}
	if !okMax {
		return nil, missingParam("MaxCount")
	}
	if minC < 1 {
		return nil, badParam("Value (%d) for parameter minCount is invalid. Expected a value of at least 1.", minC)
	}
	if maxC < minC {
		return nil, badParam("Value (%d) for parameter maxCount is invalid. Expected a value of at least minCount (%d).", maxC, minC)
	}
	if minC > maxLaunchCount {
		return nil, errf(http.StatusBadRequest, "InstanceLimitExceeded",
			"You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type.", minC, maxLaunchCount)
	}
	lr := &launchRequest{count: min(maxC, maxLaunchCount), minCount: minC, viaAPI: true, initial: stRunning}
	c := &lr.cfg
	c.imageID = r.get("ImageId")
	if c.imageID == "" {
		return nil, missingParam("ImageId")
	}
	if !validPrefixedID(c.imageID, "ami-") {
		return nil, errf(http.StatusBadRequest, "InvalidAMIID.Malformed", "Invalid id: %q (expecting \"ami-...\")", c.imageID)
	}
	if t := r.get("InstanceType"); t != "" {
		if !instanceTypeRE.MatchString(t) {
			return nil, badParam("Invalid value '%s' for InstanceType.", t)
		}
		c.instanceType = t
	}
	c.keyName = r.get("KeyName")
	c.kernelID = r.get("KernelId")
	c.ramdiskID = r.get("RamdiskId")
	c.userData = r.get("UserData")
	c.clientToken = r.get("ClientToken")
	c.enaSupport = true
	c.sourceDestCheck = true
	if v := r.get("InstanceInitiatedShutdownBehavior"); v != "" {
		if v != "stop" && v != "terminate" {
			return nil, badParam("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Expected: 'stop' or 'terminate'.", v)
		}
		c.shutdownBehavior = v
	}
	bools := []struct {
		name string
		dst  *bool
	}{
		{"DisableApiTermination", &lr.protTerm},
		{"DisableApiStop", &lr.protStop},
		{"EbsOptimized", &c.ebsOptimized},
		{"Monitoring.Enabled", &lr.monitoring},
		{"HibernationOptions.Configured", &c.hibernation},
		{"EnclaveOptions.Enabled", &c.enclave},
		{"PrivateDnsNameOptions.EnableResourceNameDnsARecord", &c.dnsA},
		{"PrivateDnsNameOptions.EnableResourceNameDnsAAAARecord", &c.dnsAAAA},
	}
	for _, b := range bools {
		v, err := r.boolParam(b.name)
		if err != nil {
			return nil, err
		}
		*b.dst = v
	}
	// Placement.
	p := r.sub("Placement")
	lr.az = p.get("AvailabilityZone")
	c.placementGroup = p.get("GroupName")
	c.hostID = p.get("HostId")
	c.affinity = p.get("Affinity")
	if t := p.get("Tenancy"); t != "" {
		switch t {
		case "default", "dedicated", "host":
		default:
			return nil, badParam("Value (%s) for parameter tenancy is invalid. Expected: 'default', 'dedicated' or 'host'.", t)
		}
		c.tenancy = t
	}
	if n, ok, err := p.intParam("PartitionNumber"); err != nil {
		return nil, err
	} else if ok {
		c.partition = int32(n)
	}
	if lr.az != "" && !s.knownZone(lr.az) {
		return nil, badParam("Invalid availability zone: [%s]", lr.az)
	}
	// Network.
	lr.subnetID = r.get("SubnetId")
	nicIdx := r.indexes("NetworkInterface")
	if lr.subnetID != "" && len(nicIdx) > 0 {
		return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
			"Network interfaces and an instance-level subnet ID may not be specified on the same request")
	}
	groupIDs := r.list("SecurityGroupId")
	for _, n := range nicIdx {
		nr := r.sub("NetworkInterface." + strconv.Itoa(n))
		var ns nicSpec
		di, ok, err := nr.intParam("DeviceIndex")
		if err != nil {
			return nil, err
		}
		if !ok {
			di = len(c.nics)
		}
		ns.deviceIndex = int32(di)
		if ci, ok, err := nr.intParam("NetworkCardIndex"); err != nil {
			return nil, err
		} else if ok {
			ns.networkCardIndex = int32(ci)
		}
		ns.description = nr.get("Description")
		ns.deleteOnTermination = true
		if nr.has("DeleteOnTermination") {
			v, err := nr.boolParam("DeleteOnTermination")
			if err != nil {
				return nil, err
			}
			ns.deleteOnTermination = v
		}
		if cnt, ok, err := nr.intParam("Ipv6AddressCount"); err != nil {
			return nil, err
		} else if ok {
			if err := checkIPv6Count(cnt); err != nil {
				return nil, err
			}
			ns.ipv6Count = cnt
		}
		if di == 0 {
			if sn := nr.get("SubnetId"); sn != "" {
				lr.subnetID = sn
			}
			if nr.has("AssociatePublicIpAddress") {
				v, err := nr.boolParam("AssociatePublicIpAddress")
				if err != nil {
					return nil, err
				}
				lr.publicIP = &v
			}
			if ip := nr.get("PrivateIpAddress"); ip != "" {
				a, err := parseIPv4(ip)
				if err != nil {
					return nil, badParam("Invalid value '%s' for PrivateIpAddress.", ip)
				}
				lr.privateIP = a
			}
			groupIDs = append(groupIDs, nr.list("SecurityGroupId")...)
		}
		c.nics = append(c.nics, ns)
	}
	if len(c.nics) > maxNICs {
		return nil, badParam("An instance can have at most %d network interfaces", maxNICs)
	}
	sort.SliceStable(c.nics, func(i, j int) bool { return c.nics[i].deviceIndex < c.nics[j].deviceIndex })
	if len(c.nics) > 0 && c.nics[0].deviceIndex != 0 {
		return nil, badParam("A network interface with device index 0 is required")
	}
	if lr.subnetID != "" && !validPrefixedID(lr.subnetID, "subnet-") {
		return nil, errf(http.StatusBadRequest, "InvalidSubnetID.Malformed", "Invalid id: %q (expecting \"subnet-...\")", lr.subnetID)
	}
	if ip := r.get("PrivateIpAddress"); ip != "" {
		a, err := parseIPv4(ip)
		if err != nil {
			return nil, badParam("Invalid value '%s' for PrivateIpAddress.", ip)
		}
		lr.privateIP = a
	}
	if lr.privateIP != 0 && lr.count > 1 {
		return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
			"A private IP address may only be specified when launching a single instance")
	}
	if cnt, ok, err := r.intParam("Ipv6AddressCount"); err != nil {
		return nil, err
	} else if ok && cnt != 0 {
		if err := checkIPv6Count(cnt); err != nil {
			return nil, err
		}
		if len(c.nics) == 0 {
			c.nics = []nicSpec{{deviceIndex: 0, deleteOnTermination: true}}
		}
		c.nics[0].ipv6Count = cnt
	}
	for _, id := range groupIDs {
		if !validPrefixedID(id, "sg-") {
			return nil, errf(http.StatusBadRequest, "InvalidGroupId.Malformed", "Invalid id: %q (expecting \"sg-...\")", id)
		}
		c.groups = append(c.groups, s.groupByID(id))
	}
	for _, name := range r.list("SecurityGroup") {
		if name == "default" {
			c.groups = append(c.groups, s.defaultGroup)
			continue
		}
		c.groups = append(c.groups, group{id: hexID("sg-", mix(s.idSalt^hashString(name))), name: name})
	}
	// Instance profile.
	if arn := r.get("IamInstanceProfile.Arn"); arn != "" {
		c.iamARN = arn
	} else if name := r.get("IamInstanceProfile.Name"); name != "" {
		c.iamARN = "arn:aws:iam::" + s.cfg.accountID + ":instance-profile/" + name
	}
	if c.iamARN != "" {
		c.iamID = "AIPA" + strings.ToUpper(hexID("", mix(s.idSalt^hashString(c.iamARN)))[1:])
	}
	// Metadata options.
	md := r.sub("MetadataOptions")
	enums := []struct {
		name  string
		dst   *string
		allow []string
	}{
		{"HttpEndpoint", &c.mdHTTPEndpoint, []string{"enabled", "disabled"}},
		{"HttpTokens", &c.mdHTTPTokens, []string{"optional", "required"}},
		{"HttpProtocolIpv6", &c.mdHTTPProtocolIPv6, []string{"enabled", "disabled"}},
		{"InstanceMetadataTags", &c.mdTags, []string{"enabled", "disabled"}},
	}
	for _, e := range enums {
		if v := md.get(e.name); v != "" {
			if !contains(e.allow, v) {
				return nil, badParam("Value (%s) for parameter MetadataOptions.%s is invalid. Expected one of: %s.", v, e.name, strings.Join(e.allow, ", "))
			}
			*e.dst = v
		}
	}
	if n, ok, err := md.intParam("HttpPutResponseHopLimit"); err != nil {
		return nil, err
	} else if ok {
		if n < 1 || n > 64 {
			return nil, badParam("Value (%d) for parameter MetadataOptions.HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64.", n)
		}
		c.mdHopLimit = int32(n)
	}
	// CPU, capacity reservation, maintenance, DNS names, bandwidth.
	if n, ok, err := r.intParam("CpuOptions.CoreCount"); err != nil {
		return nil, err
	} else if ok {
		c.cpuCores = int32(n)
	}
	if n, ok, err := r.intParam("CpuOptions.ThreadsPerCore"); err != nil {
		return nil, err
	} else if ok {
		c.cpuThreads = int32(n)
	}
	c.crPreference = r.get("CapacityReservationSpecification.CapacityReservationPreference")
	c.crTargetID = r.get("CapacityReservationSpecification.CapacityReservationTarget.CapacityReservationId")
	c.crTargetARN = r.get("CapacityReservationSpecification.CapacityReservationTarget.CapacityReservationResourceGroupArn")
	if c.crTargetID != "" {
		c.capacityReservationID = c.crTargetID
	}
	c.autoRecovery = r.get("MaintenanceOptions.AutoRecovery")
	c.hostnameType = r.get("PrivateDnsNameOptions.HostnameType")
	c.bandwidthWeighting = r.get("NetworkPerformanceOptions.BandwidthWeighting")
	if mt := r.get("InstanceMarketOptions.MarketType"); mt != "" {
		c.lifecycle = mt
	}
	// Block devices.
	for _, n := range r.indexes("BlockDeviceMapping") {
		br := r.sub("BlockDeviceMapping." + strconv.Itoa(n))
		name := br.get("DeviceName")
		if name == "" {
			return nil, missingParam("BlockDeviceMapping." + strconv.Itoa(n) + ".DeviceName")
		}
		if br.has("NoDevice") {
			continue
		}
		bd := blockDevice{deviceName: name, deleteOnTermination: true}
		if br.has("Ebs.DeleteOnTermination") {
			v, err := br.boolParam("Ebs.DeleteOnTermination")
			if err != nil {
				return nil, err
			}
			bd.deleteOnTermination = v
		}
		if strings.HasPrefix(br.get("VirtualName"), "ephemeral") {
			continue
		}
		c.blockDevices = append(c.blockDevices, bd)
	}
	if len(c.blockDevices) > maxBlockDevices {
		return nil, badParam("An instance can have at most %d block device mappings", maxBlockDevices)
	}
	// Tags.
	for _, n := range r.indexes("TagSpecification") {
		ts := r.sub("TagSpecification." + strconv.Itoa(n))
		rt := ts.get("ResourceType")
		tags, err := ts.tags("Tag")
		if err != nil {
			return nil, err
		}
		if err := validateTags(tags, true); err != nil {
			return nil, err
		}
		switch rt {
		case "instance":
			lr.tags = append(lr.tags, tags...)
		case "network-interface":
			c.eniTags = append(c.eniTags, tags...)
		case "volume", "spot-instances-request", "elastic-gpu":
		default:
			return nil, badParam("'%s' is not a valid taggable resource type for this operation.", rt)
		}
	}
	if len(lr.tags) > maxTags || len(c.eniTags) > maxTags {
		return nil, errf(http.StatusBadRequest, "TagLimitExceeded", "The maximum number of tags per resource is %d", maxTags)
	}
	return lr, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// validateTags checks tag keys and values as EC2 does. With unique, a key
// may appear only once.
func validateTags(tags []tag, unique bool) *apiError {
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.key == "":
			return badParam("Tag key must not be empty")
		case len([]rune(t.key)) > 127:
			return badParam("Tag key exceeds the maximum length of 127 characters")
		case len([]rune(t.value)) > 256:
			return badParam("Tag value exceeds the maximum length of 256 characters")
		case strings.HasPrefix(strings.ToLower(t.key), "aws:"):
			return badParam("Tag keys starting with 'aws:' are reserved for internal use")
		}
		if unique && seen[t.key] {
			return badParam("Duplicate tag key '%s' specified", t.key)
		}
		seen[t.key] = true
	}
	return nil
}

// authorize applies the deny hook, then DryRun.
func (s *Server) authorize(action string, ids []string, dryRun bool) *apiError {
	if s.cfg.deny != nil && s.cfg.deny(action, ids) {
		return errf(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation.")
	}
	if dryRun {
		return errf(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	return nil
}

package ec2test

import (
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on the lists of a request, checked from the number of members
// before any member is parsed.
const (
	maxGroups            = 16
	maxTagSpecifications = 16
)

// --- RunInstances ---

var instanceTypeRE = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`)

// tokenEntry remembers the launch of a ClientToken and a digest of the
// request that made it.
type tokenEntry struct {
	ins    []*instance
	digest uint64
}

// launchDigest hashes the parameters of a RunInstances request (but
// DryRun), to tell a replay of a ClientToken from a different request
// that reuses it.
func launchDigest(r *request) uint64 {
	keys := make([]string, 0, len(r.params))
	for k := range r.params {
		if k != "DryRun" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := uint64(0x5eed)
	for _, k := range keys {
		h = mix(h ^ hashString(k))
		for _, v := range r.params[k] {
			h = mix(h ^ hashString(v) ^ 1)
		}
	}
	return h
}

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
	tok := lr.cfg.clientToken
	var digest uint64
	if tok != "" {
		digest = launchDigest(r)
	}
	now := s.now()
	s.mu.Lock()
	var ins []*instance
	if tok != "" {
		if e := s.clientTokens[tok]; e != nil {
			if e.digest != digest {
				s.mu.Unlock()
				return errf(http.StatusBadRequest, "IdempotentParameterMismatch",
					"Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
			}
			ins = e.ins
		}
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
		if tok != "" {
			s.clientTokens[tok] = &tokenEntry{ins: ins, digest: digest}
		}
	}
	recs := copyRecords(ins)
	s.mu.Unlock()

	// The answer shows the instances as launched: at an instant before
	// their first transition is due. It is rendered without the lock.
	items := s.renderItems(recs, now.Add(-1), x)
	res := recs[0].res
	x.header("RunInstances", reqID)
	x.elem("reservationId", res.id)
	x.elem("ownerId", res.ownerID)
	if res.requesterID != "" {
		x.elem("requesterId", res.requesterID)
	}
	x.raw("<groupSet/>")
	x.open("instancesSet")
	items.splice(x, 0, len(recs))
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
	p := r.prefixed("Placement")
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
	c.operatorPrincipal = r.get("Operator.Principal")
	// Network.
	lr.subnetID = r.get("SubnetId")
	nicMembers, ok := r.members("NetworkInterface", maxNICs)
	if !ok {
		return nil, badParam("An instance can have at most %d network interfaces", maxNICs)
	}
	if lr.subnetID != "" && len(nicMembers) > 0 {
		return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
			"Network interfaces and an instance-level subnet ID may not be specified on the same request")
	}
	groupIDs := r.list("SecurityGroupId")
	prefixes := 0
	for _, m := range nicMembers {
		ns, err := parseNIC(m.r, len(c.nics))
		if err != nil {
			return nil, err
		}
		prefixes += len(ns.ipv4Prefixes) + ns.ipv4PrefixCount + len(ns.ipv6Prefixes) + ns.ipv6PrefixCount
		if prefixes > maxPrefixesPerInstance {
			return nil, badParam("An instance can have at most %d delegated prefixes", maxPrefixesPerInstance)
		}
		if (len(ns.ipv4Prefixes) > 0 || len(ns.ipv6Prefixes) > 0) && lr.count > 1 {
			return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
				"Explicit prefixes may only be specified when launching a single instance")
		}
		nr := m.r
		if ns.deviceIndex == 0 {
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
			carrier, err := nr.boolParam("AssociateCarrierIpAddress")
			if err != nil {
				return nil, err
			}
			if carrier && lr.publicIP != nil && *lr.publicIP {
				return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
					"AssociatePublicIpAddress and AssociateCarrierIpAddress may not both be true")
			}
			c.carrierIP = carrier
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
			c.nics = []nicSpec{primaryNIC()}
		}
		c.nics[0].ipv6Count = cnt
	}
	securityGroups := r.list("SecurityGroup")
	if len(groupIDs)+len(securityGroups) > maxGroups {
		return nil, errf(http.StatusBadRequest, "SecurityGroupsPerInterfaceLimitExceeded",
			"The maximum number of security groups per interface has been reached (%d).", maxGroups)
	}
	for _, id := range groupIDs {
		if !validPrefixedID(id, "sg-") {
			return nil, errf(http.StatusBadRequest, "InvalidGroupId.Malformed", "Invalid id: %q (expecting \"sg-...\")", id)
		}
		c.groups = append(c.groups, s.groupByID(id))
	}
	for _, name := range securityGroups {
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
		c.iamID = s.instanceProfileID(c.iamARN)
	}
	// Metadata options.
	md := r.prefixed("MetadataOptions")
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
			if !slices.Contains(e.allow, v) {
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
	bdms, ok := r.members("BlockDeviceMapping", maxBlockDevices)
	if !ok {
		return nil, badParam("An instance can have at most %d block device mappings", maxBlockDevices)
	}
	for _, m := range bdms {
		br := m.r
		name := br.get("DeviceName")
		if name == "" {
			return nil, missingParam("BlockDeviceMapping." + strconv.Itoa(m.n) + ".DeviceName")
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
	// Tags.
	specs, ok := r.members("TagSpecification", maxTagSpecifications)
	if !ok {
		return nil, badParam("A request can have at most %d tag specifications", maxTagSpecifications)
	}
	for _, m := range specs {
		ts := m.r
		rt := ts.get("ResourceType")
		tags, err := ts.tagList("Tag")
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
		if len(lr.tags) > maxTags || len(c.eniTags) > maxTags {
			return nil, tagLimit()
		}
	}
	return lr, nil
}

// parseNIC parses the parameters of one NetworkInterface.N member;
// defaultIndex is its device index when it names none.
func parseNIC(nr *request, defaultIndex int) (nicSpec, *apiError) {
	var ns nicSpec
	di, ok, err := nr.intParam("DeviceIndex")
	if err != nil {
		return ns, err
	}
	if !ok {
		di = defaultIndex
	}
	ns.deviceIndex = int32(di)
	if ci, ok, err := nr.intParam("NetworkCardIndex"); err != nil {
		return ns, err
	} else if ok {
		ns.networkCardIndex = int32(ci)
	}
	ns.description = nr.get("Description")
	ns.deleteOnTermination = true
	if nr.has("DeleteOnTermination") {
		v, err := nr.boolParam("DeleteOnTermination")
		if err != nil {
			return ns, err
		}
		ns.deleteOnTermination = v
	}
	if cnt, ok, err := nr.intParam("Ipv6AddressCount"); err != nil {
		return ns, err
	} else if ok {
		if err := checkIPv6Count(cnt); err != nil {
			return ns, err
		}
		ns.ipv6Count = cnt
	}
	for _, pf := range []struct {
		count, list, item string
		bits              int
		n                 *int
		explicit          *[]string
	}{
		{"Ipv4PrefixCount", "Ipv4Prefix", "Ipv4Prefix", 28, &ns.ipv4PrefixCount, &ns.ipv4Prefixes},
		{"Ipv6PrefixCount", "Ipv6Prefix", "Ipv6Prefix", 80, &ns.ipv6PrefixCount, &ns.ipv6Prefixes},
	} {
		cnt, hasCount, err := nr.intParam(pf.count)
		if err != nil {
			return ns, err
		}
		if cnt < 0 || cnt > maxPrefixesPerNIC {
			return ns, badParam("Value (%d) for parameter %s is invalid. Expected a value between 0 and %d.", cnt, pf.count, maxPrefixesPerNIC)
		}
		items, ok := nr.members(pf.list, maxPrefixesPerNIC)
		if !ok {
			return ns, badParam("A network interface can have at most %d prefixes of a kind", maxPrefixesPerNIC)
		}
		if hasCount && cnt > 0 && len(items) > 0 {
			return ns, errf(http.StatusBadRequest, "InvalidParameterCombination",
				"%s and %s may not be specified on the same network interface", pf.count, pf.list)
		}
		*pf.n = cnt
		for _, it := range items {
			v := it.r.get(pf.item)
			p, err := netip.ParsePrefix(v)
			if err != nil || p.Bits() != pf.bits || p.Addr().Is4() != (pf.bits == 28) || p.Masked() != p {
				return ns, badParam("Invalid value '%s' for %s: expected a /%d prefix", v, pf.item, pf.bits)
			}
			*pf.explicit = append(*pf.explicit, p.String())
		}
	}
	return ns, nil
}

// validateTags checks tag keys and values as EC2 does. With unique, a key
// may appear only once.
func validateTags(tags []tag, unique bool) *apiError {
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.key == "":
			return badParam("Tag key must not be empty")
		case utf8.RuneCountInString(t.key) > 127:
			return badParam("Tag key exceeds the maximum length of 127 characters")
		case utf8.RuneCountInString(t.value) > 256:
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

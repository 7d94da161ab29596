package ec2test

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// fview is what a filter looks at: an instance at a moment.
type fview struct {
	s   *Server
	in  *instance
	now time.Time
}

// filterFn reports whether any of the instance's values for a filter
// matches m.
type filterFn func(v *fview, m *matcher) bool

// matcher holds the values of one filter. Values match case-sensitively;
// '*' matches any run of characters, '?' exactly one, and a backslash
// makes the next character literal.
type matcher struct {
	exact []string
	set   map[string]struct{}
	pats  [][]ptok
}

type ptok struct {
	kind byte // 'l' literal, '*' any run, '?' any one
	r    rune
}

func newMatcher(values []string) *matcher {
	m := &matcher{}
	for _, v := range values {
		toks, wild := compilePattern(v)
		if !wild {
			m.exact = append(m.exact, unescape(toks))
			continue
		}
		m.pats = append(m.pats, toks)
	}
	if len(m.exact) > 8 {
		m.set = make(map[string]struct{}, len(m.exact))
		for _, v := range m.exact {
			m.set[v] = struct{}{}
		}
	}
	return m
}

func compilePattern(v string) (toks []ptok, wild bool) {
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		i += n
		switch r {
		case '\\':
			if i < len(v) {
				r2, n2 := utf8.DecodeRuneInString(v[i:])
				i += n2
				toks = append(toks, ptok{kind: 'l', r: r2})
			} else {
				toks = append(toks, ptok{kind: 'l', r: '\\'})
			}
		case '*':
			wild = true
			toks = append(toks, ptok{kind: '*'})
		case '?':
			wild = true
			toks = append(toks, ptok{kind: '?'})
		default:
			toks = append(toks, ptok{kind: 'l', r: r})
		}
	}
	return toks, wild
}

func unescape(toks []ptok) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteRune(t.r)
	}
	return b.String()
}

// match reports whether s matches one of the values.
func (m *matcher) match(s string) bool {
	if m.set != nil {
		if _, ok := m.set[s]; ok {
			return true
		}
	} else {
		for _, e := range m.exact {
			if e == s {
				return true
			}
		}
	}
	for _, p := range m.pats {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch matches s against a compiled pattern with the usual
// backtracking over the last '*', linear in practice.
func globMatch(p []ptok, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, n := utf8.DecodeRuneInString(s[si:])
		if pi < len(p) {
			switch t := p[pi]; t.kind {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				pi++
				si += n
				continue
			default:
				if t.r == r {
					pi++
					si += n
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		pi = starP + 1
		_, n0 := utf8.DecodeRuneInString(s[starS:])
		starS += n0
		si = starS
	}
	for pi < len(p) && p[pi].kind == '*' {
		pi++
	}
	return pi == len(p)
}

// --- building blocks for the filter table ---

// str matches a single string value; an empty value is absent.
func str(get func(v *fview) string) filterFn {
	return func(v *fview, m *matcher) bool {
		s := get(v)
		return s != "" && m.match(s)
	}
}

func boolF(get func(v *fview) bool) filterFn {
	return func(v *fview, m *matcher) bool { return m.match(strconv.FormatBool(get(v))) }
}

func intF(get func(v *fview) int64) filterFn {
	return func(v *fview, m *matcher) bool { return m.match(strconv.FormatInt(get(v), 10)) }
}

func timeString(t time.Time) string { return t.UTC().Format(timeFormat) }

// never is a filter on a field the server's instances never have (such
// as scheduled events); it matches nothing.
func never(*fview, *matcher) bool { return false }

// alive restricts a filter to instances that still have network
// interfaces and volumes (that is, not terminated).
func alive(f filterFn) filterFn {
	return func(v *fview, m *matcher) bool {
		return v.in.hasNetwork(v.now) && f(v, m)
	}
}

// perNIC matches a value of each network interface.
func perNIC(get func(v *fview, k int) string) filterFn {
	return alive(func(v *fview, m *matcher) bool {
		for k := range v.in.cfg.nics {
			if s := get(v, k); s != "" && m.match(s) {
				return true
			}
		}
		return false
	})
}

// perNICAny is perNIC for values that may legitimately be empty.
func perNICAny(get func(v *fview, k int) string) filterFn {
	return alive(func(v *fview, m *matcher) bool {
		for k := range v.in.cfg.nics {
			if m.match(get(v, k)) {
				return true
			}
		}
		return false
	})
}

func perNICConst(s string) filterFn {
	return perNIC(func(*fview, int) string { return s })
}

// perBD matches a value of each block device.
func perBD(get func(v *fview, i int) string) filterFn {
	return alive(func(v *fview, m *matcher) bool {
		for i := range v.in.cfg.blockDevices {
			if m.match(get(v, i)) {
				return true
			}
		}
		return false
	})
}

// perIPv6 matches a value of each IPv6 address of each interface.
func perIPv6(get func(v *fview, k, j int) string) filterFn {
	return alive(func(v *fview, m *matcher) bool {
		for k, n := range v.in.cfg.nics {
			for j := 0; j < n.ipv6Count; j++ {
				if m.match(get(v, k, j)) {
					return true
				}
			}
		}
		return false
	})
}

// assocNIC0 matches a value of the address association of interface 0
// (public, Elastic, carrier or customer-owned address); an empty value is
// absent.
func assocNIC0(get func(v *fview) string) filterFn {
	return alive(func(v *fview, m *matcher) bool {
		if !hasAssociation(v.in) {
			return false
		}
		s := get(v)
		return s != "" && m.match(s)
	})
}

// perNICList matches the values of a list of each network interface.
func perNICList(get func(v *fview, k int) []string) filterFn {
	return alive(func(v *fview, m *matcher) bool {
		for k := range v.in.cfg.nics {
			for _, s := range get(v, k) {
				if m.match(s) {
					return true
				}
			}
		}
		return false
	})
}

func assocOwner(v *fview) string { return ipOwner(v.in) }

func assocAllocationID(v *fview) string { return v.s.eipAllocationID(v.in) }

func assocAssociationID(v *fview) string { return v.s.eipAssociationID(v.in) }

func assocCarrierIP(v *fview) string {
	if ip := carrierIP(v.in); ip != 0 {
		return ipString(ip)
	}
	return ""
}

func assocCustomerOwnedIP(v *fview) string {
	if ip := customerOwnedIP(v.in); ip != 0 {
		return ipString(ip)
	}
	return ""
}

func operatorManaged(v *fview) string { return strconv.FormatBool(v.in.cfg.managed()) }

func operatorPrincipal(v *fview) string { return v.in.cfg.operatorPrincipal }

func groupIDs(v *fview, m *matcher) bool {
	for _, g := range v.in.cfg.groups {
		if m.match(g.id) {
			return true
		}
	}
	return false
}

func groupNames(v *fview, m *matcher) bool {
	for _, g := range v.in.cfg.groups {
		if m.match(g.name) {
			return true
		}
	}
	return false
}

func tagKeys(tags []tag, m *matcher) bool {
	for _, t := range tags {
		if m.match(t.key) {
			return true
		}
	}
	return false
}

func tagValues(tags []tag, m *matcher) bool {
	for _, t := range tags {
		if m.match(t.value) {
			return true
		}
	}
	return false
}

func nicAddr(v *fview, k int) uint32 { return v.in.privateIP + uint32(k) }

func publicIP(v *fview) string {
	if v.in.publicIP == 0 || !v.in.hasNetwork(v.now) {
		return ""
	}
	return ipString(v.in.publicIP)
}

func publicDNS(v *fview) string {
	if v.in.publicIP == 0 || !v.in.hasNetwork(v.now) {
		return ""
	}
	return publicDNSName(v.in.az, v.in.publicIP)
}

// filterTable maps every documented DescribeInstances filter name to its
// implementation. tag:<key> is handled separately. tag-value is accepted
// too, as EC2 accepts it.
var filterTable = map[string]filterFn{
	"affinity":     str(func(v *fview) string { return v.in.cfg.affinity }),
	"architecture": str(func(v *fview) string { return v.in.cfg.architecture }),
	"availability-zone": str(func(v *fview) string {
		return v.in.az
	}),
	"block-device-mapping.attach-time": perBD(func(v *fview, _ int) string { return timeString(v.in.launchTime) }),
	"block-device-mapping.delete-on-termination": perBD(func(v *fview, i int) string {
		return strconv.FormatBool(v.in.cfg.blockDevices[i].deleteOnTermination)
	}),
	"block-device-mapping.device-name": perBD(func(v *fview, i int) string { return v.in.cfg.blockDevices[i].deviceName }),
	"block-device-mapping.status":      perBD(func(*fview, int) string { return "attached" }),
	"block-device-mapping.volume-id":   perBD(func(v *fview, i int) string { return v.s.volumeID(v.in, i) }),
	"boot-mode":                        str(func(v *fview) string { return v.in.cfg.bootMode }),
	"capacity-reservation-id":          str(func(v *fview) string { return v.in.cfg.capacityReservationID }),
	"capacity-reservation-specification.capacity-reservation-preference": str(func(v *fview) string {
		return v.in.cfg.crPreference
	}),
	"capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id": str(func(v *fview) string {
		return v.in.cfg.crTargetID
	}),
	"capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn": str(func(v *fview) string {
		return v.in.cfg.crTargetARN
	}),
	"client-token":                   str(func(v *fview) string { return v.in.cfg.clientToken }),
	"current-instance-boot-mode":     str(func(v *fview) string { return v.in.cfg.currentBootMode }),
	"dns-name":                       str(publicDNS),
	"ebs-optimized":                  boolF(func(v *fview) bool { return v.in.cfg.ebsOptimized }),
	"ena-support":                    boolF(func(v *fview) bool { return v.in.cfg.enaSupport }),
	"enclave-options.enabled":        boolF(func(v *fview) bool { return v.in.cfg.enclave }),
	"hibernation-options.configured": boolF(func(v *fview) bool { return v.in.cfg.hibernation }),
	"host-id":                        str(func(v *fview) string { return v.in.cfg.hostID }),
	"hypervisor":                     str(func(v *fview) string { return v.in.cfg.hypervisor }),
	"iam-instance-profile.arn":       str(func(v *fview) string { return v.in.cfg.iamARN }),
	"iam-instance-profile.id":        str(func(v *fview) string { return v.in.cfg.iamID }),
	"image-id":                       str(func(v *fview) string { return v.in.cfg.imageID }),
	"instance-id":                    str(func(v *fview) string { return v.in.id }),
	"instance-lifecycle":             str(func(v *fview) string { return v.in.cfg.lifecycle }),
	"instance-state-code":            intF(func(v *fview) int64 { return int64(v.in.state(v.now).code()) }),
	"instance-state-name":            str(func(v *fview) string { return v.in.state(v.now).name() }),
	"instance-type":                  str(func(v *fview) string { return v.in.cfg.instanceType }),
	"instance.group-id":              groupIDs,
	"instance.group-name":            groupNames,
	"ip-address":                     str(publicIP),
	"ipv6-address":                   perIPv6(func(v *fview, k, j int) string { return v.s.ipv6Address(v.in, k, j) }),
	"kernel-id":                      str(func(v *fview) string { return v.in.cfg.kernelID }),
	"key-name":                       str(func(v *fview) string { return v.in.cfg.keyName }),
	"launch-index":                   intF(func(v *fview) int64 { return int64(v.in.launchIndex) }),
	"launch-time":                    str(func(v *fview) string { return timeString(v.in.launchTime) }),
	"maintenance-options.auto-recovery": str(func(v *fview) string {
		return v.in.cfg.autoRecovery
	}),
	"metadata-options.http-endpoint":      str(func(v *fview) string { return v.in.cfg.mdHTTPEndpoint }),
	"metadata-options.http-protocol-ipv4": str(func(*fview) string { return "enabled" }),
	"metadata-options.http-protocol-ipv6": str(func(v *fview) string { return v.in.cfg.mdHTTPProtocolIPv6 }),
	"metadata-options.http-put-response-hop-limit": intF(func(v *fview) int64 {
		return int64(v.in.cfg.mdHopLimit)
	}),
	"metadata-options.http-tokens":            str(func(v *fview) string { return v.in.cfg.mdHTTPTokens }),
	"metadata-options.instance-metadata-tags": str(func(v *fview) string { return v.in.cfg.mdTags }),
	"metadata-options.state":                  str(func(*fview) string { return "applied" }),
	"monitoring-state": str(func(v *fview) string {
		return string(monNames[v.in.monitoring(v.now)])
	}),
	"network-interface.addresses.association.allocation-id":     assocNIC0(assocAllocationID),
	"network-interface.addresses.association.association-id":    assocNIC0(assocAssociationID),
	"network-interface.addresses.association.carrier-ip":        assocNIC0(assocCarrierIP),
	"network-interface.addresses.association.customer-owned-ip": assocNIC0(assocCustomerOwnedIP),
	"network-interface.addresses.association.ip-owner-id":       assocNIC0(assocOwner),
	"network-interface.addresses.association.public-dns-name":   assocNIC0(publicDNS),
	"network-interface.addresses.association.public-ip":         assocNIC0(publicIP),
	"network-interface.addresses.primary":                       perNICConst("true"),
	"network-interface.addresses.private-dns-name": perNIC(func(v *fview, k int) string {
		return v.s.privateDNSName(v.in, nicAddr(v, k))
	}),
	"network-interface.addresses.private-ip-address": perNIC(func(v *fview, k int) string {
		return ipString(nicAddr(v, k))
	}),
	"network-interface.association.allocation-id":     assocNIC0(assocAllocationID),
	"network-interface.association.association-id":    assocNIC0(assocAssociationID),
	"network-interface.association.carrier-ip":        assocNIC0(assocCarrierIP),
	"network-interface.association.customer-owned-ip": assocNIC0(assocCustomerOwnedIP),
	"network-interface.association.ip-owner-id":       assocNIC0(assocOwner),
	"network-interface.association.public-dns-name":   assocNIC0(publicDNS),
	"network-interface.association.public-ip":         assocNIC0(publicIP),
	"network-interface.attachment.attach-time": perNIC(func(v *fview, _ int) string {
		return timeString(v.in.launchTime)
	}),
	"network-interface.attachment.attachment-id": perNIC(func(v *fview, k int) string { return v.s.attachmentID(v.in, k) }),
	"network-interface.attachment.delete-on-termination": perNIC(func(v *fview, k int) string {
		return strconv.FormatBool(v.in.cfg.nics[k].deleteOnTermination)
	}),
	"network-interface.attachment.device-index": perNIC(func(v *fview, k int) string {
		return strconv.Itoa(int(v.in.cfg.nics[k].deviceIndex))
	}),
	"network-interface.attachment.instance-id":       perNIC(func(v *fview, _ int) string { return v.in.id }),
	"network-interface.attachment.instance-owner-id": perNIC(func(v *fview, _ int) string { return v.in.cfg.ownerID }),
	"network-interface.attachment.network-card-index": perNIC(func(v *fview, k int) string {
		return strconv.Itoa(int(v.in.cfg.nics[k].networkCardIndex))
	}),
	"network-interface.attachment.status":         perNICConst("attached"),
	"network-interface.availability-zone":         perNIC(func(v *fview, _ int) string { return v.in.az }),
	"network-interface.deny-all-igw-traffic":      perNICConst("false"),
	"network-interface.description":               perNICAny(func(v *fview, k int) string { return v.in.cfg.nics[k].description }),
	"network-interface.group-id":                  alive(groupIDs),
	"network-interface.group-name":                alive(groupNames),
	"network-interface.ipv4-prefixes.ipv4-prefix": perNICList(func(v *fview, k int) []string { return v.s.ipv4Prefixes(v.in, k) }),
	"network-interface.ipv6-address": perIPv6(func(v *fview, k, j int) string {
		return v.s.ipv6Address(v.in, k, j)
	}),
	"network-interface.ipv6-addresses.ipv6-address": perIPv6(func(v *fview, k, j int) string {
		return v.s.ipv6Address(v.in, k, j)
	}),
	"network-interface.ipv6-addresses.is-primary-ipv6": perIPv6(func(*fview, int, int) string { return "false" }),
	"network-interface.ipv6-native":                    perNICConst("false"),
	"network-interface.ipv6-prefixes.ipv6-prefix":      perNICList(func(v *fview, k int) []string { return v.s.ipv6Prefixes(v.in, k) }),
	"network-interface.mac-address":                    perNIC(func(v *fview, k int) string { return v.s.macAddress(v.in, k) }),
	"network-interface.network-interface-id":           perNIC(func(v *fview, k int) string { return v.s.eniID(v.in, k) }),
	"network-interface.operator.managed":               perNIC(func(v *fview, _ int) string { return operatorManaged(v) }),
	"network-interface.operator.principal":             perNIC(func(v *fview, _ int) string { return operatorPrincipal(v) }),
	"network-interface.outpost-arn":                    perNIC(func(v *fview, _ int) string { return v.in.cfg.outpostARN }),
	"network-interface.owner-id":                       perNIC(func(v *fview, _ int) string { return v.in.cfg.ownerID }),
	"network-interface.private-dns-name": perNIC(func(v *fview, k int) string {
		return v.s.privateDNSName(v.in, nicAddr(v, k))
	}),
	"network-interface.private-ip-address": perNIC(func(v *fview, k int) string { return ipString(nicAddr(v, k)) }),
	"network-interface.public-dns-name":    assocNIC0(publicDNS),
	"network-interface.requester-id":       perNIC(func(v *fview, _ int) string { return v.in.res.requesterID }),
	"network-interface.requester-managed":  perNICConst("false"),
	"network-interface.status":             perNICConst("in-use"),
	"network-interface.source-dest-check": perNIC(func(v *fview, _ int) string {
		return strconv.FormatBool(v.in.cfg.sourceDestCheck)
	}),
	"network-interface.subnet-id": perNIC(func(v *fview, _ int) string { return v.in.sub.id }),
	"network-interface.tag-key":   alive(func(v *fview, m *matcher) bool { return tagKeys(v.in.cfg.eniTags, m) }),
	"network-interface.tag-value": alive(func(v *fview, m *matcher) bool { return tagValues(v.in.cfg.eniTags, m) }),
	"network-interface.vpc-id":    perNIC(func(v *fview, _ int) string { return v.in.sub.vpcID }),
	"network-performance-options.bandwidth-weighting": str(func(v *fview) string {
		return v.in.cfg.bandwidthWeighting
	}),
	"operator.managed":     str(operatorManaged),
	"operator.principal":   str(operatorPrincipal),
	"outpost-arn":          str(func(v *fview) string { return v.in.cfg.outpostARN }),
	"owner-id":             str(func(v *fview) string { return v.in.res.ownerID }),
	"placement-group-name": str(func(v *fview) string { return v.in.cfg.placementGroup }),
	"placement-partition-number": func(v *fview, m *matcher) bool {
		return v.in.cfg.partition != 0 && m.match(strconv.Itoa(int(v.in.cfg.partition)))
	},
	"platform":         str(func(v *fview) string { return v.in.cfg.platform }),
	"platform-details": str(func(v *fview) string { return v.in.cfg.platformDetails }),
	"private-dns-name": alive(str(func(v *fview) string { return v.s.privateDNSName(v.in, v.in.privateIP) })),
	"private-dns-name-options.enable-resource-name-dns-a-record": boolF(func(v *fview) bool {
		return v.in.cfg.dnsA
	}),
	"private-dns-name-options.enable-resource-name-dns-aaaa-record": boolF(func(v *fview) bool {
		return v.in.cfg.dnsAAAA
	}),
	"private-dns-name-options.hostname-type": str(func(v *fview) string { return v.in.cfg.hostnameType }),
	"private-ip-address":                     alive(str(func(v *fview) string { return ipString(v.in.privateIP) })),
	"product-code": func(v *fview, m *matcher) bool {
		for _, pc := range v.in.cfg.productCodes {
			if m.match(pc.id) {
				return true
			}
		}
		return false
	},
	"product-code.type": func(v *fview, m *matcher) bool {
		for _, pc := range v.in.cfg.productCodes {
			if m.match(pc.typ) {
				return true
			}
		}
		return false
	},
	"ramdisk-id":       str(func(v *fview) string { return v.in.cfg.ramdiskID }),
	"reason":           str(func(v *fview) string { return v.in.transitionReason(v.now) }),
	"requester-id":     str(func(v *fview) string { return v.in.res.requesterID }),
	"reservation-id":   str(func(v *fview) string { return v.in.res.id }),
	"root-device-name": str(func(v *fview) string { return v.in.cfg.rootDeviceName }),
	"root-device-type": str(func(v *fview) string { return v.in.cfg.rootDeviceType }),
	"source-dest-check": boolF(func(v *fview) bool {
		return v.in.cfg.sourceDestCheck
	}),
	"spot-instance-request-id": str(func(v *fview) string {
		if v.in.cfg.lifecycle != "spot" {
			return ""
		}
		return v.s.spotRequestID(v.in)
	}),
	"state-reason-code": str(func(v *fview) string {
		c, _ := v.in.stateReason(v.now)
		return c
	}),
	"state-reason-message": str(func(v *fview) string {
		_, msg := v.in.stateReason(v.now)
		return msg
	}),
	"subnet-id":                   alive(str(func(v *fview) string { return v.in.sub.id })),
	"tag-key":                     func(v *fview, m *matcher) bool { return tagKeys(v.in.tags, m) },
	"tag-value":                   func(v *fview, m *matcher) bool { return tagValues(v.in.tags, m) },
	"tenancy":                     str(func(v *fview) string { return v.in.cfg.tenancy }),
	"tpm-support":                 str(func(v *fview) string { return v.in.cfg.tpmSupport }),
	"usage-operation":             str(func(v *fview) string { return v.in.cfg.usageOp }),
	"usage-operation-update-time": str(func(v *fview) string { return timeString(v.in.launchTime) }),
	"virtualization-type":         str(func(v *fview) string { return v.in.cfg.virtualizationType }),
	"vpc-id":                      alive(str(func(v *fview) string { return v.in.sub.vpcID })),
}

// FilterNames returns the DescribeInstances filter names the server
// supports, sorted, with "tag:<key>" standing for every tag filter.
func FilterNames() []string {
	out := make([]string, 0, len(filterTable)+1)
	for k := range filterTable {
		out = append(out, k)
	}
	out = append(out, "tag:<key>")
	sort.Strings(out)
	return out
}

// filter is one compiled filter of a request.
type filter struct {
	name   string
	values []string
	fn     filterFn
	key    string // for tag:<key>
	m      *matcher
}

func (f *filter) match(v *fview) bool {
	if f.fn != nil {
		return f.fn(v, f.m)
	}
	for _, t := range v.in.tags {
		if t.key == f.key && f.m.match(t.value) {
			return true
		}
	}
	return false
}

// parseFilters reads Filter.N.Name and Filter.N.Value.M. table maps the
// names the action supports; tags says whether tag:<key> filters are
// supported too.
func parseFilters(r *request, table map[string]filterFn, tags bool) ([]filter, *apiError) {
	// Every filter has a value, so more filters than values allowed fail
	// before any is looked at.
	ms, ok := r.members("Filter", maxFilterValues)
	if !ok {
		return nil, errf(http.StatusBadRequest, "FilterLimitExceeded",
			"The maximum number of filter values specified on a single call is %d", maxFilterValues)
	}
	var out []filter
	total := 0
	for _, m := range ms {
		name := m.r.get("Name")
		if name == "" {
			return nil, errf(http.StatusBadRequest, "InvalidParameterValue", "The filter Filter.%d has no name", m.n)
		}
		values := m.r.list("Value")
		if len(values) == 0 {
			return nil, errf(http.StatusBadRequest, "InvalidParameterValue", "The filter '%s' has no values", name)
		}
		total += len(values)
		if total > maxFilterValues {
			return nil, errf(http.StatusBadRequest, "FilterLimitExceeded",
				"The maximum number of filter values specified on a single call is %d", maxFilterValues)
		}
		for _, v := range values {
			if utf8.RuneCountInString(v) > maxFilterValueLen {
				return nil, errf(http.StatusBadRequest, "FilterLimitExceeded",
					"The maximum length for a filter value is %d characters", maxFilterValueLen)
			}
		}
		f := filter{name: name, values: values, m: newMatcher(values)}
		if key, ok := strings.CutPrefix(name, "tag:"); ok && key != "" && tags {
			f.key = key
		} else if fn, ok := table[name]; ok {
			f.fn = fn
		} else {
			return nil, errf(http.StatusBadRequest, "InvalidParameterValue", "The filter '%s' is invalid", name)
		}
		out = append(out, f)
	}
	return out, nil
}

// matchAll reports whether the instance passes every filter.
func matchAll(fs []filter, v *fview) bool {
	for i := range fs {
		if !fs[i].match(v) {
			return false
		}
	}
	return true
}

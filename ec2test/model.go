package ec2test

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// instState is an instance state, in the order of EC2's state codes.
type instState uint8

const (
	stPending instState = iota
	stRunning
	stShuttingDown
	stTerminated
	stStopping
	stStopped
)

var stateNames = [...]types.InstanceStateName{
	types.InstanceStateNamePending,
	types.InstanceStateNameRunning,
	types.InstanceStateNameShuttingDown,
	types.InstanceStateNameTerminated,
	types.InstanceStateNameStopping,
	types.InstanceStateNameStopped,
}

// stateCodes are the documented codes (the low byte of the state code).
var stateCodes = [...]int32{0, 16, 32, 48, 64, 80}

func (s instState) name() string { return string(stateNames[s]) }
func (s instState) code() int32  { return stateCodes[s] }

// monState is a detailed-monitoring state.
type monState uint8

const (
	monDisabled monState = iota
	monDisabling
	monEnabled
	monPending
)

var monNames = [...]types.MonitoringState{
	types.MonitoringStateDisabled,
	types.MonitoringStateDisabling,
	types.MonitoringStateEnabled,
	types.MonitoringStatePending,
}

// tag is one key/value pair.
type tag struct{ key, value string }

// group is a security group reference.
type group struct{ id, name string }

// subnet is what the server knows about a subnet: its VPC, its zone, how
// its instances are addressed, and the block of private addresses it
// hands out from.
type subnet struct {
	id, vpcID, az string
	isDefault     bool
	mapPublic     bool   // instances get a public address by default
	outpostARN    string // the Outpost the subnet is on
	coipPool      string // customer-owned address pool mapped on launch
	// cur and end delimit the free addresses of the subnet's current
	// block; end is 0 until the subnet has a block.
	cur, end uint32
}

// reservation is the unit RunInstances creates.
type reservation struct {
	id          string
	ownerID     string
	requesterID string
}

// blockDevice describes one EBS volume attached at launch.
type blockDevice struct {
	deviceName          string
	deleteOnTermination bool
}

// nicSpec describes one network interface attached at launch.
type nicSpec struct {
	deviceIndex         int32
	networkCardIndex    int32
	description         string
	deleteOnTermination bool
	ipv6Count           int
	// Delegated prefixes: a number to assign, or explicit prefixes.
	ipv4PrefixCount, ipv6PrefixCount int
	ipv4Prefixes, ipv6Prefixes       []string
}

// productCode is an AMI product code.
type productCode struct{ id, typ string }

// launchConfig holds the attributes shared by the instances of one launch.
// It is never changed once instances point at it: ModifyInstanceAttribute
// gives the instance a modified copy (copy on write), so 100,000 instances
// of one launch share one launchConfig.
type launchConfig struct {
	imageID, instanceType, keyName string
	kernelID, ramdiskID            string
	architecture, hypervisor       string
	virtualizationType, platform   string
	platformDetails, usageOp       string
	rootDeviceName, rootDeviceType string
	bootMode, currentBootMode      string
	tpmSupport                     string
	sriovNetSupport                string
	userData                       string
	shutdownBehavior               string
	ebsOptimized, enaSupport       bool
	sourceDestCheck                bool
	groups                         []group
	iamARN, iamID                  string
	placementGroup                 string
	partition                      int32
	tenancy, hostID, affinity      string
	lifecycle                      string
	capacityReservationID          string
	crPreference                   string
	crTargetID, crTargetARN        string
	clientToken                    string
	mdHTTPEndpoint, mdHTTPTokens   string
	mdHTTPProtocolIPv6, mdTags     string
	mdHopLimit                     int32
	hibernation, enclave           bool
	cpuCores, cpuThreads           int32
	autoRecovery                   string
	hostnameType                   string
	dnsA, dnsAAAA                  bool
	bandwidthWeighting             string
	outpostARN                     string
	productCodes                   []productCode
	blockDevices                   []blockDevice
	nics                           []nicSpec
	eniTags                        []tag
	publicIP                       bool
	elasticIP, carrierIP           bool
	operatorPrincipal              string
	ownerID                        string
}

// managed reports whether a service manages the instances: their
// operator has a principal.
func (c *launchConfig) managed() bool { return c.operatorPrincipal != "" }

func (c *launchConfig) clone() *launchConfig {
	n := *c
	return &n
}

// instance is the server's record of one instance: compact, with the
// fields that vary per instance; the rest lives in the shared cfg and in
// values derived from the sequence number.
type instance struct {
	seq         uint64 // launch sequence: the stable total order
	id          string
	res         *reservation
	cfg         *launchConfig
	sub         *subnet
	az          string
	launchIndex int32
	privateIP   uint32 // address of network interface 0; interface k has privateIP+k
	prefixBase  uint32 // first address of the instance's allocated IPv4 prefixes
	publicIP    uint32 // 0 when the instance has no public address
	launchTime  time.Time
	visibleAt   int64 // unix nanoseconds; hidden before
	tags        []tag // replaced, never modified in place

	st, target instState
	due        int64 // unix nanoseconds when st becomes target; 0 when settled
	termAt     int64 // unix nanoseconds when the instance reached terminated
	everRan    bool
	userAt     time.Time // time of the last user-initiated stop/terminate
	userCause  bool      // the current state results from a user stop/terminate

	mon, monTarget monState
	monDue         int64

	protTerm, protStop bool
	removed            bool
}

// state returns the instance state at now, with any due transition done.
func (in *instance) state(now time.Time) instState {
	if in.due != 0 && now.UnixNano() >= in.due {
		return in.target
	}
	return in.st
}

// monitoring returns the monitoring state at now.
func (in *instance) monitoring(now time.Time) monState {
	if in.monDue != 0 && now.UnixNano() >= in.monDue {
		return in.monTarget
	}
	return in.mon
}

// settle applies due transitions. It needs the write lock.
func (in *instance) settle(now time.Time) {
	n := now.UnixNano()
	if in.due != 0 && n >= in.due {
		in.st = in.target
		if in.st == stRunning {
			in.everRan = true
		}
		if in.st == stTerminated {
			in.termAt = in.due
		}
		in.due = 0
	}
	if in.monDue != 0 && n >= in.monDue {
		in.mon = in.monTarget
		in.monDue = 0
	}
}

// terminatedAt returns when (unix nanoseconds) the instance reached
// terminated at now, and whether it has.
func (in *instance) terminatedAt(now int64) (int64, bool) {
	if in.st == stTerminated {
		return in.termAt, true
	}
	if in.due != 0 && in.target == stTerminated && now >= in.due {
		return in.due, true
	}
	return 0, false
}

// stampAfter returns now+d in unix nanoseconds, never 0.
func stampAfter(now time.Time, d time.Duration) int64 {
	if d < 0 {
		d = 0
	}
	n := now.Add(d).UnixNano()
	if n == 0 {
		n = 1
	}
	return n
}

// transition starts a move to a transitional state that ends in target
// after delay.
func (in *instance) transition(now time.Time, via, target instState, delay time.Duration) {
	in.settle(now)
	in.st = via
	in.target = target
	in.due = stampAfter(now, delay)
}

// hasNetwork reports whether the instance still has its network
// interfaces and volumes; a terminated instance has neither.
func (in *instance) hasNetwork(now time.Time) bool {
	return in.state(now) != stTerminated
}

// --- deterministic identifiers ---

// mix is the splitmix64 finaliser, used to derive identifiers from the
// seed and a sequence number without storing them.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hexID formats prefix + "0" + 16 hex digits: the 17-digit shape of
// current EC2 IDs, which start with 0.
func hexID(prefix string, v uint64) string {
	var b [32]byte
	n := copy(b[:], prefix)
	b[n] = '0'
	n++
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[n+i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:n+16])
}

// derived returns a stable pseudo-random value for the instance, a kind
// of identifier and an index (e.g. network interface k).
func (s *Server) derived(in *instance, kind uint64, k int) uint64 {
	return mix(s.idSalt ^ mix(in.seq<<8^kind<<4^uint64(k)))
}

const (
	kindENI uint64 = iota + 1
	kindAttach
	kindVolume
	kindMAC
	kindIPv6
	kindSpot
	kindIPv6Prefix
	kindEIPAlloc
	kindEIPAssoc
)

func (s *Server) eniID(in *instance, k int) string {
	return hexID("eni-", s.derived(in, kindENI, k))
}

func (s *Server) attachmentID(in *instance, k int) string {
	return hexID("eni-attach-", s.derived(in, kindAttach, k))
}

func (s *Server) volumeID(in *instance, k int) string {
	return hexID("vol-", s.derived(in, kindVolume, k))
}

func (s *Server) spotRequestID(in *instance) string {
	v := s.derived(in, kindSpot, 0)
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [12]byte
	copy(b[:], "sir-")
	for i := 4; i < 12; i++ {
		b[i] = alnum[v%uint64(len(alnum))]
		v /= uint64(len(alnum))
	}
	return string(b[:])
}

func (s *Server) macAddress(in *instance, k int) string {
	v := s.derived(in, kindMAC, k)
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], v)
	raw[2] = 0x0e // a locally administered unicast address, as EC2 uses
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", raw[2], raw[3], raw[4], raw[5], raw[6], raw[7])
}

func (s *Server) ipv6Address(in *instance, nic, k int) string {
	v := s.derived(in, kindIPv6, nic<<8|k)
	return fmt.Sprintf("2600:1f18:%x:%x:%x:%x:%x:%x", uint16(in.seq>>16)&0xff, uint16(in.seq), uint16(v>>48), uint16(v>>32), uint16(v>>16), uint16(v))
}

// ipv4Prefixes returns the IPv4 prefixes delegated to network interface
// k: the explicit ones, or /28 blocks from the instance's allocation.
func (s *Server) ipv4Prefixes(in *instance, k int) []string {
	nics := in.cfg.nics
	if len(nics[k].ipv4Prefixes) > 0 {
		return nics[k].ipv4Prefixes
	}
	if nics[k].ipv4PrefixCount == 0 {
		return nil
	}
	off := 0
	for j := 0; j < k; j++ {
		if len(nics[j].ipv4Prefixes) == 0 {
			off += nics[j].ipv4PrefixCount
		}
	}
	out := make([]string, nics[k].ipv4PrefixCount)
	for j := range out {
		out[j] = ipString(in.prefixBase+uint32(16*(off+j))) + "/28"
	}
	return out
}

// ipv6Prefixes returns the IPv6 prefixes delegated to network interface k:
// the explicit ones, or /80 prefixes derived from the instance.
func (s *Server) ipv6Prefixes(in *instance, k int) []string {
	n := in.cfg.nics[k]
	if len(n.ipv6Prefixes) > 0 {
		return n.ipv6Prefixes
	}
	out := make([]string, n.ipv6PrefixCount)
	for j := range out {
		v := s.derived(in, kindIPv6Prefix, k<<8|j)
		out[j] = fmt.Sprintf("2600:1f18:%x:%x:%x::/80", uint16(in.seq>>16)&0xff|0x100, uint16(v>>16), uint16(v))
	}
	return out
}

// carrierIP returns the carrier address of the instance's primary
// interface (0 when it has none), from 155.146.0.0/16.
func carrierIP(in *instance) uint32 {
	if !in.cfg.carrierIP {
		return 0
	}
	return 155<<24 | 146<<16 | uint32(in.seq%0xfffe+1)
}

// customerOwnedIP returns the customer-owned address of the instance's
// primary interface (0 when its subnet maps none), from 100.64.0.0/10.
func customerOwnedIP(in *instance) uint32 {
	if in.sub.coipPool == "" {
		return 0
	}
	return 100<<24 | 64<<16 | uint32(in.seq%(1<<22-2)+1)
}

// hasAssociation reports whether the primary interface has an address
// association (public, carrier or customer-owned address).
func hasAssociation(in *instance) bool {
	return in.publicIP != 0 || in.cfg.carrierIP || in.sub.coipPool != ""
}

// ipOwner is the owner of the associated address: the account for an
// Elastic IP address, amazon otherwise.
func ipOwner(in *instance) string {
	if hasElasticIP(in) {
		return in.cfg.ownerID
	}
	return "amazon"
}

// hasElasticIP reports whether the instance's public address is an
// Elastic IP address.
func hasElasticIP(in *instance) bool { return in.cfg.elasticIP && in.publicIP != 0 }

// eipAllocationID returns the allocation ID of the instance's Elastic IP
// address ("" when it has none).
func (s *Server) eipAllocationID(in *instance) string {
	if !hasElasticIP(in) {
		return ""
	}
	return hexID("eipalloc-", s.derived(in, kindEIPAlloc, 0))
}

// eipAssociationID returns the association ID of the instance's Elastic
// IP address ("" when it has none).
func (s *Server) eipAssociationID(in *instance) string {
	if !hasElasticIP(in) {
		return ""
	}
	return hexID("eipassoc-", s.derived(in, kindEIPAssoc, 0))
}

func ipString(a uint32) string {
	var b [15]byte
	n := strconv.AppendUint(b[:0], uint64(a>>24), 10)
	n = append(n, '.')
	n = strconv.AppendUint(n, uint64(a>>16&0xff), 10)
	n = append(n, '.')
	n = strconv.AppendUint(n, uint64(a>>8&0xff), 10)
	n = append(n, '.')
	n = strconv.AppendUint(n, uint64(a&0xff), 10)
	return string(n)
}

// regionOf returns the region of an Availability Zone name
// ("us-east-1a" -> "us-east-1").
func regionOf(az string) string {
	if n := len(az); n > 1 && az[n-1] >= 'a' && az[n-1] <= 'z' {
		return az[:n-1]
	}
	return az
}

// privateDNSName is EC2's internal host name for an address or, with the
// resource-name host name type, for the instance ID.
func (s *Server) privateDNSName(in *instance, addr uint32) string {
	region := regionOf(in.az)
	var host string
	if in.cfg.hostnameType == string(types.HostnameTypeResourceName) && addr == in.privateIP {
		host = in.id
	} else {
		host = "ip-" + strings.ReplaceAll(ipString(addr), ".", "-")
	}
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

func publicDNSName(az string, addr uint32) string {
	region := regionOf(az)
	host := "ec2-" + strings.ReplaceAll(ipString(addr), ".", "-")
	if region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + region + ".compute.amazonaws.com"
}

// userInitiated formats EC2's StateTransitionReason for a user action.
func userInitiated(t time.Time) string {
	return "User initiated (" + t.UTC().Format("2006-01-02 15:04:05") + " GMT)"
}

const (
	reasonUserCode    = "Client.UserInitiatedShutdown"
	reasonUserMessage = "Client.UserInitiatedShutdown: User initiated shutdown"
)

// stateReason returns the StateReason code and message EC2 shows for the
// instance at now ("" when there is none).
func (in *instance) stateReason(now time.Time) (code, msg string) {
	switch st := in.state(now); st {
	case stPending:
		return "pending", "pending"
	case stRunning:
		return "", ""
	default:
		if in.userCause {
			return reasonUserCode, reasonUserMessage
		}
		return "", ""
	}
}

// transitionReason returns the StateTransitionReason at now.
func (in *instance) transitionReason(now time.Time) string {
	switch in.state(now) {
	case stPending, stRunning:
		return ""
	}
	if in.userCause {
		return userInitiated(in.userAt)
	}
	return ""
}

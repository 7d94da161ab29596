package ec2test

import (
	"net/http"
	"strings"
	"time"
)

// Private addresses are handed out in blocks of 65,536 (a /16): a subnet
// takes a block from a pool when it needs addresses and uses it up before
// it takes another, so no two subnets ever hand out the same address,
// whatever the number of zones and subnets. The default VPC's subnets
// draw from 172.16.0.0/12, other subnets from 10.0.0.0/8; when a pool is
// used up the other one serves. That is 272 blocks, about 17.8 million
// addresses.
const blockSize = 1 << 16

// blockPool hands out the /16 blocks of an address range in order.
type blockPool struct{ next, end uint32 }

func (p *blockPool) take() (uint32, bool) {
	if p.next >= p.end {
		return 0, false
	}
	b := p.next
	p.next += blockSize
	return b, true
}

func (p *blockPool) free() uint32 { return (p.end - p.next) / blockSize }

func newPools() [2]blockPool {
	return [2]blockPool{
		{next: 172<<24 | 16<<16, end: 172<<24 | 32<<16}, // default VPC
		{next: 10 << 24, end: 11 << 24},                 // other VPCs
	}
}

// Each block keeps its first four addresses and its last, as EC2 keeps
// those of a subnet.
const (
	blockFirst  = 4
	blockUsable = blockSize - blockFirst - 1
)

// takeBlock gives sn a fresh block. It needs the write lock.
func (s *Server) takeBlock(sn *subnet) bool {
	first, second := 1, 0
	if sn.vpcID == s.defaultVPC {
		first, second = 0, 1
	}
	b, ok := s.pools[first].take()
	if !ok {
		b, ok = s.pools[second].take()
	}
	if !ok {
		return false
	}
	s.blockOwner[b] = sn
	sn.cur, sn.end = b+blockFirst, b+blockFirst+blockUsable
	return true
}

// addressesFit reports whether count instances that each need at most
// per addresses fit in the subnet's block and the free blocks. It needs
// a lock.
func (s *Server) addressesFit(sn *subnet, count int, per uint32) bool {
	if per == 0 {
		return true
	}
	if per > blockUsable {
		return false
	}
	fit := uint64(0)
	if sn.end != 0 {
		fit = uint64((sn.end - sn.cur) / per)
	}
	perBlock := uint64(blockUsable / per)
	fit += perBlock * uint64(s.pools[0].free()+s.pools[1].free())
	// Each address reserved by hand (reserveExplicit) may spoil a slot.
	return fit >= uint64(count)+uint64(len(s.explicitIPs))
}

// allocAddrs hands out n consecutive addresses of sn, the first a
// multiple of align (a power of two), skipping addresses taken by hand.
// The caller checked with addressesFit that they exist. It needs the
// write lock.
func (s *Server) allocAddrs(sn *subnet, n, align uint32) uint32 {
	for {
		if sn.end != 0 {
			a := (sn.cur + align - 1) &^ (align - 1)
			if a >= sn.cur && a+n <= sn.end {
				if clash, ok := s.explicitAmong(a, n); ok {
					sn.cur = clash + 1
					continue
				}
				sn.cur = a + n
				return a
			}
		}
		if !s.takeBlock(sn) {
			panic("ec2test: out of private addresses")
		}
	}
}

// explicitAmong returns an address chosen by hand among the n addresses
// from a, if there is one.
func (s *Server) explicitAmong(a, n uint32) (uint32, bool) {
	if len(s.explicitIPs) == 0 {
		return 0, false
	}
	for k := uint32(0); k < n; k++ {
		if _, ok := s.explicitIPs[a+k]; ok {
			return a + k, true
		}
	}
	return 0, false
}

// addrRange is n consecutive addresses from first.
type addrRange struct{ first, n uint32 }

// explicitRanges returns the addresses a launch chose by hand: when it
// chose the private address privateIP (0 when it did not), those of its
// network interfaces (interface k has privateIP+k), and the 16
// addresses of each /28 IPv4 prefix it chose for an interface.
func explicitRanges(privateIP uint32, nics []nicSpec) []addrRange {
	var rs []addrRange
	if privateIP != 0 {
		rs = append(rs, addrRange{privateIP, uint32(len(nics))})
	}
	for _, n := range nics {
		for _, p := range n.ipv4Prefixes {
			a, _ := parseIPv4(strings.TrimSuffix(p, "/28")) // checked by parseNIC
			rs = append(rs, addrRange{a, 16})
		}
	}
	return rs
}

// reserveExplicit takes the addresses of rs for in, so the allocator
// skips them and no other launch may choose them while in is not
// terminated. When one of them is in use, or appears twice in rs, it
// takes none and fails with InvalidIPAddress.InUse. It needs the write
// lock.
func (s *Server) reserveExplicit(in *instance, rs []addrRange, now time.Time) *apiError {
	for _, r := range rs {
		for k := uint32(0); k < r.n; k++ {
			a := r.first + k
			if s.explicitIPs[a] == in || s.addressInUse(a, now) {
				s.releaseExplicit(in, rs)
				return errf(http.StatusBadRequest, "InvalidIPAddress.InUse", "Address %s is in use.", ipString(a))
			}
			s.explicitIPs[a] = in
		}
	}
	return nil
}

// releaseExplicit gives back the addresses of rs that in holds; those
// another instance has taken since are left alone. It needs the write
// lock.
func (s *Server) releaseExplicit(in *instance, rs []addrRange) {
	for _, r := range rs {
		for k := uint32(0); k < r.n; k++ {
			if s.explicitIPs[r.first+k] == in {
				delete(s.explicitIPs, r.first+k)
			}
		}
	}
}

// addressInUse reports whether a launch may not take address a by hand:
// an instance that is not terminated has it, or the server handed it out
// (addresses handed out are never reused). It needs a lock.
func (s *Server) addressInUse(a uint32, now time.Time) bool {
	if in := s.explicitIPs[a]; in != nil && !in.removed && in.state(now) != stTerminated {
		return true
	}
	b := a &^ (blockSize - 1)
	sn := s.blockOwner[b]
	if sn == nil {
		return false
	}
	if sn.end != b+blockFirst+blockUsable {
		return true // a block the subnet has used up
	}
	return a < sn.cur
}

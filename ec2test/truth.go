package ec2test

import (
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instance returns the instance as DescribeInstances would show it now
// (due transitions applied), and false if DescribeInstances would not
// list it (unknown, removed, not yet visible, or terminated past
// retention). It sends no request and ignores faults.
func (s *Server) Instance(id string) (types.Instance, bool) {
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	in := s.lookup(id, now)
	if in == nil {
		return types.Instance{}, false
	}
	return s.snapshot(in, now), true
}

// Instances returns every visible instance in launch order, as
// DescribeInstances without filters would show them.
func (s *Server) Instances() []types.Instance {
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]types.Instance, 0, len(s.list))
	for _, in := range s.list {
		if s.visible(in, now) {
			out = append(out, s.snapshot(in, now))
		}
	}
	return out
}

// Len returns the number of visible instances.
func (s *Server) Len() int {
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, in := range s.list {
		if s.visible(in, now) {
			n++
		}
	}
	return n
}

// Remove makes instances vanish at once, as if their terminated retention
// had ended: afterwards they are not listed and actions naming them fail
// with InvalidInstanceID.NotFound. Unknown IDs are ignored.
func (s *Server) Remove(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if in, ok := s.byID[id]; ok {
			in.removed = true
			delete(s.byID, id)
			s.removed++
		}
	}
	s.purgeLocked(s.now())
}

// SetProtection sets an instance's termination and stop protection (the
// disableApiTermination and disableApiStop attributes). Unknown IDs are
// ignored.
func (s *Server) SetProtection(id string, disableAPITermination, disableAPIStop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in, ok := s.byID[id]; ok {
		in.protTerm, in.protStop = disableAPITermination, disableAPIStop
	}
}

// SetTags replaces an instance's tags, without a request. It reports
// whether the instance exists.
func (s *Server) SetTags(id string, tags map[string]string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.byID[id]
	if !ok {
		return false
	}
	in.tags = nil
	for k, v := range tags {
		in.tags = append(in.tags, tag{key: k, value: v})
	}
	sortTags(in.tags)
	return true
}

func sortTags(ts []tag) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].key < ts[j-1].key; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

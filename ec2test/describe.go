package ec2test

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// visible reports whether DescribeInstances lists the instance at now and
// actions find it. It needs a read lock.
func (s *Server) visible(in *instance, now time.Time) bool {
	n := now.UnixNano()
	if in.removed || n < in.visibleAt {
		return false
	}
	if ret := s.cfg.retention; ret >= 0 {
		if t, ok := in.terminatedAt(n); ok && n-t >= int64(ret) {
			return false
		}
	}
	return true
}

// lookup returns the visible instance with the ID, or nil.
func (s *Server) lookup(id string, now time.Time) *instance {
	in := s.byID[id]
	if in == nil || !s.visible(in, now) {
		return nil
	}
	return in
}

// resolve finds every ID, failing the whole call with NotFound naming
// all missing IDs. Duplicates are dropped. It needs a lock.
func (s *Server) resolve(ids []string, now time.Time) ([]*instance, *apiError) {
	out := make([]*instance, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	var missing []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		in := s.lookup(id, now)
		if in == nil {
			missing = append(missing, id)
			continue
		}
		out = append(out, in)
	}
	if len(missing) > 0 {
		return nil, notFound(missing)
	}
	return out, nil
}

// --- pagination tokens ---

// paramsHash identifies the filters and IDs of a paginated request, so a
// token is only accepted with the parameters it was issued for.
func paramsHash(action string, fs []filter, ids []string, includeAll string) uint64 {
	h := hashString(action)
	add := func(s string) {
		h ^= hashString(s)
		h = mix(h)
	}
	for _, f := range fs {
		add("F" + f.name)
		for _, v := range f.values {
			add("V" + v)
		}
	}
	for _, id := range ids {
		add("I" + id)
	}
	if action == "DescribeInstanceStatus" {
		add("A" + includeAll)
	}
	return h
}

func (s *Server) encodeToken(seq, ph uint64) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], seq)
	binary.BigEndian.PutUint64(b[8:], ph)
	binary.BigEndian.PutUint64(b[16:], mix(s.tokenKey^mix(seq^mix(ph))))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Server) decodeToken(tok string, ph uint64) (uint64, *apiError) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 24 {
		return 0, badParam("The specified NextToken is not valid")
	}
	seq := binary.BigEndian.Uint64(b[0:])
	got := binary.BigEndian.Uint64(b[8:])
	mac := binary.BigEndian.Uint64(b[16:])
	if mac != mix(s.tokenKey^mix(seq^mix(got))) {
		return 0, badParam("The specified NextToken is not valid")
	}
	if got != ph {
		return 0, badParam("The specified NextToken was issued for a request with other filters or instance IDs")
	}
	return seq, nil
}

// pageArgs are the common paging parameters.
type pageArgs struct {
	ids      []string
	filters  []filter
	max      int // 0: no MaxResults
	afterSeq uint64
	hasToken bool
	hash     uint64 // paramsHash of the request, bound into its tokens
}

// parsePaging reads the instance IDs, filters, MaxResults and NextToken
// of a describe action. tags says whether the action has tag:<key>
// filters.
func (s *Server) parsePaging(r *request, action string, table map[string]filterFn, tags bool) (*pageArgs, *apiError) {
	ids, err := r.instanceIDs("InstanceId")
	if err != nil {
		return nil, err
	}
	fs, err := parseFilters(r, table, tags)
	if err != nil {
		return nil, err
	}
	max, hasMax, err := r.intParam("MaxResults")
	if err != nil {
		return nil, err
	}
	if hasMax && len(ids) > 0 {
		return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
			"The parameter instancesSet cannot be used with the parameter maxResults")
	}
	if hasMax && (max < 5 || max > 1000) {
		return nil, badParam("Value ( %d ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.", max)
	}
	if err := checkMalformed(ids); err != nil {
		return nil, err
	}
	pa := &pageArgs{ids: ids, filters: fs, max: max, hash: paramsHash(action, fs, ids, r.get("IncludeAllInstances"))}
	if tok := r.get("NextToken"); tok != "" {
		seq, err := s.decodeToken(tok, pa.hash)
		if err != nil {
			return nil, err
		}
		pa.afterSeq, pa.hasToken = seq, true
	}
	return pa, nil
}

// page selects the instances of one page: the named IDs (all must exist),
// or the instances after the token, in launch order, that pass the
// filters. keep is an extra condition (nil for none). It needs a read
// lock.
func (s *Server) page(pa *pageArgs, now time.Time, keep func(*instance) bool) (out []*instance, next uint64, more bool, err *apiError) {
	v := fview{s: s, now: now}
	if len(pa.ids) > 0 {
		ins, err := s.resolve(pa.ids, now)
		if err != nil {
			return nil, 0, false, err
		}
		sort.Slice(ins, func(i, j int) bool { return ins[i].seq < ins[j].seq })
		for _, in := range ins {
			v.in = in
			if (keep == nil || keep(in)) && matchAll(pa.filters, &v) {
				out = append(out, in)
			}
		}
		return out, 0, false, nil
	}
	start := 0
	if pa.hasToken {
		start = sort.Search(len(s.list), func(i int) bool { return s.list[i].seq > pa.afterSeq })
	}
	examined := 0
	var lastExamined uint64
	for i := start; i < len(s.list); i++ {
		in := s.list[i]
		if !s.visible(in, now) {
			continue
		}
		if s.cfg.emptyPages && pa.max > 0 {
			if examined == pa.max {
				return out, lastExamined, true, nil
			}
			examined++
			lastExamined = in.seq
		}
		v.in = in
		if (keep != nil && !keep(in)) || !matchAll(pa.filters, &v) {
			continue
		}
		if pa.max > 0 && len(out) == pa.max {
			return out, out[len(out)-1].seq, true, nil
		}
		out = append(out, in)
	}
	if s.cfg.emptyPages && pa.max > 0 && examined == pa.max {
		// Like EC2, a page that ends exactly at the last instance may
		// still carry a token, which leads to an empty page.
		return out, lastExamined, true, nil
	}
	return out, 0, false, nil
}

func (s *Server) describeInstances(r *request, x *xw, reqID string) *apiError {
	pa, err := s.parsePaging(r, "DescribeInstances", filterTable, true)
	if err != nil {
		return err
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return err
	}
	if err := s.authorize("DescribeInstances", pa.ids, dry); err != nil {
		return err
	}
	now := s.now()
	s.mu.RLock()
	ins, next, more, err := s.page(pa, now, nil)
	if err != nil {
		s.mu.RUnlock()
		return err
	}
	recs := copyRecords(ins)
	s.mu.RUnlock()

	items := s.renderItems(recs, now, x)
	x.header("DescribeInstances", reqID)
	x.open("reservationSet")
	for i := 0; i < len(recs); {
		res := recs[i].res
		x.open("item")
		x.elem("reservationId", res.id)
		x.elem("ownerId", res.ownerID)
		if res.requesterID != "" {
			x.elem("requesterId", res.requesterID)
		}
		x.raw("<groupSet/>")
		x.open("instancesSet")
		j := i + 1
		for j < len(recs) && recs[j].res == res {
			j++
		}
		items.splice(x, i, j)
		i = j
		x.close("instancesSet")
		x.close("item")
	}
	x.close("reservationSet")
	if more {
		x.elem("nextToken", s.encodeToken(next, pa.hash))
	}
	x.footer("DescribeInstances")
	return nil
}

// copyRecords copies instance records, so they can be rendered after the
// lock is released. A record's pointers lead to data that is replaced,
// never changed in place (launch configuration, tags, reservation,
// subnet identity), so a shallow copy is a consistent snapshot. It needs
// a lock.
func copyRecords(ins []*instance) []instance {
	out := make([]instance, len(ins))
	for i, in := range ins {
		out[i] = *in
	}
	return out
}

// renderedItems holds the <item> elements of instances, rendered in
// chunks of itemsPerChunk instances.
type renderedItems struct {
	chunks []*xw
	ends   []int // end offset of each instance within its chunk
}

// itemsPerChunk is the number of instances rendered into one buffer: big
// enough to keep the parts of an answer few, small enough that buffers
// are reused from the pool instead of growing.
const itemsPerChunk = 64

// itemSizeGuess is about the size of an instance's XML, to size buffers
// once instead of growing them step by step.
const itemSizeGuess = 5 << 10

// splice appends the items i..j-1 to x without copying them.
func (r *renderedItems) splice(x *xw, i, j int) {
	for i < j {
		ci := i / itemsPerChunk
		end := min(j, (ci+1)*itemsPerChunk)
		start := 0
		if i%itemsPerChunk != 0 {
			start = r.ends[i-1]
		}
		x.splice(r.chunks[ci].b[start:r.ends[end-1]])
		i = end
	}
}

// renderItems renders each instance as an <item> element, spread over the
// available processors. The buffers belong to x from then on. It needs no
// lock: recs are copies.
func (s *Server) renderItems(recs []instance, now time.Time, x *xw) *renderedItems {
	n := (len(recs) + itemsPerChunk - 1) / itemsPerChunk
	r := &renderedItems{chunks: make([]*xw, n), ends: make([]int, len(recs))}
	for ci := range r.chunks {
		r.chunks[ci] = newXW()
		x.adopt(r.chunks[ci])
	}
	render := func(ci int) {
		c := r.chunks[ci]
		start, end := ci*itemsPerChunk, min(len(recs), (ci+1)*itemsPerChunk)
		c.b = slices.Grow(c.b, (end-start)*itemSizeGuess)
		for i := start; i < end; i++ {
			snap := s.snapshot(&recs[i], now)
			c.open("item")
			writeInstance(c, &snap)
			c.close("item")
			r.ends[i] = len(c.b)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for ci := range r.chunks {
			render(ci)
		}
		return r
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ci := int(next.Add(1) - 1)
				if ci >= n {
					return
				}
				render(ci)
			}
		}()
	}
	wg.Wait()
	return r
}

// --- DescribeInstanceStatus ---

func statusSummary(st instState) (summary types.SummaryStatus, detail types.StatusType) {
	switch st {
	case stRunning:
		return types.SummaryStatusOk, types.StatusTypePassed
	case stPending:
		return types.SummaryStatusInitializing, types.StatusTypeInitializing
	}
	return types.SummaryStatusNotApplicable, ""
}

var statusFilterTable = map[string]filterFn{
	"availability-zone":   filterTable["availability-zone"],
	"instance-state-name": filterTable["instance-state-name"],
	"instance-state-code": filterTable["instance-state-code"],
	"instance-status.status": func(v *fview, m *matcher) bool {
		s, _ := statusSummary(v.in.state(v.now))
		return m.match(string(s))
	},
	"system-status.status": func(v *fview, m *matcher) bool {
		s, _ := statusSummary(v.in.state(v.now))
		return m.match(string(s))
	},
	"instance-status.reachability": func(v *fview, m *matcher) bool {
		_, d := statusSummary(v.in.state(v.now))
		return d != "" && m.match(string(d))
	},
	"system-status.reachability": func(v *fview, m *matcher) bool {
		_, d := statusSummary(v.in.state(v.now))
		return d != "" && m.match(string(d))
	},
	"event.code":                never,
	"event.description":         never,
	"event.instance-event-id":   never,
	"event.not-after":           never,
	"event.not-before":          never,
	"event.not-before-deadline": never,
	"operator.managed":          filterTable["operator.managed"],
	"operator.principal":        filterTable["operator.principal"],
}

func (s *Server) describeInstanceStatus(r *request, x *xw, reqID string) *apiError {
	pa, err := s.parsePaging(r, "DescribeInstanceStatus", statusFilterTable, false)
	if err != nil {
		return err
	}
	all, err := r.boolParam("IncludeAllInstances")
	if err != nil {
		return err
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return err
	}
	if err := s.authorize("DescribeInstanceStatus", pa.ids, dry); err != nil {
		return err
	}
	now := s.now()
	var keep func(*instance) bool
	if !all {
		keep = func(in *instance) bool { return in.state(now) == stRunning }
	}
	s.mu.RLock()
	ins, next, more, err := s.page(pa, now, keep)
	if err != nil {
		s.mu.RUnlock()
		return err
	}
	statuses := make([]types.InstanceStatus, len(ins))
	for i, in := range ins {
		st := in.state(now)
		sum, det := statusSummary(st)
		mk := func() *types.InstanceStatusSummary {
			ss := &types.InstanceStatusSummary{Status: sum}
			if det != "" {
				ss.Details = []types.InstanceStatusDetails{{Name: types.StatusNameReachability, Status: det}}
			}
			return ss
		}
		statuses[i] = types.InstanceStatus{
			InstanceId:       aws.String(in.id),
			AvailabilityZone: aws.String(in.az),
			InstanceState:    stateOf(st),
			InstanceStatus:   mk(),
			SystemStatus:     mk(),
			Operator:         operatorOf(in.cfg),
		}
	}
	s.mu.RUnlock()

	x.header("DescribeInstanceStatus", reqID)
	x.open("instanceStatusSet")
	for i := range statuses {
		st := &statuses[i]
		x.open("item")
		x.str("instanceId", st.InstanceId)
		x.str("availabilityZone", st.AvailabilityZone)
		writeState(x, "instanceState", st.InstanceState)
		writeStatusSummary(x, "systemStatus", st.SystemStatus)
		writeStatusSummary(x, "instanceStatus", st.InstanceStatus)
		writeOperator(x, st.Operator)
		x.close("item")
	}
	x.close("instanceStatusSet")
	if more {
		x.elem("nextToken", s.encodeToken(next, pa.hash))
	}
	x.footer("DescribeInstanceStatus")
	return nil
}

func writeStatusSummary(x *xw, name string, ss *types.InstanceStatusSummary) {
	if ss == nil {
		return
	}
	x.open(name)
	x.enum("status", string(ss.Status))
	if len(ss.Details) > 0 {
		x.open("details")
		for _, d := range ss.Details {
			x.open("item")
			x.enum("name", string(d.Name))
			x.enum("status", string(d.Status))
			x.close("item")
		}
		x.close("details")
	}
	x.close(name)
}

// operatorOf returns the operator of an instance with this configuration.
func operatorOf(c *launchConfig) *types.OperatorResponse {
	op := &types.OperatorResponse{Managed: aws.Bool(c.managed())}
	if c.managed() {
		op.Principal = aws.String(c.operatorPrincipal)
	}
	return op
}

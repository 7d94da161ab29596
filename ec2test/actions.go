package ec2test

import (
	"encoding/base64"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// idAction parses the InstanceId.N list of an action on instances and
// applies the deny hook and DryRun. It returns the IDs in request order.
func (s *Server) idAction(r *request, action string) ([]string, *apiError) {
	ids, err := r.instanceIDs("InstanceId")
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, missingParam("InstanceId")
	}
	if err := checkMalformed(ids); err != nil {
		return nil, err
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return nil, err
	}
	if err := s.authorize(action, ids, dry); err != nil {
		return nil, err
	}
	return ids, nil
}

// quoteIDs names instances in a message: 'i-1' or 'i-1, i-2'.
func idList(ins []*instance) string {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.id
	}
	return strings.Join(ids, ", ")
}

func incorrectState(ins []*instance, verb string) *apiError {
	if len(ins) == 1 {
		return errf(http.StatusBadRequest, "IncorrectInstanceState",
			"The instance '%s' is not in a state from which it can be %s.", ins[0].id, verb)
	}
	return errf(http.StatusBadRequest, "IncorrectInstanceState",
		"The instances '%s' are not in a state from which they can be %s.", idList(ins), verb)
}

func notPermitted(ins []*instance, verb, attr string) *apiError {
	if len(ins) == 1 {
		return errf(http.StatusBadRequest, "OperationNotPermitted",
			"The instance '%s' may not be %s. Modify its '%s' instance attribute and try again.", ins[0].id, verb, attr)
	}
	return errf(http.StatusBadRequest, "OperationNotPermitted",
		"The instances '%s' may not be %s. Modify their '%s' instance attribute and try again.", idList(ins), verb, attr)
}

// stateChange records one instance's change for the answer.
func stateChange(in *instance, prev, cur instState) types.InstanceStateChange {
	return types.InstanceStateChange{InstanceId: aws.String(in.id), PreviousState: stateOf(prev), CurrentState: stateOf(cur)}
}

// changeAction is the skeleton of Start, Stop and Terminate: resolve all
// IDs (all or nothing), settle them, and let apply decide.
func (s *Server) changeAction(r *request, x *xw, reqID, action string,
	apply func(ins []*instance, now time.Time) ([]types.InstanceStateChange, *apiError)) *apiError {
	ids, err := s.idAction(r, action)
	if err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	s.purgeLocked(now)
	ins, err := s.resolve(ids, now)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	for _, in := range ins {
		in.settle(now)
	}
	changes, err := apply(ins, now)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	x.header(action, reqID)
	writeStateChanges(x, changes)
	x.footer(action)
	return nil
}

func (s *Server) startInstances(r *request, x *xw, reqID string) *apiError {
	return s.changeAction(r, x, reqID, "StartInstances", func(ins []*instance, now time.Time) ([]types.InstanceStateChange, *apiError) {
		var bad []*instance
		for _, in := range ins {
			switch in.st {
			case stTerminated, stShuttingDown, stStopping:
				bad = append(bad, in)
			}
		}
		if len(bad) > 0 {
			return nil, incorrectState(bad, "started")
		}
		out := make([]types.InstanceStateChange, 0, len(ins))
		for _, in := range ins {
			prev := in.st
			if prev == stStopped {
				in.transition(now, stPending, stRunning, s.cfg.transition)
				in.userCause = false
				if in.cfg.publicIP && in.publicIP == 0 {
					in.publicIP = s.allocPublic()
				}
			}
			out = append(out, stateChange(in, prev, in.st))
		}
		return out, nil
	})
}

func (s *Server) stopInstances(r *request, x *xw, reqID string) *apiError {
	for _, p := range []string{"Hibernate", "Force", "SkipOsShutdown"} {
		if _, err := r.boolParam(p); err != nil {
			return err
		}
	}
	return s.changeAction(r, x, reqID, "StopInstances", func(ins []*instance, now time.Time) ([]types.InstanceStateChange, *apiError) {
		var protected, bad []*instance
		for _, in := range ins {
			if in.protStop && (in.st == stRunning || in.st == stPending) {
				protected = append(protected, in)
			}
		}
		if len(protected) > 0 {
			return nil, notPermitted(protected, "stopped", "disableApiStop")
		}
		for _, in := range ins {
			switch {
			case in.st == stTerminated || in.st == stShuttingDown:
				bad = append(bad, in)
			case in.st == stPending && !in.everRan:
				return nil, errf(http.StatusBadRequest, "IncorrectInstanceState",
					"Instance '%s' cannot be stopped as it has never reached the 'running' state.", in.id)
			}
		}
		if len(bad) > 0 {
			return nil, incorrectState(bad, "stopped")
		}
		out := make([]types.InstanceStateChange, 0, len(ins))
		for _, in := range ins {
			prev := in.st
			if prev == stRunning || prev == stPending {
				in.transition(now, stStopping, stStopped, s.cfg.transition)
				in.userCause, in.userAt = true, now
				if !in.cfg.elasticIP {
					// An auto-assigned public address is released; an
					// Elastic IP address stays associated.
					in.publicIP = 0
				}
			}
			out = append(out, stateChange(in, prev, in.st))
		}
		return out, nil
	})
}

// terminateInstances follows the documented rule for termination
// protection: when protected instances are named, the call fails with
// OperationNotPermitted, instances in the same Availability Zone as a
// protected one are left alone, and those in other zones are terminated.
func (s *Server) terminateInstances(r *request, x *xw, reqID string) *apiError {
	for _, p := range []string{"Force", "SkipOsShutdown"} {
		if _, err := r.boolParam(p); err != nil {
			return err
		}
	}
	return s.changeAction(r, x, reqID, "TerminateInstances", func(ins []*instance, now time.Time) ([]types.InstanceStateChange, *apiError) {
		var protected []*instance
		blocked := map[string]bool{}
		for _, in := range ins {
			if in.protTerm && in.st != stTerminated && in.st != stShuttingDown {
				protected = append(protected, in)
				blocked[in.az] = true
			}
		}
		out := make([]types.InstanceStateChange, 0, len(ins))
		for _, in := range ins {
			if blocked[in.az] {
				continue
			}
			prev := in.st
			if prev != stTerminated && prev != stShuttingDown {
				in.transition(now, stShuttingDown, stTerminated, s.cfg.transition)
				in.userCause, in.userAt = true, now
				s.terminated++
			}
			out = append(out, stateChange(in, prev, in.st))
		}
		if len(protected) > 0 {
			return nil, notPermitted(protected, "terminated", "disableApiTermination")
		}
		return out, nil
	})
}

func (s *Server) rebootInstances(r *request, x *xw, reqID string) *apiError {
	ids, err := s.idAction(r, "RebootInstances")
	if err != nil {
		return err
	}
	now := s.now()
	s.mu.RLock()
	_, err = s.resolve(ids, now)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	// A reboot changes no visible state; requests for instances that are
	// not running (terminated ones included) are ignored.
	writeReturn(x, "RebootInstances", reqID)
	return nil
}

func writeReturn(x *xw, action, reqID string) {
	x.header(action, reqID)
	x.elem("return", "true")
	x.footer(action)
}

func (s *Server) monitorInstances(r *request, x *xw, reqID string) *apiError {
	return s.monitorAction(r, x, reqID, "MonitorInstances", true)
}

func (s *Server) unmonitorInstances(r *request, x *xw, reqID string) *apiError {
	return s.monitorAction(r, x, reqID, "UnmonitorInstances", false)
}

func (s *Server) monitorAction(r *request, x *xw, reqID, action string, enable bool) *apiError {
	ids, err := s.idAction(r, action)
	if err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	ins, err := s.resolve(ids, now)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	states := make([]monState, len(ins))
	for i, in := range ins {
		in.settle(now)
		switch {
		case enable && in.mon != monEnabled:
			in.mon, in.monTarget, in.monDue = monPending, monEnabled, stampAfter(now, s.cfg.transition)
		case !enable && in.mon != monDisabled:
			in.mon, in.monTarget, in.monDue = monDisabling, monDisabled, stampAfter(now, s.cfg.transition)
		}
		states[i] = in.mon
	}
	s.mu.Unlock()
	x.header(action, reqID)
	x.open("instancesSet")
	for i, in := range ins {
		x.open("item")
		x.elem("instanceId", in.id)
		x.open("monitoring")
		x.elem("state", string(monNames[states[i]]))
		x.close("monitoring")
		x.close("item")
	}
	x.close("instancesSet")
	x.footer(action)
	return nil
}

// tagTargets parses ResourceId.N of CreateTags/DeleteTags. Only instances
// are supported resources.
func (s *Server) tagTargets(r *request, action string) ([]string, *apiError) {
	ids := r.list("ResourceId")
	if len(ids) == 0 {
		return nil, missingParam("ResourceId")
	}
	if len(ids) > maxIDsPerCall {
		return nil, badParam("The request contains %d resource IDs; at most %d are allowed in one call", len(ids), maxIDsPerCall)
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "i-") {
			return nil, errf(http.StatusBadRequest, "InvalidID", "The ID '%s' is not valid: this server only tags instances", id)
		}
	}
	if err := checkMalformed(ids); err != nil {
		return nil, err
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return nil, err
	}
	if err := s.authorize(action, ids, dry); err != nil {
		return nil, err
	}
	return ids, nil
}

func (s *Server) createTags(r *request, x *xw, reqID string) *apiError {
	tags, err := r.tagList("Tag")
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return missingParam("Tag")
	}
	if err := validateTags(tags, false); err != nil {
		return err
	}
	// The request's tags by key, the last value of a key winning.
	pos := make(map[string]int, len(tags))
	uniq := tags[:0:0]
	for _, t := range tags {
		if i, ok := pos[t.key]; ok {
			uniq[i].value = t.value
			continue
		}
		pos[t.key] = len(uniq)
		uniq = append(uniq, t)
	}
	ids, err := s.tagTargets(r, "CreateTags")
	if err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ins, err := s.resolve(ids, now)
	if err != nil {
		return err
	}
	// Merging costs O(tags of the instance + tags of the request) per
	// instance; both are at most 50.
	merged := make([][]tag, len(ins))
	seen := make([]bool, len(uniq))
	for i, in := range ins {
		clear(seen)
		m := make([]tag, len(in.tags), len(in.tags)+len(uniq))
		copy(m, in.tags)
		for j := range m {
			if k, ok := pos[m[j].key]; ok {
				m[j].value = uniq[k].value
				seen[k] = true
			}
		}
		for k, t := range uniq {
			if !seen[k] {
				m = append(m, t)
			}
		}
		if len(m) > maxTags {
			return errf(http.StatusBadRequest, "TagLimitExceeded",
				"The maximum number of tags per resource is %d; '%s' would have %d", maxTags, in.id, len(m))
		}
		merged[i] = m
	}
	for i, in := range ins {
		in.tags = merged[i]
	}
	writeReturn(x, "CreateTags", reqID)
	return nil
}

func (s *Server) deleteTags(r *request, x *xw, reqID string) *apiError {
	// What to delete, by key: any value, or only some values.
	type del struct {
		any    bool
		values map[string]bool
	}
	ms, _ := r.members("Tag", -1)
	dels := make(map[string]*del, len(ms))
	for _, m := range ms {
		k := m.r.get("Key")
		if k == "" {
			return badParam("Tag %d has no key", m.n)
		}
		d := dels[k]
		if d == nil {
			d = &del{}
			dels[k] = d
		}
		if !m.r.has("Value") {
			d.any = true
			continue
		}
		if d.values == nil {
			d.values = map[string]bool{}
		}
		d.values[m.r.get("Value")] = true
	}
	ids, err := s.tagTargets(r, "DeleteTags")
	if err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ins, err := s.resolve(ids, now)
	if err != nil {
		return err
	}
	drop := func(t tag) bool {
		d := dels[t.key]
		return len(ms) == 0 || (d != nil && (d.any || d.values[t.value]))
	}
	for _, in := range ins {
		// Tag slices are shared and never changed in place: one that
		// loses nothing is kept.
		if slices.ContainsFunc(in.tags, drop) {
			in.tags = slices.DeleteFunc(slices.Clone(in.tags), drop)
		}
	}
	writeReturn(x, "DeleteTags", reqID)
	return nil
}

// --- instance attributes ---

// attribute kinds for ModifyInstanceAttribute / DescribeInstanceAttribute.
var attributeNames = []string{
	"instanceType", "kernel", "ramdisk", "userData", "disableApiTermination",
	"instanceInitiatedShutdownBehavior", "rootDeviceName", "blockDeviceMapping",
	"productCodes", "sourceDestCheck", "groupSet", "ebsOptimized", "sriovNetSupport",
	"enaSupport", "enclaveOptions", "disableApiStop",
}

// modification is one parsed attribute change.
type modification struct {
	attr  string
	value string
	boolV bool
	// groups for groupSet; block device changes for blockDeviceMapping
	groups []string
	bdms   []blockDevice
}

func parseModification(r *request) (*modification, *apiError) {
	var found []*modification
	add := func(m *modification) { found = append(found, m) }
	boolAttrs := map[string]bool{"disableApiTermination": true, "disableApiStop": true, "sourceDestCheck": true,
		"ebsOptimized": true, "enaSupport": true}
	if a := r.get("Attribute"); a != "" {
		if !slices.Contains(attributeNames, a) {
			return nil, badParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", a)
		}
		switch a {
		case "rootDeviceName", "productCodes", "enclaveOptions":
			return nil, badParam("The attribute '%s' cannot be modified", a)
		}
		m := &modification{attr: a, value: r.get("Value")}
		if boolAttrs[a] {
			v, err := parseBool("Value", m.value)
			if err != nil {
				return nil, err
			}
			m.boolV = v
		}
		if a == "groupSet" {
			m.groups = []string{m.value}
		}
		add(m)
	}
	structured := []struct{ param, attr string }{
		{"InstanceType", "instanceType"}, {"Kernel", "kernel"}, {"Ramdisk", "ramdisk"},
		{"UserData", "userData"}, {"DisableApiTermination", "disableApiTermination"},
		{"DisableApiStop", "disableApiStop"}, {"InstanceInitiatedShutdownBehavior", "instanceInitiatedShutdownBehavior"},
		{"SourceDestCheck", "sourceDestCheck"}, {"EbsOptimized", "ebsOptimized"}, {"EnaSupport", "enaSupport"},
		{"SriovNetSupport", "sriovNetSupport"},
	}
	for _, st := range structured {
		if !r.has(st.param + ".Value") {
			continue
		}
		m := &modification{attr: st.attr, value: r.get(st.param + ".Value")}
		if boolAttrs[st.attr] {
			v, err := parseBool(st.param+".Value", m.value)
			if err != nil {
				return nil, err
			}
			m.boolV = v
		}
		add(m)
	}
	if gs := r.list("GroupId"); len(gs) > 0 {
		if len(gs) > maxGroups {
			return nil, errf(http.StatusBadRequest, "SecurityGroupsPerInterfaceLimitExceeded",
				"The maximum number of security groups per interface has been reached (%d).", maxGroups)
		}
		add(&modification{attr: "groupSet", groups: gs})
	}
	bdms, ok := r.members("BlockDeviceMapping", maxBlockDevices)
	if !ok {
		return nil, badParam("An instance can have at most %d block device mappings", maxBlockDevices)
	}
	if len(bdms) > 0 {
		m := &modification{attr: "blockDeviceMapping"}
		for _, bm := range bdms {
			br := bm.r
			v, err := br.boolParam("Ebs.DeleteOnTermination")
			if err != nil {
				return nil, err
			}
			m.bdms = append(m.bdms, blockDevice{deviceName: br.get("DeviceName"), deleteOnTermination: v})
		}
		add(m)
	}
	switch len(found) {
	case 0:
		return nil, errf(http.StatusBadRequest, "InvalidParameterCombination", "No attributes specified.")
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.attr
	}
	sort.Strings(names)
	return nil, errf(http.StatusBadRequest, "InvalidParameterCombination",
		"Fields for multiple attribute types specified: %s", strings.Join(names, ", "))
}

func (s *Server) singleInstance(r *request, action string) (string, *apiError) {
	id := r.get("InstanceId")
	if id == "" {
		return "", missingParam("InstanceId")
	}
	if err := checkMalformed([]string{id}); err != nil {
		return "", err
	}
	return id, nil
}

func (s *Server) modifyInstanceAttribute(r *request, x *xw, reqID string) *apiError {
	id, err := s.singleInstance(r, "ModifyInstanceAttribute")
	if err != nil {
		return err
	}
	m, err := parseModification(r)
	if err != nil {
		return err
	}
	switch m.attr {
	case "instanceType":
		if !instanceTypeRE.MatchString(m.value) {
			return badParam("Invalid value '%s' for InstanceType.", m.value)
		}
	case "instanceInitiatedShutdownBehavior":
		if m.value != "stop" && m.value != "terminate" {
			return badParam("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Expected: 'stop' or 'terminate'.", m.value)
		}
	case "groupSet":
		for _, g := range m.groups {
			if !validPrefixedID(g, "sg-") {
				return errf(http.StatusBadRequest, "InvalidGroupId.Malformed", "Invalid id: %q (expecting \"sg-...\")", g)
			}
		}
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return err
	}
	if err := s.authorize("ModifyInstanceAttribute", []string{id}, dry); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ins, err := s.resolve([]string{id}, now)
	if err != nil {
		return err
	}
	in := ins[0]
	in.settle(now)
	switch m.attr {
	case "instanceType", "userData", "kernel", "ramdisk", "enaSupport":
		if in.st != stStopped {
			return errf(http.StatusBadRequest, "IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", in.id)
		}
	}
	if in.st == stTerminated && m.attr != "disableApiTermination" {
		return incorrectState([]*instance{in}, "modified")
	}
	switch m.attr {
	case "disableApiTermination":
		in.protTerm = m.boolV
	case "disableApiStop":
		in.protStop = m.boolV
	default:
		c := in.cfg.clone()
		switch m.attr {
		case "instanceType":
			c.instanceType = m.value
		case "kernel":
			c.kernelID = m.value
		case "ramdisk":
			c.ramdiskID = m.value
		case "userData":
			c.userData = m.value
		case "instanceInitiatedShutdownBehavior":
			c.shutdownBehavior = m.value
		case "sourceDestCheck":
			c.sourceDestCheck = m.boolV
		case "ebsOptimized":
			c.ebsOptimized = m.boolV
		case "enaSupport":
			c.enaSupport = m.boolV
		case "sriovNetSupport":
			c.sriovNetSupport = m.value
		case "groupSet":
			c.groups = nil
			for _, g := range m.groups {
				c.groups = append(c.groups, s.groupByID(g))
			}
		case "blockDeviceMapping":
			c.blockDevices = append([]blockDevice(nil), c.blockDevices...)
			for _, b := range m.bdms {
				ok := false
				for i := range c.blockDevices {
					if c.blockDevices[i].deviceName == b.deviceName {
						c.blockDevices[i].deleteOnTermination = b.deleteOnTermination
						ok = true
					}
				}
				if !ok {
					return badParam("The device '%s' is not attached to instance '%s'", b.deviceName, in.id)
				}
			}
		}
		in.cfg = c
	}
	writeReturn(x, "ModifyInstanceAttribute", reqID)
	return nil
}

func (s *Server) describeInstanceAttribute(r *request, x *xw, reqID string) *apiError {
	id, err := s.singleInstance(r, "DescribeInstanceAttribute")
	if err != nil {
		return err
	}
	attr := r.get("Attribute")
	if attr == "" {
		return missingParam("Attribute")
	}
	if !slices.Contains(attributeNames, attr) {
		return badParam("Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return err
	}
	if err := s.authorize("DescribeInstanceAttribute", []string{id}, dry); err != nil {
		return err
	}
	now := s.now()
	s.mu.RLock()
	ins, err := s.resolve([]string{id}, now)
	if err != nil {
		s.mu.RUnlock()
		return err
	}
	in := ins[0]
	snap := s.snapshot(in, now)
	c := in.cfg
	protTerm, protStop := in.protTerm, in.protStop
	s.mu.RUnlock()

	x.header("DescribeInstanceAttribute", reqID)
	x.elem("instanceId", in.id)
	value := func(name, v string) {
		x.open(name)
		if v != "" {
			x.elem("value", v)
		}
		x.close(name)
	}
	boolValue := func(name string, v bool) {
		x.open(name)
		x.elem("value", strconv.FormatBool(v))
		x.close(name)
	}
	switch attr {
	case "instanceType":
		value(attr, c.instanceType)
	case "kernel":
		value(attr, c.kernelID)
	case "ramdisk":
		value(attr, c.ramdiskID)
	case "userData":
		value(attr, c.userData)
	case "disableApiTermination":
		boolValue(attr, protTerm)
	case "disableApiStop":
		boolValue(attr, protStop)
	case "instanceInitiatedShutdownBehavior":
		value(attr, c.shutdownBehavior)
	case "rootDeviceName":
		value(attr, c.rootDeviceName)
	case "blockDeviceMapping":
		writeBlockDevices(x, snap.BlockDeviceMappings)
	case "productCodes":
		x.open("productCodes")
		for _, pc := range c.productCodes {
			x.open("item")
			x.elem("productCode", pc.id)
			x.elem("type", pc.typ)
			x.close("item")
		}
		x.close("productCodes")
	case "sourceDestCheck":
		boolValue(attr, c.sourceDestCheck)
	case "groupSet":
		writeGroups(x, "groupSet", snap.SecurityGroups)
	case "ebsOptimized":
		boolValue(attr, c.ebsOptimized)
	case "sriovNetSupport":
		value(attr, c.sriovNetSupport)
	case "enaSupport":
		boolValue(attr, c.enaSupport)
	case "enclaveOptions":
		x.open("enclaveOptions")
		x.elem("enabled", strconv.FormatBool(c.enclave))
		x.close("enclaveOptions")
	}
	x.footer("DescribeInstanceAttribute")
	return nil
}

func (s *Server) getConsoleOutput(r *request, x *xw, reqID string) *apiError {
	id, err := s.singleInstance(r, "GetConsoleOutput")
	if err != nil {
		return err
	}
	if _, err := r.boolParam("Latest"); err != nil {
		return err
	}
	dry, err := r.boolParam("DryRun")
	if err != nil {
		return err
	}
	if err := s.authorize("GetConsoleOutput", []string{id}, dry); err != nil {
		return err
	}
	now := s.now()
	s.mu.RLock()
	ins, err := s.resolve([]string{id}, now)
	var text string
	if err == nil {
		in := ins[0]
		text = ConsoleOutput(in.id, in.launchTime)
	}
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	x.header("GetConsoleOutput", reqID)
	x.elem("instanceId", id)
	t := now.Truncate(time.Second)
	x.timep("timestamp", &t)
	x.elem("output", base64.StdEncoding.EncodeToString([]byte(text)))
	x.footer("GetConsoleOutput")
	return nil
}

// ConsoleOutput returns the console text the server reports for an
// instance (GetConsoleOutput answers it base64-encoded).
func ConsoleOutput(instanceID string, launchTime time.Time) string {
	return "ec2test console of " + instanceID + "\n" +
		"[    0.000000] booted at " + launchTime.UTC().Format(time.RFC3339) + "\n" +
		"[    1.000000] cloud-init: ready\n"
}

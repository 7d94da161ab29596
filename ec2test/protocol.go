package ec2test

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// apiVersion is the only EC2 API version the server speaks, the one every
// current SDK sends.
const apiVersion = "2016-11-15"

// xmlNamespace is the namespace of EC2 responses of apiVersion.
const xmlNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

// maxBodyBytes bounds the size of a request body. Larger requests are
// answered with an error before the body is read to its end.
const maxBodyBytes = 10 << 20

// maxIDsPerCall is the documented limit of instance IDs in one call.
const maxIDsPerCall = 1000

// maxFilterValues is EC2's limit on filter values (summed over all
// filters) in one call, and maxFilterValueLen the longest value accepted.
const (
	maxFilterValues   = 200
	maxFilterValueLen = 255
)

// apiError is an error answered to the client in EC2's XML error format.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badParam(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

func missingParam(name string) *apiError {
	return errf(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter %s", name)
}

// request is a parsed EC2 Query request.
type request struct {
	action string
	params url.Values
}

// parseRequest turns the parts of an HTTP request into a request. It never
// panics, whatever the input: the function is fuzzed.
func parseRequest(method, contentType, rawQuery string, body []byte) (*request, *apiError) {
	var params url.Values
	switch method {
	case http.MethodGet, http.MethodHead:
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, errf(http.StatusBadRequest, "MalformedQueryString", "The query string could not be parsed: %s", err)
		}
		params = q
	case http.MethodPost:
		if contentType != "" {
			mt, _, err := mime.ParseMediaType(contentType)
			if err != nil || mt != "application/x-www-form-urlencoded" {
				return nil, errf(http.StatusBadRequest, "InvalidParameterValue",
					"Unsupported Content-Type %q: the EC2 Query protocol expects application/x-www-form-urlencoded", contentType)
			}
		}
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errf(http.StatusBadRequest, "MalformedQueryString", "The request body could not be parsed as form data: %s", err)
		}
		if rawQuery != "" {
			uq, err := url.ParseQuery(rawQuery)
			if err != nil {
				return nil, errf(http.StatusBadRequest, "MalformedQueryString", "The query string could not be parsed: %s", err)
			}
			for k, v := range uq {
				if _, ok := q[k]; !ok {
					q[k] = v
				}
			}
		}
		params = q
	default:
		return nil, errf(http.StatusMethodNotAllowed, "InvalidHttpMethod", "The HTTP method %s is not supported; use POST", method)
	}
	action := params.Get("Action")
	if action == "" {
		return nil, errf(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action")
	}
	version := params.Get("Version")
	if version == "" {
		return &request{action: action, params: params}, missingParam("Version")
	}
	if version != apiVersion {
		return &request{action: action, params: params}, errf(http.StatusBadRequest, "NoSuchVersion",
			"The requested version (%s) of service AmazonEC2 does not exist", version)
	}
	return &request{action: action, params: params}, nil
}

// get returns the first value of a parameter, "" when absent.
func (r *request) get(name string) string {
	if v := r.params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// has reports whether a parameter is present (even if empty).
func (r *request) has(name string) bool {
	_, ok := r.params[name]
	return ok
}

// boolParam parses an optional boolean parameter.
func (r *request) boolParam(name string) (bool, *apiError) {
	v, ok := r.params[name]
	if !ok || len(v) == 0 {
		return false, nil
	}
	return parseBool(name, v[0])
}

func parseBool(name, s string) (bool, *apiError) {
	switch strings.ToLower(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badParam("Value (%s) for parameter %s is invalid. Expected: 'true' or 'false'.", s, name)
}

// intParam parses an optional integer parameter; ok is false when absent.
func (r *request) intParam(name string) (n int, ok bool, err *apiError) {
	v, present := r.params[name]
	if !present || len(v) == 0 {
		return 0, false, nil
	}
	i, e := strconv.Atoi(strings.TrimSpace(v[0]))
	if e != nil || i < -1<<31 || i > 1<<31-1 {
		return 0, true, badParam("Value (%s) for parameter %s is invalid. Expected an integer.", v[0], name)
	}
	return i, true, nil
}

// indexes returns, in ascending order, the distinct positive N for which a
// parameter named prefix+"."+N or prefix+"."+N+"."+... exists. The EC2
// Query protocol numbers list members from 1, and the numbers need not be
// contiguous.
func (r *request) indexes(prefix string) []int {
	p := prefix + "."
	seen := map[int]struct{}{}
	for k := range r.params {
		if !strings.HasPrefix(k, p) {
			continue
		}
		rest := k[len(p):]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n <= 0 || strconv.Itoa(n) != rest {
			continue
		}
		seen[n] = struct{}{}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// list returns the values of the flat list prefix.1, prefix.2, ... in
// index order.
func (r *request) list(prefix string) []string {
	idx := r.indexes(prefix)
	if len(idx) == 0 {
		return nil
	}
	out := make([]string, 0, len(idx))
	for _, n := range idx {
		if v, ok := r.params[prefix+"."+strconv.Itoa(n)]; ok && len(v) > 0 {
			out = append(out, v[0])
		}
	}
	return out
}

// tagList parses a list of Key/Value pairs under prefix (Tag.N.Key,
// Tag.N.Value). A list longer than a resource's tag limit fails with
// TagLimitExceeded before its members are looked at.
func (r *request) tagList(prefix string) ([]tag, *apiError) {
	ms, ok := r.members(prefix, maxTags)
	if !ok {
		return nil, tagLimit()
	}
	out := make([]tag, 0, len(ms))
	for _, m := range ms {
		k, hasKey := m.r.params["Key"]
		if !hasKey || len(k) == 0 {
			return nil, badParam("Tag %d has no key: the parameter %s.%d.Key is required", m.n, prefix, m.n)
		}
		out = append(out, tag{key: k[0], value: m.r.get("Value")})
	}
	return out, nil
}

func tagLimit() *apiError {
	return errf(http.StatusBadRequest, "TagLimitExceeded", "The maximum number of tags per resource is %d", maxTags)
}

// member is one numbered member of a structured list parameter, such as
// NetworkInterface.2: its index and its parameters without the prefix.
type member struct {
	n int
	r *request
}

// members splits the parameters named prefix.N.rest by N in one pass over
// the request, returning the members in ascending order of N, each with
// its parameters renamed to rest. If more than limit distinct members are
// present it stops and reports false, so an oversized list is rejected
// before any work is spent on its members.
func (r *request) members(prefix string, limit int) ([]member, bool) {
	p := prefix + "."
	var byN map[int]url.Values
	for k, v := range r.params {
		if !strings.HasPrefix(k, p) {
			continue
		}
		rest := k[len(p):]
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n <= 0 || strconv.Itoa(n) != rest[:i] {
			continue
		}
		if byN == nil {
			byN = map[int]url.Values{}
		}
		m, ok := byN[n]
		if !ok {
			if len(byN) == limit {
				return nil, false
			}
			m = url.Values{}
			byN[n] = m
		}
		m[rest[i+1:]] = v
	}
	out := make([]member, 0, len(byN))
	for n, m := range byN {
		out = append(out, member{n: n, r: &request{action: r.action, params: m}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out, true
}

// prefixed returns the parameters under prefix+"." as a request of their
// own (one pass over the request), so a nested structure such as
// Placement parses with the same helpers.
func (r *request) prefixed(prefix string) *request {
	p := prefix + "."
	out := url.Values{}
	for k, v := range r.params {
		if strings.HasPrefix(k, p) {
			out[k[len(p):]] = v
		}
	}
	return &request{action: r.action, params: out}
}

// instanceIDs returns the InstanceId.N list, checking the count limit.
func (r *request) instanceIDs(param string) ([]string, *apiError) {
	ids := r.list(param)
	if len(ids) > maxIDsPerCall {
		return nil, badParam("The request contains %d instance IDs; at most %d are allowed in one call", len(ids), maxIDsPerCall)
	}
	return ids, nil
}

// validInstanceID reports whether s has the shape of an instance ID:
// "i-" followed by 8 or 17 lowercase hexadecimal digits.
func validInstanceID(s string) bool {
	if !strings.HasPrefix(s, "i-") {
		return false
	}
	h := s[2:]
	if len(h) != 8 && len(h) != 17 {
		return false
	}
	return isHex(h)
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validPrefixedID reports whether s is prefix followed by 8 or 17
// lowercase hexadecimal digits (the shape of AMI, subnet, VPC, ... IDs).
func validPrefixedID(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	h := s[len(prefix):]
	return (len(h) == 8 || len(h) == 17) && isHex(h)
}

// checkMalformed returns InvalidInstanceID.Malformed naming every ID that
// does not have the shape of an instance ID.
func checkMalformed(ids []string) *apiError {
	var bad []string
	for _, id := range ids {
		if !validInstanceID(id) {
			bad = append(bad, id)
		}
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return errf(http.StatusBadRequest, "InvalidInstanceID.Malformed", "Invalid id: %q", bad[0])
	}
	q := make([]string, len(bad))
	for i, b := range bad {
		q[i] = strconv.Quote(b)
	}
	return errf(http.StatusBadRequest, "InvalidInstanceID.Malformed", "Invalid ids: %s", strings.Join(q, ", "))
}

// notFound returns InvalidInstanceID.NotFound naming the missing IDs the
// way EC2 does.
func notFound(ids []string) *apiError {
	if len(ids) == 1 {
		return errf(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", ids[0])
	}
	return errf(http.StatusBadRequest, "InvalidInstanceID.NotFound", "The instance IDs '%s' do not exist", strings.Join(ids, ", "))
}

// writeError writes an EC2 error document.
func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	x := newXW()
	defer x.free()
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.raw("<Response><Errors><Error>")
	x.elem("Code", e.code)
	x.elem("Message", e.message)
	x.raw("</Error></Errors>")
	x.elem("RequestID", reqID)
	x.raw("</Response>")
	h := w.Header()
	h.Set("Content-Type", "text/xml;charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(x.b)))
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(e.status)
	_, _ = w.Write(x.b)
}

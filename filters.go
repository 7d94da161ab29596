package ec2instances

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./internal/filtergen

// Filter is one condition of a collection: an EC2 DescribeInstances filter
// (a name and the values it may take), or a list of instance IDs.
//
// Build a Filter with one of the typed constructors ([InstanceStateName],
// [VPCID], [TagKey], ... one for each filter EC2 documents for
// DescribeInstances), with [Tag] for tag:<key>, with [InstanceIDs], or with
// [Where] for a name given as a string. Several filters passed to
// [Collection.Filter] must all match (AND); the values of one filter are
// alternatives (OR). Filter names and values are case-sensitive, as they
// are in EC2.
//
// # Wildcards
//
// In a value, * matches any run of characters, including none, and ?
// matches one character (some AWS documentation says zero or one; the
// validation here accepts a value under either reading). A backslash makes
// the next character literal, so \* matches an asterisk and \\ a
// backslash.
//
// # Validation
//
// Every constructor checks its input at once, with the same rules whichever
// constructor is used:
//
//   - The name must be one of the documented filter names (see
//     [FilterNames]) or tag:<key> with a non-empty key. An unknown name is
//     an error, which suggests a close documented name when there is one.
//   - At least one value is required. EC2 refuses more than 200 filter
//     values in one request, counted over all the filters of the request
//     (it answers FilterLimitExceeded), so a Filter may hold at most 200
//     values, and [Collection.Filter] checks the total of the collection.
//     Instance IDs given with [InstanceIDs] do not count.
//   - A value may be at most 255 characters long, EC2's limit.
//   - A filter whose documentation lists its values (instance-state-name,
//     architecture, tenancy, ...) takes only those values, or a wildcard
//     pattern that matches at least one of them: "run*" is fine, "Run*"
//     is not.
//   - A Boolean filter takes true or false, or a pattern matching one.
//   - An integer filter takes a decimal integer in its range, or a pattern
//     of digits and wildcards that could match one.
//   - A time filter (launch-time and the other *-time filters) takes an
//     ISO 8601 time that starts with a date, such as
//     2021-09-29T11:04:43.305Z or 2021-09-29, or a wildcard pattern made of
//     the same characters, such as 2021-09-29T*. Only digits, the letters T
//     and Z, the signs - + : . , and the wildcards may appear, and the
//     date part must look like YYYY-MM-DD, so values such as "yesterday" or
//     "09/29/2021" are rejected. Nothing more is checked, because EC2 does
//     the matching.
//   - Every other filter takes any value, including the empty string.
//
// A Filter that fails validation is still returned: it carries the error,
// [Filter.Err] reports it, and a collection that uses the Filter returns
// the error before it sends any request. The error is a [*ValidationError]
// that matches [ErrInvalidInput] and names the filter and the bad value.
//
// The zero Filter is not a valid filter; its Err method says so.
type Filter struct {
	name   string   // the EC2 filter name; "" for InstanceIDs
	values []string // a copy owned by the Filter
	ids    bool     // values are instance IDs sent as the InstanceIds parameter
	err    error    // validation error, nil when the filter is valid
}

// EC2 answers FilterLimitExceeded past these limits: maxFilterValues is
// the most filter values it takes in one request, over all its filters,
// and maxFilterValueLen the most characters in one value.
const (
	maxFilterValues   = 200
	maxFilterValueLen = 255
)

// Where returns the filter with the given EC2 filter name and values, for
// code that has the name as a string (read from a flag or a configuration
// file, say). Where("instance-state-name", "running") is the same as
// InstanceStateName("running"), with the same validation; a name that is
// not documented for DescribeInstances, such as "instance-state" or
// "Instance-State-Name" (names are case-sensitive), gives a Filter whose
// [Filter.Err] says so and, when one is close, suggests a documented name.
//
// A name of the form tag:<key> is accepted for any non-empty key, as with
// [Tag]. The values are copied.
func Where(name string, values ...string) Filter {
	return newFilter(name, values)
}

// Tag returns the tag:<key> filter, which matches instances that have a tag
// with this key and one of the given values. Tag("Name", "web-*") selects
// instances whose Name tag starts with "web-".
//
// The key must not be empty and at least one value is required. Any value
// is accepted, including the empty string, which matches a tag that is
// present with an empty value. Both the key and the values are
// case-sensitive, and values may use the * and ? wildcards. To match on the
// key alone, whatever the value, use [TagKey] (or Tag(key, "*")).
func Tag(key string, values ...string) Filter {
	return newFilter("tag:"+key, values)
}

// InstanceIDs returns a filter that restricts a collection to the instances
// with these IDs. Unlike the instance-id filter ([InstanceID]), the IDs go
// to EC2 in the InstanceIds request parameter:
//
//   - EC2 fails the whole request when any one of the IDs does not exist.
//     The collection then reports those IDs as not found (listing ends
//     with an error matching [ErrNotFound] that names them; a batch action
//     reports them as failed) and still returns or acts on the others.
//   - InstanceIDs() with no IDs, or built from an empty slice, selects no
//     instances at all: the collection is empty and sends no request. It
//     never falls back to every instance in the account, as boto3 did
//     when handed an empty list (boto3 issue 479).
//
// Each ID must look like an EC2 instance ID: "i-" followed by 8 or 17
// lowercase hexadecimal digits, without wildcards. The first malformed ID
// makes the Filter invalid; the error names it. Repeated IDs are dropped,
// keeping the first occurrence, and the IDs are copied. There is no limit
// on their number: a collection sends them in requests of at most 1000.
func InstanceIDs(ids ...string) Filter {
	f := Filter{ids: true, values: make([]string, 0, len(ids))}
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if f.err == nil && !isInstanceID(id) {
			f.err = filterValueError("InstanceIDs value", id,
				"must be i- followed by 8 or 17 lowercase hexadecimal digits")
		}
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		f.values = append(f.values, id)
	}
	return f
}

// FilterNames returns the DescribeInstances filter names that EC2
// documents, in the order of its documentation, as a new slice. Each has a
// typed constructor of the same name in Go style (instance-state-name is
// [InstanceStateName]). The tag filter appears in its documented form,
// "tag:<key>", where <key> stands for a tag key; build it with [Tag].
func FilterNames() []string {
	return slices.Clone(filterNameList[:])
}

// Name returns the EC2 filter name, such as "instance-state-name" or
// "tag:Owner", or "" for a Filter made by [InstanceIDs].
func (f Filter) Name() string { return f.name }

// Values returns a copy of the filter's values: the instance IDs for a
// Filter made by [InstanceIDs] (without repeats), the filter values
// otherwise. Changing the returned slice does not change the Filter.
func (f Filter) Values() []string { return slices.Clone(f.values) }

// Err returns the reason the Filter is invalid, or nil if it is valid. The
// error is a [*ValidationError] matching [ErrInvalidInput]. The zero Filter
// is invalid, because it names no filter.
func (f Filter) Err() error {
	if f.err != nil {
		return f.err
	}
	if f.name == "" && !f.ids {
		return &ValidationError{Field: "filter", Reason: "empty Filter; build one with Where, Tag, InstanceIDs or a typed constructor"}
	}
	return nil
}

// String describes the filter for logs and error messages: the name, "=",
// and the values separated by "|", as in instance-state-name=running|stopped;
// or InstanceIDs(i-0123456789abcdef0,i-0fedcba9876543210) for a Filter made
// by [InstanceIDs]. A value that is empty or contains a space, "|", a quote
// or an unprintable character is shown quoted in Go syntax. The zero Filter
// prints as Filter{}.
func (f Filter) String() string {
	var b strings.Builder
	switch {
	case f.ids:
		b.WriteString("InstanceIDs(")
		for i, id := range f.values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteFilterValue(id, ","))
		}
		b.WriteByte(')')
	case f.name == "":
		return "Filter{}"
	default:
		b.WriteString(f.name)
		b.WriteByte('=')
		for i, v := range f.values {
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(quoteFilterValue(v, "|"))
		}
	}
	return b.String()
}

// quoteFilterValue returns v as it is, or in Go quotes when it would be
// ambiguous next to sep.
func quoteFilterValue(v, sep string) string {
	if v == "" || strings.ContainsAny(v, sep+` "`) || strings.ContainsFunc(v, func(r rune) bool {
		return !unicode.IsPrint(r) || r == utf8.RuneError
	}) {
		return strconv.Quote(v)
	}
	return v
}

// isInstanceID reports whether id has the form of an EC2 instance ID:
// "i-" and 8 (older IDs) or 17 lowercase hexadecimal digits.
func isInstanceID(id string) bool {
	hex, ok := strings.CutPrefix(id, "i-")
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// newFilter copies values and validates the filter. Every constructor but
// InstanceIDs ends here.
func newFilter(name string, values []string) Filter {
	f := Filter{name: name, values: slices.Clone(values)}
	f.err = checkFilter(name, f.values)
	return f
}

// filterKind says how the values of a filter are checked.
type filterKind uint8

const (
	filterKindText filterKind = iota // any value
	filterKindEnum                   // one of filterSpec.enum
	filterKindBool                   // true or false
	filterKindInt                    // a decimal integer in [min, max]
	filterKindTime                   // an ISO 8601 time
)

// filterSpec describes one documented filter; filters_gen.go holds one per
// name in filterSpecs.
type filterSpec struct {
	kind filterKind
	enum []string // filterKindEnum: the accepted values
	min  int64    // filterKindInt: the smallest accepted value
	max  int64    // filterKindInt: the largest accepted value, or -1 for none
}

var filterBoolValues = []string{"true", "false"}

// checkFilter returns the first problem with a filter, or nil.
func checkFilter(name string, values []string) error {
	spec, err := lookupFilterSpec(name)
	if err != nil {
		return err
	}
	field := "filter " + name
	switch {
	case len(values) == 0:
		return &ValidationError{Field: field, Reason: "at least one value is required"}
	case len(values) > maxFilterValues:
		return &ValidationError{Field: field, Reason: fmt.Sprintf(
			"%d values given; EC2 accepts at most %d filter values in one request", len(values), maxFilterValues)}
	}
	field += " value"
	for _, v := range values {
		if n := utf8.RuneCountInString(v); n > maxFilterValueLen {
			return &ValidationError{Field: field, Value: v, Reason: fmt.Sprintf(
				"is %d characters long; EC2 accepts at most %d", n, maxFilterValueLen)}
		}
		if reason := spec.check(v); reason != "" {
			return filterValueError(field, v, reason)
		}
	}
	return nil
}

// filterValueError returns the error for a bad value. ValidationError
// leaves out an empty Value, so the reason says it instead.
func filterValueError(field, value, reason string) error {
	if value == "" {
		reason = "the empty string is not allowed; " + reason
	}
	return &ValidationError{Field: field, Value: value, Reason: reason}
}

// lookupFilterSpec returns how to check the values of the named filter, or
// the error for a name EC2 does not document.
func lookupFilterSpec(name string) (filterSpec, error) {
	if spec, ok := filterSpecs[name]; ok {
		return spec, nil
	}
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		if key == "" {
			return filterSpec{}, &ValidationError{Field: "filter name", Value: name,
				Reason: "the tag key after tag: must not be empty"}
		}
		return filterSpec{kind: filterKindText}, nil
	}
	if name == "" {
		return filterSpec{}, &ValidationError{Field: "filter name", Reason: "must not be empty"}
	}
	if prefix, key, ok := strings.Cut(name, ":"); ok && key != "" {
		// Tag:Owner or tags:Owner for tag:Owner.
		if p := strings.ToLower(strings.TrimSpace(prefix)); p == "tag" || p == "tags" {
			return filterSpec{}, &ValidationError{Field: "filter name", Value: name,
				Reason: "not a DescribeInstances filter; did you mean tag:" + key + "?"}
		}
	}
	reason := "not a DescribeInstances filter"
	if s := suggestFilterName(name); s != "" {
		if strings.EqualFold(s, name) {
			reason += " (filter names are case-sensitive)"
		}
		reason += "; did you mean " + s + "?"
	}
	return filterSpec{}, &ValidationError{Field: "filter name", Value: name, Reason: reason}
}

// check returns why v is not an accepted value, or "".
func (s filterSpec) check(v string) string {
	switch s.kind {
	case filterKindEnum:
		return checkFilterEnum(v, s.enum, "must be one of "+strings.Join(s.enum, ", ")+" (case-sensitive)")
	case filterKindBool:
		return checkFilterEnum(v, filterBoolValues, "must be true or false (case-sensitive)")
	case filterKindInt:
		return s.checkInt(v)
	case filterKindTime:
		return checkFilterTime(v)
	}
	return ""
}

// checkFilterEnum accepts a member of enum, or a pattern matching one.
func checkFilterEnum(v string, enum []string, want string) string {
	pat := parseFilterPattern(v)
	if !pat.wild {
		if slices.Contains(enum, pat.literal()) {
			return ""
		}
		return want
	}
	for _, e := range enum {
		if pat.match(e) {
			return ""
		}
	}
	return "the pattern matches no accepted value; " + want
}

func (s filterSpec) checkInt(v string) string {
	want := "must be a non-negative decimal integer"
	if s.max >= 0 {
		want = fmt.Sprintf("must be a decimal integer from %d to %d", s.min, s.max)
	} else if s.min != 0 {
		want = fmt.Sprintf("must be a decimal integer of at least %d", s.min)
	}
	pat := parseFilterPattern(v)
	for _, t := range pat.toks {
		if t.kind == patLiteral && (t.r < '0' || t.r > '9') {
			return want
		}
	}
	if !pat.wild {
		lit := pat.literal()
		if lit == "" {
			return want
		}
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil { // too many digits for an int64
			if s.max < 0 {
				return "" // no upper bound: let EC2 compare
			}
			return want
		}
		if n < s.min || (s.max >= 0 && n > s.max) {
			return want
		}
		return ""
	}
	if s.max < 0 || s.max-s.min > 100000 {
		return "" // digits and wildcards: some large enough integer matches
	}
	for n := s.min; n <= s.max; n++ {
		if pat.match(strconv.FormatInt(n, 10)) {
			return ""
		}
	}
	return "the pattern matches no accepted value; " + want
}

const filterTimeWant = "must be an ISO 8601 time such as 2021-09-29T11:04:43.305Z, or a wildcard pattern such as 2021-09-29T*"

// checkFilterTime accepts values that could be (or, with wildcards, could
// match) an ISO 8601 time starting with a YYYY-MM-DD date. See the Filter
// documentation for the exact rule.
func checkFilterTime(v string) string {
	const (
		chars  = "0123456789TZ-+:.,"
		layout = "dddd-dd-dd" // d: a digit
	)
	pat := parseFilterPattern(v)
	if len(pat.toks) == 0 {
		return filterTimeWant
	}
	prefix := true // no wildcard seen yet
	for i, t := range pat.toks {
		if t.kind != patLiteral {
			prefix = false
			continue
		}
		if !strings.ContainsRune(chars, t.r) {
			return filterTimeWant
		}
		// Before the first wildcard, the characters must fit the layout.
		if prefix && i < len(layout) && (layout[i] == 'd') != (t.r >= '0' && t.r <= '9') {
			return filterTimeWant
		}
	}
	if !pat.wild {
		lit := pat.literal() // ASCII, as checked above
		if len(lit) < len(layout) {
			return filterTimeWant
		}
		month, _ := strconv.Atoi(lit[5:7])
		day, _ := strconv.Atoi(lit[8:10])
		if month < 1 || month > 12 || day < 1 || day > 31 {
			return filterTimeWant
		}
	}
	return ""
}

// Filter value patterns.

type patKind uint8

const (
	patLiteral patKind = iota // the rune r
	patStar                   // any run of characters
	patQuest                  // zero or one character
)

type patToken struct {
	kind patKind
	r    rune
}

type filterPattern struct {
	toks []patToken
	wild bool // has an unescaped * or ?
}

// parseFilterPattern splits a filter value into literal runes and
// wildcards. A backslash makes the next rune literal; a trailing backslash
// is itself literal.
func parseFilterPattern(v string) filterPattern {
	var p filterPattern
	escaped := false
	for _, r := range v {
		switch {
		case escaped:
			p.toks = append(p.toks, patToken{kind: patLiteral, r: r})
			escaped = false
		case r == '\\':
			escaped = true
		case r == '*':
			p.toks = append(p.toks, patToken{kind: patStar})
			p.wild = true
		case r == '?':
			p.toks = append(p.toks, patToken{kind: patQuest})
			p.wild = true
		default:
			p.toks = append(p.toks, patToken{kind: patLiteral, r: r})
		}
	}
	if escaped {
		p.toks = append(p.toks, patToken{kind: patLiteral, r: '\\'})
	}
	return p
}

// literal returns the runes of a pattern without wildcards, with its
// escapes removed.
func (p filterPattern) literal() string {
	var b strings.Builder
	for _, t := range p.toks {
		if t.kind == patLiteral {
			b.WriteRune(t.r)
		}
	}
	return b.String()
}

// match reports whether the pattern matches all of s. A ? is allowed to
// match nothing, the more permissive of the two readings of EC2's rule.
func (p filterPattern) match(s string) bool {
	rs := []rune(s)
	// cur[j]: the tokens so far can match rs[:j].
	cur := make([]bool, len(rs)+1)
	next := make([]bool, len(rs)+1)
	cur[0] = true
	for _, t := range p.toks {
		clear(next)
		for j := 0; j <= len(rs); j++ {
			switch t.kind {
			case patLiteral:
				next[j] = j > 0 && cur[j-1] && rs[j-1] == t.r
			case patQuest:
				next[j] = cur[j] || (j > 0 && cur[j-1])
			case patStar:
				next[j] = cur[j] || (j > 0 && next[j-1])
			}
		}
		cur, next = next, cur
	}
	return cur[len(rs)]
}

// filterAliases maps names people reach for (mostly DescribeInstances
// response fields in filter spelling) to the filter they mean.
var filterAliases = map[string]string{
	"state":                "instance-state-name",
	"instance-state":       "instance-state-name",
	"state-name":           "instance-state-name",
	"status":               "instance-state-name",
	"state-code":           "instance-state-code",
	"type":                 "instance-type",
	"id":                   "instance-id",
	"instance-ids":         "instance-id",
	"ami":                  "image-id",
	"ami-id":               "image-id",
	"image":                "image-id",
	"vpc":                  "vpc-id",
	"subnet":               "subnet-id",
	"zone":                 "availability-zone",
	"az":                   "availability-zone",
	"placement":            "availability-zone",
	"public-ip":            "ip-address",
	"public-ip-address":    "ip-address",
	"public-dns-name":      "dns-name",
	"private-ip":           "private-ip-address",
	"security-group":       "instance.group-id",
	"security-groups":      "instance.group-id",
	"security-group-id":    "instance.group-id",
	"group-id":             "instance.group-id",
	"group-name":           "instance.group-name",
	"key":                  "key-name",
	"key-pair":             "key-name",
	"tag":                  "tag-key",
	"tags":                 "tag-key",
	"tag-value":            "tag:<key>",
	"monitoring":           "monitoring-state",
	"lifecycle":            "instance-lifecycle",
	"iam-instance-profile": "iam-instance-profile.arn",
}

// suggestFilterName returns the documented filter name closest to an
// unknown one, or "" if none is close.
func suggestFilterName(name string) string {
	if len(name) > 200 {
		return ""
	}
	norm := kebabFilterName(name)
	if _, ok := filterSpecs[norm]; ok {
		return norm
	}
	if s, ok := filterAliases[norm]; ok {
		return s
	}
	best, bestDist := "", 0
	for _, cand := range filterNameList {
		d := editDistance(norm, cand)
		if best == "" || d < bestDist {
			best, bestDist = cand, d
		}
	}
	if bestDist <= 3 && bestDist*3 <= len(norm) {
		return best
	}
	// A prefix of a documented name, as in "launch" for launch-time.
	if len(norm) >= 4 {
		for _, cand := range filterNameList {
			if strings.HasPrefix(cand, norm) {
				return cand
			}
		}
	}
	return ""
}

// kebabFilterName rewrites VpcId, vpc_id or VPC-ID as vpc-id, the way EC2
// spells filter names.
func kebabFilterName(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case r == '_' || r == ' ':
			b.WriteByte('-')
		case unicode.IsUpper(r):
			// A word starts at an upper-case letter that follows a
			// lower-case one, or that precedes one in an acronym (IPAddress).
			if i > 0 && rs[i-1] != '-' && rs[i-1] != '.' && rs[i-1] != '_' &&
				(unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
					(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package ec2instances

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// scan lists the instances of c with all their data and calls emit with
// every non-empty page, cut to the collection's limit. It stops, with a
// nil error, when emit returns false or the limit is reached.
func (c Collection) scan(ctx context.Context, emit func([]Instance) bool) error {
	return c.scanWith(ctx, false, emit)
}

// scanWith is scan; with lean set, the instances carry only their ID
// and state (see describe), which is all that batch actions, IDs and the
// collection waiters need.
func (c Collection) scanWith(ctx context.Context, lean bool, emit func([]Instance) bool) error {
	remaining := c.limit // -1: no limit
	if remaining == 0 {
		return nil
	}
	limited := func(page []Instance) bool {
		if remaining >= 0 && len(page) > remaining {
			page = page[:remaining]
		}
		if remaining > 0 {
			remaining -= len(page)
		}
		return emit(page) && remaining != 0
	}
	if c.hasIDs {
		return c.m.listIDs(ctx, c.ids, c.filters, lean, limited)
	}
	size := c.pageSize
	if size == 0 {
		size = c.m.opts.PageSize
	}
	return c.m.paginate(ctx, c.filters, lean, func() int {
		// Ask for no more than the limit still needs, within EC2's bounds.
		if remaining > 0 && remaining < size {
			return max(remaining, MinPageSize)
		}
		return size
	}, limited)
}

// paginate runs DescribeInstances with filters, one page after another,
// until the listing ends or emit returns false. pageSize is asked before
// every request. Pages without instances are skipped, even when they
// carry a NextToken.
func (m *Instances) paginate(ctx context.Context, filters []types.Filter, lean bool, pageSize func() int, emit func([]Instance) bool) error {
	var (
		token *string
		trail tokenTrail
	)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := m.describe(ctx, &ec2.DescribeInstancesInput{
			Filters:    filters,
			MaxResults: aws.Int32(int32(pageSize())),
			NextToken:  token,
		}, lean)
		if err != nil {
			return ctxErrOr(ctx, err)
		}
		if page := m.flatten(out.Reservations); len(page) > 0 && !emit(page) {
			return nil
		}
		if token, err = trail.follow(out.NextToken); token == nil {
			return err
		}
	}
}

// tokenTrail remembers the page tokens of one listing. An endpoint that
// answers with a token it already gave would be followed for ever;
// follow reports it with a *PaginationError instead.
type tokenTrail map[string]struct{}

// follow returns the token to ask for next, or nil when the listing
// ends: at an empty token, or with an error at a repeated one.
func (t *tokenTrail) follow(next *string) (*string, error) {
	s := aws.ToString(next)
	if s == "" {
		return nil, nil
	}
	if _, again := (*t)[s]; again {
		return nil, &PaginationError{Token: s}
	}
	if *t == nil {
		*t = make(tokenTrail)
	}
	(*t)[s] = struct{}{}
	return next, nil
}

// describeIDs lists, with all their data, the instances with the given
// IDs that match filters; see listIDs.
func (m *Instances) describeIDs(ctx context.Context, ids []string, filters []types.Filter, emit func([]Instance) bool) error {
	return m.listIDs(ctx, ids, filters, false, emit)
}

// listIDs lists the instances with the given IDs that match filters, at
// most MaxIDsPerCall IDs a call and without MaxResults (EC2 refuses it
// next to InstanceIds). Every instance is emitted once, however often
// its ID is given. IDs EC2 reports as missing or malformed are taken out
// and the call repeated for the others (halving the call when EC2 does
// not say which IDs it means); once the listing is complete they are
// returned in a *NotFoundError. A listing that emit stops early returns
// nil: the IDs it did not reach are neither found nor missing.
func (m *Instances) listIDs(ctx context.Context, ids []string, filters []types.Filter, lean bool, emit func([]Instance) bool) error {
	var (
		seen    = make(map[string]struct{}, min(len(ids), MaxIDsPerCall))
		missing missingIDs
		queue   [][]string // the IDs to ask for next are the last
	)
	for start := 0; start < len(ids); start += MaxIDsPerCall {
		queue = append(queue, ids[start:min(start+MaxIDsPerCall, len(ids))])
	}
	slices.Reverse(queue) // the first IDs first, so that a Limit is filled in their order
	for len(queue) > 0 {
		chunk := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		var (
			token *string
			trail tokenTrail
		)
		for len(chunk) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			out, err := m.describe(ctx, &ec2.DescribeInstancesInput{
				InstanceIds: chunk,
				Filters:     filters,
				NextToken:   token,
			}, lean)
			if err != nil {
				if !isBadIDError(err) {
					return ctxErrOr(ctx, err)
				}
				bad := idsNamedIn(err, chunk)
				if len(bad) == 0 && len(chunk) > 1 {
					// EC2 did not say which IDs: halve the chunk until it does.
					half := len(chunk) / 2
					queue = append(queue, chunk[half:], chunk[:half])
					break
				}
				if len(bad) == 0 {
					bad = chunk
				}
				missing.add(bad, err)
				// Ask again for the others, from the first page; the
				// instances emitted before are dropped as repeats.
				if rest := without(chunk, bad); len(rest) > 0 {
					queue = append(queue, rest)
				}
				break
			}
			page := m.flatten(out.Reservations)
			fresh := page[:0]
			for i := range page {
				id := aws.ToString(page[i].InstanceId)
				if _, dup := seen[id]; !dup {
					seen[id] = struct{}{}
					fresh = append(fresh, page[i])
				}
			}
			if len(fresh) > 0 && !emit(fresh) {
				return nil
			}
			if token, err = trail.follow(out.NextToken); token == nil {
				if err != nil {
					return err
				}
				break
			}
		}
	}
	return missing.asError()
}

// describe is DescribeInstances with the package's throttling retries: a
// throttled call is repeated after a jittered backoff for as long as ctx
// lives. With lean set, the answer of a real *ec2.Client is read by
// leanDescribe rather than by the SDK's decoder, and its instances carry
// only InstanceId and State; clients that do not run the SDK's
// middleware stack (test stubs) answer in full.
func (m *Instances) describe(ctx context.Context, in *ec2.DescribeInstancesInput, lean bool) (*ec2.DescribeInstancesOutput, error) {
	optFns := m.opts.ClientOptions
	for attempt := 0; ; attempt++ {
		var ld *leanDescribe
		if lean {
			ld = &leanDescribe{}
			optFns = append(m.opts.ClientOptions[:len(m.opts.ClientOptions):len(m.opts.ClientOptions)], ld.install)
		}
		out, err := m.client.DescribeInstances(ctx, in, optFns...)
		if err == nil {
			if ld != nil && ld.done {
				out.Reservations, out.NextToken = ld.reservations, ld.next
			}
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !isThrottle(err) {
			return nil, err
		}
		if werr := sleepCtx(ctx, m.backoff(attempt)); werr != nil {
			return nil, werr
		}
	}
}

// flatten turns the reservations of one DescribeInstances page into one
// slice of Instance values, allocated once for the page.
func (m *Instances) flatten(rs []types.Reservation) []Instance {
	n := 0
	for i := range rs {
		n += len(rs[i].Instances)
	}
	if n == 0 {
		return nil
	}
	page := make([]Instance, n)
	k := 0
	for i := range rs {
		for j := range rs[i].Instances {
			page[k].Instance = rs[i].Instances[j]
			page[k].m = m
			k++
		}
	}
	return page
}

// ctxErrOr returns ctx's error when ctx has ended (whatever err the call
// failed with then: the SDK wraps the cancellation in an operation error,
// and a connection cut by it fails in other ways), and err otherwise.
func ctxErrOr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// errorCode returns the EC2 error code in err's chain, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isBadIDError reports whether err is EC2's answer to instance IDs that do
// not exist or are not instance IDs at all.
func isBadIDError(err error) bool {
	switch errorCode(err) {
	case "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed":
		return true
	}
	return false
}

// idsNamedIn returns the members of ids that err's message names, in the
// order of ids. EC2's messages quote the IDs ("The instance IDs 'i-1, i-2'
// do not exist"), so the message is cut into words at anything that
// cannot be part of an ID.
func idsNamedIn(err error, ids []string) []string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	words := strings.FieldsFunc(ae.ErrorMessage(), func(r rune) bool {
		return !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	named := make(map[string]struct{}, len(words))
	for _, w := range words {
		named[w] = struct{}{}
	}
	var out []string
	for _, id := range ids {
		if _, ok := named[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// without returns the members of ids not in drop, in a new slice.
func without(ids, drop []string) []string {
	d := make(map[string]struct{}, len(drop))
	for _, id := range drop {
		d[id] = struct{}{}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := d[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// leanDescribe is a deserialize middleware that reads a successful
// DescribeInstances answer itself, keeping only each instance's ID and
// state and the NextToken. A page of 1000 instances is about 4 MB of
// XML, which the SDK's decoder turns into full types.Instance values;
// listings that only need IDs (batch actions, IDs, collection waiters)
// read it with about a tenth of the CPU and of the allocation
// (BenchmarkDescribePage). It sits just inside the SDK's OperationDeserializer: after a
// successful read it hands the SDK an empty body (an empty answer), and
// when the body holds anything it does not fully understand it hands the
// body back untouched for the SDK to decode as usual. Error answers are
// never touched.
type leanDescribe struct {
	done         bool // the answer was read here
	reservations []types.Reservation
	next         *string
}

// install adds the middleware to one call's stack.
func (d *leanDescribe) install(o *ec2.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		if _, ok := s.Deserialize.Get("OperationDeserializer"); !ok {
			return nil // not the stack of the SDK's DescribeInstances
		}
		return s.Deserialize.Insert(d, "OperationDeserializer", middleware.After)
	})
}

// ID names the middleware in the stack.
func (*leanDescribe) ID() string { return "ec2instances.LeanDescribeInstances" }

// HandleDeserialize reads the body of a 2xx answer, see leanDescribe.
func (d *leanDescribe) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	d.done = false
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 || resp.Body == nil {
		return out, md, err
	}
	buf := leanBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(min(resp.ContentLength, 64<<20)) + bytes.MinRead) // room to see EOF without growing
	}
	_, rerr := buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if rerr == nil {
		if insts, token, ok := scanDescribeInstances(buf.Bytes()); ok {
			d.done = true
			if len(insts) > 0 {
				d.reservations = []types.Reservation{{Instances: insts}}
			}
			d.next = token
			resp.Body = http.NoBody
			if buf.Cap() <= 64<<20 {
				leanBuffers.Put(buf)
			}
			return out, md, nil
		}
	}
	// Let the SDK decode (or fail on) exactly what was received.
	var body io.Reader = bytes.NewReader(buf.Bytes())
	if rerr != nil {
		body = io.MultiReader(body, errReader{rerr})
	}
	resp.Body = io.NopCloser(body)
	return out, md, nil
}

var leanBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// scanDescribeInstances reads the instance IDs, their states and the
// NextToken of a DescribeInstancesResponse document. It is strict: ok is
// false for anything it does not fully understand (a DOCTYPE, CDATA, a
// comment inside the document, an unknown entity, mismatched tags, an
// instance without an ID, a field given twice, ...), and the caller then
// leaves the document to the SDK's decoder. Element names are compared
// without their namespace prefix and without regard to case, as the SDK
// does. The IDs and states are copied out of body.
func scanDescribeInstances(body []byte) (insts []types.Instance, next *string, ok bool) {
	var (
		stack     = make([][]byte, 0, 16) // local names of the open elements
		leaf      bool                    // the innermost open element has no child element yet
		textStart int
		rootSeen  bool
		nextSeen  bool
		cur       = -1 // index in insts of the instance being read
		stateSeen bool
		codeSeen  bool
		nameSeen  bool
	)
	inInstance := func() bool { // stack[:5] is DescribeInstancesResponse/reservationSet/item/instancesSet/item
		return len(stack) >= 5 && bytes.EqualFold(stack[1], []byte("reservationSet")) &&
			bytes.EqualFold(stack[2], []byte("item")) && bytes.EqualFold(stack[3], []byte("instancesSet")) &&
			bytes.EqualFold(stack[4], []byte("item"))
	}
	i := 0
	for {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			if len(stack) != 0 || !rootSeen || !isXMLSpace(body[i:]) {
				return nil, nil, false
			}
			return insts, next, true
		}
		if len(stack) == 0 && !isXMLSpace(body[i:i+j]) {
			return nil, nil, false // text outside the root element
		}
		i += j
		rest := body[i:]
		if len(rest) < 2 {
			return nil, nil, false
		}
		switch rest[1] {
		case '?': // the XML declaration, before the root only
			k := bytes.Index(rest, []byte("?>"))
			if k < 0 || rootSeen {
				return nil, nil, false
			}
			i += k + 2
		case '!': // comments, CDATA and DOCTYPE are not expected
			return nil, nil, false
		case '/':
			k := bytes.IndexByte(rest, '>')
			if k < 0 || len(stack) == 0 {
				return nil, nil, false
			}
			name := localName(bytes.TrimRight(rest[2:k], " \t\r\n"))
			top := stack[len(stack)-1]
			if !bytes.Equal(name, top) {
				return nil, nil, false
			}
			if leaf {
				text := body[textStart:i]
				switch {
				case len(stack) == 2 && bytes.EqualFold(top, []byte("nextToken")):
					if nextSeen {
						return nil, nil, false
					}
					nextSeen = true
					if len(text) > 0 {
						s, ok := xmlText(text)
						if !ok {
							return nil, nil, false
						}
						next = &s
					}
				case len(stack) == 6 && cur >= 0 && bytes.EqualFold(top, []byte("instanceId")):
					s, ok := xmlText(text)
					if !ok || s == "" || insts[cur].InstanceId != nil {
						return nil, nil, false
					}
					insts[cur].InstanceId = &s
				case len(stack) == 7 && cur >= 0 && bytes.EqualFold(stack[5], []byte("instanceState")):
					switch {
					case bytes.EqualFold(top, []byte("code")):
						if codeSeen {
							return nil, nil, false
						}
						codeSeen = true
						if len(text) > 0 {
							s, ok := xmlText(text)
							if !ok {
								return nil, nil, false
							}
							n, err := strconv.ParseInt(s, 10, 64)
							if err != nil {
								return nil, nil, false
							}
							insts[cur].State.Code = aws.Int32(int32(n))
						}
					case bytes.EqualFold(top, []byte("name")):
						if nameSeen {
							return nil, nil, false
						}
						nameSeen = true
						s, ok := xmlText(text)
						if !ok {
							return nil, nil, false
						}
						insts[cur].State.Name = types.InstanceStateName(s)
					}
				}
			}
			if len(stack) == 5 && cur >= 0 {
				if insts[cur].InstanceId == nil {
					return nil, nil, false
				}
				cur = -1
			}
			stack = stack[:len(stack)-1]
			leaf = false
			i += k + 1
		default:
			k := tagEnd(rest)
			if k < 0 {
				return nil, nil, false
			}
			selfClosing := rest[k-1] == '/'
			n := 1
			for n < k && !isXMLSpace(rest[n:n+1]) && rest[n] != '/' && rest[n] != '>' {
				n++
			}
			name := localName(rest[1:n])
			if len(name) == 0 {
				return nil, nil, false
			}
			if len(stack) == 0 {
				if rootSeen || !bytes.EqualFold(name, []byte("DescribeInstancesResponse")) {
					return nil, nil, false
				}
				rootSeen = true
			}
			stack = append(stack, name)
			switch {
			case len(stack) == 5 && inInstance():
				if selfClosing {
					return nil, nil, false // an instance without an ID
				}
				insts = append(insts, types.Instance{})
				cur = len(insts) - 1
				stateSeen, codeSeen, nameSeen = false, false, false
			case len(stack) == 6 && cur >= 0 && bytes.EqualFold(name, []byte("instanceState")):
				if stateSeen {
					return nil, nil, false
				}
				stateSeen = true
				insts[cur].State = &types.InstanceState{}
			}
			if selfClosing {
				if len(stack) == 2 && bytes.EqualFold(name, []byte("nextToken")) {
					if nextSeen {
						return nil, nil, false
					}
					nextSeen = true
				}
				stack = stack[:len(stack)-1]
				leaf = false
			} else {
				leaf = true
				textStart = i + k + 1
			}
			i += k + 1
		}
	}
}

// tagEnd returns the index of the '>' that ends the start tag at the
// beginning of b, skipping quoted attribute values, or -1.
func tagEnd(b []byte) int {
	var quote byte
	for k := 1; k < len(b); k++ {
		switch c := b[k]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			return -1
		case c == '>':
			return k
		}
	}
	return -1
}

// localName strips a namespace prefix from an element name.
func localName(name []byte) []byte {
	if k := bytes.IndexByte(name, ':'); k >= 0 {
		return name[k+1:]
	}
	return name
}

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// xmlText returns the character data b with its entity and character
// references replaced. It refuses a carriage return (XML turns line ends
// into newlines), control characters, invalid UTF-8 and entities other
// than XML's five.
func xmlText(b []byte) (string, bool) {
	plain := true
	for _, c := range b {
		if c == '&' || c == '\r' || c < 0x20 && c != '\t' && c != '\n' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(b), true
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, '\r') >= 0 || bytes.IndexByte(b, '<') >= 0 {
		return "", false
	}
	var sb strings.Builder
	for len(b) > 0 {
		k := bytes.IndexByte(b, '&')
		if k < 0 {
			sb.Write(b)
			break
		}
		sb.Write(b[:k])
		b = b[k:]
		end := bytes.IndexByte(b, ';')
		if end < 0 {
			return "", false
		}
		ref := string(b[1:end])
		b = b[end+1:]
		switch ref {
		case "lt":
			sb.WriteByte('<')
		case "gt":
			sb.WriteByte('>')
		case "amp":
			sb.WriteByte('&')
		case "apos":
			sb.WriteByte('\'')
		case "quot":
			sb.WriteByte('"')
		default:
			if !strings.HasPrefix(ref, "#") {
				return "", false
			}
			var n uint64
			var err error
			if strings.HasPrefix(ref, "#x") {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || !isXMLChar(rune(n)) {
				return "", false
			}
			sb.WriteRune(rune(n))
		}
	}
	s := sb.String()
	for _, r := range s {
		if !isXMLChar(r) {
			return "", false
		}
	}
	return s, true
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

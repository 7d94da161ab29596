package ec2instances

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ec2go/ec2instances/ec2test"
)

// rawPage returns one DescribeInstances answer of srv as the bytes EC2
// would send.
func rawPage(t testing.TB, srv *ec2test.Server, form url.Values) []byte {
	t.Helper()
	form.Set("Action", "DescribeInstances")
	form.Set("Version", "2016-11-15")
	resp, err := http.Post(srv.URL(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode, "%s", body)
	return body
}

// cannedHTTP answers every request with status and body.
type cannedHTTP struct {
	status int
	body   []byte
}

func (c cannedHTTP) Do(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"text/xml"}},
		Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body))}, nil
}

// cannedClient is a real *ec2.Client whose every answer is body; it sends
// nothing anywhere.
func cannedClient(status int, body []byte) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://127.0.0.1:9"),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   cannedHTTP{status, body},
		Retryer:      aws.NopRetryer{},
	})
}

// sdkDecode decodes body with the SDK's own DescribeInstances decoder.
func sdkDecode(body []byte) (*ec2.DescribeInstancesOutput, error) {
	return cannedClient(200, body).DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
}

type idState struct {
	ID, State string
	Code      int32
	HasState  bool
}

func summary(rs []types.Reservation) []idState {
	var out []idState
	for _, r := range rs {
		for _, in := range r.Instances {
			s := idState{ID: aws.ToString(in.InstanceId)}
			if in.State != nil {
				s.HasState, s.State, s.Code = true, string(in.State.Name), aws.ToInt32(in.State.Code)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestScanDescribeInstancesAgreesWithTheSDK(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 30, Tags: map[string]string{"note": `a<b & "c" > 'd' é`}})
	srv.Launch(ec2test.LaunchSpec{Count: 7, State: "stopped"})
	cl := srv.Client()
	_, err := cl.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: ids[:3]})
	require.NoError(t, err)

	for _, form := range []url.Values{
		{"MaxResults": {"10"}}, // a NextToken
		{"MaxResults": {"1000"}},
		{"Filter.1.Name": {"tag:none"}, "Filter.1.Value.1": {"x"}}, // no instances
	} {
		body := rawPage(t, srv, form)
		insts, next, ok := scanDescribeInstances(body)
		require.True(t, ok, "ec2test's answers must take the fast path")
		want, err := sdkDecode(body)
		require.NoError(t, err)
		assert.Equal(t, summary(want.Reservations), summary([]types.Reservation{{Instances: insts}}))
		assert.Equal(t, want.NextToken, next)
	}
}

func TestScanDescribeInstancesRefusesWhatItDoesNotKnow(t *testing.T) {
	const inst = `<item><instanceId>i-0123456789abcdef0</instanceId><instanceState><code>16</code><name>running</name></instanceState></item>`
	doc := func(inner string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>` +
			`<reservationSet><item><reservationId>r-1</reservationId><instancesSet>` + inner +
			`</instancesSet></item></reservationSet></DescribeInstancesResponse>`
	}
	_, _, ok := scanDescribeInstances([]byte(doc(inst)))
	require.True(t, ok)
	for name, body := range map[string]string{
		"comment":           doc(`<!-- x -->` + inst),
		"cdata":             doc(`<item><instanceId><![CDATA[i-0123456789abcdef0]]></instanceId></item>`),
		"no id":             doc(`<item><instanceState><code>16</code></instanceState></item>`),
		"empty id":          doc(`<item><instanceId></instanceId></item>`),
		"two ids":           doc(`<item><instanceId>i-1</instanceId><instanceId>i-2</instanceId></item>`),
		"bad code":          doc(`<item><instanceId>i-1</instanceId><instanceState><code>x</code></instanceState></item>`),
		"unknown entity":    doc(`<item><instanceId>i-&foo;</instanceId></item>`),
		"mismatched":        doc(`<item><instanceId>i-1</instanceID></item>`),
		"other root":        `<Response><Errors><Error><Code>X</Code></Error></Errors></Response>`,
		"truncated":         doc(inst)[:200],
		"trailing text":     doc(inst) + "x",
		"two roots":         doc(inst) + doc(inst),
		"doctype":           `<!DOCTYPE x>` + doc(inst),
		"carriage return":   doc(`<item><instanceId>i-1` + "\r" + `</instanceId></item>`),
		"self-closing item": doc(`<item/>`),
	} {
		_, _, ok := scanDescribeInstances([]byte(body))
		assert.False(t, ok, name)
	}
}

func TestLeanDescribeOverHTTP(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	ids := srv.Launch(ec2test.LaunchSpec{Count: 25})
	m := New(srv.Client())

	out, err := m.describe(context.Background(), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(10)}, true)
	require.NoError(t, err)
	page := m.flatten(out.Reservations)
	require.Len(t, page, 10)
	assert.Equal(t, ids[:10], idsOf(page))
	assert.Equal(t, types.InstanceStateNameRunning, page[0].State.Name)
	assert.Empty(t, page[0].InstanceType, "the lean answer carries IDs and states only")
	assert.NotEmpty(t, aws.ToString(out.NextToken))

	full, err := m.describe(context.Background(), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(10)}, false)
	require.NoError(t, err)
	assert.NotEmpty(t, full.Reservations[0].Instances[0].InstanceType, "a full answer is untouched")

	// Error answers still reach the caller as EC2's errors.
	_, err = m.describe(context.Background(), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(2)}, true)
	assert.Equal(t, "InvalidParameterValue", errorCode(err))

	got, err := m.All().IDs(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ids, got)
}

func TestLeanDescribeFallsBackToTheSDK(t *testing.T) {
	// A body the scanner refuses (a comment) is decoded by the SDK.
	body := `<DescribeInstancesResponse><!-- hi --><reservationSet><item><instancesSet><item>` +
		`<instanceId>i-0123456789abcdef0</instanceId><instanceType>t3.micro</instanceType></item></instancesSet></item></reservationSet>` +
		`<nextToken>tok</nextToken></DescribeInstancesResponse>`
	m := New(cannedClient(200, []byte(body)))
	out, err := m.describe(context.Background(), &ec2.DescribeInstancesInput{}, true)
	require.NoError(t, err)
	require.Len(t, out.Reservations, 1)
	assert.Equal(t, types.InstanceTypeT3Micro, out.Reservations[0].Instances[0].InstanceType, "decoded by the SDK")
	assert.Equal(t, "tok", aws.ToString(out.NextToken))
}

func idsOf(page []Instance) []string {
	out := make([]string, len(page))
	for i := range page {
		out[i] = page[i].ID()
	}
	return out
}

// FuzzScanDescribeInstances checks that whenever the scanner accepts a
// document that the SDK's decoder also accepts, both read the same IDs,
// states and NextToken; and that the scanner never panics.
func FuzzScanDescribeInstances(f *testing.F) {
	srv := ec2test.NewServer()
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 2, Tags: map[string]string{"k": "<&>"}})
	f.Add(rawPage(f, srv, url.Values{"MaxResults": {"5"}}))
	f.Add([]byte(`<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1&amp;2</instanceId>` +
		`<instanceState><code>80</code><name>stopped</name></instanceState></item></instancesSet></item></reservationSet>` +
		`<nextToken>a&#x41;b</nextToken></DescribeInstancesResponse>`))
	f.Add([]byte(`<a:DescribeInstancesResponse xmlns:a="x"><a:reservationSet><a:item><a:instancesSet></a:instancesSet></a:item></a:reservationSet></a:DescribeInstancesResponse>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		insts, next, ok := scanDescribeInstances(body)
		if !ok {
			return
		}
		want, err := sdkDecode(body)
		if err != nil {
			return // malformed in a part the scanner skips
		}
		if got, exp := summary([]types.Reservation{{Instances: insts}}), summary(want.Reservations); fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Fatalf("instances: scanner %v, SDK %v", got, exp)
		}
		if aws.ToString(next) != aws.ToString(want.NextToken) {
			t.Fatalf("next token: scanner %q, SDK %q", aws.ToString(next), aws.ToString(want.NextToken))
		}
	})
}

// BenchmarkDescribePage compares reading one DescribeInstances page of
// 1000 instances (about 4 MB, rendered by ec2test and served from
// memory) with the SDK's decoder and with leanDescribe, both through a
// real *ec2.Client.
func BenchmarkDescribePage(b *testing.B) {
	srv := ec2test.NewServer()
	defer srv.Close()
	srv.Launch(ec2test.LaunchSpec{Count: 1000, Tags: map[string]string{"fleet": "bench"}})
	body := rawPage(b, srv, url.Values{"MaxResults": {"1000"}})
	m := New(cannedClient(200, body))
	for _, lean := range []bool{false, true} {
		b.Run(fmt.Sprintf("lean=%v", lean), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := m.describe(context.Background(), &ec2.DescribeInstancesInput{}, lean)
				if err != nil || len(out.Reservations) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

// twoAtATime answers InstanceIds queries two instances a page, and fails
// a query holding bad with an InvalidInstanceID.NotFound that names no
// ID: on its second page (as if EC2 had noticed late), or at once when
// the others fit in one page.
func twoAtATime(bad string) func(*ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	return func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		start := 0
		if in.NextToken != nil {
			start = len(*in.NextToken)
		}
		ids := slices.DeleteFunc(slices.Clone(in.InstanceIds), func(id string) bool { return id == bad })
		if len(ids) < len(in.InstanceIds) && (start > 0 || len(ids) <= 2) {
			return nil, apiErr("InvalidInstanceID.NotFound", "some instances do not exist")
		}
		end := min(start+2, len(ids))
		out := &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: running(ids[start:end])}}}
		if end < len(ids) {
			out.NextToken = aws.String(strings.Repeat("t", end))
		}
		return out, nil
	}
}

func TestHalvingAfterALateNotFoundRepeatsNothing(t *testing.T) {
	ids := fakeIDs(1, 4)
	bad := fakeID(99)
	s := &stub{describe: twoAtATime(bad)}
	got, err := New(s).Filter(InstanceIDs(append(slices.Clone(ids), bad)...)).IDs(context.Background())
	assert.Equal(t, ids, got, "each instance once, in order")
	var nf *NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, []string{bad}, nf.IDs)
}

func TestTokenCyclesAreCaught(t *testing.T) {
	// A -> B -> A -> ... would never end.
	s := &stub{describe: func(in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
		next := "A"
		if aws.ToString(in.NextToken) == "A" {
			next = "B"
		}
		return &ec2.DescribeInstancesOutput{NextToken: aws.String(next),
			Reservations: []types.Reservation{{Instances: running([]string{fakeID(len(aws.ToString(in.NextToken)))})}}}, nil
	}}
	_, err := New(s).All().IDs(context.Background())
	var pe *PaginationError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "A", pe.Token)
	assert.Equal(t, 3, s.count("DescribeInstances"), "first page, A, B, then A again is refused")
}

func TestLimitSatisfiedBeforeMissingIDsIsNoError(t *testing.T) {
	present := fakeIDs(0, 1500)
	missing := fakeID(5000)
	ids := append(slices.Clone(present), missing) // the missing one is in the second call
	s := &stub{describe: fleet(present)}
	got, err := New(s).Filter(InstanceIDs(ids...)).Limit(3).IDs(context.Background())
	require.NoError(t, err)
	assert.Equal(t, present[:3], got)
	assert.Equal(t, 1, s.count("DescribeInstances"))

	// With the missing ID in the first call: the same answer.
	ids = append([]string{missing}, present...)
	got, err = New(s).Filter(InstanceIDs(ids...)).Limit(3).IDs(context.Background())
	require.NoError(t, err)
	assert.Equal(t, present[:3], got)
}

package ec2test

import (
	"net/url"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/require"
)

// page fetches one page and returns its instance IDs and token.
func fetchPage(t *testing.T, c *ec2.Client, in *ec2.DescribeInstancesInput) ([]string, *string, []types.Reservation) {
	t.Helper()
	out, err := c.DescribeInstances(ctx, in)
	require.NoError(t, err)
	var ids []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, *i.InstanceId)
		}
	}
	return ids, out.NextToken, out.Reservations
}

// rawPage sends a DescribeInstances form to the handler in process and
// extracts the instance IDs and the token, without the SDK's (slow under
// -race) XML parsing; other tests cover what the SDK reads.
func rawPage(t *testing.T, s *Server, form url.Values) ([]string, string) {
	t.Helper()
	rec := serve(t, s, form)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	body := rec.Body.String()
	var ids []string
	for _, m := range instanceIDRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	tok := ""
	if m := tokenRE.FindStringSubmatch(body); m != nil {
		tok = m[1]
	}
	return ids, tok
}

var (
	instanceIDRE = regexp.MustCompile(`<item><instanceId>(i-[0-9a-f]+)</instanceId>`)
	tokenRE      = regexp.MustCompile(`<nextToken>([^<]+)</nextToken>`)
)

func TestPaging10k(t *testing.T) {
	s := NewServer()
	defer s.Close()
	seedTagged(s, 10_000, 10) // 1,000 blue among 10,000
	pages := func(max string) (all []string, n int) {
		form := url.Values{"Action": {"DescribeInstances"}, "Version": {apiVersion}, "MaxResults": {max},
			"Filter.1.Name": {"tag:team"}, "Filter.1.Value.1": {"blue"}}
		for {
			ids, tok := rawPage(t, s, form)
			all = append(all, ids...)
			n++
			if tok == "" {
				return all, n
			}
			form.Set("NextToken", tok)
		}
	}
	ids, n := pages("1000")
	require.Len(t, ids, 1000)
	require.Equal(t, 1, n, "exactly one page when the matches fit")
	ids2, n := pages("300")
	require.Equal(t, 4, n)
	require.Equal(t, ids, ids2, "same instances in the same order")
	seen := map[string]bool{}
	for _, id := range ids {
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	// Without MaxResults everything comes in one answer.
	all, tok := rawPage(t, s, url.Values{"Action": {"DescribeInstances"}, "Version": {apiVersion}})
	require.Len(t, all, 10_000)
	require.Empty(t, tok)
}

func TestPageSplitsReservation(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 7, AvailabilityZone: "us-east-1a"})
	c := s.Client()
	got, tok, res := fetchPage(t, c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	require.Equal(t, ids[:5], got)
	require.Len(t, res, 1)
	require.NotNil(t, tok)
	got2, tok2, res2 := fetchPage(t, c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), NextToken: tok})
	require.Equal(t, ids[5:], got2)
	require.Nil(t, tok2)
	require.Equal(t, *res[0].ReservationId, *res2[0].ReservationId, "the reservation appears on both pages")
	// A token without MaxResults gives the rest.
	got3, _, _ := fetchPage(t, c, &ec2.DescribeInstancesInput{NextToken: tok})
	require.Equal(t, ids[5:], got3)
}

// TestTokenSurvivesChanges stops, terminates and removes instances between
// pages of a running-state query: every instance that still matches when
// its page is read is returned once, none is skipped.
func TestTokenSurvivesChanges(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 30})
	c := s.Client()
	in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(10), Filters: []types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}}}
	p1, tok, _ := fetchPage(t, c, in)
	require.Equal(t, ids[:10], p1)
	// Stop the first page (they no longer match), terminate two of the
	// next page and remove the instance the token points at.
	_, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: p1})
	require.NoError(t, err)
	_, err = c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids[12:14]})
	require.NoError(t, err)
	s.Remove(ids[9])
	late := s.Launch(LaunchSpec{Count: 2})
	in.NextToken = tok
	p2, tok, _ := fetchPage(t, c, in)
	want := append(append([]string{}, ids[10:12]...), ids[14:22]...)
	require.Equal(t, want, p2)
	in.NextToken = tok
	p3, tok, _ := fetchPage(t, c, in)
	require.Equal(t, append(append([]string{}, ids[22:30]...), late...), p3)
	require.Nil(t, tok)
}

func TestTokenBoundToParameters(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.Launch(LaunchSpec{Count: 12, Tags: map[string]string{"a": "1"}})
	c := s.Client(noRetry)
	f := []types.Filter{{Name: aws.String("tag:a"), Values: []string{"1"}}}
	_, tok, _ := fetchPage(t, c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), Filters: f})
	require.NotNil(t, tok)
	// Same filters, another page size: fine.
	_, _, _ = fetchPage(t, c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(6), Filters: f, NextToken: tok})
	_, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), NextToken: tok})
	msg := requireCode(t, err, "InvalidParameterValue", 400)
	require.Contains(t, msg, "NextToken")
	other := NewServer(WithSeed(99))
	defer other.Close()
	_, err = other.Client(noRetry).DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), Filters: f, NextToken: tok})
	requireCode(t, err, "InvalidParameterValue", 400)
	forged := *tok
	forged = forged[:len(forged)-2] + "AA"
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5), Filters: f, NextToken: &forged})
	requireCode(t, err, "InvalidParameterValue", 400)
}

func TestEmptyPages(t *testing.T) {
	s := NewServer(WithEmptyPages())
	defer s.Close()
	seedTagged(s, 100, 25) // blue at 24, 49, 74, 99
	c := s.Client()
	in := &ec2.DescribeInstancesInput{MaxResults: aws.Int32(10), Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}}}
	var sizes []int
	var ids []string
	for {
		got, tok, _ := fetchPage(t, c, in)
		sizes = append(sizes, len(got))
		ids = append(ids, got...)
		if tok == nil {
			break
		}
		in.NextToken = tok
	}
	require.Len(t, ids, 4)
	require.Equal(t, []int{0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0}, sizes)
}

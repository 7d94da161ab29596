package ec2test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// TestResponseLatencyKeepsEffect: a client that gives up while the answer
// is held back still changed the instances, and the log says the answer
// was lost.
func TestResponseLatencyKeepsEffect(t *testing.T) {
	s := NewServer(WithRequestLog())
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 2})
	s.SetFaults(Faults{ResponseLatency: 2 * time.Second, Actions: []string{"TerminateInstances"}})
	c := s.Client(noRetry)
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := c.TerminateInstances(cctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	for _, id := range ids {
		require.Equal(t, types.InstanceStateNameTerminated, state(t, s, id), "the request took effect")
	}
	require.Eventually(t, func() bool { return len(s.Requests()) == 1 }, 5*time.Second, 10*time.Millisecond)
	rec := s.Requests()[0]
	require.True(t, rec.Dropped)
	require.Equal(t, http.StatusOK, rec.Status)

	// A patient client gets the answer, late.
	more := s.Launch(LaunchSpec{})
	s.SetFaults(Faults{ResponseLatency: 150 * time.Millisecond})
	start := time.Now()
	out, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: more})
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	require.Equal(t, more[0], *out.TerminatingInstances[0].InstanceId)
	require.False(t, s.Requests()[1].Dropped)
}

// TestDropResponse: a dropped answer is a transport error for the client,
// yet the request took effect; the decisions follow the seed.
func TestDropResponse(t *testing.T) {
	s := NewServer(WithRequestLog(), WithDropResponseRate(1))
	defer s.Close()
	ids := s.Launch(LaunchSpec{Count: 2})
	_, err := s.Client(noRetry).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	require.Error(t, err)
	var ae smithy.APIError
	require.False(t, errors.As(err, &ae), "no answer, so no API error: %v", err)
	for _, id := range ids {
		require.Equal(t, types.InstanceStateNameStopped, state(t, s, id))
	}
	reqs := s.Requests()
	require.Len(t, reqs, 1)
	require.True(t, reqs[0].Dropped)

	// The SDK's retryer sends the request again; each attempt is
	// processed, and the idempotent stop stays a stop.
	s.ResetRequests()
	_, err = s.Client(func(o *ec2.Options) { o.Retryer = retryNoWait{o.Retryer} }).StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
	require.Error(t, err)
	require.Equal(t, 3, s.RequestCount("StopInstances"))

	// Limited to an action, other actions are answered.
	s.SetFaults(Faults{DropResponseRate: 1, Actions: []string{"StartInstances"}})
	_, err = s.Client(noRetry).DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	require.NoError(t, err)

	pattern := func() []bool {
		s := NewServer(WithSeed(9), WithRequestLog(), WithDropResponseRate(0.5), WithThrottleRate(0.2))
		defer s.Close()
		c := s.Client(noRetry)
		for i := 0; i < 30; i++ {
			_, _ = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
		}
		var out []bool
		for _, r := range s.Requests() {
			out = append(out, r.Dropped)
		}
		return out
	}
	a := pattern()
	require.Equal(t, a, pattern())
	dropped := 0
	for _, d := range a {
		if d {
			dropped++
		}
	}
	require.Greater(t, dropped, 5)
	require.Less(t, dropped, 25)
}

// TestDropResponseInProcess: called without a net/http server, a dropped
// answer aborts the handler as net/http expects.
func TestDropResponseInProcess(t *testing.T) {
	s := NewServer(WithDropResponseRate(1))
	defer s.Close()
	require.PanicsWithValue(t, http.ErrAbortHandler, func() {
		serve(t, s, map[string][]string{"Action": {"DescribeInstances"}, "Version": {apiVersion}})
	})
}

// closesWithin fails unless Close returns within d.
func closesWithin(t *testing.T, s *Server, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
		t.Logf("Close took %v", time.Since(start))
	case <-time.After(d):
		t.Fatalf("Close did not return within %v", d)
	}
}

func TestCloseDuringLatency(t *testing.T) {
	var arrived atomic.Int32
	s := NewServer(WithLatency(time.Hour), WithRequestHook(func(Request) { arrived.Add(1) }))
	ids := s.Launch(LaunchSpec{})
	errc := make(chan error, 1)
	go func() {
		_, err := s.Client(noRetry).TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
		errc <- err
	}()
	require.Eventually(t, func() bool { return arrived.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	closesWithin(t, s, 1500*time.Millisecond)
	requireCode(t, <-errc, "ServiceUnavailable", 503)
	in, ok := s.Instance(ids[0])
	require.True(t, ok)
	require.Equal(t, types.InstanceStateNameRunning, in.State.Name, "a request cut off before processing has no effect")
}

func TestCloseDuringResponseLatency(t *testing.T) {
	var arrived atomic.Int32
	s := NewServer(WithResponseLatency(time.Hour), WithRequestHook(func(Request) { arrived.Add(1) }))
	ids := s.Launch(LaunchSpec{})
	errc := make(chan error, 1)
	go func() {
		_, err := s.Client(noRetry).TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
		errc <- err
	}()
	require.Eventually(t, func() bool { return state(t, s, ids[0]) == types.InstanceStateNameTerminated }, 5*time.Second, 5*time.Millisecond)
	closesWithin(t, s, 1500*time.Millisecond)
	require.NoError(t, <-errc, "the held answer is sent when the server closes")
}

// TestCloseWithStalledClients: a client that stops in the middle of its
// body is cut off at once; one that stops in the middle of its headers
// after the grace period.
func TestCloseWithStalledClients(t *testing.T) {
	s := NewServer()
	host := strings.TrimPrefix(s.URL(), "http://")
	body, err := net.Dial("tcp", host)
	require.NoError(t, err)
	defer body.Close()
	_, err = io.WriteString(body, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Desc")
	require.NoError(t, err)
	// Wait until the handler reads the body.
	require.Eventually(t, func() bool {
		s.readMu.Lock()
		defer s.readMu.Unlock()
		return len(s.reading) == 1
	}, 5*time.Second, 5*time.Millisecond)
	closesWithin(t, s, 1500*time.Millisecond)
	_ = body.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(body), nil)
	if err == nil {
		// The server may answer the incomplete body before closing.
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		resp.Body.Close()
	}

	s2 := NewServer()
	head, err := net.Dial("tcp", strings.TrimPrefix(s2.URL(), "http://"))
	require.NoError(t, err)
	defer head.Close()
	_, err = io.WriteString(head, "POST / HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	closesWithin(t, s2, closeGrace+1500*time.Millisecond)
	_ = head.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = head.Read(make([]byte, 1))
	require.Error(t, err, "the stalled connection is closed")
}

// TestCloseTwice: Close may be called more than once.
func TestCloseTwice(t *testing.T) {
	s := NewServer()
	_, err := s.Client(noRetry).DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	s.Close()
	s.Close()
}

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "5", "-instances", "3", "-tag", "team=blue", "-zones", "eu-west-1a,eu-west-1b"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line %q is not a loopback URL", url)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	c := ec2.New(ec2.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"blue"}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Three instances over two zones: one reservation per zone.
	var zones []string
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			zones = append(zones, *in.Placement.AvailabilityZone)
		}
	}
	if got := strings.Join(zones, ","); got != "eu-west-1a,eu-west-1a,eu-west-1b" || len(out.Reservations) != 2 {
		t.Fatalf("%d reservations, zones %s", len(out.Reservations), got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// TestShutdownWithStalledRequests: the program stops promptly although
// one request waits in an hour of injected latency and another client
// stalls in the middle of its request body.
func TestShutdownWithStalledRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-latency", "1h", "-fault-actions", "DescribeInstances"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.TrimSpace(line)
	c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	// Not delayed: the latency applies to DescribeInstances only.
	if _, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{}); err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
		slow <- err
	}()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction="); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("stopped in %v", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within 5s of the cancel")
	}
	if err := <-slow; err == nil {
		t.Error("the request in latency succeeded; it should have been cut off")
	}
}

func TestFlags(t *testing.T) {
	var stderr strings.Builder
	for _, args := range [][]string{{"-throttle-rate", "2"}, {"-drop-rate", "-0.5"}, {"extra"}, {"-addr", "256.0.0.1:x"}, {"-nope"}} {
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

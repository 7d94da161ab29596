package main

import (
	"bufio"
	"context"
	"io"
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
	if n := len(out.Reservations[0].Instances); n != 3 {
		t.Fatalf("%d instances, want 3", n)
	}
	if az := *out.Reservations[0].Instances[0].Placement.AvailabilityZone; az != "eu-west-1a" {
		t.Fatalf("zone %s", az)
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

func TestFlags(t *testing.T) {
	var stderr strings.Builder
	for _, args := range [][]string{{"-throttle-rate", "2"}, {"extra"}, {"-addr", "256.0.0.1:x"}, {"-nope"}} {
		if err := run(context.Background(), args, io.Discard, &stderr); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

// Command ec2test serves the in-memory EC2 endpoint of package ec2test, so
// any EC2 client (boto3, the AWS CLI, an SDK) can be pointed at it:
//
//	go run ./cmd/ec2test -addr 127.0.0.1:0 -seed 1 -instances 100
//
// The first line of standard output is the endpoint URL. The server runs
// until it receives SIGINT or SIGTERM, then stops within a few seconds
// even when clients stall or requests wait in injected latency. By
// default it binds to 127.0.0.1 only. Flags set the injected faults and
// timings; -h lists them.
//
// Clients need a region (us-east-1 by default) and any credentials, for
// example:
//
//	aws --endpoint-url http://127.0.0.1:PORT --region us-east-1 ec2 describe-instances
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ec2go/ec2instances/ec2test"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "ec2test:", err)
		os.Exit(2)
	}
}

// run parses the flags, starts the server, prints its URL and serves
// until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ec2test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (host:port; port 0 picks a free one)")
	seed := fs.Int64("seed", 1, "seed for identifiers and fault decisions")
	instances := fs.Int("instances", 0, "number of running instances to create at start")
	tag := fs.String("tag", "", "tag key=value for the instances created at start")
	zones := fs.String("zones", "us-east-1a,us-east-1b,us-east-1c", "comma-separated Availability Zones of the region")
	latency := fs.Duration("latency", 0, "delay before each request is processed")
	throttle := fs.Float64("throttle-rate", 0, "fraction of requests answered with RequestLimitExceeded (0..1)")
	serverErrors := fs.Float64("error-rate", 0, "fraction of requests answered with InternalError (0..1)")
	respLatency := fs.Duration("response-latency", 0, "delay after each request is processed, before its answer (a client that gives up meanwhile loses the answer, not the effect)")
	dropRate := fs.Float64("drop-rate", 0, "fraction of requests processed and then answered by closing the connection (0..1)")
	faultActions := fs.String("fault-actions", "", "comma-separated actions the faults apply to (default all)")
	eventual := fs.Duration("eventual", 0, "how long new instances stay invisible (eventual consistency)")
	transition := fs.Duration("transition-delay", 0, "duration of pending, stopping and shutting-down")
	retention := fs.Duration("retention", time.Hour, "how long terminated instances stay visible (negative: forever)")
	limit := fs.Int("instance-limit", 0, "cap on instances that are not terminated (0: none)")
	emptyPages := fs.Bool("empty-pages", false, "answer filtered DescribeInstances pages the way EC2 may: some empty, with a NextToken")
	verbose := fs.Bool("v", false, "log every request to standard error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	for _, p := range []float64{*throttle, *serverErrors, *dropRate} {
		if p < 0 || p > 1 {
			return errors.New("-throttle-rate, -error-rate and -drop-rate must be between 0 and 1")
		}
	}
	opts := []ec2test.Option{
		ec2test.WithSeed(*seed),
		ec2test.WithAvailabilityZones(splitList(*zones)...),
		ec2test.WithEventualConsistency(*eventual),
		ec2test.WithTransitionDelay(*transition),
		ec2test.WithTerminatedRetention(*retention),
		ec2test.WithInstanceLimit(*limit),
	}
	if *emptyPages {
		opts = append(opts, ec2test.WithEmptyPages())
	}
	if *verbose {
		logger := log.New(stderr, "ec2test: ", log.LstdFlags|log.Lmicroseconds)
		opts = append(opts, ec2test.WithRequestHook(func(r ec2test.Request) {
			if len(r.InstanceIDs) > 0 {
				logger.Printf("%s %s", r.Action, strings.Join(r.InstanceIDs, ","))
			} else {
				logger.Printf("%s", r.Action)
			}
		}))
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	s := ec2test.NewServerListener(l, opts...)
	defer s.Close()
	s.SetFaults(ec2test.Faults{Latency: *latency, ThrottleRate: *throttle, ServerErrorRate: *serverErrors,
		ResponseLatency: *respLatency, DropResponseRate: *dropRate, Actions: splitList(*faultActions)})
	if *instances > 0 {
		spec := ec2test.LaunchSpec{Count: *instances}
		if *tag != "" {
			k, v, _ := strings.Cut(*tag, "=")
			spec.Tags = map[string]string{k: v}
		}
		s.Launch(spec)
	}
	if _, err := fmt.Fprintln(stdout, s.URL()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ec2test: serving EC2 on %s (region %s); stop with Ctrl-C\n", s.URL(), s.Region())
	<-ctx.Done()
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Package ec2test runs an in-memory Amazon EC2 endpoint for tests.
//
// [NewServer] starts an HTTP server on 127.0.0.1 that speaks the EC2 Query
// protocol (form-encoded POST requests, XML answers), so the real
// aws-sdk-go-v2 [*ec2.Client], boto3 and the AWS CLI talk to it as they
// talk to EC2. It implements the instance actions: RunInstances,
// DescribeInstances (with all documented filters and pagination),
// DescribeInstanceStatus, CreateTags, DeleteTags, MonitorInstances,
// UnmonitorInstances, RebootInstances, StartInstances, StopInstances,
// TerminateInstances, ModifyInstanceAttribute, DescribeInstanceAttribute
// and GetConsoleOutput. Other actions fail with InvalidAction, as EC2
// answers an action it does not know.
//
// The server follows EC2's documented behaviour: state codes and
// transitions, termination and stop protection (including the
// per-Availability-Zone rule of TerminateInstances), whole-call failure
// for malformed or unknown instance IDs, DryRun, pagination that counts
// instances and whose tokens survive state changes, and EC2's error codes
// and HTTP statuses.
//
// For tests of failure handling it injects faults deterministically from a
// seed: latency, throttling (RequestLimitExceeded), server errors and
// eventual consistency of new instances, which all leave a request without
// effect, and answers that come late or never (ResponseLatency,
// DropResponseRate) after the request took effect, for tests of how a
// program reconciles calls whose outcome it did not learn.
// [Server.SetFaults] changes them while serving. [Server.Launch] seeds
// instances without HTTP, [Server.AddSubnet] declares subnets, and
// [Server.Instance] and [Server.Instances] read the truth back, so a test
// can check what a program did. [Server.Close] returns promptly even while
// requests wait in injected latency or clients stall.
//
// The store scales linearly: 100,000 instances fit in memory and a
// tag-filtered page of 1,000 is answered in milliseconds.
package ec2test

// Package ec2instances gives Go programs what boto3's ec2.instances
// resource collection gives Python: a lazy, chainable collection of EC2
// instances over DescribeInstances pagination, an [Instance] resource, and
// batch actions on a whole collection, built on aws-sdk-go-v2.
//
// # Collections
//
// [New] wraps an [*ec2.Client] (or any [API]) in an [Instances] manager.
// [Instances.All] and [Instances.Filter] return a [Collection], which is a
// description, not a result: building it sends nothing, and every
// iteration or action lists the instances afresh.
//
//	ins := ec2instances.New(ec2.NewFromConfig(cfg))
//	web := ins.Filter(
//		ec2instances.InstanceStateName("running"),
//		ec2instances.Tag("role", "web"),
//	)
//	for inst, err := range web.Iter(ctx) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(inst.ID(), inst.InstanceType)
//	}
//
// [Collection.Filter], [Collection.Limit] and [Collection.PageSize] return
// new collections and never change the one they are called on. Filters
// are checked as they are built, against the documented filter names and
// value sets: a mistake such as InstanceStateName("Running") is an error
// naming the filter and the value, returned before any request is sent.
// The package has a constructor for each of the 135 documented
// DescribeInstances filters, plus [Tag], [Where] for any name, and
// [InstanceIDs] for the InstanceIds parameter.
//
// # Batch actions
//
// A Collection has boto3's batch actions — [Collection.CreateTags],
// [Collection.Monitor], [Collection.Unmonitor], [Collection.Reboot],
// [Collection.Start], [Collection.Stop] and [Collection.Terminate] — and
// waiters over all its instances ([Collection.WaitUntilRunning] and
// others). The [Instances] manager has none, so acting on a whole account
// takes an explicit All(); and InstanceIDs() with no IDs is an empty
// collection, never "all instances".
//
// A batch action first lists the whole collection, reading only the
// instances' IDs and states (in parallel slices of the ID space when it
// spans several pages), so that what the action does cannot change what
// the listing finds. It then sends up to 1000 IDs a call, several calls
// at once. It narrows failures instead of passing them on (one missing
// or protected instance does not stop the others), retries throttling,
// checks uncertain calls with DescribeInstances, and returns a [Result]
// that accounts for every instance: succeeded, failed with its reason,
// or unknown. The error is nil only when every instance succeeded and
// the listing completed (a listing that fails acts on nothing);
// otherwise it is a [*BatchError] that unwraps to EC2's errors, so
// errors.As with a smithy.APIError works. [DryRun] reports EC2's
// DryRunOperation answer as success, with Result.DryRun set.
//
// Options of one action are passed as [ActionOption] values: [DryRun],
// [Concurrency], [OnProgress], and for some actions [Hibernate], [Force],
// [SkipOSShutdown] and [AdditionalInfo]. Manager-wide settings (page size,
// default concurrency, backoff, waiter delays) live in [Options].
//
// # Errors
//
// Bad input — an unknown filter name, a value outside a documented set,
// a page size out of range, a bad tag, a nil client — is a
// [*ValidationError] matching [ErrInvalidInput], returned before any
// request is sent. Instances that do not exist are reported with a
// [*NotFoundError] matching [ErrNotFound]. EC2's own errors keep their
// type: errors.As(err, &apiErr) with a smithy.APIError gives the EC2 code
// (also through a [*BatchError]).
//
// # Retries
//
// Every call goes through the client's own retryer first. On top of it,
// the package retries throttling (RequestLimitExceeded,
// EC2ThrottledException, and the SDK's "retry quota exceeded") with
// jittered backoff capped by [Options.MaxBackoff] for as long as the
// context lives, so many goroutines sharing one client do not fail for
// quota reasons. Batch actions also repeat calls that failed with server
// errors ([Options.ServerErrorRetries]) and then check their outcome with
// DescribeInstances.
//
// # Speed
//
// [Collection.Iter], [Collection.Pages] and [Collection.List] decode
// DescribeInstances with the SDK, as a hand-written paginator loop
// does, and cost about the same (BENCHMARKS.md, section 1). Where only
// IDs and states are needed — [Collection.IDs], batch actions and the
// collection waiters — the package reads the XML answer itself, with
// about a tenth of the CPU of the SDK's decoder (BenchmarkDescribePage),
// and falls back to the SDK's decoder for any answer it does not fully
// understand.
//
// # Differences from boto3
//
//   - No batch actions on the manager: ins.All().Terminate(ctx) says what
//     it does.
//   - InstanceIDs() with no IDs is empty (boto3 issue 479 terminated
//     everything).
//   - Filters are validated before sending.
//   - Pages of 1000 by default; no MaxResults next to InstanceIds (EC2
//     refuses the pair); empty pages that carry a NextToken do not end the
//     listing.
//   - Batch actions list the whole collection before acting (boto3 acts
//     page by page, so an action that changes what matches the filters
//     can make it skip instances); a listing that fails acts on nothing.
//   - Batch actions chunk, run concurrently, narrow partial failures,
//     retry throttling and report per instance.
//   - Waiters refresh the instance's data; [Instance.Reload] of a gone
//     instance returns an error matching [ErrNotFound].
//
// # Concurrency
//
// An [Instances] and its collections may be used from several goroutines
// at once. An [Instance] may be read concurrently, but the methods that
// refresh its data must not run at the same time as other use of it.
//
// # Testing and examples
//
// Package [github.com/ec2go/ec2instances/ec2test] serves an in-memory EC2
// endpoint on 127.0.0.1 that the real SDK client talks to, so code built
// on this package can be tested without an AWS account; every example in
// this documentation runs against it. The repository's examples directory
// has a runnable program for each call of boto3's instances collection
// and a quickstart (go run ./examples/quickstart) that tours them all.
package ec2instances

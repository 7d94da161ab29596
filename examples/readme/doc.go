// Package readme checks, in its test, that every ```go block of the
// repository's README.md compiles against the module's current API.
//
// The README's snippets are fragments. The test wraps each one: an import
// declaration at its start is kept; a snippet that starts with func, type,
// var or const is taken as top-level declarations; any other is taken as
// statements and becomes the body of a function with the parameters ctx
// (context.Context), cfg (aws.Config) and ins (*ec2instances.Instances), and
// an error result if one of its return statements returns a value. The
// packages the README uses (context, errors, fmt, testing, time, the SDK's
// aws, config, ec2, types, smithy, ec2instances and ec2test) are imported
// for every snippet. The test type-checks the result with go/types against
// the export data that `go list -export` gives (the build cache), where
// unused variables and imports are not errors in a fragment.
package readme

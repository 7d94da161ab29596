// Package demotest runs the example programs in their tests.
package demotest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// Run runs an example's run function with args, fails the test if it
// returns an error or if its output lacks one of the wanted fragments, and
// returns the output.
func Run(t testing.TB, run func(context.Context, []string, io.Writer) error, args []string, want ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, args, &out); err != nil {
		t.Fatalf("run %q: %v\noutput:\n%s", args, err, &out)
	}
	Check(t, out.String(), want...)
	return out.String()
}

// Check fails the test for every wanted fragment out lacks.
func Check(t testing.TB, out string, want ...string) {
	t.Helper()
	missing := false
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
			missing = true
		}
	}
	if missing {
		t.Logf("output:\n%s", out)
	}
}

package ec2test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// retryNoWait keeps a retryer's decisions but skips its backoff, so tests
// of retried faults run fast.
type retryNoWait struct{ aws.Retryer }

func (r retryNoWait) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

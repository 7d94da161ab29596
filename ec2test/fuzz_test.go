package ec2test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// FuzzParseRequest checks that the request parser never panics and that
// what it accepts names an action and the supported version. Seeds live in
// testdata/fuzz/FuzzParseRequest.
func FuzzParseRequest(f *testing.F) {
	f.Add("POST", "application/x-www-form-urlencoded", "", []byte("Action=DescribeInstances&Version=2016-11-15"))
	f.Add("GET", "", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag:a&Filter.1.Value.1=b", []byte(nil))
	f.Add("POST", "application/x-www-form-urlencoded; charset=utf-8", "Action=x", []byte("Version=2016-11-15&%zz"))
	f.Fuzz(func(t *testing.T, method, contentType, query string, body []byte) {
		r, err := parseRequest(method, contentType, query, body)
		if err != nil {
			if err.status != 400 && err.status != 405 {
				t.Fatalf("status %d for a bad request", err.status)
			}
			if err.code == "" || err.message == "" {
				t.Fatalf("error without code or message: %+v", err)
			}
			return
		}
		if r.action == "" || r.get("Version") != apiVersion {
			t.Fatalf("accepted a request without action or version: %v", r.params)
		}
		// The parameter helpers must cope with whatever keys arrived.
		r.list("InstanceId")
		_, _ = parseFilters(r, filterTable, true)
		_, _ = r.tagList("Tag")
		_, _ = r.members("NetworkInterface", maxNICs)
	})
}

// fuzzServer is shared by FuzzServe runs: instances to act on exist.
func newFuzzServer() (*Server, []string) {
	s := NewServer(WithMaxBodySize(1<<16), WithInstanceLimit(200), WithTerminatedRetention(0))
	ids := s.Launch(LaunchSpec{Count: 5, Tags: map[string]string{"Name": "fuzz"}})
	return s, ids
}

// FuzzServe sends arbitrary form bodies through the whole handler. Every
// answer must be a well-formed XML document with a sensible status, and
// the server must keep working.
func FuzzServe(f *testing.F) {
	s, ids := newFuzzServer()
	f.Cleanup(s.Close)
	f.Add([]byte("Action=DescribeInstances&Version=2016-11-15&MaxResults=5"))
	f.Add([]byte("Action=TerminateInstances&Version=2016-11-15&InstanceId.1=" + ids[0]))
	f.Add([]byte("Action=CreateTags&Version=2016-11-15&ResourceId.1=" + ids[1] + "&Tag.1.Key=k&Tag.1.Value=%3C%26%3E%00%FF"))
	f.Add([]byte("Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678&MinCount=1&MaxCount=2&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a"))
	f.Add([]byte("Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId=" + ids[2] + "&Attribute=disableApiStop&Value=true"))
	f.Add([]byte("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag:Name&Filter.1.Value.1=f*z%3F"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		start := time.Now()
		s.ServeHTTP(rec, req)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("a request took %v: %.500q", d, body)
		}
		switch rec.Code {
		case 200, 400, 403, 412, 413, 500, 503:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		if !utf8.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer is not UTF-8")
		}
		if err := wellFormed(rec.Body.Bytes()); err != nil {
			t.Fatalf("answer is not well-formed XML: %v\n%s", err, rec.Body.String())
		}
	})
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// FuzzTagRoundTrip sets arbitrary tag values through CreateTags and reads
// them back through the SDK: valid UTF-8 without control characters must
// come back unchanged, whatever XML escaping it needs.
func FuzzTagRoundTrip(f *testing.F) {
	s := NewServer()
	f.Cleanup(s.Close)
	id := s.Launch(LaunchSpec{})[0]
	c := s.Client()
	f.Add("plain", "value")
	f.Add("<&>", `"quoted" 'single' ]]>`)
	f.Add("tab\tkey", "line\nbreak\r\n")
	f.Add("ünï", "日本語")
	f.Fuzz(func(t *testing.T, key, value string) {
		if key == "" || len(key) > 127 || len(value) > 256 || strings.HasPrefix(strings.ToLower(key), "aws:") {
			return
		}
		if !utf8.ValidString(key) || !utf8.ValidString(value) || hasControl(key) || hasControl(value) {
			return
		}
		if len([]rune(key)) > 127 {
			return
		}
		_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(key), Value: aws.String(value)}}})
		if err != nil {
			t.Fatalf("CreateTags %q=%q: %v", key, value, err)
		}
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		got := tagsOf(out.Reservations[0].Instances[0])
		if v, ok := got[key]; !ok || v != value {
			t.Fatalf("tag %q: got %q (present %v), want %q", key, v, ok, value)
		}
		_, _ = c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(key)}}})
	})
}

func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == 0xfffe || r == 0xffff {
			return true
		}
	}
	return false
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The checked-in filters_gen.go must be what the list produces now; run
// go generate ./... after changing filters.tsv or this generator.
func TestGeneratedFileIsCurrent(t *testing.T) {
	want, err := generate(filtersTSV)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "filters_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("filters_gen.go is stale: run go generate ./... and commit the result")
	}
	if !bytes.HasPrefix(got, []byte(header+"\n")) {
		t.Fatalf("filters_gen.go does not start with %q", header)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := generate(filtersTSV)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate(filtersTSV)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two runs gave different output")
	}
}

// The Go names in the list follow one rule, so users can guess them.
func TestGoNamesFollowTheRule(t *testing.T) {
	list, err := parse(filtersTSV)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range list {
		if want := goName(f.name); f.goName != want {
			t.Errorf("filters.tsv:%d: %s is named %s; the rule gives %s", f.line, f.name, f.goName, want)
		}
	}
	for name, want := range map[string]string{
		"instance.group-id":                                             "InstanceGroupID",
		"metadata-options.http-protocol-ipv6":                           "MetadataOptionsHTTPProtocolIPv6",
		"network-interface.addresses.association.public-ip":             "NetworkInterfaceAddressesAssociationPublicIP",
		"private-dns-name-options.enable-resource-name-dns-aaaa-record": "PrivateDNSNameOptionsEnableResourceNameDNSAAAARecord",
		"tag:<key>": "Tag",
	} {
		if got := goName(name); got != want {
			t.Errorf("goName(%q) = %s, want %s", name, got, want)
		}
	}
}

// The list holds exactly the names of the project's shared filter list,
// when that is beside the repository (as in CI).
func TestListMatchesSharedNames(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "ec2-instance-filters.txt"))
	if err != nil {
		t.Skipf("shared filter list not available: %v", err)
	}
	list, err := parse(filtersTSV)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range list {
		got = append(got, f.name)
	}
	want := strings.Fields(string(data))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("filters.tsv names differ from ec2-instance-filters.txt:\ngot  %d names\nwant %d names", len(got), len(want))
	}
}

func TestParseRejectsBadRows(t *testing.T) {
	const tag = "tag:<key>\tTag\ttag\t-\tthe tag\t-\n"
	for _, tc := range []struct {
		row, want string
	}{
		{"a-b\tAB\ttext\t-\tthe a\n", "want 6 tab-separated columns"},
		{"a-b\tAB\tnumber\t-\tthe a\t-\n", `unknown kind "number"`},
		{"a-b\tAB\tenum\tx||y\tthe a\t-\n", "bad or repeated enumeration value"},
		{"a-b\tAB\tenum\tx|x\tthe a\t-\n", "bad or repeated enumeration value"},
		{"a-b\tAB\tint\t5..1\tthe a\t-\n", "empty integer range"},
		{"a-b\tAB\tint\tsome\tthe a\t-\n", "int values must be"},
		{"a-b\tAB\ttext\tx\tthe a\t-\n", "takes no values column"},
		{"a-b\tab\ttext\t-\tthe a\t-\n", "not an exported identifier"},
		{"a-b\tAB\ttext\t-\tthe a.\t-\n", "without a final period"},
		{"a-b\tAB\ttext\t-\tthe a\t-\na-b\tAB2\ttext\t-\tthe a\t-\n", "listed twice"},
		{"a-b\tAB\ttext\t-\t the a\t-\n", "surrounding spaces"},
	} {
		_, err := parse([]byte(tc.row + tag))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parse(%q) = %v, want an error containing %q", tc.row, err, tc.want)
		}
	}
	if _, err := parse([]byte("a-b\tAB\ttext\t-\tthe a\t-\n")); err == nil || !strings.Contains(err.Error(), "exactly one row of kind tag") {
		t.Errorf("a list without the tag row: err = %v", err)
	}
}

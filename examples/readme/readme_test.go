package readme

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// block is one ```go block of a Markdown file.
type block struct {
	line int // of the block's first line in the file, 1-based
	text string
}

// goBlocks returns the ```go blocks of md.
func goBlocks(md string) []block {
	var out []block
	var cur *block
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(l) == "```go":
			cur, lines = &block{line: n + 1}, nil
		case cur != nil && strings.TrimSpace(l) == "```":
			cur.text = strings.Join(lines, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			lines = append(lines, l)
		}
	}
	return out
}

// Every snippet may use these packages without importing them, as the
// README's fragments do; unused ones are not an error here.
var stdImports = []string{
	"context",
	"errors",
	"fmt",
	"testing",
	"time",
	"github.com/aws/aws-sdk-go-v2/aws",
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/ec2",
	"github.com/aws/aws-sdk-go-v2/service/ec2/types",
	"github.com/aws/smithy-go",
	"github.com/ec2go/ec2instances",
	"github.com/ec2go/ec2instances/ec2test",
}

// The variables a fragment may use without declaring them: what the
// README's prose takes as given.
const params = "ctx context.Context, cfg aws.Config, ins *ec2instances.Instances"

// Functions a snippet calls as "the code under test", declared for it
// when it does not declare them itself.
var stubs = map[string]string{
	"stopCI": "func stopCI(context.Context, *ec2instances.Instances) error { return nil }",
}

// unused matches go/types' messages for unused variables and imports:
// "declared and not used: x", `"fmt" imported and not used`,
// `"github.com/aws/smithy-go" imported as smithy and not used`.
var unused = regexp.MustCompile(`declared and not used|imported (as \w+ )?and not used`)

var importLine = regexp.MustCompile(`^\s*(?:[\w.]+\s+)?"([^"]+)"\s*$`)

// wrap turns a snippet into a Go file. A snippet may start with an import
// declaration; the rest is either top-level declarations (it starts with
// func, type, var or const) or statements, which go into a function body
// (in a block of their own, so they may redeclare ctx, cfg and ins), with
// ctx, cfg and ins as parameters and an error result if one of its return
// statements returns a value. It returns the file and, for each line of
// the file, the line of the snippet it came from (0 for added lines).
func wrap(text string) (src string, origin []int, err error) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	imports := slices.Clone(stdImports)
	first := 0
	for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
		first++
	}
	if first < len(lines) && strings.HasPrefix(lines[first], "import") {
		head := strings.TrimSpace(strings.TrimPrefix(lines[first], "import"))
		if head == "(" {
			i := first + 1
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != ")"; i++ {
				if m := importLine.FindStringSubmatch(lines[i]); m != nil {
					imports = append(imports, m[1])
				} else if strings.TrimSpace(lines[i]) != "" {
					return "", nil, fmt.Errorf("snippet line %d: cannot read import %q", i+1, lines[i])
				}
			}
			first = i + 1
		} else if m := importLine.FindStringSubmatch(head); m != nil {
			imports = append(imports, m[1])
			first++
		} else {
			return "", nil, fmt.Errorf("snippet line %d: cannot read import %q", first+1, lines[first])
		}
	}
	slices.Sort(imports)
	imports = slices.Compact(imports)

	var b strings.Builder
	add := func(from int, format string, a ...any) {
		b.WriteString(fmt.Sprintf(format, a...) + "\n")
		origin = append(origin, from)
	}
	add(0, "package snippet")
	add(0, "import (")
	for _, p := range imports {
		add(0, "\t%q", p)
	}
	add(0, ")")
	body := strings.Join(lines[first:], "\n")
	for name, decl := range stubs {
		if strings.Contains(body, name+"(") && !strings.Contains(body, "func "+name+"(") {
			add(0, "%s", decl)
		}
	}
	rest := strings.TrimLeft(body, "\n")
	topLevel := false
	for _, kw := range []string{"func ", "type ", "var ", "const "} {
		if strings.HasPrefix(rest, kw) {
			topLevel = true
		}
	}
	if topLevel {
		for i := first; i < len(lines); i++ {
			add(i+1, "%s", lines[i])
		}
		return b.String(), origin, nil
	}
	result, ret := "", ""
	if returnsValue(body) {
		result, ret = " error", "\treturn nil"
	}
	add(0, "func _(%s)%s {", params, result)
	add(0, "{")
	for i := first; i < len(lines); i++ {
		add(i+1, "%s", lines[i])
	}
	add(0, "}")
	if ret != "" {
		add(0, "%s", ret)
	}
	add(0, "}")
	return b.String(), origin, nil
}

// returnsValue reports whether the statements have a return statement
// with a value outside function literals. Statements that do not parse
// are left to the type check to report.
func returnsValue(stmts string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+stmts+"\n}\n", 0)
	if err != nil {
		return false
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if len(n.Results) > 0 {
				found = true
			}
		}
		return !found
	})
	return found
}

// exportData returns the compiler's export data file of every package
// that paths import, directly or not, from `go list -export -deps`, which
// builds what is not in the build cache yet.
func exportData(t *testing.T, paths []string) map[string]string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to find the packages' export data with:", err)
	}
	cmd := exec.Command(gocmd, append([]string{"list", "-export", "-deps", "-json=ImportPath,Export"}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, &stderr)
	}
	files := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list -export: %v", err)
		}
		if p.Export != "" {
			files[p.ImportPath] = p.Export
		}
	}
	return files
}

// checker type-checks snippets against export data.
type checker struct {
	fset *token.FileSet
	imp  types.Importer
}

func newChecker(t *testing.T, extra ...string) *checker {
	t.Helper()
	files := exportData(t, append(slices.Clone(stdImports), extra...))
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q (not imported by the snippets' import list?)", path)
		}
		return os.Open(f)
	})
	return &checker{fset: fset, imp: imp}
}

// check returns the compile errors of a snippet, with the snippet's line
// numbers; unused variables and imports are not errors in a fragment.
func (c *checker) check(text string) []string {
	src, origin, err := wrap(text)
	if err != nil {
		return []string{err.Error()}
	}
	f, err := parser.ParseFile(c.fset, "snippet.go", src, 0)
	if err != nil {
		return []string{fmt.Sprintf("%v\n(the snippet as wrapped:\n%s)", err, src)}
	}
	var errs []string
	conf := types.Config{
		Importer: c.imp,
		Error: func(err error) {
			msg := err.Error()
			if te, ok := err.(types.Error); ok {
				if unused.MatchString(te.Msg) {
					return
				}
				pos := c.fset.Position(te.Pos)
				line := 0
				if pos.Line-1 < len(origin) {
					line = origin[pos.Line-1]
				}
				msg = fmt.Sprintf("snippet line %d: %s", line, te.Msg)
			}
			errs = append(errs, msg)
		},
	}
	_, _ = conf.Check("snippet", c.fset, []*ast.File{f}, nil)
	return errs
}

func TestREADMESnippetsCompile(t *testing.T) {
	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(md))
	if len(blocks) < 5 {
		t.Fatalf("README.md has %d ```go blocks; expected at least 5 (is the extraction broken?)", len(blocks))
	}
	var extra []string
	for _, b := range blocks {
		for _, l := range strings.Split(b.text, "\n") {
			if m := importLine.FindStringSubmatch(l); m != nil {
				extra = append(extra, m[1])
			}
		}
	}
	c := newChecker(t, extra...)
	for _, b := range blocks {
		for _, e := range c.check(b.text) {
			if n, rest, ok := strings.Cut(strings.TrimPrefix(e, "snippet line "), ":"); ok && strings.HasPrefix(e, "snippet line ") {
				if i, err := strconv.Atoi(n); err == nil && i > 0 {
					e = fmt.Sprintf("README.md:%d:%s", b.line+i-1, rest)
				}
			}
			t.Errorf("the ```go block at README.md:%d does not compile: %s", b.line, e)
		}
	}
}

// The checker finds errors: a fragment with a wrong method, a wrong
// argument or an undeclared name fails, and the forms the README uses
// pass.
func TestChecker(t *testing.T) {
	c := newChecker(t, "strings")
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"res, err := ins.All().Stop(ctx)\n", true},
		{"for inst, err := range ins.All().Iter(ctx) {\n\tif err != nil {\n\t\treturn err\n\t}\n\t_ = inst\n}\n", true},
		{"if _, err := ins.All().IDs(ctx); err != nil {\n\treturn\n}\n", true},
		{"import (\n\t\"strings\"\n)\n\nx := strings.ToUpper(\"a\")\n", true},
		{"func TestX(t *testing.T) {\n\tif err := stopCI(context.Background(), nil); err != nil {\n\t\tt.Fatal(err)\n\t}\n}\n", true},
		{"ins.All().Explode(ctx)\n", false},
		{"ins.All().Stop(ctx, 42)\n", false},
		{"fleet.Stop(ctx)\n", false},
		{"ins.All().Limit(\"ten\")\n", false},
		{"import \"no/such/package\"\n", false},
	} {
		errs := c.check(tc.text)
		if (len(errs) == 0) != tc.ok {
			t.Errorf("check(%q): errors %q, want ok = %t", tc.text, errs, tc.ok)
		}
	}
}

func TestGoBlocks(t *testing.T) {
	md := "text\n```go\na := 1\n```\n```sh\nls\n```\n\n```go\nb := 2\nc := 3\n```\n"
	got := goBlocks(md)
	want := []block{{line: 3, text: "a := 1\n"}, {line: 10, text: "b := 2\nc := 3\n"}}
	if !slices.Equal(got, want) {
		t.Errorf("goBlocks = %+v, want %+v", got, want)
	}
}

// The README says examples/stopci runs its TestStopCI block: the two
// must stay the same code.
func TestREADMEStopCIIsTheExample(t *testing.T) {
	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../stopci/stopci_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range goBlocks(string(md)) {
		if strings.HasPrefix(b.text, "func TestStopCI(") {
			if !strings.Contains(string(src), strings.TrimSpace(b.text)) {
				t.Errorf("the TestStopCI block at README.md:%d differs from examples/stopci/stopci_test.go", b.line)
			}
			return
		}
	}
	t.Error("README.md has no TestStopCI block")
}

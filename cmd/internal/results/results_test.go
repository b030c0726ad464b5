package results

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const pkg = Module + "/mechanisms/pipe"

// stream builds a test2json stream from "action test [output]" lines.
func stream(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		f := strings.SplitN(l, " ", 3)
		test := f[1]
		if test == "-" {
			test = ""
		}
		out := ""
		if len(f) == 3 {
			out = f[2] + "\n"
		}
		b.WriteString(`{"Action":"` + f[0] + `","Package":"` + pkg + `","Test":"` + test + `","Output":` + quote(out) + "}\n")
	}
	return b.String()
}

func quote(s string) string {
	r := strings.NewReplacer(`"`, `\"`, "\n", `\n`, `\`, `\\`)
	return `"` + r.Replace(s) + `"`
}

func parse(t *testing.T, s string) map[string]Cell {
	t.Helper()
	cells, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

func TestParseOutcomesAndReasons(t *testing.T) {
	cells := parse(t, stream(
		"start -",
		"run TestA", "output TestA === RUN   TestA", "pass TestA",
		"run TestB", "output TestB     b_test.go:9: needs Linux 5.14 or later (x); running 5.10.0", "skip TestB",
		"run TestC", "output TestC     c_test.go:3: got EINVAL", "fail TestC",
		"output - FAIL", "fail -",
	))
	want := map[string]Cell{
		"mechanisms/pipe TestA": {Pass, ""},
		"mechanisms/pipe TestB": {Skip, "b_test.go:9: needs Linux 5.14 or later (x); running 5.10.0"},
		"mechanisms/pipe TestC": {Fail, "c_test.go:3: got EINVAL"},
		"mechanisms/pipe":       {Fail, ""},
	}
	for row, w := range want {
		if got := cells[row]; got != w {
			t.Errorf("%s: %+v, want %+v", row, got, w)
		}
	}
}

func TestStartedAndNeverFinishedIsAFailure(t *testing.T) {
	cells := parse(t, stream(
		"start -",
		"run TestHang", "output TestHang     hang_test.go:5: waiting for the peer",
		"output - panic: test timed out after 15m0s", "fail -",
	))
	got := cells["mechanisms/pipe TestHang"]
	if got.Outcome != Fail || !strings.Contains(got.Reason, "started and never finished") ||
		!strings.Contains(got.Reason, "waiting for the peer") {
		t.Errorf("hung test: %+v", got)
	}
}

func TestBinaryDiedWithoutFinalLineIsAFailure(t *testing.T) {
	cells := parse(t, stream(
		"start -",
		"run TestA", "pass TestA",
		"output - runtime: out of memory",
	))
	got := cells["mechanisms/pipe"]
	if got.Outcome != Fail || !strings.Contains(got.Reason, "died without its final line") {
		t.Errorf("binary row: %+v", got)
	}
	if cells["mechanisms/pipe TestA"].Outcome != Pass {
		t.Errorf("a test that finished before the binary died: %+v", cells["mechanisms/pipe TestA"])
	}
}

func TestSortRowsPutsSubtestsAfterTheirTest(t *testing.T) {
	rows := []string{"b TestX", "a TestY/sub", "a", "a TestY", "a TestX"}
	SortRows(rows)
	want := "a|a TestX|a TestY|a TestY/sub|b TestX"
	if got := strings.Join(rows, "|"); got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

func sample(t *testing.T) Matrix {
	host := parse(t, stream("start -", "run TestA", "pass TestA", "run TestB", "pass TestB", "run TestC", "pass TestC", "pass -"))
	old := parse(t, stream("start -", "run TestA", "pass TestA",
		"run TestB", "output TestB     b.go:1: needs Linux 5.14 | newer <5.14> & *bold*", "skip TestB",
		"run TestC", "output TestC     c.go:2: got \"EINVAL\"", "fail TestC", "fail -"))
	return New([]Column{
		{Name: "host", Detail: "Linux 6.18", Cells: host,
			Times: map[string]time.Duration{"mechanisms/pipe": 1500 * time.Millisecond}, Elapsed: 2 * time.Second},
		{Name: "5.10", Detail: "Linux 5.10.0-32-cloud-amd64", Cells: old,
			Times: map[string]time.Duration{"mechanisms/pipe": 31 * time.Second}, Elapsed: 40 * time.Second},
		{Name: "6.1", Detail: "linux-image-6.1.0-50-cloud-amd64", Err: "boot failed twice: kernel trouble: Oops: 0000"},
	})
}

func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, sample(t)); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/matrix.md"
	if *update {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("markdown differs from %s (go test -update to rewrite):\n%s", golden, b.String())
	}
}

func TestHTMLEscapesReasonsAndColoursCells(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, sample(t)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<td class="skip" title="b.go:1: needs Linux 5.14 | newer &lt;5.14&gt; &amp; *bold*">skip</td>`,
		`<td class="fail" title="c.go:2: got &#34;EINVAL&#34;">FAIL</td>`,
		`<td class="pass">pass</td>`,
		`Oops: 0000`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<5.14>") {
		t.Error("page holds an unescaped reason")
	}
}

func TestJudgeExitCodes(t *testing.T) {
	m := sample(t)
	m.Columns = m.Columns[:2] // no boot failure
	exps := func(s string) []Expectation {
		e, err := ParseExpectations(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	explained := "mechanisms/pipe TestB 5.10 skip needs 5.14\nmechanisms/pipe TestC 5.10 fail a finding\nmechanisms/pipe - 5.10 fail TestC fails\n"
	cases := []struct {
		name, file string
		code       int
	}{
		{"every difference explained", explained, ExitOK},
		{"unexplained failure", "mechanisms/pipe TestB 5.10 skip needs 5.14\nmechanisms/pipe - 5.10 fail TestC\n", ExitUnexpected},
		{"unexplained skip", "mechanisms/pipe TestC 5.10 fail x\nmechanisms/pipe - * fail x\n", ExitUnexpected},
		{"expected failure passes", explained + "mechanisms/pipe TestA * fail wrong\n", ExitUnexpected},
		{"expected skip fails", "mechanisms/pipe TestB 5.10 skip x\nmechanisms/pipe TestC 5.10 skip x\nmechanisms/pipe - 5.10 fail x\n", ExitUnexpected},
		{"patterns and column lists", "mechanisms/* Test[BC]* 6.1,5.10 skip x\nmechanisms/pipe Test* 5.10 fail y\nmechanisms/pipe - * fail z\n", ExitUnexpected},
		{"star matches subtests", "mechanisms/pipe TestB* 5.10 skip x\nmechanisms/pipe TestC* 5.10 fail y\nmechanisms/pipe - 5.10 fail z\n", ExitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Judge(m, exps(c.file))
			if v.Code != c.code {
				t.Errorf("exit %d, want %d; problems: %q", v.Code, c.code, v.Problems)
			}
		})
	}
	if v := Judge(sample(t), exps(explained)); v.Code != ExitBoot {
		t.Errorf("boot failure: exit %d, want %d", v.Code, ExitBoot)
	}
	m.Columns[1].Trouble = "the guest died after booting: kernel trouble: Oops: 0000"
	if v := Judge(m, exps(explained)); v.Code != ExitUnexpected {
		t.Errorf("a guest that died after booting: exit %d, want %d", v.Code, ExitUnexpected)
	}
}

func TestParseTimedTakesEachPackagesElapsed(t *testing.T) {
	s := stream("start -", "run TestA", "pass TestA", "pass -")
	s = strings.Replace(s, `"Action":"pass","Package":"`+pkg+`","Test":"",`, `"Action":"pass","Package":"`+pkg+`","Test":"","Elapsed":12.5,`, 1)
	_, times, err := ParseTimed(strings.NewReader(s))
	if err != nil || len(times) != 1 || times["mechanisms/pipe"] != 12500*time.Millisecond {
		t.Errorf("times %v, %v; want mechanisms/pipe 12.5s", times, err)
	}
}

func TestExpectationsFileErrors(t *testing.T) {
	for _, bad := range []string{"pkg TestA host\n", "pkg TestA host pass why\n", "pkg TestA host fail|pass varies\n"} {
		if _, err := ParseExpectations(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestUnusedExpectationsAreReported(t *testing.T) {
	m := sample(t)
	e, _ := ParseExpectations(strings.NewReader("# c\nmechanisms/fifo TestGone * fail gone\n"))
	if v := Judge(m, e); len(v.Unused) != 1 {
		t.Errorf("unused: %q", v.Unused)
	}
}

func TestExpectationsForColumnsNotRunAreNotStale(t *testing.T) {
	e, _ := ParseExpectations(strings.NewReader("mechanisms/pipe TestGone gVisor fail not run here\n"))
	if v := Judge(sample(t), e); len(v.Unused) != 0 {
		t.Errorf("unused: %q", v.Unused)
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Every workload, at a tiny size, must deliver exactly 1..=n through the same
// bodies the benchmark times, including when M is not a multiple of 4.
func TestWorkloadSums(t *testing.T) {
	for _, m := range []int64{1000, 1003} {
		for _, w := range workloadIDs {
			cs := suiteC{}.configs(w, parameters{messages: m})
			if len(cs) == 0 {
				t.Fatalf("%s: no configurations", w)
			}
			for _, c := range cs {
				for rep := 0; rep < 3; rep++ {
					if got, want := c.prepare()(), c.want; got != want {
						t.Errorf("%v: sum %d, want %d", c, got, want)
					}
				}
			}
		}
	}
}

// C2-C4 start every consumer before the first producer (WORKLOADS.md), at
// every capacity, and still deliver every message.
func TestFlowStartsConsumersFirst(t *testing.T) {
	defer func(saved func(string, func())) { spawnFlow = saved }(spawnFlow)
	var roles []string // appended by the body's goroutine only: spawnFlow runs there
	spawnFlow = func(role string, body func()) {
		roles = append(roles, role)
		go body()
	}
	for _, w := range []string{"C2", "C3", "C4"} {
		for _, c := range (suiteC{}).configs(w, parameters{messages: 1003}) {
			roles = nil
			if got := c.prepare()(); got != c.want {
				t.Errorf("%s: sum %d, want %d", c.label, got, c.want)
			}
			p := c.params.(params)
			var want []string
			for range p.Consumers {
				want = append(want, "consumer")
			}
			for range p.Producers {
				want = append(want, "producer")
			}
			if !slices.Equal(roles, want) {
				t.Errorf("%s: started %v, want %v", c.label, roles, want)
			}
		}
	}
}

func TestShareCoversRangeOnce(t *testing.T) {
	for _, m := range []int64{10, 1001, 1002, 1003} {
		next := int64(1)
		for p := 0; p < 4; p++ {
			lo, hi := share(m, p, 4)
			if lo != next || hi < lo {
				t.Fatalf("m=%d producer %d: share [%d,%d], expected to start at %d", m, p, lo, hi, next)
			}
			next = hi + 1
		}
		if next != m+1 {
			t.Fatalf("m=%d: shares end at %d, want %d", m, next-1, m)
		}
	}
}

func TestConfigurations(t *testing.T) {
	want := map[string][]int{"C1": {500}, "C2": {0, 1, 1024}, "C3": {0, 1, 1024},
		"C4": {0, 1, 1024}, "C5": {1024}, "C6": {0}}
	for w, caps := range want {
		cs := suiteC{}.configs(w, parameters{messages: 500})
		if len(cs) != len(caps) {
			t.Fatalf("%s: %d configurations, want %d", w, len(cs), len(caps))
		}
		for i, c := range cs {
			if got := c.params.(params).Capacity; got != caps[i] {
				t.Errorf("%s[%d]: capacity %d, want %d", w, i, got, caps[i])
			}
		}
	}
	if c := (suiteC{}).configs("C6", parameters{messages: 500})[0]; c.ops != 50 || c.want != 50*51/2 {
		t.Errorf("C6 round trips %d, want 50 (M/10); sum %d", c.ops, c.want)
	}
	// With M0 given, capacities 0 and 1 and C6 run it; 1024 keeps M.
	p := parameters{messages: 500, m0: 200}
	for i, want := range []int64{200, 200, 500} {
		if c := (suiteC{}).configs("C3", p)[i]; c.ops != want {
			t.Errorf("C3[%d]: %d messages, want %d", i, c.ops, want)
		}
	}
	if c := (suiteC{}).configs("C6", p)[0]; c.ops != 20 {
		t.Errorf("C6 round trips %d, want 20 (M0/10)", c.ops)
	}
}

// runLines drives the program as the runner does and decodes its stdout.
func runLines(t *testing.T, args ...string) (int, []map[string]any, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout line is not JSON: %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return code, lines, errb.String()
}

func TestProgramOutput(t *testing.T) {
	code, lines, stderr := runLines(t, "--suite", "C", "--messages", "1000", "--runs", "3",
		"--warmup", "1", "--threads", "2,4", "--impls", "chan")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	// C1 + 3 each for C2..C4 + C5 + C6.
	if len(lines) != 12 {
		t.Fatalf("%d lines, want 12", len(lines))
	}
	for _, l := range lines {
		w := l["workload"].(string)
		for k, v := range map[string]any{"suite": "C", "lang": "go", "impl": "chan",
			"via": "native", "kind": "channel", "runs": 3.0} {
			if l[k] != v {
				t.Errorf("%s: %s = %v, want %v", w, k, l[k], v)
			}
		}
		med, lo, hi := l["median"].(float64), l["min"].(float64), l["max"].(float64)
		if !(lo <= med && med <= hi && lo > 0) {
			t.Errorf("%s: min %v, median %v, max %v out of order", w, lo, med, hi)
		}
		if l["max_rss_kb"].(float64) <= 0 {
			t.Errorf("%s: max_rss_kb %v", w, l["max_rss_kb"])
		}
		if _, ok := l["ctx_switches"].(float64); !ok {
			t.Errorf("%s: ctx_switches missing", w)
		}
		h := l["host"].(map[string]any)
		if h["cpus"] != float64(runtime.NumCPU()) || h["os"] != "linux" || h["toolchain"] != runtime.Version() {
			t.Errorf("%s: host %v", w, h)
		}
		p := l["params"].(map[string]any)
		if _, ok := p["capacity"].(float64); !ok {
			t.Errorf("%s: params.capacity %v is not a number", w, p["capacity"])
		}
		switch w {
		case "C6":
			if l["unit"] != "ns/roundtrip" || p["round_trips"] != 100.0 || len(p) != 2 {
				t.Errorf("C6: unit %v, params %v", l["unit"], p)
			}
		default:
			if l["unit"] != "ns/msg" || p["messages"] != 1000.0 {
				t.Errorf("%s: unit %v, params %v", w, l["unit"], p)
			}
			if (w == "C5") != (p["channels"] == 4.0) {
				t.Errorf("%s: params.channels %v", w, p["channels"])
			}
		}
	}
	if !strings.Contains(stderr, "run 3/3") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
}

func TestWorkloadFilter(t *testing.T) {
	code, lines, stderr := runLines(t, "--suite", "C", "--messages", "100", "--runs", "1",
		"--warmup", "0", "--workloads", "C2,C6")
	if code != 0 || len(lines) != 4 {
		t.Fatalf("exit %d, %d lines (want 0, 4); stderr:\n%s", code, len(lines), stderr)
	}
	for _, l := range lines {
		if w := l["workload"]; w != "C2" && w != "C6" {
			t.Errorf("unrequested workload %v", w)
		}
	}
}

// --capacities chooses among C2-C4's capacities; C1, C5 and C6 still run,
// and unbounded, which Go lacks, runs nothing.
func TestCapacityFilter(t *testing.T) {
	code, lines, stderr := runLines(t, "--suite", "C", "--messages", "100", "--runs", "1",
		"--warmup", "0", "--capacities", "1024,unbounded")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%v@%v", l["workload"], l["params"].(map[string]any)["capacity"]))
	}
	want := []string{"C1@100", "C2@1024", "C3@1024", "C4@1024", "C5@1024", "C6@0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	for value, why := range map[string]string{
		"1024,2": `unknown capacity "2" (known: 0,1,1024,unbounded)`,
		",":      "name at least one of 0,1,1024,unbounded",
	} {
		var out, errs bytes.Buffer
		code := run([]string{"--suite", "C", "--messages", "100", "--capacities", value}, &out, &errs)
		if code != 2 || out.Len() != 0 || !strings.Contains(errs.String(), why) {
			t.Errorf("--capacities %q: exit %d, stdout %q, stderr %q; want exit 2 saying %q",
				value, code, out.String(), errs.String(), why)
		}
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"--suite", "L", "--messages", "100"},
		{"--suite", "C"},
		{"--suite", "C", "--messages", "5"},
		{"--suite", "C", "--messages", "100", "--threads", "2,x"},
		{"--suite", "C", "--runs", "0"},
		{"--suite", "C", "--workloads", "C9"},
		{"--suite", "C", "--impls", "core"},
		{"--suite", "C", "extra"},
	} {
		var out bytes.Buffer
		if code := run(args, &out, io.Discard); code != 2 || out.Len() != 0 {
			t.Errorf("%v: exit %d with stdout %q, want exit 2 and no output", args, code, out.String())
		}
	}
}

// A configuration whose body loses a message must fail its sum check.
func TestSumCheckFails(t *testing.T) {
	c := suiteC{}.configs("C2", parameters{messages: 100})[2]
	good := c.prepare
	c.prepare = func() func() int64 {
		body := good()
		return func() int64 { return body() - 1 }
	}
	if _, err := measure(c, 2, 0, io.Discard); err == nil || !strings.Contains(err.Error(), "want 5050") {
		t.Fatalf("lost message not reported: err = %v", err)
	}
}

// Every flag of the Modes table parses, whichever suite uses it.
func TestParametersParse(t *testing.T) {
	o, err := parseArgs([]string{"--suite", "C", "--messages", "100", "--handoff-messages", "30", "--ops", "7", "--handoff-ops", "8", "--threads", "2,4",
		"--tasks", "9", "--pool-sizes", "1,2,128", "--latency-ms", "1", "--parked", "10",
		"--work", "5", "--window-ms", "20", "--capacities", "unbounded, 0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := parameters{messages: 100, m0: 30, ops: 7, k0: 8, threads: []int{2, 4}, tasks: 9,
		poolSizes: []int{1, 2, 128}, latencyMs: 1, parked: 10, work: 5, windowMs: 20,
		capacities: []string{"unbounded", "0"}}
	if !reflect.DeepEqual(o.params, want) {
		t.Errorf("parameters %+v, want %+v", o.params, want)
	}
}

// Command bench runs one suite of comparisons/WORKLOADS.md in Go and prints
// one JSON line per configuration on stdout; progress and errors go to
// stderr. This file is the harness (flags, timing, rusage, JSON); each suite
// is a file suite_<s>.go that registers itself in suites.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// suite is one suite of WORKLOADS.md.
type suite interface {
	// workloads lists the suite's workload ids in output order.
	workloads() []string
	// impls lists the implementations this program measures.
	impls() []string
	// check says why the parameters cannot run the suite, or nil.
	check(p parameters) error
	// configs returns the configurations of one workload.
	configs(workload string, p parameters) []config
}

// suites holds every suite this program has, by id; each suite file adds
// itself in its init function.
var suites = map[string]suite{}

// parameters are the values of the Modes table's flags (0 or nil when not
// given); a suite uses the ones it needs.
type parameters struct {
	messages  int64 // M
	m0        int64 // M0, M of suite C at capacities 0 and 1
	ops       int64 // K
	k0        int64 // K0, K of a fair lock (Go's locks are not fair: accepted, unused)
	threads   []int // T
	tasks     int64 // N
	poolSizes []int // W
	latencyMs int64 // D
	parked    int64 // Q
	work      int64 // I
	windowMs  int64 // S
	// capacities, from --capacities: the capacities of C2-C4 to run, as the
	// lines' "capacity" param spells them (nil: all).
	capacities []string
}

// flowCapacities are the values --capacities chooses from: C2-C4's
// capacities in WORKLOADS.md, whether or not Go has them.
var flowCapacities = []string{"0", "1", "1024", "unbounded"}

// config is one measured configuration of a suite.
type config struct {
	workload string
	impl     string
	kind     string // the kind WORKLOADS.md gives the implementation
	label    string // for progress lines and errors
	unit     string
	params   any   // the line's "params" object
	ops      int64 // operations per run: the figure is elapsed / ops
	want     int64 // the result every run must give
	// counts, when set, makes this a window run (L2f, L3f): the body's result
	// is the shared counter, counts gives the per-thread counts of the run
	// just done, which must add up to it; the figure is elapsed / counter
	// and the line carries their fairness index instead of checking want.
	counts func() []int64
	// prepare builds a run outside its timed part and returns the timed
	// body, which returns the run's result (a sum, a counter).
	prepare func() func() int64
	// memory, when set, measures the line's memory per task (X3) once,
	// outside the timed runs.
	memory func() (memory, error)
}

func (c config) String() string { return c.label }

// options are the parsed command-line flags.
type options struct {
	suite     suite
	suiteID   string
	params    parameters
	runs      int
	warmup    int
	workloads []string
	impls     []string
}

// intList is a flag holding comma-separated integers.
type intList struct{ values *[]int }

func (l intList) String() string {
	if l.values == nil {
		return ""
	}
	s := make([]string, len(*l.values))
	for i, v := range *l.values {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l intList) Set(s string) error {
	*l.values = nil
	for _, f := range splitList(s) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("%q is not an integer", f)
		}
		*l.values = append(*l.values, v)
	}
	return nil
}

// parseArgs reads the runner's flags (see "Program interface" in
// WORKLOADS.md).
func parseArgs(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	suiteID := fs.String("suite", "", "suite to run")
	fs.IntVar(&o.runs, "runs", 5, "measured runs per configuration")
	fs.IntVar(&o.warmup, "warmup", 1, "warm-up runs per configuration")
	fs.Int64Var(&o.params.messages, "messages", 0, "M, messages per channel run")
	fs.Int64Var(&o.params.m0, "handoff-messages", 0, "M0, messages per channel run at capacity 0 or 1 (default M)")
	fs.Int64Var(&o.params.ops, "ops", 0, "K, lock operations per run")
	fs.Int64Var(&o.params.k0, "handoff-ops", 0, "K0, lock operations per run of a fair lock")
	fs.Var(intList{&o.params.threads}, "threads", "T, thread counts (comma-separated)")
	fs.Int64Var(&o.params.tasks, "tasks", 0, "N, tasks per future/pool run")
	fs.Var(intList{&o.params.poolSizes}, "pool-sizes", "W, pool sizes (comma-separated)")
	fs.Int64Var(&o.params.latencyMs, "latency-ms", 0, "D, simulated service latency in ms")
	fs.Int64Var(&o.params.parked, "parked", 0, "Q, parked tasks")
	fs.Int64Var(&o.params.work, "work", 0, "I, LCG steps in L3's critical section")
	fs.Int64Var(&o.params.windowMs, "window-ms", 0, "S, fairness window in ms")
	workloads := fs.String("workloads", "", "comma-separated workload ids (default: all)")
	impls := fs.String("impls", "", "comma-separated implementations (default: all)")
	capacities := fs.String("capacities", "", "comma-separated capacities of C2-C4 to run: 0, 1, 1024, unbounded (default: all; C1, C5, C6 and the other suites ignore it)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	s, ok := suites[*suiteID]
	if !ok {
		return options{}, fmt.Errorf("--suite %q: this program has no such suite", *suiteID)
	}
	o.suite, o.suiteID = s, *suiteID
	if err := parseCapacities(fs, *capacities, &o.params); err != nil {
		return options{}, err
	}
	if err := s.check(o.params); err != nil {
		return options{}, err
	}
	if o.runs < 1 {
		return options{}, fmt.Errorf("--runs %d: need at least 1 measured run", o.runs)
	}
	if o.warmup < 0 {
		return options{}, fmt.Errorf("--warmup %d: must not be negative", o.warmup)
	}
	o.workloads, o.impls = s.workloads(), s.impls()
	if *workloads != "" {
		o.workloads = splitList(*workloads)
	}
	if *impls != "" {
		o.impls = splitList(*impls)
	}
	for _, w := range o.workloads {
		if !slices.Contains(s.workloads(), w) {
			return options{}, fmt.Errorf("--workloads: unknown workload %q (known: %s)", w, strings.Join(s.workloads(), ","))
		}
	}
	for _, i := range o.impls {
		if !slices.Contains(s.impls(), i) {
			return options{}, fmt.Errorf("--impls: unknown implementation %q (known: %s)", i, strings.Join(s.impls(), ","))
		}
	}
	return o, nil
}

// parseCapacities sets p.capacities from --capacities when it was given:
// each value one of flowCapacities, at least one.
func parseCapacities(fs *flag.FlagSet, value string, p *parameters) error {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "capacities" })
	if !given {
		return nil
	}
	p.capacities = splitList(value)
	if len(p.capacities) == 0 {
		return fmt.Errorf("--capacities %q: name at least one of %s", value, strings.Join(flowCapacities, ","))
	}
	for _, c := range p.capacities {
		if !slices.Contains(flowCapacities, c) {
			return fmt.Errorf("--capacities: unknown capacity %q (known: %s)", c, strings.Join(flowCapacities, ","))
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// run is the whole program behind main, so tests can drive it: exit status 2
// for bad flags, 1 if any configuration failed its check, else 0.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 4 && args[0] == "--x3-child" && args[2] == "--parked" {
		q, err := strconv.ParseInt(args[3], 10, 64)
		if err == nil {
			err = runChild(args[1], q, stdout)
		}
		if err != nil {
			fmt.Fprintln(stderr, "bench: x3 child:", err)
			return 1
		}
		return 0
	}
	o, err := parseArgs(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "bench:", err)
		}
		return 2
	}
	failed := false
	enc := json.NewEncoder(stdout)
	for _, w := range o.suite.workloads() {
		if !slices.Contains(o.workloads, w) {
			continue
		}
		for _, c := range o.suite.configs(w, o.params) {
			if !slices.Contains(o.impls, c.impl) {
				continue
			}
			res, err := measure(c, o.runs, o.warmup, stderr)
			if err != nil {
				fmt.Fprintln(stderr, "bench: FAILED:", err)
				failed = true
				continue
			}
			res.Suite = o.suiteID
			if err := enc.Encode(res); err != nil {
				fmt.Fprintln(stderr, "bench: writing result:", err)
				return 1
			}
		}
	}
	if failed {
		return 1
	}
	return 0
}

type host struct {
	CPUs      int    `json:"cpus"`
	OS        string `json:"os"`
	Toolchain string `json:"toolchain"`
}

// result is one output line, in the field order of the schema.
type result struct {
	Suite       string   `json:"suite"`
	Workload    string   `json:"workload"`
	Lang        string   `json:"lang"`
	Impl        string   `json:"impl"`
	Via         string   `json:"via"`
	Kind        string   `json:"kind"`
	Params      any      `json:"params"`
	Unit        string   `json:"unit"`
	Median      float64  `json:"median"`
	Min         float64  `json:"min"`
	Max         float64  `json:"max"`
	Runs        int      `json:"runs"`
	Fairness    *float64 `json:"fairness,omitempty"`
	RSSPerTaskB *float64 `json:"rss_per_task_b,omitempty"`
	VMPerTaskB  *float64 `json:"vm_per_task_b,omitempty"`
	CtxSwitches int64    `json:"ctx_switches"`
	MaxRSSKB    int64    `json:"max_rss_kb"`
	Host        host     `json:"host"`
}

func rusage() syscall.Rusage {
	var ru syscall.Rusage
	// RUSAGE_SELF of a live process cannot fail; a zero value would only
	// make ctx_switches 0.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru
}

// measure does the warm-up and measured runs of one configuration, checking
// the result of every run, warm-up included.
func measure(c config, runs, warmup int, progress io.Writer) (result, error) {
	var perOp, fairness []float64
	var switches int64
	for r := -warmup; r < runs; r++ {
		body := c.prepare()
		// Collect the previous run's garbage now rather than inside this
		// run's timed part.
		runtime.GC()
		before := rusage()
		start := time.Now()
		got := body()
		elapsed := time.Since(start)
		after := rusage()
		ops := c.ops
		if c.counts != nil {
			counts := c.counts()
			var sum int64
			for _, n := range counts {
				sum += n
			}
			if sum != got || got <= 0 {
				return result{}, fmt.Errorf("%v: counter %d, the threads counted %d (a lost or miscounted increment)", c, got, sum)
			}
			ops = got
			fairness = append(fairness, jain(counts))
		} else if got != c.want {
			return result{}, fmt.Errorf("%v: got %d, want %d (a lost, duplicated or miscounted operation)", c, got, c.want)
		}
		fig := float64(elapsed.Nanoseconds()) / float64(ops)
		if r < 0 {
			fmt.Fprintf(progress, "%v: warm-up %.1f %s\n", c, fig, c.unit)
			continue
		}
		fmt.Fprintf(progress, "%v: run %d/%d %.1f %s\n", c, r+1, runs, fig, c.unit)
		perOp = append(perOp, fig)
		switches += (after.Nvcsw + after.Nivcsw) - (before.Nvcsw + before.Nivcsw)
	}
	res := result{
		Workload: c.workload, Lang: "go", Impl: c.impl, Via: "native", Kind: c.kind,
		Params:      c.params,
		Unit:        c.unit,
		Runs:        runs,
		CtxSwitches: int64(math.Round(float64(switches) / float64(runs))),
		// ru_maxrss is in kilobytes on Linux.
		MaxRSSKB: rusage().Maxrss,
		Host:     host{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Toolchain: runtime.Version()},
	}
	res.Median, res.Min, res.Max = stats(perOp)
	if c.memory != nil {
		m, err := c.memory()
		if err != nil {
			return result{}, fmt.Errorf("%v: %v", c, err)
		}
		res.RSSPerTaskB, res.VMPerTaskB = &m.RSS, &m.VM
	}
	if c.counts != nil {
		// The median of the measured runs' indices, to two decimals.
		f := median(fairness[warmup:])
		f = math.Round(f*100) / 100
		res.Fairness = &f
	}
	return res, nil
}

// jain is Jain's fairness index of the counts: (Σc)² / (n·Σc²), 1 when all
// are equal, 1/n when one has everything.
func jain(counts []int64) float64 {
	var sum, squares float64
	for _, c := range counts {
		sum += float64(c)
		squares += float64(c) * float64(c)
	}
	return sum * sum / (float64(len(counts)) * squares)
}

// stats returns median, min and max, each rounded to 0.1 ns; the median of an
// even count is the mean of the two middle values.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return middle(s)
}

// middle is the median of sorted values; of an even count, the mean of the
// two middle ones.
func middle(s []float64) float64 {
	n := len(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}

func stats(xs []float64) (median, lo, hi float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	median = middle(s)
	round := func(x float64) float64 { return math.Round(x*10) / 10 }
	return round(median), round(s[0]), round(s[n-1])
}

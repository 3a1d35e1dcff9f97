// Command bench runs the suite C (channels) workloads of
// comparisons/WORKLOADS.md on Go channels and prints one JSON line per
// configuration on stdout; progress and errors go to stderr.
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
	"strings"
	"syscall"
	"time"
)

// The only implementation this program measures: Go's built-in channel.
const implName = "chan"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the parsed command-line flags.
type options struct {
	messages  int64
	runs      int
	warmup    int
	workloads []string
	impls     []string
}

// parseArgs reads the runner's flags (see "Program interface" in
// WORKLOADS.md). Defaults are the full native mode.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	suite := fs.String("suite", "", "suite to run; only C exists here")
	messages := fs.Int64("messages", 1000000, "M, messages per channel run (at least 10, since C6 does M/10 round trips)")
	runs := fs.Int("runs", 5, "measured runs per configuration")
	warmup := fs.Int("warmup", 1, "warm-up runs per configuration")
	workloads := fs.String("workloads", strings.Join(workloadIDs, ","), "comma-separated workload ids")
	impls := fs.String("impls", implName, "comma-separated implementations; only chan exists here")
	// Suite C has fixed producer/consumer counts; T is accepted so the runner
	// can pass the same flags to every program.
	fs.String("threads", "", "ignored in suite C")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *suite != "C" {
		return options{}, fmt.Errorf("--suite %q: this program implements only suite C", *suite)
	}
	if *messages < 10 {
		return options{}, fmt.Errorf("--messages %d: need at least 10 (C6 does messages/10 round trips)", *messages)
	}
	if *runs < 1 {
		return options{}, fmt.Errorf("--runs %d: need at least 1 measured run", *runs)
	}
	if *warmup < 0 {
		return options{}, fmt.Errorf("--warmup %d: must not be negative", *warmup)
	}
	o := options{messages: *messages, runs: *runs, warmup: *warmup,
		workloads: splitList(*workloads), impls: splitList(*impls)}
	for _, w := range o.workloads {
		if !slices.Contains(workloadIDs, w) {
			return options{}, fmt.Errorf("--workloads: unknown workload %q (known: %s)", w, strings.Join(workloadIDs, ","))
		}
	}
	for _, i := range o.impls {
		if i != implName {
			return options{}, fmt.Errorf("--impls: unknown implementation %q (this program has only %s)", i, implName)
		}
	}
	return o, nil
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
// for bad flags, 1 if any configuration failed its sum check, else 0.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "bench:", err)
		}
		return 2
	}
	if len(o.impls) == 0 {
		return 0
	}
	failed := false
	enc := json.NewEncoder(stdout)
	for _, w := range workloadIDs {
		if !slices.Contains(o.workloads, w) {
			continue
		}
		for _, c := range configs(w, o.messages) {
			res, err := measure(c, o.runs, o.warmup, stderr)
			if err != nil {
				fmt.Fprintln(stderr, "bench: FAILED:", err)
				failed = true
				continue
			}
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

// params is the schema's "params" object. Field order is the output order;
// the counts a workload does not have (C6's producers, consumers and
// messages; channels outside C5) are left out.
type params struct {
	Capacity   int   `json:"capacity"`
	Producers  int   `json:"producers,omitempty"`
	Consumers  int   `json:"consumers,omitempty"`
	Messages   int64 `json:"messages,omitempty"`
	Channels   int   `json:"channels,omitempty"`
	RoundTrips int64 `json:"round_trips,omitempty"`
}

type host struct {
	CPUs      int    `json:"cpus"`
	OS        string `json:"os"`
	Toolchain string `json:"toolchain"`
}

// result is one output line, in the field order of the schema.
type result struct {
	Suite       string  `json:"suite"`
	Workload    string  `json:"workload"`
	Lang        string  `json:"lang"`
	Impl        string  `json:"impl"`
	Via         string  `json:"via"`
	Kind        string  `json:"kind"`
	Params      params  `json:"params"`
	Unit        string  `json:"unit"`
	Median      float64 `json:"median"`
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	Runs        int     `json:"runs"`
	CtxSwitches int64   `json:"ctx_switches"`
	MaxRSSKB    int64   `json:"max_rss_kb"`
	Host        host    `json:"host"`
}

func rusage() syscall.Rusage {
	var ru syscall.Rusage
	// RUSAGE_SELF of a live process cannot fail; a zero value would only
	// make ctx_switches 0.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru
}

// measure does the warm-up and measured runs of one configuration, checking
// the sum of every run, warm-up included.
func measure(c config, runs, warmup int, progress io.Writer) (result, error) {
	want := c.wantSum()
	var perOp []float64
	var switches int64
	for r := -warmup; r < runs; r++ {
		body := c.prepare(c)
		// Collect the previous run's garbage now rather than inside this
		// run's timed part.
		runtime.GC()
		before := rusage()
		start := time.Now()
		got := body()
		elapsed := time.Since(start)
		after := rusage()
		if got != want {
			return result{}, fmt.Errorf("%v: sum %d, want %d (messages lost or duplicated)", c, got, want)
		}
		fig := float64(elapsed.Nanoseconds()) / float64(c.messages)
		if r < 0 {
			fmt.Fprintf(progress, "%v: warm-up %.1f %s\n", c, fig, c.unit())
			continue
		}
		fmt.Fprintf(progress, "%v: run %d/%d %.1f %s\n", c, r+1, runs, fig, c.unit())
		perOp = append(perOp, fig)
		switches += (after.Nvcsw + after.Nivcsw) - (before.Nvcsw + before.Nivcsw)
	}
	res := result{
		Suite: "C", Workload: c.workload, Lang: "go", Impl: implName, Via: "native", Kind: "channel",
		Unit:        c.unit(),
		Runs:        runs,
		CtxSwitches: int64(math.Round(float64(switches) / float64(runs))),
		// ru_maxrss is in kilobytes on Linux.
		MaxRSSKB: rusage().Maxrss,
		Host:     host{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Toolchain: runtime.Version()},
	}
	if c.workload == "C6" {
		res.Params = params{Capacity: c.capacity, RoundTrips: c.messages}
	} else {
		res.Params = params{Capacity: c.capacity, Producers: c.producers,
			Consumers: c.consumers, Messages: c.messages, Channels: c.channels}
	}
	res.Median, res.Min, res.Max = stats(perOp)
	return res, nil
}

// stats returns median, min and max, each rounded to 0.1 ns; the median of an
// even count is the mean of the two middle values.
func stats(xs []float64) (median, lo, hi float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	median = s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	round := func(x float64) float64 { return math.Round(x*10) / 10 }
	return round(median), round(s[0]), round(s[n-1])
}

// Suite X (execution models) of comparisons/WORKLOADS.md in Go: X1 on W
// worker goroutines with GOMAXPROCS = W; X2 on a goroutine per request and
// on a pool of cores worker goroutines, the service being time.AfterFunc
// sending on a channel; X3 on parked goroutines, with memory per task from a
// fresh child process (this program run with --x3-child).

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() { suites["X"] = suiteX{} }

// suiteX is the execution-models suite of WORKLOADS.md.
type suiteX struct{}

// Step counts of X1's and X2's CPU work (WORKLOADS.md, suite X).
const (
	x1Steps = 25000
	x2Steps = 5000
)

// xParams is a suite X line's "params" object.
type xParams struct {
	Workers   int   `json:"workers,omitempty"`
	Tasks     int64 `json:"tasks,omitempty"`
	Requests  int64 `json:"requests,omitempty"`
	LatencyMs int64 `json:"latency_ms,omitempty"`
	Steps     int64 `json:"steps,omitempty"`
	Threads   *int  `json:"threads,omitempty"`
}

func (suiteX) workloads() []string { return []string{"X1", "X2", "X3"} }

func (suiteX) impls() []string {
	return []string{"goroutines+GOMAXPROCS", "goroutine-per-request", "worker-goroutines", "goroutine"}
}

func (suiteX) check(p parameters) error {
	switch {
	case p.tasks < 10:
		return fmt.Errorf("--tasks %d: need at least 10 (X1 and X2 do tasks/10)", p.tasks)
	case len(p.poolSizes) == 0 || slicesMin(p.poolSizes) < 1:
		return fmt.Errorf("--pool-sizes: need a list of sizes >= 1")
	case p.latencyMs < 1:
		return fmt.Errorf("--latency-ms %d: need at least 1", p.latencyMs)
	case p.parked < 1:
		return fmt.Errorf("--parked %d: need at least 1", p.parked)
	}
	return nil
}

func slicesMin(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

// cpuWork is the CPU work of suite X: L3's step `steps` times from x = i.
func cpuWork(i, steps int64) int64 {
	return int64(lcg(uint64(i), steps))
}

// workSum is what tasks 1..n of cpuWork(i, steps) add up to (wrapping):
// the tasks one after another on the calling goroutine, once before the
// runs, which must give the same.
func workSum(n, steps int64) int64 {
	var sum int64
	for i := int64(1); i <= n; i++ {
		sum += cpuWork(i, steps)
	}
	return sum
}

func (suiteX) configs(workload string, p parameters) []config {
	n := p.tasks / 10
	cores := runtime.NumCPU()
	switch workload {
	case "X1":
		var out []config
		want := workSum(n, x1Steps)
		for _, w := range p.poolSizes {
			out = append(out, config{workload: "X1", impl: "goroutines+GOMAXPROCS", kind: "pool",
				unit: "ns/task", label: fmt.Sprintf("X1 W=%d tasks=%d", w, n),
				params: xParams{Workers: w, Tasks: n, Steps: x1Steps}, ops: n, want: want,
				prepare: func() func() int64 { return func() int64 { return poolRun(w, n) } }})
		}
		return out
	case "X2":
		d := time.Duration(p.latencyMs) * time.Millisecond
		want := workSum(n, x2Steps)
		zero := 0
		return []config{
			{workload: "X2", impl: "goroutine-per-request", kind: "green", unit: "ns/request",
				label:  fmt.Sprintf("X2 goroutine-per-request requests=%d", n),
				params: xParams{Requests: n, LatencyMs: p.latencyMs, Steps: x2Steps, Threads: &zero},
				ops:    n, want: want,
				prepare: func() func() int64 { return func() int64 { return perRequest(n, d) } }},
			{workload: "X2", impl: "worker-goroutines", kind: "blocking-pool", unit: "ns/request",
				label:  fmt.Sprintf("X2 worker-goroutines=%d requests=%d", cores, n),
				params: xParams{Requests: n, LatencyMs: p.latencyMs, Steps: x2Steps, Threads: &cores},
				ops:    n, want: want,
				prepare: func() func() int64 { return func() int64 { return workerPool(cores, n, d) } }},
		}
	case "X3":
		q := p.parked
		return []config{{workload: "X3", impl: "goroutine", kind: "green", unit: "ns/task",
			label: fmt.Sprintf("X3 goroutine tasks=%d", q), params: xParams{Tasks: q},
			ops: q, want: q * (q + 1) / 2,
			prepare: func() func() int64 { return func() int64 { release, join := parked(q); release(); return join() } },
			memory:  func() (memory, error) { return childMemory("goroutine", q) }}}
	}
	return nil
}

// poolRun runs n tasks of X1's work on w worker goroutines with GOMAXPROCS
// = w (so w OS threads run Go code at once), restoring GOMAXPROCS after.
func poolRun(w int, n int64) int64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(w))
	return onWorkers(w, n, func(i int64) int64 { return cpuWork(i, x1Steps) })
}

// onWorkers runs task(1..n) on `workers` goroutines, each taking the next
// index when it is done with one, and adds the results up.
func onWorkers(workers int, n int64, task func(i int64) int64) int64 {
	tasks := make(chan int64, n)
	for i := int64(1); i <= n; i++ {
		tasks <- i
	}
	close(tasks)
	var sum atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for k := 0; k < workers; k++ {
		go func() {
			defer wg.Done()
			var mine int64
			for i := range tasks {
				mine += task(i)
			}
			sum.Add(mine)
		}()
	}
	wg.Wait()
	return sum.Load()
}

// call is the simulated service: the runtime's timer sends on the returned
// channel d from now.
func call(d time.Duration) <-chan struct{} {
	answer := make(chan struct{}, 1)
	time.AfterFunc(d, func() { answer <- struct{}{} })
	return answer
}

// perRequest serves n requests on a goroutine each.
func perRequest(n int64, d time.Duration) int64 {
	var sum atomic.Int64
	var wg sync.WaitGroup
	wg.Add(int(n))
	for i := int64(1); i <= n; i++ {
		go func(i int64) {
			defer wg.Done()
			<-call(d)
			sum.Add(cpuWork(i, x2Steps))
		}(i)
	}
	wg.Wait()
	return sum.Load()
}

// workerPool serves n requests on `workers` goroutines, each of which
// blocks on its request's answer before it takes the next.
func workerPool(workers int, n int64, d time.Duration) int64 {
	return onWorkers(workers, n, func(i int64) int64 {
		<-call(d)
		return cpuWork(i, x2Steps)
	})
}

// parked starts q goroutines, each parked on its own channel, and returns
// once all have started: release sends task i its number, join waits for
// all and returns the sum of what they received.
func parked(q int64) (release func(), join func() int64) {
	gates := make([]chan int64, q)
	var started, done sync.WaitGroup
	var sum atomic.Int64
	started.Add(int(q))
	done.Add(int(q))
	for i := range gates {
		gates[i] = make(chan int64, 1)
		go func(gate <-chan int64) {
			started.Done()
			sum.Add(<-gate)
			done.Done()
		}(gates[i])
	}
	started.Wait()
	release = func() {
		for i, g := range gates {
			g <- int64(i + 1)
		}
	}
	join = func() int64 { done.Wait(); return sum.Load() }
	return release, join
}

// memory is X3's memory per task.
type memory struct {
	RSS float64 `json:"rss_per_task_b"`
	VM  float64 `json:"vm_per_task_b"`
}

// procStatus reads fields (in kB) of /proc/self/status, in bytes.
func procStatus(fields ...string) (map[string]int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for _, want := range fields {
			if name == want {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("/proc/self/status %s: %v", name, err)
				}
				out[name] = kb * 1024
			}
		}
	}
	for _, want := range fields {
		if _, ok := out[want]; !ok {
			return nil, fmt.Errorf("/proc/self/status has no %s", want)
		}
	}
	return out, sc.Err()
}

// runChild is the child process of X3's memory measure: it parks q tasks
// of the model and prints their memory per task as one JSON object.
func runChild(model string, q int64, stdout io.Writer) error {
	if model != "goroutine" {
		return fmt.Errorf("--x3-child: unknown model %q", model)
	}
	before, err := procStatus("VmRSS", "VmSize")
	if err != nil {
		return err
	}
	release, join := parked(q)
	peak, err := procStatus("VmHWM", "VmPeak")
	release()
	if got := join(); err == nil && got != q*(q+1)/2 {
		err = fmt.Errorf("parked tasks received %d, want %d", got, q*(q+1)/2)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(memory{
		RSS: float64(peak["VmHWM"]-before["VmRSS"]) / float64(q),
		VM:  float64(peak["VmPeak"]-before["VmSize"]) / float64(q),
	})
}

// childMemory runs this program as X3's fresh child process.
func childMemory(model string, q int64) (memory, error) {
	exe, err := os.Executable()
	if err != nil {
		return memory{}, err
	}
	cmd := exec.Command(exe, "--x3-child", model, "--parked", strconv.FormatInt(q, 10))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return memory{}, fmt.Errorf("X3 %s: child process: %v", model, err)
	}
	var m memory
	if err := json.Unmarshal(out, &m); err != nil {
		return memory{}, fmt.Errorf("X3 %s: child process printed %q: %v", model, out, err)
	}
	return m, nil
}

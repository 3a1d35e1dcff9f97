// Suite L (locks and the cost of sharing) of comparisons/WORKLOADS.md:
// sync.Mutex, sync.RWMutex's write lock and a CAS spinlock on L1-L3 and the
// window rows L2f/L3f, atomic.AddInt64 on L4, a channel to an owner
// goroutine on L5; main.go times the bodies and prints the lines.

package main

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func init() { suites["L"] = suiteL{} }

// suiteL is the locks suite of WORKLOADS.md.
type suiteL struct{}

// lcgMul and lcgAdd are the step of L3's critical section (WORKLOADS.md).
const (
	lcgMul = 6364136223846793005
	lcgAdd = 1442695040888963407
	// l5Capacity is the capacity of L5's channel.
	l5Capacity = 1024
)

// spinLock is a CAS spinlock: test-and-test-and-set, never sleeps.
type spinLock struct{ held atomic.Int32 }

func (l *spinLock) Lock() {
	for !l.held.CompareAndSwap(0, 1) {
		for l.held.Load() != 0 {
		}
	}
}

func (l *spinLock) Unlock() { l.held.Store(0) }

// lockImpls are the locks of L1-L3, L2f and L3f, with their kinds.
var lockImpls = []struct {
	name, kind string
	make       func() sync.Locker
}{
	{"sync.Mutex", "mutex", func() sync.Locker { return new(sync.Mutex) }},
	{"sync.RWMutex", "mutex", func() sync.Locker { return new(sync.RWMutex) }},
	{"spin", "spin", func() sync.Locker { return new(spinLock) }},
}

func (suiteL) workloads() []string {
	return []string{"L1", "L2", "L3", "L4", "L5", "L2f", "L3f"}
}

func (suiteL) impls() []string {
	return []string{"sync.Mutex", "sync.RWMutex", "spin", "atomic", "chan"}
}

func (suiteL) check(p parameters) error {
	switch {
	case p.ops < 100:
		return fmt.Errorf("--ops %d: need at least 100 (L3 does ops/100)", p.ops)
	case len(p.threads) == 0:
		return fmt.Errorf("--threads: need at least one thread count")
	case p.work < 1:
		return fmt.Errorf("--work %d: need at least 1 LCG step", p.work)
	case p.windowMs < 1:
		return fmt.Errorf("--window-ms %d: need at least 1 ms", p.windowMs)
	}
	for _, t := range p.threads {
		if t < 1 || int64(t) > p.ops/100 {
			return fmt.Errorf("--threads %d: need 1 <= T <= ops/100", t)
		}
	}
	return nil
}

// counted is L3's locked data: the counter and the LCG state.
type counted struct {
	n int64
	x uint64
}

// step is one operation of the workload inside the lock: L3's work (none
// for L1 and L2) and the increment.
func (d *counted) step(work int64) {
	if work > 0 {
		d.x = lcg(d.x, work)
	}
	d.n++
}

// checked is d's counter if its state is want (the step applied n*work
// times to 1, computed outside the timed part), else -1, which fails the
// run's check.
func (d *counted) checked(want uint64) int64 {
	if d.x != want {
		fmt.Fprintf(os.Stderr, "bench: L3 state %d after %d operations, want %d (a lost update)\n", d.x, d.n, want)
		return -1
	}
	return d.n
}

// lcg applies L3's step `steps` times to x.
func lcg(x uint64, steps int64) uint64 {
	for ; steps > 0; steps-- {
		x = (x^(x>>29))*lcgMul + lcgAdd
	}
	return x
}

type lockParams struct {
	Threads  int   `json:"threads"`
	Ops      int64 `json:"ops,omitempty"`
	WindowMs int64 `json:"window_ms,omitempty"`
	Work     int64 `json:"work,omitempty"`
	Capacity int   `json:"capacity,omitempty"`
}

func (suiteL) configs(workload string, p parameters) []config {
	threads := p.threads
	if workload == "L1" {
		threads = []int{1}
	}
	var out []config
	for _, t := range threads {
		ops := p.ops / int64(t) * int64(t)
		work := int64(0)
		if workload == "L3" || workload == "L3f" {
			work = p.work
		}
		if workload == "L3" {
			ops = p.ops / 100 / int64(t) * int64(t)
		}
		base := config{workload: workload, unit: "ns/op", ops: ops, want: ops,
			params: lockParams{Threads: t, Ops: ops, Work: work}}
		switch workload {
		case "L4":
			c := base
			c.impl, c.kind = "atomic", "atomic"
			c.prepare = func() func() int64 { return atomicRun(t, ops) }
			out = append(out, c)
		case "L5":
			c := base
			c.impl, c.kind = "chan", "message"
			c.params = lockParams{Threads: t, Ops: ops, Capacity: l5Capacity}
			c.prepare = func() func() int64 { return messageRun(t, ops) }
			out = append(out, c)
		case "L2f", "L3f":
			for _, impl := range lockImpls {
				c := base
				c.impl, c.kind = impl.name, impl.kind
				c.ops, c.want = 0, 0
				c.params = lockParams{Threads: t, WindowMs: p.windowMs, Work: work}
				var counts func() []int64
				window := time.Duration(p.windowMs) * time.Millisecond
				c.prepare = func() func() int64 { return windowRun(impl.make(), t, work, window, &counts) }
				c.counts = func() []int64 { return counts() }
				out = append(out, c)
			}
		default:
			for _, impl := range lockImpls {
				c := base
				c.impl, c.kind = impl.name, impl.kind
				c.prepare = func() func() int64 { return lockRun(impl.make(), t, ops, work) }
				out = append(out, c)
			}
		}
	}
	for i := range out {
		out[i].label = fmt.Sprintf("%s %s T=%d", workload, out[i].impl, out[i].params.(lockParams).Threads)
	}
	return out
}

// together runs each(i) on t goroutines released at once and waits for them.
func together(t int, each func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < t; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			each(i)
		}()
	}
	close(start)
	wg.Wait()
}

// lockRun is L1-L3: t goroutines each do ops/t operations inside lock; work
// is 0 for L1 and L2 (a bare increment).
func lockRun(lock sync.Locker, t int, ops, work int64) func() int64 {
	d := &counted{x: 1}
	want := lcg(1, ops/int64(t)*int64(t)*work)
	return func() int64 {
		together(t, func(int) {
			for i := ops / int64(t); i > 0; i-- {
				lock.Lock()
				d.step(work)
				lock.Unlock()
			}
		})
		return d.checked(want)
	}
}

// windowRun is L2f/L3f: t goroutines run the operation until the window
// ends, each counting its own (at least one, however late it starts).
// *counts receives what gives the counts after the timed part: they, or
// none if L3's state is wrong (the check costs as much as the run).
func windowRun(lock sync.Locker, t int, work int64, window time.Duration, counts *func() []int64) func() int64 {
	d := &counted{x: 1}
	return func() int64 {
		var stop atomic.Bool
		mine := make([]int64, t)
		timer := time.AfterFunc(window, func() { stop.Store(true) })
		defer timer.Stop()
		together(t, func(i int) {
			var n int64
			for more := true; more; more = !stop.Load() {
				lock.Lock()
				d.step(work)
				lock.Unlock()
				n++
			}
			mine[i] = n
		})
		*counts = func() []int64 {
			if d.checked(lcg(1, d.n*work)) < 0 {
				return nil
			}
			return mine
		}
		return d.n
	}
}

// atomicRun is L4: t goroutines each do ops/t atomic.AddInt64.
func atomicRun(t int, ops int64) func() int64 {
	var n atomic.Int64
	return func() int64 {
		together(t, func(int) {
			for i := ops / int64(t); i > 0; i-- {
				n.Add(1)
			}
		})
		return n.Load()
	}
}

// messageRun is L5: t goroutines send their ops/t increments over one
// channel, then a 0 each; the calling goroutine owns the counter and adds
// up what it receives until it has had t zeros.
func messageRun(t int, ops int64) func() int64 {
	ch := make(chan int64, l5Capacity)
	return func() int64 {
		go together(t, func(int) {
			for i := ops / int64(t); i > 0; i-- {
				ch <- 1
			}
			ch <- 0 // done
		})
		var n int64
		for done := 0; done < t; {
			v := <-ch
			if v == 0 {
				done++
			}
			n += v
		}
		return n
	}
}

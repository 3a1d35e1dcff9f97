// Suite F (futures and promises) of comparisons/WORKLOADS.md in Go, which
// has no future type: a goroutine answering on a channel of capacity 1 is
// Go's one-shot promise (F1-F3), and sync.WaitGroup joins F2's goroutines;
// main.go times the bodies and prints the lines.

package main

import (
	"fmt"
	"sync"
)

func init() { suites["F"] = suiteF{} }

// suiteF is the futures suite of WORKLOADS.md.
type suiteF struct{}

// fStages is F1's chain length.
const fStages = 1000

// fParams is a suite F line's "params" object.
type fParams struct {
	Executor   string `json:"executor"`
	Tasks      int64  `json:"tasks,omitempty"`
	Chains     int64  `json:"chains,omitempty"`
	Stages     int64  `json:"stages,omitempty"`
	RoundTrips int64  `json:"round_trips,omitempty"`
}

func (suiteF) workloads() []string { return []string{"F1", "F2", "F3"} }

func (suiteF) impls() []string { return []string{"chan", "WaitGroup"} }

func (suiteF) check(p parameters) error {
	if p.tasks < 10 {
		return fmt.Errorf("--tasks %d: need at least 10 (F3 does tasks/10 round trips)", p.tasks)
	}
	return nil
}

func (suiteF) configs(workload string, p parameters) []config {
	n := p.tasks
	switch workload {
	case "F1":
		chains := max(n/fStages, 1)
		return []config{{workload: "F1", impl: "chan", kind: "channel", unit: "ns/stage",
			label:  fmt.Sprintf("F1 chan chains=%d", chains),
			params: fParams{Executor: "runtime", Tasks: n, Chains: chains, Stages: fStages},
			ops:    chains * fStages, want: chains * fStages,
			prepare: func() func() int64 { return func() int64 { return chainRuns(chains) } }}}
	case "F2":
		want := n * (n + 1) / 2
		return []config{
			{workload: "F2", impl: "chan", kind: "channel", unit: "ns/task",
				label: fmt.Sprintf("F2 chan tasks=%d", n), params: fParams{Executor: "runtime", Tasks: n},
				ops: n, want: want, prepare: func() func() int64 { return func() int64 { return fanoutChan(n) } }},
			{workload: "F2", impl: "WaitGroup", kind: "join", unit: "ns/task",
				label: fmt.Sprintf("F2 WaitGroup tasks=%d", n), params: fParams{Executor: "runtime", Tasks: n},
				ops: n, want: want, prepare: func() func() int64 { return func() int64 { return fanoutWaitGroup(n) } }},
		}
	case "F3":
		r := n / 10
		return []config{{workload: "F3", impl: "chan", kind: "channel", unit: "ns/roundtrip",
			label: fmt.Sprintf("F3 chan round_trips=%d", r), params: fParams{Executor: "runtime", RoundTrips: r},
			ops: r, want: 2 * r, prepare: func() func() int64 { return func() int64 { return handoff(r) } }}}
	}
	return nil
}

// chainRuns builds `chains` chains of fStages goroutines, each waiting for
// its predecessor's value and answering it plus one, and adds up their ends.
func chainRuns(chains int64) int64 {
	var sum int64
	for c := int64(0); c < chains; c++ {
		prev := make(chan int64, 1)
		prev <- 0
		for s := 0; s < fStages; s++ {
			next := make(chan int64, 1)
			go func(in <-chan int64, out chan<- int64) { out <- <-in + 1 }(prev, next)
			prev = next
		}
		sum += <-prev
	}
	return sum
}

// fanoutChan starts n goroutines, each answering its index on its own
// channel, and adds the answers up.
func fanoutChan(n int64) int64 {
	answers := make([]chan int64, n)
	for i := range answers {
		answers[i] = make(chan int64, 1)
		go func(i int64, out chan<- int64) { out <- i }(int64(i+1), answers[i])
	}
	var sum int64
	for _, a := range answers {
		sum += <-a
	}
	return sum
}

// fanoutWaitGroup starts n goroutines that write their index to their own
// slot, waits for all of them and adds the slots up.
func fanoutWaitGroup(n int64) int64 {
	slots := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(int(n))
	for i := range slots {
		go func(i int) { slots[i] = int64(i + 1); wg.Done() }(i)
	}
	wg.Wait()
	var sum int64
	for _, v := range slots {
		sum += v
	}
	return sum
}

// hop is F3's message: the counter and the fresh one-shot channel the
// answer goes to.
type hop struct {
	value int64
	reply chan hop
}

// handoff passes a counter r times to a second goroutine and back, each
// hop on a fresh channel of capacity 1 made by the side that waits; each
// side adds 1, so the counter ends at 2r.
func handoff(r int64) int64 {
	inbox := make(chan hop, 1)
	go func(inbox chan hop) {
		for i := int64(0); i < r; i++ {
			h := <-inbox
			next := make(chan hop, 1)
			h.reply <- hop{h.value + 1, next}
			inbox = next
		}
	}(inbox)
	var v int64
	for i := int64(0); i < r; i++ {
		reply := make(chan hop, 1)
		inbox <- hop{v, reply}
		h := <-reply
		v, inbox = h.value+1, h.reply
	}
	return v
}

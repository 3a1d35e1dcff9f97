// Suite C (channels) of comparisons/WORKLOADS.md on Go channels: C1-C6 at
// every capacity Go has; main.go times the bodies and prints the lines.

package main

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// The only implementation suite C measures here: Go's built-in channel.
const implName = "chan"

func init() { suites["C"] = suiteC{} }

// suiteC is the channels suite of WORKLOADS.md.
type suiteC struct{}

// chanConfig is one configuration of suite C: a workload at one capacity.
type chanConfig struct {
	workload  string // C1..C6
	capacity  int
	producers int   // 0 for C6, which has two symmetric sides instead
	consumers int   // 0 for C6
	channels  int   // 4 for C5, otherwise 0 (not reported)
	messages  int64 // M; for C6 the round trips R = M/10
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

// workloadIDs lists suite C in output order.
var workloadIDs = []string{"C1", "C2", "C3", "C4", "C5", "C6"}

// chanCapacities are the C2-C4 capacities Go channels have; Go has no
// unbounded channel, so that configuration is left out.
var chanCapacities = []int{0, 1, 1024}

func (suiteC) workloads() []string { return workloadIDs }

func (suiteC) impls() []string { return []string{implName} }

func (suiteC) check(p parameters) error {
	if p.messages < 1 {
		return fmt.Errorf("--messages %d: need at least 1", p.messages)
	}
	if m0 := p.handoffMessages(); m0 < 10 {
		return fmt.Errorf("--handoff-messages %d: need at least 10 (C6 does M0/10 round trips)", m0)
	}
	return nil
}

// handoffMessages is M0, or M where the flag was not given.
func (p parameters) handoffMessages() int64 {
	if p.m0 == 0 {
		return p.messages
	}
	return p.m0
}

func (suiteC) configs(workload string, p parameters) []config {
	var out []config
	for _, c := range chanConfigs(workload, p.messages, p.handoffMessages()) {
		if p.runsCapacity(c) {
			out = append(out, c.config())
		}
	}
	return out
}

// runsCapacity says whether --capacities lets c run: it chooses among the
// capacities of C2-C4 only.
func (p parameters) runsCapacity(c chanConfig) bool {
	flow := c.workload == "C2" || c.workload == "C3" || c.workload == "C4"
	return p.capacities == nil || !flow || slices.Contains(p.capacities, strconv.Itoa(c.capacity))
}

// config is c as the harness measures it.
func (c chanConfig) config() config {
	out := config{workload: c.workload, impl: implName, kind: "channel", ops: c.messages,
		want: c.messages * (c.messages + 1) / 2, unit: "ns/msg"}
	if c.workload == "C6" {
		out.unit = "ns/roundtrip"
		out.label = fmt.Sprintf("%s capacity=%d round_trips=%d", c.workload, c.capacity, c.messages)
		out.params = params{Capacity: c.capacity, RoundTrips: c.messages}
	} else {
		out.label = fmt.Sprintf("%s capacity=%d producers=%d consumers=%d messages=%d",
			c.workload, c.capacity, c.producers, c.consumers, c.messages)
		out.params = params{Capacity: c.capacity, Producers: c.producers,
			Consumers: c.consumers, Messages: c.messages, Channels: c.channels}
	}
	prepare := map[string]func(chanConfig) func() int64{"C1": prepareSeq, "C2": prepareShared,
		"C3": prepareShared, "C4": prepareShared, "C5": prepareSelect, "C6": preparePingPong}[c.workload]
	out.prepare = func() func() int64 { return prepare(c) }
	return out
}

// chanConfigs returns the configurations of one workload for M messages; the
// hand-off ones (capacities 0 and 1, and C6) run M0 instead, as the Modes
// table says.
func chanConfigs(workload string, m, m0 int64) []chanConfig {
	switch workload {
	case "C1":
		return []chanConfig{{workload: "C1", capacity: int(m), producers: 1, consumers: 1, messages: m}}
	case "C2", "C3", "C4":
		producers, consumers := 1, 1
		if workload == "C3" || workload == "C4" {
			producers = 4
		}
		if workload == "C4" {
			consumers = 4
		}
		var out []chanConfig
		for _, capacity := range chanCapacities {
			n := m
			if capacity <= 1 {
				n = m0
			}
			out = append(out, chanConfig{workload: workload, capacity: capacity,
				producers: producers, consumers: consumers, messages: n})
		}
		return out
	case "C5":
		return []chanConfig{{workload: "C5", capacity: 1024, producers: 4, consumers: 1,
			channels: 4, messages: m}}
	case "C6":
		return []chanConfig{{workload: "C6", capacity: 0, messages: m0 / 10}}
	}
	return nil
}

// share returns the contiguous range [lo, hi] of 1..=m that producer p of n
// sends; the shares differ by at most one message when n does not divide m.
func share(m int64, p, n int) (lo, hi int64) {
	return int64(p)*m/int64(n) + 1, int64(p+1) * m / int64(n)
}

// prepareSeq is C1: one goroutine fills a channel of capacity M, then drains it.
func prepareSeq(c chanConfig) func() int64 {
	ch := make(chan int64, c.capacity)
	return func() int64 {
		for i := int64(1); i <= c.messages; i++ {
			ch <- i
		}
		var sum int64
		for i := int64(0); i < c.messages; i++ {
			sum += <-ch
		}
		return sum
	}
}

// spawnFlow starts one goroutine of C2-C4 on the side role names
// ("consumer" or "producer"); tests replace it to record the order.
var spawnFlow = func(role string, body func()) { go body() }

// prepareShared is C2-C4: producers and consumers share one channel, which is
// closed once every producer is done so that the consumers' range loops end.
// The consumers start first, then the producers (WORKLOADS.md): a producer
// started first would fill the buffer before anyone receives.
func prepareShared(c chanConfig) func() int64 {
	ch := make(chan int64, c.capacity)
	return func() int64 {
		sums := make([]int64, c.consumers)
		var consumers sync.WaitGroup
		for k := range sums {
			consumers.Add(1)
			spawnFlow("consumer", func() {
				defer consumers.Done()
				var sum int64
				for v := range ch {
					sum += v
				}
				sums[k] = sum
			})
		}
		var producers sync.WaitGroup
		for p := 0; p < c.producers; p++ {
			lo, hi := share(c.messages, p, c.producers)
			producers.Add(1)
			spawnFlow("producer", func() {
				defer producers.Done()
				for i := lo; i <= hi; i++ {
					ch <- i
				}
			})
		}
		producers.Wait()
		close(ch)
		consumers.Wait()
		var total int64
		for _, s := range sums {
			total += s
		}
		return total
	}
}

// prepareSelect is C5: each producer has its own channel and closes it when
// done; the consumer selects over all four and sets a closed channel's
// variable to nil, which removes that case from the select.
func prepareSelect(c chanConfig) func() int64 {
	chans := make([]chan int64, c.channels)
	for i := range chans {
		chans[i] = make(chan int64, c.capacity)
	}
	return func() int64 {
		for p, ch := range chans {
			lo, hi := share(c.messages, p, len(chans))
			go func() {
				for i := lo; i <= hi; i++ {
					ch <- i
				}
				close(ch)
			}()
		}
		a, b, d, e := chans[0], chans[1], chans[2], chans[3]
		var sum int64
		for open := len(chans); open > 0; {
			select {
			case v, ok := <-a:
				if !ok {
					a, open = nil, open-1
					continue
				}
				sum += v
			case v, ok := <-b:
				if !ok {
					b, open = nil, open-1
					continue
				}
				sum += v
			case v, ok := <-d:
				if !ok {
					d, open = nil, open-1
					continue
				}
				sum += v
			case v, ok := <-e:
				if !ok {
					e, open = nil, open-1
					continue
				}
				sum += v
			}
		}
		return sum
	}
}

// preparePingPong is C6: the caller sends 1..=R on ping and waits for each to
// come back on pong before sending the next; both channels are unbuffered, so
// every round trip is two rendezvous handoffs between the goroutines.
func preparePingPong(c chanConfig) func() int64 {
	ping := make(chan int64, c.capacity)
	pong := make(chan int64, c.capacity)
	return func() int64 {
		go func() {
			for v := range ping {
				pong <- v
			}
		}()
		var sum int64
		for i := int64(1); i <= c.messages; i++ {
			ping <- i
			sum += <-pong
		}
		close(ping)
		return sum
	}
}

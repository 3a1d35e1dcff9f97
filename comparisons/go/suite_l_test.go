package main

import (
	"io"
	"strings"
	"testing"
)

var tinyL = parameters{ops: 1000, threads: []int{2, 3}, work: 5, windowMs: 5}

// Every L body gives its exact count, through the same code the benchmark
// times, with T = 3 not dividing K.
func TestSuiteLCounts(t *testing.T) {
	for _, w := range (suiteL{}).workloads() {
		for _, c := range (suiteL{}).configs(w, tinyL) {
			if _, err := measure(c, 2, 1, io.Discard); err != nil {
				t.Errorf("%v: %v", c, err)
			}
			if c.counts == nil && c.want != c.params.(lockParams).Ops {
				t.Errorf("%v: want %d, params.ops %d", c, c.want, c.params.(lockParams).Ops)
			}
		}
	}
}

// The window rows carry a fairness index in (0, 1]; the others none.
func TestSuiteLFairness(t *testing.T) {
	for _, w := range []string{"L2", "L2f"} {
		c := (suiteL{}).configs(w, tinyL)[0]
		res, err := measure(c, 1, 0, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if (res.Fairness != nil) != (w == "L2f") || (res.Fairness != nil && !(*res.Fairness > 0 && *res.Fairness <= 1)) {
			t.Errorf("%s: fairness %v", w, res.Fairness)
		}
	}
	if j := jain([]int64{3, 1}); j != 0.8 {
		t.Errorf("jain(3, 1) = %v, want 0.8", j)
	}
}

// A lock that does not exclude loses updates of L3's state, which fails the
// run instead of giving a figure; so does a window run whose counts do not
// add up.
func TestSuiteLChecksFail(t *testing.T) {
	// Two operations counted, but one's work lost: the state is one step short.
	lost := counted{n: 2, x: lcg(1, 5)}
	if got := lost.checked(lcg(1, 10)); got != -1 {
		t.Errorf("a lost update was accepted: %d", got)
	}
	if ok := (counted{n: 2, x: lcg(1, 10)}); ok.checked(lcg(1, 10)) != 2 {
		t.Errorf("a right state was refused")
	}
	c := (suiteL{}).configs("L2f", tinyL)[0]
	good := c.counts
	c.counts = func() []int64 { return append(good(), 1) }
	if _, err := measure(c, 1, 0, io.Discard); err == nil || !strings.Contains(err.Error(), "the threads counted") {
		t.Errorf("counts that do not add up were accepted: %v", err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The closed form the X runs are checked against is the sum of the loop.
func TestWorkSumIsTheLoopsSum(t *testing.T) {
	for _, steps := range []int64{0, 1, 7, 300} {
		var sum int64
		for i := int64(1); i <= 50; i++ {
			sum += cpuWork(i, steps)
		}
		if got := workSum(50, steps); got != sum {
			t.Errorf("steps %d: workSum %d, loop %d", steps, got, sum)
		}
	}
}

// Every F and X configuration, at a tiny size, gives its expected result.
func TestSuitesFAndXSums(t *testing.T) {
	p := parameters{tasks: 200, poolSizes: []int{1, 3}, latencyMs: 1, parked: 50}
	for _, s := range []suite{suiteF{}, suiteX{}} {
		for _, w := range s.workloads() {
			cs := s.configs(w, p)
			if len(cs) == 0 {
				t.Fatalf("%s: no configurations", w)
			}
			for _, c := range cs {
				if got := c.prepare()(); got != c.want {
					t.Errorf("%v: got %d, want %d", c, got, c.want)
				}
			}
		}
	}
}

// X3's child process reports memory per task as two numbers >= 0.
func TestX3ChildReportsMemory(t *testing.T) {
	var out bytes.Buffer
	if err := runChild("goroutine", 200, &out); err != nil {
		t.Fatal(err)
	}
	var m memory
	if err := json.Unmarshal(out.Bytes(), &m); err != nil || m.RSS < 0 || m.VM < 0 {
		t.Fatalf("child printed %q (%v)", out.String(), err)
	}
	if err := runChild("nonsense", 1, &out); err == nil {
		t.Fatal("an unknown model must be an error")
	}
}

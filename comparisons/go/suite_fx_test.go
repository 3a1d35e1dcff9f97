package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The CPU work gives the values of WORKLOADS.md's table (steps, task 1's
// result, the sum of tasks 1..20), which has a row for each step count.
func TestCPUWorkGivesTheSpecsValues(t *testing.T) {
	text, err := os.ReadFile("../WORKLOADS.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	seen := map[int64]bool{}
	for _, line := range strings.Split(string(text), "\n") {
		var steps int64
		var one, twenty uint64
		if n, _ := fmt.Sscanf(line, "| %d | 0x%x | 0x%x |", &steps, &one, &twenty); n != 3 {
			continue
		}
		rows++
		seen[steps] = true
		if got := uint64(cpuWork(1, steps)); got != one {
			t.Errorf("%d steps: task 1 gives %#x, want %#x", steps, got, one)
		}
		if got := uint64(workSum(20, steps)); got != twenty {
			t.Errorf("%d steps: tasks 1..20 give %#x, want %#x", steps, got, twenty)
		}
	}
	if rows == 0 || !seen[x1Steps] || !seen[x2Steps] {
		t.Fatalf("WORKLOADS.md's table of the CPU work's values: %d rows, %v", rows, seen)
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

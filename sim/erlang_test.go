package sim

import (
	"fmt"
	"testing"
	"time"
)

func TestErlangQuick(t *testing.T) {
	for _, c := range []int{11, 12, 13, 14, 15} {
		m, err := ErlangC(Queue{Rate: 10.0 / 180, AHT: 180 * time.Second, Agents: c}, 20*time.Second)
		a, err2 := ErlangA(Queue{Rate: 10.0 / 180, AHT: 180 * time.Second, Agents: c}, 20*time.Second)
		fmt.Println(c, m, err, a, err2)
	}
	m, _ := ErlangC(Queue{Rate: 360.0 / 1800, AHT: 240 * time.Second, Agents: 55}, 15*time.Second)
	fmt.Println(m)
	m, _ = ErlangA(Queue{Rate: 10.0 / 180, AHT: 180 * time.Second, Agents: 12, Patience: 180 * time.Second}, 20*time.Second)
	fmt.Println(m)
}

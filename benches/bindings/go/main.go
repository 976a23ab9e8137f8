// Host-to-wasm call round trip from Go: call an exported add(i32, i32) N times through the
// wedge Go binding (cgo over libwedge).
//
//	go run . [N]
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"wedge"
)

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	wat, err := os.ReadFile("../add.wat")
	if err != nil {
		panic(err)
	}
	engine := wedge.NewEngine()
	store := wedge.NewStore(engine)
	defer store.Close()
	module, err := wedge.NewModule(engine, wat)
	if err != nil {
		panic(err)
	}
	instance, err := wedge.NewLinker(engine).Instantiate(store, module)
	if err != nil {
		panic(err)
	}
	add := instance.GetFunc("add")
	total := int32(0)
	start := time.Now()
	for i := 0; i < n; i++ {
		r, err := add.Call(total, int32(1))
		if err != nil {
			panic(err)
		}
		total = r.(int32)
	}
	elapsed := time.Since(start)
	if int(total) != n {
		panic(total)
	}
	fmt.Printf("wedge-go: %d calls in %.3f s, %.0f ns per call\n", n, elapsed.Seconds(), float64(elapsed.Nanoseconds())/float64(n))
}

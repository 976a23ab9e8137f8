module wedgebench

go 1.19

require wedge v0.0.0

replace wedge => ../../../bindings/go

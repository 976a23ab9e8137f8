module wedge

go 1.19

module polyconc/comparisons/go

go 1.22

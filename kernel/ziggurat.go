package kernel

//go:generate go run ./internal/zigtables/gen.go -o ziggurat_tables.go

// ziggurat_tables.go holds the tables of 256-layer ziggurats for the normal
// and exponential distributions (Marsaglia and Tsang, "The ziggurat method
// for generating random variables", J. Stat. Software 5(8), 2000): exact
// float64 and uint64 constants computed in 256-bit arithmetic by package
// kernel/internal/zigtables. A test regenerates them and compares.

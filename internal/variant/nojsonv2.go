//go:build !goexperiment.jsonv2

package variant

// experimental is empty: rest-jsonv2 needs GOEXPERIMENT=jsonv2.
var experimental []string

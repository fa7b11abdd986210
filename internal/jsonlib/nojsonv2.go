//go:build !goexperiment.jsonv2

package jsonlib

// experimental is empty: encoding/json/v2 needs GOEXPERIMENT=jsonv2.
var experimental []Lib

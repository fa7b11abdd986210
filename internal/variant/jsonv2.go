//go:build goexperiment.jsonv2

package variant

// experimental are the codec variants of this build's GOEXPERIMENT.
var experimental = []string{RESTJSONv2}

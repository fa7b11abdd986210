package main

import "testing"

func TestSpliceHeadline(t *testing.T) {
	tests := []struct {
		name, doc, text, want string
		wantErr               bool
	}{
		{
			name: "replaces what was there",
			doc:  "# x\n<!-- headline:start -->\nold\n<!-- headline:end -->\nrest\n",
			text: "| a |\n",
			want: "# x\n<!-- headline:start -->\n| a |\n<!-- headline:end -->\nrest\n",
		},
		{
			name: "adds a missing newline",
			doc:  "<!-- headline:start --><!-- headline:end -->",
			text: "t",
			want: "<!-- headline:start -->\nt\n<!-- headline:end -->",
		},
		{name: "no markers", doc: "# x\n", text: "t", wantErr: true},
		{name: "markers reversed", doc: "<!-- headline:end --><!-- headline:start -->", text: "t", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := spliceHeadline([]byte(tt.doc), tt.text)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

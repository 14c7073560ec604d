package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"demo", "-t", "100", "-batch", "3", "-hidden", "16", "-arp", "4"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"differing neuron-steps 0 of 4800", "blocks", "standard", "forward"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"demo", "-arp", "-2"}, "ARP must be >= 0, got -2"},
		{[]string{"demo", "-batch", "0"}, "batch must be positive, got 0"},
		{[]string{"demo", "extra"}, `unexpected argument "extra"`},
	} {
		var out, errOut bytes.Buffer
		err := run(c.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.args, err, c.want)
		}
	}
}
